"""Run the citepress command on a project, as a user would: a fresh process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def cli(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``citepress -C root ARGS``; its exit code and text output (``env``: the whole env)."""
    return subprocess.run(
        [sys.executable, "-m", "citepress.cli", "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
