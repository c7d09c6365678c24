"""`citepress init`: a book project that checks clean and builds, used from its own repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from citepress import __version__
from citepress.scaffold import ACTION, FILES, HOME
from tests import outputs as ed
from tests.conftest import ROOT
from tests.runcli import cli

# Slow (new projects built, pre-commit and the Action's steps): not in `make quick`.
pytestmark = pytest.mark.slow

# The scaffold's commands run as a new user's would: the citepress on PATH.
BIN = str(Path(sys.executable).parent)
ENV = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}


def _init(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citepress.cli", "init", str(folder), *args],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(("lang", "figure"), [("ja", "図1"), ("en", "Figure 1")])
def test_a_new_project_checks_clean_and_builds(lang: str, figure: str, tmp_path: Path) -> None:
    book = tmp_path / "my-book"
    done = _init(book, "--lang", lang, "--author", "Writer: A. # {title}")
    assert done.returncode == 0, done.stderr
    assert sorted(str(p.relative_to(book)) for p in book.rglob("*") if p.is_file()) == sorted(
        dest for _, dest in FILES
    )
    check = cli(book, "check")
    assert check.returncode == 0 and check.stdout.endswith("0 errors, 0 warnings\n"), check.stdout
    assert cli(book, "build").returncode == 0
    html = ed.html_tree(book / "build" / "book.html")
    assert len(html.findall(".//li[@class='note']")) == 2  # the citation's note and ^[…]
    assert html.find(".//figure//img") is not None
    text = "".join(html.find(".//main").itertext()).replace("\u00a0", " ")  # type: ignore[union-attr]
    assert figure in text  # the cross-reference, numbered
    assert (book / "build" / "book.epub").exists() and (book / "build" / "book.pdf").exists()


def test_it_refuses_to_overwrite_and_then_writes_nothing(tmp_path: Path) -> None:
    book = tmp_path / "book"
    (book / "bib").mkdir(parents=True)
    (book / ".gitignore").write_text("mine\n", encoding="utf-8")
    done = _init(book)
    assert done.returncode == 2
    assert ".gitignore already there; nothing was written" in done.stderr
    assert sorted(p.name for p in book.rglob("*")) == [".gitignore", "bib"]
    assert (book / ".gitignore").read_text(encoding="utf-8") == "mine\n"


def test_a_title_that_would_break_the_settings_is_refused(tmp_path: Path) -> None:
    done = _init(tmp_path / "book", "--title", 'Say "no"')
    assert done.returncode == 2 and "must be one line of plain text" in done.stderr
    assert "give it with --title" in done.stderr
    assert not (tmp_path / "book").exists()


def test_the_workflow_and_hook_name_this_repositorys_action_and_hook(tmp_path: Path) -> None:
    assert _init(tmp_path / "book").returncode == 0
    workflow = yaml.safe_load((tmp_path / "book/.github/workflows/citepress.yml").read_text())
    steps = workflow["jobs"]["book"]["steps"]
    assert steps[-1]["uses"].startswith(f"{ACTION}@v")
    hooks = yaml.safe_load((tmp_path / "book/.pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["repo"] == HOME
    ours = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks["repos"][0]["hooks"][0]["id"] in {hook["id"] for hook in ours}
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"


def _run_action_steps(book: Path, pull_request: bool) -> list[str]:
    """Each shell step of action.yml, as GitHub would run it, in ``book``; the scripts run.

    Two steps are not run here: apt-get (this machine has the packages; `make`
    installs them) and `pip install "$GITHUB_ACTION_PATH"` (the suite's own
    environment is that install); the `uses:` steps are GitHub's own actions.
    Expressions reach a script only through its environment; they are evaluated
    here as GitHub would for a push or a pull request.
    """
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    evaluated = {
        "${{ inputs.formats }}": action["inputs"]["formats"]["default"],
        "${{ startsWith(github.event_name, 'pull_request') }}": str(pull_request).lower(),
    }
    ran = []
    for step in action["runs"]["steps"]:
        script = step.get("run")
        if script is None or "apt-get" in script or "pip install" in script:
            continue
        assert "${{" not in script  # inputs reach a script only through its environment
        inputs = {name: evaluated[value] for name, value in step.get("env", {}).items()}
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=book, capture_output=True, text=True,
            env={**ENV, **inputs, "GITHUB_ACTION_PATH": str(ROOT)}, check=False,
        )  # fmt: skip
        assert done.returncode == 0, (script, done.stdout, done.stderr)
        ran.append(script)
    return ran


def test_the_actions_steps_run_as_a_script_in_a_book_repository(tmp_path: Path) -> None:
    book = tmp_path / "book"
    assert _init(book, "--lang", "ja").returncode == 0
    assert len(_run_action_steps(book, pull_request=False)) == 3
    assert json.loads((book / "citepress.sarif").read_text())["version"] == "2.1.0"
    assert sorted(p.name for p in (book / "build").iterdir()) == [
        "book.epub", "book.html", "book.pdf",
    ]  # fmt: skip


def test_the_actions_steps_hold_up_in_a_hostile_pull_request(tmp_path: Path) -> None:
    """A pull request's templates publish nothing, and odd file names break no step.

    Before --untrusted, a template's `<script>` and `file:` URL went into the HTML
    edition byte for byte (#29). File names that start with `-` or hold a newline
    must reach no command line as options or split arguments.
    """
    book = tmp_path / "book"
    assert _init(book, "--lang", "en").returncode == 0
    page = ROOT / "templates" / "html" / "book.html.j2"
    hostile = page.read_text().replace(
        "</body>",
        '<script>fetch("file:///etc/passwd")</script><img src="file:///etc/hosts"></body>',
    )
    (book / "templates" / "html").mkdir(parents=True)
    (book / "templates" / "html" / "book.html.j2").write_text(hostile)
    assets = book / "manuscript" / "assets"
    for name in ("-rf", "--format=sarif", "a\nb.svg", "-"):
        (assets / name).write_bytes((assets / "figure.svg").read_bytes())
    (book / "templates" / "--untrusted").write_text("x")
    _run_action_steps(book, pull_request=True)
    html = (book / "build" / "book.html").read_text()
    assert "<script" not in html and "file:///etc" not in html
    # The same book built as a push uses its own templates (the project's choice).
    _run_action_steps(book, pull_request=False)
    assert "file:///etc/passwd" in (book / "build" / "book.html").read_text()


@pytest.mark.timeout(1200)
def test_the_scaffolded_pre_commit_config_runs_against_a_local_clone(tmp_path: Path) -> None:
    """The book's own `.pre-commit-config.yaml`, as init wrote it, resolves and runs.

    Its `repo:` is pointed at a local clone of this repository (the only change);
    its `rev:` is kept: the tag of the installed version. Releases are tagged
    (README, Releases); a checkout cloned without its tags gets the tag in the
    clone, as the release would have made it.
    """
    if shutil.which("pre-commit", path=BIN) is None:
        pytest.skip("pre-commit is not installed (`make` installs the dev dependencies)")
    clone = tmp_path / "citepress"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    book = tmp_path / "book"
    assert _init(book).returncode == 0
    config = book / ".pre-commit-config.yaml"
    written = yaml.safe_load(config.read_text())
    (repo,) = written["repos"]
    assert repo["rev"] == f"v{__version__}"
    if (
        subprocess.run(
            ["git", "-C", str(clone), "rev-parse", "-q", "--verify", f"refs/tags/{repo['rev']}"],
            capture_output=True,
            check=False,
        ).returncode
        != 0
    ):
        git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@example.org"]
        subprocess.run([*git, "tag", "-a", repo["rev"], "-m", "release"], check=True)
    config.write_text(config.read_text().replace(f"repo: {HOME}", f"repo: {clone.as_uri()}"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "a book"]):
        subprocess.run([*git, *args], cwd=book, check=True, capture_output=True)
    hook = [str(Path(BIN) / "pre-commit"), "run", "--all-files"]
    env = {**ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    done = subprocess.run(
        hook, cwd=book, capture_output=True, text=True, env=env, check=False, timeout=1100
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "citepress check" in done.stdout and "Passed" in done.stdout
    # A broken citation fails the hook.
    chapter = book / "manuscript" / "01-introduction.md"
    chapter.write_text(chapter.read_text().replace("[@jlreq]", "[@nothere]"), encoding="utf-8")
    failed = subprocess.run(
        hook, cwd=book, capture_output=True, text=True, env=env, check=False, timeout=1100
    )
    assert failed.returncode == 1 and "ref.undefined" in failed.stdout


def test_init_writes_nothing_through_a_link_or_with_control_characters(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    book = tmp_path / "book"
    book.mkdir()
    (book / "manuscript").symlink_to(elsewhere)
    done = _init(book)
    assert done.returncode == 2 and "a link out of" in done.stderr
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in book.iterdir()) == [
        "manuscript"
    ]
    for value in ("a\x01b", "x\x85y", "a\u202eb"):
        done = _init(tmp_path / "other", "--author", value)
        assert done.returncode == 2 and "--author" in done.stderr, value
        assert not (tmp_path / "other").exists()


def test_placeholders_are_filled_once(tmp_path: Path) -> None:
    book = tmp_path / "book"
    assert _init(book, "--title", "{author}", "--author", "{revision}").returncode == 0
    settings = (book / "pyproject.toml").read_text(encoding="utf-8")
    assert 'title = "{author}"' in settings and 'author = "{revision}"' in settings


def test_the_hook_fires_on_every_source_the_check_reads() -> None:
    """It fired only on .md, .bib and .toml: a change to a CSL JSON or YAML bibliography,
    book.yaml, a CSL style or a template was committed unchecked (#29)."""
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    files = re.compile(hook["files"])
    sources = [
        "manuscript/01-intro.md", "manuscript/book.yaml", "bib/refs.bib", "bib/refs.json",
        "bib/refs.yaml", "bib/refs.yml", "pyproject.toml", "templates/style.csl",
        "templates/html/book.html.j2", "templates/pdf/print.css", "manuscript/assets/fig.svg",
        "manuscript/assets/photo.jpg",
    ]  # fmt: skip
    assert [path for path in sources if not files.search(path)] == []
    assert not files.search("README.rst")


def test_the_install_step_runs_no_pip_the_pull_request_committed(tmp_path: Path) -> None:
    """`python -m pip install` in the book's folder ran a committed pip/__main__.py
    (reproduced under the system and a venv Python); the step now runs pip isolated
    from outside the checkout (#29). Its command is run here with --version for
    install, so that nothing is installed into the suite's environment."""
    book = tmp_path / "book"
    (book / "pip").mkdir(parents=True)
    marker = tmp_path / "ran"
    (book / "pip" / "__init__.py").write_text("")
    (book / "pip" / "__main__.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    (script,) = [s["run"] for s in action["runs"]["steps"] if "pip install" in s.get("run", "")]
    script = script.replace('install --quiet "$GITHUB_ACTION_PATH"', "--version")
    env = {**ENV, "RUNNER_TEMP": str(tmp_path), "GITHUB_ACTION_PATH": str(ROOT)}
    done = subprocess.run(["bash", "-e", "-c", script], cwd=book, env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "pip" in done.stdout and not marker.exists()
    # The command as it was runs the committed pip: the test can tell.
    subprocess.run(["python", "-m", "pip", "--version"], cwd=book, env=ENV, capture_output=True,
                   check=False)  # fmt: skip
    assert marker.exists()


def test_the_action_installs_every_package_the_print_edition_needs() -> None:
    action = (ROOT / "action.yml").read_text()
    makefile = (ROOT / "Makefile").read_text()
    needed = re.search(r"^DEBIAN_PACKAGES := (.+?)(?<!\\)$", makefile, re.M | re.S)
    assert needed is not None
    wanted = set(needed.group(1).replace("\\\n", " ").split()) - {"poppler-utils", "python3-venv"}
    assert [name for name in sorted(wanted) if name not in action] == []
