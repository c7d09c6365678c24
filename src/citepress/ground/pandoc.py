"""Run pandoc (the binary the pypandoc-binary wheel ships) sandboxed and time-limited.

pypandoc finds the binary; we call it ourselves because pypandoc's converters have
no time limit and no way to pass GHC runtime options, and the manuscript comes from
strangers: ``--sandbox`` stops readers and writers from touching any file not named
on the command line (and the network), ``+RTS -M`` bounds memory, the timeout bounds
time. Filters, templates and defaults are never taken from the manuscript: the front
matter is cut off before pandoc sees the text, and every option is ours.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from citepress.ground import sandbox
from citepress.ground.memo import OFF, Memo

TIMEOUT_S = 60
MEMORY = "1024m"
# raw_tex would only matter for LaTeX output; the other extensions are pandoc's defaults.
MARKDOWN = "markdown-raw_tex"
MARKDOWN_ARGS = [f"--from={MARKDOWN}", "--to=json"]


# The pandoc processes running now (chapters convert in threads), for stop_all().
_RUNNING: set[subprocess.Popen[bytes]] = set()
_LOCK = threading.Lock()


class PandocError(Exception):
    """pandoc failed, timed out or could not be found."""


@lru_cache(maxsize=1)
def binary() -> str:
    """The pandoc binary the pypandoc-binary wheel ships (else the one pypandoc finds)."""
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        shipped = Path(folder) / "files" / "pandoc"
        if shipped.is_file():  # found without importing pypandoc (~0.1 s): the check is fast
            return str(shipped)
    import pypandoc  # noqa: PLC0415

    try:
        return str(pypandoc.get_pandoc_path())
    except OSError as exc:
        raise PandocError(f"pandoc not found: {exc}") from exc


def run(args: list[str], stdin: str, timeout: float = TIMEOUT_S, memo: Memo = OFF) -> str:
    """Run pandoc sandboxed with ``args`` on ``stdin``; return its standard output.

    pandoc gets no secrets (a scrubbed environment) and no network (a launcher
    unshares it, then execs pandoc: no preexec_fn, since chapters convert in
    threads); see :mod:`citepress.ground.sandbox`. ``memo``: the build's, which
    keeps the output and may have it already.
    """
    run_key = memo.key(args, stdin)
    kept = memo.get(run_key)
    if kept is not None:  # a build has run this very conversion before
        return kept
    process = start(["--sandbox", *args])
    with running(process):
        try:
            stdout, stderr = process.communicate(stdin.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise PandocError(f"pandoc took longer than {timeout:g} s and was stopped") from None
    if process.returncode != 0:
        # pandoc's errors can quote what it read (a whole file, secrets included):
        # the first 2 lines, at most 500 characters, say what went wrong; no more.
        lines = stderr.decode("utf-8", "replace").strip().splitlines()[:2]
        message = "\n".join(lines)[:500]
        raise PandocError(f"pandoc failed (exit {process.returncode}): {message}")
    output = stdout.decode("utf-8")
    memo.put(run_key, output)
    return output


def start(args: list[str], stderr: int = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """Start pandoc with ``args`` through the launcher: no network, no secrets, ``+RTS -M``."""
    command = sandbox.command([binary(), "+RTS", f"-M{MEMORY}", "-RTS", *args])
    return subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=sandbox.scrubbed_env(),
    )


@contextlib.contextmanager
def running(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """Within the block, :func:`stop_all` stops ``process`` too."""
    with _LOCK:
        _RUNNING.add(process)
    try:
        yield
    finally:
        with _LOCK:
            _RUNNING.discard(process)


def stop_all() -> None:
    """Kill every pandoc still running (the build was interrupted): none outlives it."""
    with _LOCK:
        running = list(_RUNNING)
    for process in running:
        with contextlib.suppress(OSError):
            process.kill()


def markdown_to_json(body: str, timeout: float = TIMEOUT_S, memo: Memo = OFF) -> str:
    """Pandoc's reading of a chapter body: its JSON AST, the one tree check and editions share."""
    return run(MARKDOWN_ARGS, body, timeout, memo)


def read_timeout(size: int) -> float:
    """Time allowed to read a chapter of ``size`` characters: 10 s, and 1 s per 50 KB.

    pandoc reads 27 MB of ordinary prose in ~5 s; its markdown reader is exponential
    on some pathological input (jgm/pandoc#1735, #11687), which this bounds.
    """
    return 10 + size / 50_000


def json_to_html(
    tree: str,
    csl: Path,
    references: Path,
    id_prefix: str = "",
    bibliography: bool = False,
    lang: str = "",
) -> str:
    """Render a chapter's tree as an HTML5 fragment, its citations made endnotes by citeproc.

    The tree's own metadata is replaced by ours before this (a manuscript cannot set
    ``bibliography``, ``csl`` or ``citation-abbreviations``). The citation markers
    stay where the author put them (notes-after-punctuation off): the received text
    places （注N） after the sentence's 。, and that is the author's. Math is written
    as MathML; the bibliography (``#refs``) is written only when ``bibliography``.
    """
    return run(html_args(csl, references, id_prefix, bibliography, lang), tree)


def html_args(
    csl: Path,
    references: Path,
    id_prefix: str = "",
    bibliography: bool = False,
    lang: str = "",
    after_punctuation: bool = False,
) -> list[str]:
    """The options pandoc gets for :func:`json_to_html` (ground/pandocbatch.py runs the same).

    ``after_punctuation``: citeproc moves a note's marker after a following full stop
    or comma (pandoc's ``notes-after-punctuation``); book/convert.py decides by language.
    """
    args = [
        "--from=json",
        "--to=html5",
        "--wrap=none",
        "--mathml",
        "--citeproc",
        f"--csl={csl}",
        f"--bibliography={references}",
        f"--metadata=notes-after-punctuation:{'true' if after_punctuation else 'false'}",
        "--metadata=link-citations:false",
        f"--metadata=suppress-bibliography:{'false' if bibliography else 'true'}",
    ]
    if id_prefix:
        args.append(f"--id-prefix={id_prefix}")
    if lang:  # citeproc's locale: the chapter's language (checked: BCP 47 or refused)
        args.append(f"--metadata=lang:{lang}")
    return args


def bibtex_to_csl(bibtex: str, memo: Memo = OFF) -> list[dict[str, Any]]:
    """Read BibTeX/biblatex text with pandoc's reader into CSL JSON items."""
    out = run(["--from=biblatex", "--to=csljson"], bibtex, memo=memo)
    items = json.loads(out)
    return items if isinstance(items, list) else []
