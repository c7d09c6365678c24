"""pandoc's results kept by content (ground/memo.py): read back in a build, never elsewhere."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from citepress.ground import memo, pandoc, pandocbatch, store
from citepress.ground.memo import OFF, Memo, Recollection

BUILD = Memo(read=True, write=True)  # what a build makes
NO_CACHE = Memo(read=False, write=True)  # citepress build --no-cache


def _no_pandoc(*args: object, **kwargs: object) -> None:
    raise AssertionError("pandoc ran")


def test_a_build_reads_back_what_pandoc_gave_for_the_same_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = pandoc.run(["--to=html"], "memo *once*", memo=BUILD)
    monkeypatch.setattr(subprocess, "Popen", _no_pandoc)
    assert pandoc.run(["--to=html"], "memo *once*", memo=BUILD) == first
    with pytest.raises(AssertionError, match="pandoc ran"):
        pandoc.run(["--to=html"], "memo *twice*", memo=BUILD)


def test_outside_a_build_and_with_no_cache_nothing_is_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pandoc.run(["--to=html"], "kept *here*", memo=BUILD)
    monkeypatch.setattr(subprocess, "Popen", _no_pandoc)
    with pytest.raises(AssertionError, match="pandoc ran"):
        pandoc.run(["--to=html"], "kept *here*")  # `citepress check`: no cache
    with pytest.raises(AssertionError, match="pandoc ran"):
        pandoc.run(["--to=html"], "kept *here*", memo=NO_CACHE)  # `build --no-cache`


def test_a_file_option_counts_by_the_files_bytes_not_its_name(tmp_path: Path) -> None:
    one, two, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    one.write_text("[]", encoding="utf-8")
    two.write_text("[]", encoding="utf-8")
    other.write_text("[{}]", encoding="utf-8")
    keys = [BUILD.key([f"--bibliography={path}"], "x") for path in (one, two, other)]
    assert keys[0] == keys[1] != keys[2]
    assert OFF.key(["--to=html"], "x") is None  # outside a build


def test_a_changed_record_is_not_read_back(tmp_path: Path) -> None:
    run = BUILD.key(["--to=html"], "tampered")
    BUILD.put(run, "<p>right</p>")
    assert run is not None and BUILD.get(run) == "<p>right</p>"
    path = memo.folder() / f"{run}.json"
    path.write_text(path.read_text(encoding="utf-8").replace("right", "wrong"), "utf-8")
    assert BUILD.get(run) is None


def test_pruning_keeps_the_folder_under_its_limit(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"{n}.json").write_bytes(b"x" * 600_000)
    store.prune(tmp_path, limit_mb=1)
    assert len(list(tmp_path.iterdir())) == 1


def test_a_build_remembers_a_value_only_for_the_same_parts_and_when_told() -> None:
    made: list[str] = []

    def compute(value: str, keep: bool = True) -> tuple[str, bool]:
        made.append(value)
        return value, keep

    assert OFF.recall(("t", "a"), (), lambda: compute("a")) == "a"  # outside a build
    assert OFF.recall(("t", "a"), (), lambda: compute("a")) == "a"
    assert made == ["a", "a"]
    kept = Recollection()
    build = Memo(read=True, write=True, recollection=kept)
    assert build.recall(("t", "b"), (), lambda: compute("b")) == "b"
    assert build.recall(("t", "b"), (), lambda: compute("other")) == "b"  # remembered
    assert build.recall(("t", "b"), ("other",), lambda: compute("c")) == "c"  # other parts
    assert build.recall(("t", "d"), (), lambda: compute("d", keep=False)) == "d"
    assert build.recall(("t", "d"), (), lambda: compute("e")) == "e"  # d was not kept
    assert build.recall(("t", "b"), (), lambda: compute("g")) == "g"  # the slot holds c
    no_cache = Memo(read=False, write=True, recollection=kept)  # --no-cache
    assert no_cache.recall(("t", "b"), (), lambda: compute("f")) == "f"
    # The next build of the session (serve) finds what the first remembered.
    after = Memo(read=True, write=True, recollection=kept)
    assert after.recall(("t", "b"), (), lambda: compute("h")) == "g"
    assert made == ["a", "a", "b", "c", "d", "e", "g", "f"]


def test_what_a_build_remembers_is_bounded() -> None:
    kept = Recollection(limit=3)
    build = Memo(read=True, write=True, recollection=kept)
    for n in range(10):
        build.recall(("bounded", str(n)), (), lambda n=n: (n, True))  # type: ignore[misc]
    assert len(kept._slots) == 3
    assert kept.get(("bounded", "9"), ()) == 9 and kept.get(("bounded", "0"), ()) is None


@pytest.mark.slow
def test_builds_in_one_process_read_only_the_changed_chapter_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `citepress serve` builds: the HTML the same as a fresh build's, the rest remembered."""
    from scripts.make_book import make_book  # noqa: PLC0415

    from citepress import config  # noqa: PLC0415
    from citepress.dates import timeline  # noqa: PLC0415
    from citepress.publish import build  # noqa: PLC0415
    from citepress.sources import manuscript  # noqa: PLC0415
    from citepress.sources.bib import read  # noqa: PLC0415

    root = make_book(3, tmp_path / "book")
    settings = config.load(root)
    calls: list[str] = []
    for module, name in ((manuscript, "_finish"), (timeline, "build"), (read, "_parse_any")):
        original = getattr(module, name)

        def spy(*args: object, _original: object = original, _name: str = name) -> object:
            found = _original(*args)  # type: ignore[operator]
            calls.append(_name)
            return found

        monkeypatch.setattr(module, name, spy)

    session = Recollection()  # as `serve` keeps one for all its builds

    def html() -> str:
        done = build.build(
            settings, ["html"], tmp_path / "out", force=True, page_numbers=False,
            recollection=session,
        )  # fmt: skip
        return done.written["html"].read_text(encoding="utf-8")

    html()
    assert calls.count("_finish") == 3 and calls.count("_parse_any") == 1
    calls.clear()
    chapter = root / "manuscript" / "chapter-02.md"
    chapter.write_text(chapter.read_text("utf-8").replace("。", "。追記", 1), "utf-8")
    again = html()
    assert calls == ["_finish", "build"]  # the changed chapter, read and dated
    assert "追記" in again
    # Nothing remembered is used (no cache, a new recollection): the same page.
    fresh = build.build(settings, ["html"], tmp_path / "fresh", use_cache=False, page_numbers=False)
    fresh_html = fresh.written["html"].read_text(encoding="utf-8")
    undated = [re.sub(r'modified" content="[^"]*"', "", page) for page in (again, fresh_html)]
    assert undated[0] == undated[1]


