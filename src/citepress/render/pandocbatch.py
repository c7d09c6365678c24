"""Many pandoc runs in a few pandoc processes: a book's chapters read, or rendered, at once.

A pandoc process costs ~60 ms to start (the GHC runtime, our sandbox launcher) and
~15 ms to read a chapter, so a book of 30 chapters spent most of its pandoc time
starting pandoc, twice a chapter. Here the runs a build has not kept (render/memo)
go to one ``pandoc lua`` process per core, which reads a list of jobs on standard
input and writes each result as a line as soon as it has it. Each job gives the same
output as :func:`citepress.render.pandoc.run` with the same options (tests hold the
two to that, byte for byte) and is kept under the same key.

The walls are those of a single run: the launcher (no network, no secrets), ``+RTS
-M``, and no file the job does not name: ``pandoc.read`` is given an empty file
system (its ``read_env``), and only citeproc reads files, the style and references
we wrote. Time is bounded per job, as before: the process is stopped when a job
takes longer than its own limit, that job fails with pandoc's timeout message, and
the jobs after it go to a new process. A job that fails otherwise (or a process
that dies) runs again alone through :func:`pandoc.run`, so its error reads as it
always did.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from citepress.render import memo, pandoc

# Reads the jobs (a JSON list) from standard input; writes one JSON line per job.
SCRIPT = r"""
local jobs = pandoc.json.decode(io.read("a"), false)
local function html(job)
  local doc = pandoc.read(job.text, "json", nil, {})
  doc.meta["csl"] = job.csl
  doc.meta["bibliography"] = job.references
  doc.meta["notes-after-punctuation"] = false
  doc.meta["link-citations"] = false
  doc.meta["suppress-bibliography"] = not job.bibliography
  if job.lang ~= "" then doc.meta["lang"] = job.lang end
  doc = pandoc.utils.citeproc(doc)
  return pandoc.write(doc, "html5", {
    wrap_text = "wrap-none", html_math_method = "mathml", identifier_prefix = job.prefix,
  }) .. "\n"
end
local function read(job)
  return pandoc.write(pandoc.read(job.text, job.format, nil, {}), "json") .. "\n"
end
for _, job in ipairs(jobs) do
  local ok, out = pcall(job.op == "html" and html or read, job)
  io.write(pandoc.json.encode(ok and {out = out} or {error = tostring(out)}), "\n")
  io.stdout:flush()
end
"""


class BudgetSpent(pandoc.PandocError):
    """The job was not started: the caller's time budget was spent on the jobs before it."""


@dataclass(frozen=True)
class Job:
    """One pandoc run: its options and input as ``pandoc.run`` takes them, and for the script."""

    args: list[str]
    stdin: str
    script: dict[str, Any]  # the job as the script reads it
    timeout: float = pandoc.TIMEOUT_S


@dataclass
class _Batch:
    """The jobs one process runs, in order, and what it found so far."""

    jobs: list[tuple[int, Job]]
    found: dict[int, str | pandoc.PandocError] = field(default_factory=dict)


def run_all(jobs: Sequence[Job], deadline: float | None = None) -> list[str | pandoc.PandocError]:
    """Each job's output (or error), in order: kept ones from the memo, the rest in batches.

    ``deadline`` (a ``time.monotonic()`` value) bounds them all: a job not started by
    then fails with :class:`BudgetSpent`, one running then is stopped.
    """
    found: dict[int, str | pandoc.PandocError] = {}
    keys = [memo.key(job.args, job.stdin) for job in jobs]
    for index, key in enumerate(keys):
        kept = memo.get(key)
        if kept is not None:
            found[index] = kept
    missing = [(index, job) for index, job in enumerate(jobs) if index not in found]
    processes = max(1, min(len(missing), os.cpu_count() or 1))
    batches = [_Batch(missing[n::processes]) for n in range(processes)] if missing else []
    with ThreadPoolExecutor(max_workers=max(1, len(batches))) as pool:
        for batch in pool.map(lambda batch: _run(batch, deadline), batches):
            found.update(batch.found)
    for index, key in enumerate(keys):
        result = found[index]
        if isinstance(result, str) and index in dict(missing):
            memo.put(key, result)
    return [found[index] for index in range(len(jobs))]


