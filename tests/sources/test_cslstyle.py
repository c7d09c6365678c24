"""A project's CSL style is parsed by us and refused when it references anything."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from citepress.ground import pandoc, sandbox
from citepress.sources import cslstyle
from tests.conftest import ROOT

STYLE = ROOT / "templates" / "csl" / "citepress-note-ja.csl"
CSL_NS = "http://purl.org/net/xbiblio/csl"
HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
OPEN = f'<style xmlns="{CSL_NS}" class="note" version="1.0">\n'
INFO = "  <info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated></info>\n"
CITATION = '  <citation><layout><text variable="title"/></layout></citation>\n'
CLOSE = "</style>\n"

# Notes the chapter's style renders: a speaker, an outlet, an uncertain date, a locator.
ITEMS = [
    {
        "id": "a",
        "type": "article-newspaper",
        "contributor": [{"literal": "プーチン大統領"}],
        "container-title": "イズヴェスチヤ",
        "issued": {"date-parts": [[2001, 10, 25]]},
        "annote": "米ロ首脳会談での発言",
    },
    {
        "id": "b",
        "type": "report",
        "publisher": "インタファクス",
        "issued": {"date-parts": [[2002, 1]], "approximate": True},
        "status": "未詳：著者、題名",
    },
]
TEXT = "本文である。[@a] 次の文。[@b, p. 3; @a]\n"


def style(body: str, head: str = HEAD) -> str:
    return head + OPEN + INFO + body + CITATION + CLOSE


def write(folder: Path, text: str, name: str = "style.csl") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> cslstyle.StyleError:
    project = tmp_path / "project"
    project.mkdir(exist_ok=True)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    with pytest.raises(cslstyle.StyleError) as caught:
        cslstyle.prepare(project, write(project, text), out)
    assert not (out / "style.csl").exists()
    return caught.value


def render(csl: Path, folder: Path) -> str:
    """The notes pandoc (citeproc) makes of TEXT with ``csl``, run directly."""
    references = folder / "references.json"
    references.write_text(json.dumps(ITEMS, ensure_ascii=False), encoding="utf-8")
    args = ["--citeproc", f"--csl={csl}", f"--bibliography={references}", "--to=html"]
    return pandoc.run(args, TEXT)


def test_the_projects_style_passes_and_renders_the_same_notes(tmp_path: Path) -> None:
    copy = cslstyle.prepare(ROOT, STYLE, tmp_path)
    assert copy == tmp_path / "style.csl"
    before, after = render(STYLE, tmp_path), render(copy, tmp_path)
    assert after == before
    assert "イズヴェスチヤ" in after and "〔未詳：著者、題名〕" in after  # notes were rendered


def test_the_copy_keeps_no_link_from_info(tmp_path: Path) -> None:
    links = (
        "  <info><title>t</title><id>t</id><updated>2020-01-01T00:00:00+00:00</updated>\n"
        '    <link rel="self" href="file:///etc/passwd"/>\n'
        '    <link rel="template" href="https://example.invalid/parent.csl"/>\n'
        '    <rights license="https://creativecommons.org/licenses/by-sa/3.0/">CC</rights>\n'
        "  </info>\n"
    )
    project = write(tmp_path, HEAD + OPEN + links + CITATION + CLOSE, "links.csl")
    copy = cslstyle.prepare(tmp_path, project, tmp_path).read_text(encoding="utf-8")
    assert "<link" not in copy and "passwd" not in copy and "example.invalid" not in copy
    assert "<citation>" in copy


def test_a_dependent_style_reads_any_file_when_given_raw_to_pandoc(tmp_path: Path) -> None:
    # The hole: --sandbox does not cover citeproc. pandoc loads the "parent" named
    # by a dependent style (here its own environment, CI secrets and all) and quotes it.
    raw = write(tmp_path, dependent("file:///proc/self/environ"), "dependent.csl")
    env = {**sandbox.scrubbed_env(), "CI_TOKEN": "pretend-secret-42"}
    done = subprocess.run(
        [pandoc.binary(), "--sandbox", "--citeproc", f"--csl={raw}", "--to=html"],
        input=b"[@a]\n",
        capture_output=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.returncode != 0
    assert b"pretend-secret-42" in done.stderr


def test_a_dependent_style_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, dependent("file:///proc/self/environ"))
    assert str(error) == (
        'style.csl:4:5: a dependent style (<link rel="independent-parent">): citeproc '
        "would load its parent from wherever it names; use an independent style"
    )
    assert (error.line, error.column) == (4, 5)
    assert "environ" not in str(error)  # never the file's content


def test_a_style_without_citation_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, HEAD + OPEN + INFO + CLOSE)
    assert "no <citation>" in str(error)
    assert (error.line, error.column) == (2, 1)


def test_a_doctype_with_an_entity_is_refused(tmp_path: Path) -> None:
    head = HEAD + '<!DOCTYPE style [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    error = refused(tmp_path, style('  <macro name="m"><text value="&secret;"/></macro>\n', head))
    assert str(error) == (
        "style.csl:2:17: a DOCTYPE declaration: a CSL style needs none, and its entities "
        "are refused"
    )
    assert "passwd" not in str(error)


@pytest.mark.timeout(10)  # a hang guard: expanded, these entities would be 3 GB
def test_billion_laughs_is_refused_at_once(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    head = HEAD + "<!DOCTYPE style [\n" + "\n".join(entities) + "\n]>\n"
    error = refused(tmp_path, style('  <macro name="m"><text value="&lol9;"/></macro>\n', head))
    assert "DOCTYPE" in str(error)


def test_a_link_outside_the_project_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path, style(""), "elsewhere.csl")
    project = tmp_path / "project"
    project.mkdir()
    (project / "style.csl").symlink_to(outside)
    with pytest.raises(cslstyle.StyleError) as caught:
        cslstyle.prepare(project, project / "style.csl", tmp_path)
    assert str(caught.value) == (
        "style.csl: it is a link to a file outside the project; refusing to read it"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('  <macro name="m"><text macro="file:///etc/passwd"/></macro>\n', "attribute 'macro'"),
        ('  <macro name="../../x"><text value="v"/></macro>\n', "attribute 'name'"),
        ('  <macro name="m"><text href="x" value="v"/></macro>\n', "a href attribute"),
        (
            '  <macro name="m" xmlns:xi="http://www.w3.org/2001/XInclude">'
            '<xi:include href="x"/></macro>\n',
            "outside the CSL namespace",
        ),
        (
            '  <macro name="m" xml:base="file:///etc/"><text value="v"/></macro>\n',
            "other than xml:lang",
        ),
        ('  <macro name="m"><link href="x"/></macro>\n', "a <link> outside <info>"),
        ('  <macro name="m"><style/></macro>\n', "a <style> inside the style"),
    ],
)
def test_references_are_refused(tmp_path: Path, body: str, expected: str) -> None:
    error = refused(tmp_path, style(body))
    assert str(error).startswith("style.csl:4:")
    assert expected in str(error)
    assert "passwd" not in str(error) and "/etc/" not in str(error)


def test_a_root_that_is_not_a_csl_style_is_refused(tmp_path: Path) -> None:
    error = refused(tmp_path, HEAD + "<style><citation/></style>\n")
    assert str(error) == "style.csl:2:1: an element outside the CSL namespace"
    error = refused(tmp_path, HEAD + f'<locale xmlns="{CSL_NS}"/>\n')
    assert str(error) == "style.csl:2:1: the root element is not a CSL <style>"


def test_broken_xml_is_refused_with_its_position(tmp_path: Path) -> None:
    error = refused(tmp_path, style('  <macro name="m"><text value="v"></macro>\n'))
    assert str(error) == "style.csl:4:37: not well-formed XML: mismatched tag"


def test_text_attributes_may_hold_anything(tmp_path: Path) -> None:
    body = (
        '  <macro name="doi">'
        '<text variable="DOI" prefix="https://doi.org/" suffix="&lt;/&gt;"/></macro>\n'
    )
    (tmp_path / "out").mkdir()
    copy = cslstyle.prepare(tmp_path, write(tmp_path, style(body)), tmp_path / "out")
    text = copy.read_text(encoding="utf-8")
    assert 'prefix="https://doi.org/"' in text
    assert 'suffix="&lt;/&gt;"' in text  # escaped again on the way out


def test_absurd_nesting_is_refused(tmp_path: Path) -> None:
    body = '  <macro name="m">' + "<group>" * 200 + "</group>" * 200 + "</macro>\n"
    error = refused(tmp_path, style(body))
    assert "nested more than 100 deep" in str(error)


def dependent(parent: str) -> str:
    """A dependent style: no <citation>, a parent to load instead."""
    return (
        HEAD
        + OPEN
        + "  <info><title>t</title><id>t</id>\n"
        + f'    <link rel="independent-parent" href="{parent}"/>\n'
        + "    <updated>2020-01-01T00:00:00+00:00</updated></info>\n"
        + CLOSE
    )


def test_a_copy_without_its_bibliography_when_none_is_printed(tmp_path: Path) -> None:
    """citeproc builds a bibliography even when told not to print it (110 MB more)."""
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    kept = cslstyle.prepare(ROOT, STYLE, tmp_path / "with").read_text(encoding="utf-8")
    dropped = cslstyle.prepare(ROOT, STYLE, tmp_path / "without", bibliography=False)
    assert "<bibliography" in kept
    assert "<bibliography" not in dropped.read_text(encoding="utf-8")