def test_a_chapter_read_short_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chapter cut short (out of time, too deep) is not remembered: the next build retries."""
    from citepress.sources import manuscript  # noqa: PLC0415

    (tmp_path / "a.md").write_text("# A\n\nText.\n", encoding="utf-8")
    original, calls = manuscript._finish, []

    def short(started: Any, raw: Any) -> Any:
        calls.append(started.doc.path)
        doc, diags = original(started, raw)
        doc.complete = doc.path != "short.md"
        return doc, diags

    monkeypatch.setattr(manuscript, "_finish", short)
    build = Memo(read=True, write=True)
    for display in ("short.md", "short.md", "whole.md", "whole.md"):
        manuscript.load(tmp_path, tmp_path / "a.md", display, memo=build)
    assert calls == ["short.md", "short.md", "whole.md"]


def test_a_bibliography_listed_twice_still_reports_its_duplicates(tmp_path: Path) -> None:
    from citepress.sources import bib  # noqa: PLC0415

    (tmp_path / "refs.bib").write_text("@book{a, title={T}, year={2001}}\n", encoding="utf-8")
    twice = [(tmp_path / "refs.bib", "refs.bib")] * 2
    found = []
    for read in (False, True):
        loaded, diags = bib.load(tmp_path, twice, Memo(read=read, write=True))
        found.append((len(loaded.entries), [d.code.value for d in diags]))
    assert found[0] == found[1] == (1, ["bib.duplicate-key"])


def test_a_chapter_read_short_is_dated_again_when_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scripts.make_book import make_book  # noqa: PLC0415

    from citepress import check, config  # noqa: PLC0415

    settings = config.load(make_book(2, tmp_path / "book"))
    original = pandocbatch.run_all

    def fails(jobs: list[Any], deadline: float | None = None, memo: Any = None) -> list[Any]:
        return [pandoc.PandocError("pandoc took longer than 1 s and was stopped") for _ in jobs]

    build = Memo(read=True, write=True)
    monkeypatch.setattr(pandocbatch, "run_all", fails)
    short = check.run(settings, memo=build)
    monkeypatch.setattr(pandocbatch, "run_all", original)
    whole = check.run(settings, memo=build)
    assert all(not sentences for sentences in short.sentences.values())
    assert all(sentences for sentences in whole.sentences.values())