def read_job(body: str, timeout: float = pandoc.TIMEOUT_S) -> Job:
    """:func:`pandoc.markdown_to_json` of ``body``, as a job."""
    script = {"op": "read", "format": pandoc.MARKDOWN, "text": body}
    return Job(pandoc.MARKDOWN_ARGS, body, script, timeout)


def html_job(
    tree: str, csl: Path, references: Path, id_prefix: str, bibliography: bool, lang: str
) -> Job:
    """:func:`pandoc.json_to_html` of ``tree``, as a job."""
    args = pandoc.html_args(csl, references, id_prefix, bibliography, lang)
    script = {
        "op": "html",
        "text": tree,
        "csl": str(csl),
        "references": str(references),
        "prefix": id_prefix,
        "bibliography": bibliography,
        "lang": lang,
    }
    return Job(args, tree, script)


def _run(batch: _Batch, deadline: float | None) -> _Batch:
    """Run the batch's jobs, a process at a time, until each has its result."""
    todo = list(batch.jobs)
    while todo:
        done = _process(todo, deadline, batch.found)
        todo = todo[done:]
    return batch


def _process(
    todo: list[tuple[int, Job]], deadline: float | None, found: dict[int, str | pandoc.PandocError]
) -> int:
    """One process for ``todo``: how many jobs it settled (at least one)."""
    if deadline is not None and time.monotonic() >= deadline:
        for index, _ in todo:
            found[index] = BudgetSpent("the time budget was spent on the jobs before it")
        return len(todo)
    process = pandoc.start(["lua", "-e", SCRIPT], stderr=subprocess.DEVNULL)
    lines: queue.Queue[bytes] = queue.Queue()
    with pandoc.running(process):
        payload = json.dumps([job.script for _, job in todo], ensure_ascii=False).encode()
        threading.Thread(target=_feed, args=(process, payload, lines), daemon=True).start()
        try:
            return _collect(todo, deadline, lines, found)
        finally:
            process.kill()
            process.wait()


def _feed(process: subprocess.Popen[bytes], payload: bytes, lines: queue.Queue[bytes]) -> None:
    """Write the jobs, then pass each line of output on (an empty one at the end)."""
    with contextlib.suppress(OSError):
        assert process.stdin is not None and process.stdout is not None
        _write(process.stdin, payload)
        for line in process.stdout:
            lines.put(line)
    lines.put(b"")


def _write(stream: IO[bytes], payload: bytes) -> None:
    try:
        stream.write(payload)
    finally:
        stream.close()


def _collect(
    todo: list[tuple[int, Job]],
    deadline: float | None,
    lines: queue.Queue[bytes],
    found: dict[int, str | pandoc.PandocError],
) -> int:
    """Take each job's line as it comes, within its own time; how many were settled."""
    for done, (index, job) in enumerate(todo):
        wait = job.timeout
        if deadline is not None:
            wait = min(wait, max(0.0, deadline - time.monotonic()))
        try:
            line = lines.get(timeout=wait)
        except queue.Empty:
            found[index] = pandoc.PandocError(f"pandoc took longer than {wait:g} s and was stopped")
            return done + 1
        result = _result(line)
        if result is None:  # the process died or wrote nonsense: this job alone, as ever
            found[index] = _alone(job)
            return done + 1
        found[index] = result if isinstance(result, str) else _alone(job)
    return len(todo)


def _result(line: bytes) -> str | pandoc.PandocError | None:
    """A job's output, a failure (to run again alone), or None for no answer at all."""
    try:
        answer = json.loads(line)
    except ValueError:
        return None
    if isinstance(answer, dict) and isinstance(answer.get("out"), str):
        return str(answer["out"])
    if isinstance(answer, dict) and "error" in answer:
        return pandoc.PandocError(str(answer["error"])[:500])
    return None


def _alone(job: Job) -> str | pandoc.PandocError:
    """The job run by itself, as before batches: its own output or pandoc's own error."""
    try:
        return pandoc.run(job.args, job.stdin, job.timeout)
    except pandoc.PandocError as exc:
        return exc
