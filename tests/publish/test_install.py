"""An installed citepress works without the dev extras, from a folder of its own.

The wheel is built from this checkout and installed into a fresh virtual
environment outside the repository, with its runtime dependencies only; from
there a new book is made, checked, built in every format and proofed, and every
module of the package is imported. Before pypdf was declared a runtime
dependency, ``proof`` and ``build --format print`` failed here ("No module named
'pypdf'"); a run-time import that only the dev extras satisfy fails here too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``args`` with no PYTHONPATH (nothing of the checkout may leak in)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding the wheel built from this checkout."""
    base = tmp_path_factory.mktemp("install")
    # A copy of the checkout's tracked files: the build writes nothing into the repository.
    source = base / "source"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(source)], check=True)
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", "dist", "."], source
    )
    assert built.returncode == 0, built.stderr
    wheel = next((source / "dist").glob("citepress-*.whl"))
    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], base)
    assert made.returncode == 0, made.stderr
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], base)
    assert pip.returncode == 0, pip.stderr
    return venv / "bin"


def test_every_module_imports_with_the_runtime_dependencies(installed: Path) -> None:
    script = (
        "import importlib, pkgutil, citepress\n"
        "names = [m.name for m in pkgutil.walk_packages(citepress.__path__, 'citepress.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names), citepress.__file__)\n"
    )
    done = _run([str(installed / "python"), "-I", "-c", script], installed)
    assert done.returncode == 0, done.stderr
    count, where = done.stdout.split()
    assert int(count) > 90
    assert str(ROOT) not in where and "site-packages" in where


def test_a_new_book_checks_builds_every_format_and_proofs(installed: Path, tmp_path: Path) -> None:
    citepress = str(installed / "citepress")
    made = _run([citepress, "init", "book", "--lang", "en", "--author", "A. Author"], tmp_path)
    assert made.returncode == 0, made.stderr
    book = tmp_path / "book"
    checked = _run([citepress, "check"], book)
    assert checked.returncode == 0 and "0 errors" in checked.stdout, checked.stdout
    built = _run([citepress, "build", "--format", "html,epub,pdf,print"], book)
    assert built.returncode == 0, built.stdout + built.stderr
    for suffix in (".html", ".epub", ".pdf", ".print.pdf"):
        assert (book / "build" / f"book{suffix}").stat().st_size > 1000, suffix
    proofed = _run([citepress, "proof"], book)
    assert proofed.returncode == 0, proofed.stdout + proofed.stderr
    assert (book / "build" / "book.proof.pdf").read_bytes().startswith(b"%PDF-")
    assert "internal error" not in built.stderr + proofed.stderr
