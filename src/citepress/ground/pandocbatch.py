"""Many pandoc runs in a few pandoc processes: a book's chapters read, or rendered, at once.

A pandoc process costs ~60 ms to start (the GHC runtime, our sandbox launcher) and
~15 ms to read a chapter, so a book of 30 chapters spent most of its pandoc time
starting pandoc, twice a chapter. Here the runs a build has not kept (ground/memo)
go to one ``pandoc lua`` process per core, which reads a list of jobs on standard
input and writes each result as a line as soon as it has it. Each job gives the same
output as :func:`citepress.ground.pandoc.run` with the same options (tests hold the
two to that, byte for byte: the reader gets the command line's 72 columns, which
size tables, and the output one final newline, as the command line writes it) and
is kept under the same key.

The walls are those of a single run: the launcher (no network, no secrets), ``+RTS
-M``, and no file the job does not name: ``pandoc.read`` is given an empty file
system (its ``read_env``), and only citeproc reads files, the style and references
we wrote. Time is bounded per job, as before: the process is stopped when a job
takes longer than its own limit, that job fails with pandoc's timeout message, and
the jobs after it go to a new process; past the caller's deadline no job starts.
A job that fails otherwise (or a process that dies) runs again alone through
:func:`pandoc.run`, within the same limits, so its error reads as it always did.
Interrupted (Ctrl-C), the runs' processes are killed and no new one starts.
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

from citepress.ground import pandoc
from citepress.ground.memo import OFF, Memo

# Reads the jobs (a JSON list) from standard input; writes one JSON line per job.
SCRIPT = r"""
local jobs = pandoc.json.decode(io.read("a"), false)
local reading = {columns = 72}  -- the command line's default: it sizes tables
local function ended(text)
  if text:sub(-1) == "\n" then return text end
  return text .. "\n"
end
local function html(job)
  local doc = pandoc.read(job.text, "json", reading, {})
  doc.meta["csl"] = job.csl
  doc.meta["bibliography"] = job.references
  doc.meta["notes-after-punctuation"] = job.after_punctuation
  doc.meta["link-citations"] = false
  doc.meta["suppress-bibliography"] = not job.bibliography
  if job.lang ~= "" then doc.meta["lang"] = job.lang end
  doc = pandoc.utils.citeproc(doc)
  return ended(pandoc.write(doc, "html5", {
    wrap_text = "wrap-none", html_math_method = "mathml", identifier_prefix = job.prefix,
  }))
end
local function read(job)
  return ended(pandoc.write(pandoc.read(job.text, job.format, reading, {}), "json"))
end
for _, job in ipairs(jobs) do
  local ok, out = pcall(job.op == "html" and html or read, job)
  io.write(pandoc.json.encode(ok and {out = out} or {error = tostring(out)}), "\n")
  io.stdout:flush()
end
"""


# False once a batch process answered nothing while its first job ran well alone: a
# pandoc without ``pandoc lua`` or its json module (older than 3.1.1, where pypandoc
# finds the system's). Each job then runs alone, as before batches.
_BATCHES = [True]


class BudgetSpent(pandoc.PandocError):
    """The job was not started: the caller's time budget was spent on the jobs before it."""


SPENT = "the time budget was spent on the jobs before it"  # BudgetSpent's message


@dataclass(frozen=True)
class Job:
    """One pandoc run: its options and input as ``pandoc.run`` takes them, and for the script."""

    args: list[str]
    stdin: str
    script: dict[str, Any]  # the job as the script reads it
    timeout: float = pandoc.TIMEOUT_S


Result = str | pandoc.PandocError


@dataclass
class _Runs:
    """What the batches of one call share: the deadline, the stop, what each job gave."""

    deadline: float | None
    stop: threading.Event = field(default_factory=threading.Event)
    found: dict[int, Result] = field(default_factory=dict)

    def left(self, limit: float) -> float:
        """``limit``, or less: the time to the deadline (0 once it has passed)."""
        if self.deadline is None:
            return limit
        return min(limit, max(0.0, self.deadline - time.monotonic()))


def run_all(jobs: Sequence[Job], deadline: float | None = None, memo: Memo = OFF) -> list[Result]:
    """Each job's output (or error), in order: kept ones from the memo, the rest in batches.

    ``deadline`` (a ``time.monotonic()`` value) bounds them all: a job running then
    is stopped, one not started by then fails with :class:`BudgetSpent`.
    """
    runs = _Runs(deadline)
    keys = [memo.key(job.args, job.stdin) for job in jobs]
    for index, key in enumerate(keys):
        kept = memo.get(key)
        if kept is not None:
            runs.found[index] = kept
    missing = [(index, job) for index, job in enumerate(jobs) if index not in runs.found]
    processes = max(1, min(len(missing), os.cpu_count() or 1))
    pool = ThreadPoolExecutor(max_workers=processes)
    try:
        list(pool.map(lambda n: _run(missing[n::processes], runs), range(processes)))
    except BaseException:  # interrupted: no process of ours goes on, none starts
        runs.stop.set()
        pandoc.stop_all()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for index, _ in missing:
        result = runs.found[index]
        if isinstance(result, str):
            memo.put(keys[index], result)
    return [runs.found[index] for index in range(len(jobs))]


