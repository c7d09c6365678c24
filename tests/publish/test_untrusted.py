"""``--untrusted``: the editions are rendered with the package's templates only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from citepress import config
from citepress.book import templates
from citepress.publish.build import untrusted_notes
from citepress.publish.cache import keys
from citepress.sources.templatefiles import PACKAGE_TEMPLATES, search_path


def _project(tmp_path: Path) -> config.Settings:
    (tmp_path / "pyproject.toml").write_text("[tool.citepress]\nbibliography = []\n")
    (tmp_path / "manuscript").mkdir()
    own = tmp_path / "templates" / "html"
    own.mkdir(parents=True)
    (own / "book.html.j2").write_text("<script>alert(1)</script>")
    (tmp_path / "templates" / "csl").mkdir()
    (tmp_path / "templates" / "csl" / "mine.csl").write_text("<style/>")
    return config.load(tmp_path)


def test_the_project_templates_are_left_out_and_said_to_be(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    assert settings.edition_templates == tmp_path / "templates"
    untrusted = replace(settings, untrusted=True)
    assert untrusted.edition_templates is None
    assert search_path(untrusted.edition_templates) == [PACKAGE_TEMPLATES]
    env = templates.environment(untrusted.edition_templates)
    found = env.get_template("html/book.html.j2").filename or ""
    assert found.startswith(str(PACKAGE_TEMPLATES))
    (note,) = untrusted_notes(untrusted)
    assert "1 template file(s) in templates/" in note  # the CSL style is data: still read
    assert untrusted_notes(settings) == []


def test_an_untrusted_build_is_cached_apart(tmp_path: Path) -> None:
    settings = _project(tmp_path)
    trusted = keys(settings, ["html"], [])
    assert keys(replace(settings, untrusted=True), ["html"], []) != trusted
    assert keys(settings, ["html"], []) == trusted


def test_an_untrusted_build_keys_on_the_styles_and_strings_it_still_reads(tmp_path: Path) -> None:
    """They stay the project's in untrusted mode: a change must rebuild (it did not)."""
    settings = replace(_project(tmp_path), untrusted=True)
    before = keys(settings, ["html"], [])["html"]
    (tmp_path / "templates" / "csl" / "mine.csl").write_text("<style><info/></style>")
    changed_style = keys(settings, ["html"], [])["html"]
    (tmp_path / "templates" / "i18n").mkdir()
    (tmp_path / "templates" / "i18n" / "en.yaml").write_text("contents: Other\n")
    assert len({before, changed_style, keys(settings, ["html"], [])["html"]}) == 3
