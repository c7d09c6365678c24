"""pandoc runs in batches (ground/pandocbatch.py): the same output as one run each, as bounded."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from scripts.make_book import make_book

from citepress import check
from citepress import config as project
from citepress.book import convert
from citepress.ground import pandoc, pandocbatch
from citepress.ground.memo import Memo
from tests.conftest import ROOT

SLOW = "[" * 20 + "a\n"  # pandoc's reader is exponential on unclosed brackets (#1735)
ENGLISH = """# Methods {#sec-m}

Text with *emphasis*, `code`, $E = mc^2$ and a note.[^1] See @sec-m.

$$\\int_0^1 x\\,dx$$

| a | b |
|---|---|
| 1 | 2 |

<span class="raw">raw</span> and <script>alert(1)</script>

```python
print("hi")
```

[^1]: A note with a [link](https://example.org).

+-----------+----------------------+
| Grid      | table                |
+===========+======================+
| sized by  | the reader's columns |
+-----------+----------------------+

-------------------------------------------------------------
 Multiline   table
----------- -------------------------------------------------
 sized       by the columns too

-------------------------------------------------------------

| a pipe table with a row long enough to be sized | b           |
|-------------------------------------------------|-------------|
| 1                                               | 2           |

<div>raw html ending in a blank line</div>

"""


def _texts(root: Path) -> list[str]:
    return [path.read_text("utf-8") for path in project.load(root).manuscripts()]


def test_reading_in_a_batch_gives_each_runs_own_output(tmp_path: Path) -> None:
    bodies = [*_texts(ROOT), *_texts(make_book(3, tmp_path / "book")), ENGLISH]
    batch = pandocbatch.run_all([pandocbatch.read_job(body) for body in bodies])
    assert batch == [pandoc.markdown_to_json(body) for body in bodies]


def test_rendering_in_a_batch_gives_each_runs_own_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every chapter of the seed and of a generated book: citeproc, notes, prefixes, all."""
    compared: list[tuple[list[Any], list[Any]]] = []
    original = pandocbatch.run_all

    def both(
        jobs: list[pandocbatch.Job], deadline: float | None = None, memo: Any = None
    ) -> list[Any]:
        found = original(jobs, deadline)
        compared.append((found, [pandoc.run(job.args, job.stdin) for job in jobs]))
        return found

    monkeypatch.setattr(pandocbatch, "run_all", both)
    (tmp_path / "english" / "manuscript").mkdir(parents=True)
    (tmp_path / "english" / "manuscript" / "a.md").write_text(ENGLISH, "utf-8")
    (tmp_path / "english" / "pyproject.toml").write_text("[tool.citepress]\n", "utf-8")
    for root in (ROOT, make_book(3, tmp_path / "book"), tmp_path / "english"):
        settings = project.load(root)
        checked = check.run(settings)
        convert.book(settings, checked.docs, checked.bib, checked.images)
    assert [len(batch) for batch, _ in compared] == [1, 1, 3, 3, 1, 1]  # read, then render
    for batch, alone in compared:
        assert batch == alone


def test_a_job_past_its_time_stops_alone_and_the_rest_are_done() -> None:
    jobs = [
        pandocbatch.read_job("one\n"),
        pandocbatch.read_job(SLOW, timeout=1.0),
        pandocbatch.read_job("three\n"),
        pandocbatch.read_job("four\n"),
    ]
    began = time.monotonic()
    found = pandocbatch.run_all(jobs)
    assert time.monotonic() - began < 20  # not the ~40 s the slow one needs
    assert isinstance(found[1], pandoc.PandocError) and "longer than 1 s" in str(found[1])
    assert found[0] == pandoc.markdown_to_json("one\n")
    assert found[2:] == [pandoc.markdown_to_json(text) for text in ("three\n", "four\n")]


def test_jobs_past_the_deadline_are_not_started() -> None:
    jobs = [pandocbatch.read_job(SLOW, timeout=30.0) for _ in range(4)]
    found = pandocbatch.run_all(jobs, deadline=time.monotonic() + 1.0)
    assert all(isinstance(result, pandoc.PandocError) for result in found)
    assert any(isinstance(result, pandocbatch.BudgetSpent) for result in found)


def test_a_failed_job_reads_as_its_own_run_fails() -> None:
    broken = pandocbatch.Job(["--from=json", "--to=html5"], "{not json", {"op": "html"})
    fine = pandocbatch.read_job("fine\n")
    found = pandocbatch.run_all([broken, fine])
    with pytest.raises(pandoc.PandocError) as alone:
        pandoc.run(broken.args, broken.stdin)
    assert isinstance(found[0], pandoc.PandocError) and str(found[0]) == str(alone.value)
    assert found[1] == pandoc.markdown_to_json("fine\n")


def test_a_build_keeps_each_run_under_the_key_of_one_run() -> None:
    body = "kept in a batch\n"
    build = Memo(read=True, write=True)
    pandocbatch.run_all([pandocbatch.read_job(body)], memo=build)
    kept = build.get(build.key(pandoc.MARKDOWN_ARGS, body))
    assert kept == pandoc.markdown_to_json(body)


def test_past_the_deadline_a_job_is_not_started_nor_said_to_be_slow() -> None:
    slow = [pandocbatch.read_job(SLOW, timeout=30.0) for _ in range(4)]
    jobs = [*slow, *(pandocbatch.read_job("fine\n") for _ in range(4))]  # each after a slow one
    found = pandocbatch.run_all(jobs, deadline=time.monotonic() + 1.0)
    assert all(isinstance(result, pandoc.PandocError) for result in found)
    assert not [result for result in found if " 0 s" in str(result)]
    assert all(isinstance(result, pandocbatch.BudgetSpent) for result in found[4:])


def test_a_failed_job_is_not_run_again_past_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def alone(*args: object) -> str:
        ran.append("alone")
        return ""

    monkeypatch.setattr(pandoc, "run", alone)
    broken = pandocbatch.Job(["--from=json", "--to=html5"], "{not json", {"op": "html"})
    found = pandocbatch.run_all([broken], deadline=time.monotonic() - 1)
    assert ran == [] and isinstance(found[0], pandocbatch.BudgetSpent)


def test_without_pandoc_every_job_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*args: object, **kwargs: object) -> object:
        raise pandoc.PandocError("pandoc not found: no such file")

    monkeypatch.setattr(pandoc, "start", missing)
    found = pandocbatch.run_all([pandocbatch.read_job("a\n"), pandocbatch.read_job("b\n")])
    assert [str(result) for result in found] == ["pandoc not found: no such file"] * 2


def test_a_pandoc_that_cannot_run_batches_runs_each_job_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pandocbatch, "SCRIPT", "error('no batches here')")
    monkeypatch.setattr(pandocbatch, "_BATCHES", [True])
    texts = [f"job {n}\n" for n in range(5)]
    found = pandocbatch.run_all([pandocbatch.read_job(text) for text in texts])
    assert found == [pandoc.markdown_to_json(text) for text in texts]
    assert pandocbatch._BATCHES == [False]
