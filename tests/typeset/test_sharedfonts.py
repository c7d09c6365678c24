"""The parts a worker lays out share one font configuration, and read each face once."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from citepress.typeset import layout, pdffonts, sharedfonts

PAGE = '<html lang="ja"><body><p style="font-family: serif">{}</p></body></html>'
PDF_ID = b"0" * 32


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    sharedfonts.release()
    yield
    sharedfonts.release()


def _written(html: str, store: Path, font_config: Any, assets: list[Path] | None = None) -> bytes:
    document, options = layout.laid_out(html, PDF_ID, assets or [], font_config)
    with pdffonts.deferred(store):
        return layout.pdf_bytes(document, **options)


def _copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The faces whose whole file WeasyPrint copies out of HarfBuzz, as they are copied."""
    from weasyprint.pdf import fonts  # noqa: PLC0415

    copied: list[int] = []
    original = fonts.get_hb_object_data

    def counted(hb_object: Any, *args: Any) -> Any:
        if not any(args):
            copied.append(sharedfonts._address(hb_object))
        return original(hb_object, *args)

    monkeypatch.setattr(fonts, "get_hb_object_data", counted)
    return copied


def _own_font(tmp_path: Path) -> Path:
    """An asset folder holding a font of the project's own (any TrueType installed)."""
    found = sorted(Path("/usr/share/fonts").rglob("*.ttf"))
    if not found:
        pytest.skip("no TrueType font is installed")
    assets = tmp_path / "assets"
    assets.mkdir(exist_ok=True)
    (assets / "own.ttf").write_bytes(found[0].read_bytes())
    return assets


def test_parts_laid_out_in_one_process_copy_each_face_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each part copied and hashed every face's file (~66 MB of Noto CJK) anew."""
    copied = _copies(monkeypatch)
    _written(PAGE.format("第一章の本文。"), tmp_path, sharedfonts.configuration())
    faces = len(copied)
    for text in ("第二章の本文、もう少し長い。", "第三章。"):
        _written(PAGE.format(text), tmp_path, sharedfonts.configuration())
    assert faces and len(copied) == faces  # the later parts drew with the same faces
    assert not sharedfonts.configuration().strut_layouts  # emptied for each part


def test_weasyprints_own_subsets_are_not_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A font with a glyph WeasyPrint had to invent is subset by it, a new face each time:
    kept, those filled the memo and pushed the book's faces out."""
    page = PAGE.format("本文\U000f0000")  # a private-use character no font has
    _written(page, tmp_path, sharedfonts.configuration())
    kept = len(sharedfonts._FACES)
    for _ in range(2):
        _written(page, tmp_path, sharedfonts.configuration())
    assert kept and len(sharedfonts._FACES) == kept


def test_a_part_laid_out_after_others_is_the_part_laid_out_alone(tmp_path: Path) -> None:
    shared = sharedfonts.configuration()
    _written(PAGE.format("前の章。" * 40), tmp_path, shared)
    html = PAGE.format("この章の本文は、前の章のあとに組まれる。" * 30)
    assert _written(html, tmp_path, sharedfonts.configuration()) == _written(html, tmp_path, None)


def test_a_documents_own_font_is_never_another_documents_fallback(tmp_path: Path) -> None:
    assets = _own_font(tmp_path)
    first = sharedfonts.configuration()
    assert sharedfonts.configuration() is first
    own = "<style>@font-face { font-family: own; src: url(own.ttf) }</style>"
    _written(own + PAGE.format("自前のフォント。"), tmp_path, first, [assets])
    assert first.added
    assert sharedfonts.configuration() is not first
    asks = '<html lang="en"><body><p style="font-family: own, serif">Own?</p></body></html>'
    assert _written(asks, tmp_path, sharedfonts.configuration()) == _written(asks, tmp_path, None)


def test_a_forked_process_makes_its_own_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """And leaves the parent's @font-face files alone (WeasyPrint deletes its folder)."""
    assets = _own_font(tmp_path)
    first = sharedfonts.configuration()
    own = "<style>@font-face { font-family: own; src: url(own.ttf) }</style>"
    _written(own + PAGE.format("自前。"), tmp_path, first, [assets])
    folder = first._folder
    assert folder is not None and folder.is_dir()
    sharedfonts._SHARED["config"].added = False  # as if it had stayed shareable
    monkeypatch.setattr("os.getpid", lambda: -1)
    assert sharedfonts.configuration() is not first
    del first
    gc.collect()  # the documents laid out with it held it too
    assert folder.is_dir()


def test_a_face_is_hashed_once_and_other_bytes_are_hashed_themselves(tmp_path: Path) -> None:
    _written(PAGE.format("本文。"), tmp_path, sharedfonts.configuration())
    kept = next(iter(sharedfonts._FACES.values()))
    font = SimpleNamespace(hb_face=kept.held, file_content=kept.data)
    assert sharedfonts.digest(font) == _sha(kept.data) == kept.digest
    other = b"OTTO another font's bytes"
    assert sharedfonts.digest(SimpleNamespace(hb_face=kept.held, file_content=other)) == _sha(other)
    assert sharedfonts.digest(SimpleNamespace(file_content=other)) == _sha(other)


def test_weasyprint_is_itself_again_after_the_block_fails() -> None:
    from weasyprint.pdf import fonts  # noqa: PLC0415

    original, making = fonts.get_hb_object_data, fonts.Font.__init__
    with pytest.raises(RuntimeError), sharedfonts.reading():
        assert fonts.get_hb_object_data is not original
        raise RuntimeError
    assert fonts.get_hb_object_data is original and fonts.Font.__init__ is making


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
