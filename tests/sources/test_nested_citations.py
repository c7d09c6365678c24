"""A citation inside another's prefix or suffix: the check names what the editions lose.

pandoc prints only the last such citation, in the whole group's place, and loses
every other citation of the group. Before, the check blamed the inner citation
(which is printed) and counted the lost ones as cited.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from citepress import check
from citepress import config as project
from tests.conftest import ROOT
from tests.runcli import cli

FIXTURE = ROOT / "tests" / "fixtures" / "patterns" / "nested-citation-group"
# The first author's family name of each entry, as the author-date style prints it.
NAMES = {"ames-index": "Ames", "bell-ports": "Bell", "cole-tide": "Cole"}


@pytest.mark.slow
def test_the_lost_citations_are_exactly_those_the_html_edition_does_not_print(
    tmp_path: Path,
) -> None:
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "bib").mkdir()
    shutil.copy(FIXTURE / "chapter.md", tmp_path / "manuscript" / "chapter.md")
    shutil.copy(FIXTURE / "refs.bib", tmp_path / "bib" / "refs.bib")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.citepress]\ncsl = "apa"\nbibliography = ["bib/refs.bib"]\n', encoding="utf-8"
    )
    result = check.run(project.load(tmp_path))
    lost = {
        (d.line, m)
        for d in result.diagnostics
        for m in re.findall(r"^citation @(\S+) is lost", d.message)
    }
    done = cli(tmp_path, "build", "--format", "html", "--force", "--no-cache")
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "build" / "chapter.html").read_text(encoding="utf-8")
    body = html.split('id="refs"', 1)[0]
    paragraphs = [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p>(.*?)</p>", body, re.S)]
    source = (tmp_path / "manuscript" / "chapter.md").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(source, start=1):
        keys = re.findall(r"@([a-z-]+)", line)
        if not keys:
            continue
        (printed,) = [p for p in paragraphs if p.split()[0] == line.split()[0]]
        for key in set(keys):
            written = keys.count(key)
            lost_here = sum(1 for (n, k) in lost if n == number and k == key)
            assert printed.count(NAMES[key]) == written - lost_here, (line, printed)
