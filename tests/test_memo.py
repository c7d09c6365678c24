"""pandoc's results kept by content (render/memo.py): read back in a build, never elsewhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from citepress.render import memo, pandoc


def _no_pandoc(*args: object, **kwargs: object) -> None:
    raise AssertionError("pandoc ran")


def test_a_build_reads_back_what_pandoc_gave_for_the_same_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with memo.using(read=True):
        first = pandoc.run(["--to=html"], "memo *once*")
        monkeypatch.setattr(subprocess, "Popen", _no_pandoc)
        assert pandoc.run(["--to=html"], "memo *once*") == first
        with pytest.raises(AssertionError, match="pandoc ran"):
            pandoc.run(["--to=html"], "memo *twice*")


def test_outside_a_build_and_with_no_cache_nothing_is_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with memo.using(read=True):
        pandoc.run(["--to=html"], "kept *here*")
    monkeypatch.setattr(subprocess, "Popen", _no_pandoc)
    with pytest.raises(AssertionError, match="pandoc ran"):
        pandoc.run(["--to=html"], "kept *here*")  # `citepress check`: no cache
    with memo.using(read=False), pytest.raises(AssertionError, match="pandoc ran"):
        pandoc.run(["--to=html"], "kept *here*")  # `citepress build --no-cache`


def test_a_file_option_counts_by_the_files_bytes_not_its_name(tmp_path: Path) -> None:
    one, two, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    one.write_text("[]", encoding="utf-8")
    two.write_text("[]", encoding="utf-8")
    other.write_text("[{}]", encoding="utf-8")
    with memo.using(read=True):
        keys = [memo.key([f"--bibliography={path}"], "x") for path in (one, two, other)]
    assert keys[0] == keys[1] != keys[2]
    assert memo.key(["--to=html"], "x") is None  # outside a build


def test_a_changed_record_is_not_read_back(tmp_path: Path) -> None:
    with memo.using(read=True):
        run = memo.key(["--to=html"], "tampered")
        memo.put(run, "<p>right</p>")
        assert run is not None and memo.get(run) == "<p>right</p>"
        path = memo.folder() / f"{run}.json"
        path.write_text(path.read_text(encoding="utf-8").replace("right", "wrong"), "utf-8")
        assert memo.get(run) is None


def test_pruning_keeps_the_folder_under_its_limit(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.json").write_bytes(b"x" * 600_000)
    memo.prune(tmp_path, limit_mb=1)
    assert len(list(tmp_path.iterdir())) == 1


def _threads_of(jobs: list[str]) -> dict[str, str]:
    """Which thread ran each job of memo.each (a pandoc run per job)."""
    import threading  # noqa: PLC0415

    seen: dict[str, str] = {}

    def job(text: str) -> str:
        out = pandoc.run(["--to=html"], text)
        seen[text] = threading.current_thread().name
        return out

    with memo.using(read=True):
        found = memo.each(job, [(text,) for text in jobs])
    assert found == [pandoc.run(["--to=html"], text) for text in jobs]  # in the jobs' order
    return seen


def test_jobs_whose_runs_are_kept_are_read_in_turn_the_rest_side_by_side() -> None:
    import threading  # noqa: PLC0415

    here = threading.current_thread().name
    first = _threads_of(["each *a*", "each *b*"])
    assert here not in first.values()  # nothing kept: pandoc runs in threads
    second = _threads_of(["each *a*", "each *c*", "each *b*"])
    assert second["each *a*"] == second["each *b*"] == here
    assert second["each *c*"] != here


def test_a_job_that_fails_fails_each() -> None:
    def job(text: str) -> str:
        raise ValueError(text)

    with memo.using(read=True), pytest.raises(ValueError, match="broken"):
        memo.each(job, [("broken",)])