def read_job(body: str, timeout: float = pandoc.TIMEOUT_S) -> Job:
    """:func:`pandoc.markdown_to_json` of ``body``, as a job."""
    script = {"op": "read", "format": pandoc.MARKDOWN, "text": body}
    return Job(pandoc.MARKDOWN_ARGS, body, script, timeout)


def html_job(
    tree: str,
    csl: Path,
    references: Path,
    id_prefix: str,
    bibliography: bool,
    lang: str,
    after_punctuation: bool = False,
) -> Job:
    """:func:`pandoc.json_to_html` of ``tree``, as a job."""
    args = pandoc.html_args(csl, references, id_prefix, bibliography, lang, after_punctuation)
    script = {
        "op": "html",
        "text": tree,
        "csl": str(csl),
        "references": str(references),
        "prefix": id_prefix,
        "bibliography": bibliography,
        "lang": lang,
        "after_punctuation": after_punctuation,
    }
    return Job(args, tree, script)


def _run(todo: list[tuple[int, Job]], runs: _Runs) -> None:
    """Run ``todo`` in order, a process at a time, until each job has its result."""
    while todo:
        todo = todo[_process(todo, runs) :]


def _process(todo: list[tuple[int, Job]], runs: _Runs) -> int:
    """One process for ``todo``: how many jobs it settled (at least one)."""
    if runs.stop.is_set() or runs.left(1.0) <= 0:
        return _spent(todo, runs)
    if not _BATCHES[0]:
        runs.found[todo[0][0]] = _alone(todo[0][1], runs)
        return 1
    payload = json.dumps([job.script for _, job in todo], ensure_ascii=False).encode()
    try:
        process = pandoc.start(["lua", "-e", SCRIPT], stderr=subprocess.DEVNULL)
    except (pandoc.PandocError, OSError) as exc:  # pandoc not found: every job says so
        for index, _ in todo:
            runs.found[index] = pandoc.PandocError(str(exc))
        return len(todo)
    lines: queue.Queue[bytes] = queue.Queue()
    with pandoc.running(process):
        threading.Thread(target=_feed, args=(process, payload, lines), daemon=True).start()
        try:
            return _collect(todo, runs, lines)
        finally:
            process.kill()
            process.wait()


def _spent(todo: list[tuple[int, Job]], runs: _Runs) -> int:
    for index, _ in todo:
        runs.found[index] = BudgetSpent(SPENT)
    return len(todo)


def _feed(process: subprocess.Popen[bytes], payload: bytes, lines: queue.Queue[bytes]) -> None:
    """Write the jobs, then pass each line of output on (an empty one at the end)."""
    with contextlib.suppress(OSError, ValueError):
        assert process.stdin is not None and process.stdout is not None
        _write(process.stdin, payload)
        with process.stdout as output:
            for line in output:
                lines.put(line)
    lines.put(b"")


def _write(stream: IO[bytes], payload: bytes) -> None:
    try:
        stream.write(payload)
    finally:
        stream.close()


def _collect(todo: list[tuple[int, Job]], runs: _Runs, lines: queue.Queue[bytes]) -> int:
    """Take each job's line as it comes, within its own time; how many were settled."""
    for done, (index, job) in enumerate(todo):
        wait = runs.left(job.timeout)
        try:
            line = lines.get(timeout=wait) if wait > 0 else lines.get_nowait()
        except queue.Empty:
            if wait <= 0:  # the deadline passed before this job was waited for
                return done + _spent(todo[done:], runs)
            runs.found[index] = pandoc.PandocError(
                f"pandoc took longer than {wait:g} s and was stopped"
            )
            return done + 1
        result = _result(line)
        if isinstance(result, str):
            runs.found[index] = result
            continue
        runs.found[index] = _alone(job, runs)  # it failed: alone, its error as ever
        if result is None:  # no answer at all: the process is gone
            if done == 0 and isinstance(runs.found[index], str):
                _BATCHES[0] = False  # this pandoc cannot run batches: alone from now on
            return done + 1
    return len(todo)


def _result(line: bytes) -> str | bool | None:
    """A job's output; False when it failed; None for no answer (a dead process)."""
    try:
        answer = json.loads(line)
    except ValueError:
        return None
    if isinstance(answer, dict) and isinstance(answer.get("out"), str):
        return str(answer["out"])
    return False if isinstance(answer, dict) and "error" in answer else None


def _alone(job: Job, runs: _Runs) -> Result:
    """The job run by itself, within the time left: its own output or pandoc's own error."""
    wait = runs.left(job.timeout)
    if runs.stop.is_set() or wait <= 0:
        return BudgetSpent(SPENT)
    try:
        return pandoc.run(job.args, job.stdin, wait)
    except pandoc.PandocError as exc:
        return exc
