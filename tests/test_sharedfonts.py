"""The parts a worker lays out share one font configuration, and read each face once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from citepress.render import pdffonts, sharedfonts
from citepress.render.editions import pdf

PAGE = '<html lang="ja"><body><p style="font-family: serif">{}</p></body></html>'
PDF_ID = b"0" * 32


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    sharedfonts._SHARED.clear()
    sharedfonts._FACES.clear()
    yield
    sharedfonts._SHARED.clear()
    sharedfonts._FACES.clear()


def _written(html: str, store: Path, font_config: Any, assets: list[Path] | None = None) -> bytes:
    document, options = pdf._laid_out(html, PDF_ID, assets or [], font_config)
    with pdffonts.deferred(store):
        return pdf.pdf_bytes(document, **options)


def test_parts_laid_out_in_one_process_copy_each_face_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each part copied and hashed every face's file (~66 MB of Noto CJK) anew."""
    from weasyprint.pdf import fonts  # noqa: PLC0415

    copied: list[int] = []
    original = fonts.get_hb_object_data

    def counted(hb_object: Any, *args: Any) -> Any:
        if not args:
            copied.append(sharedfonts._address(hb_object))
        return original(hb_object, *args)

    monkeypatch.setattr(fonts, "get_hb_object_data", counted)
    for text in ("第一章の本文。", "第二章の本文、もう少し長い。", "Chapter three."):
        _written(PAGE.format(text), tmp_path, sharedfonts.configuration())
    assert copied and len(copied) == len(set(copied))


def test_a_part_laid_out_after_others_is_the_part_laid_out_alone(tmp_path: Path) -> None:
    shared = sharedfonts.configuration()
    _written(PAGE.format("前の章。" * 40), tmp_path, shared)
    html = PAGE.format("この章の本文は、前の章のあとに組まれる。" * 30)
    assert _written(html, tmp_path, shared) == _written(html, tmp_path, None)


def test_a_document_that_adds_a_font_is_the_last_to_share_its_configuration(
    tmp_path: Path,
) -> None:
    """Its fonts must not become another document's fallback."""
    found = sorted(Path("/usr/share/fonts").rglob("*.ttf"))
    if not found:
        pytest.skip("no TrueType font is installed")
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "own.ttf").write_bytes(found[0].read_bytes())
    first = sharedfonts.configuration()
    assert sharedfonts.configuration() is first
    own = "<style>@font-face { font-family: own; src: url(own.ttf) }</style>"
    _written(own + PAGE.format("自前のフォント。"), tmp_path, first, [assets])
    assert first.added
    assert sharedfonts.configuration() is not first
    assert not sharedfonts._FACES  # the faces of the old configuration are let go


def test_a_forked_process_makes_its_own_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    first = sharedfonts.configuration()
    monkeypatch.setattr("os.getpid", lambda: -1)
    assert sharedfonts.configuration() is not first


def test_a_font_whose_bytes_are_not_the_kept_copy_is_hashed_itself(tmp_path: Path) -> None:
    _written(PAGE.format("本文。"), tmp_path, sharedfonts.configuration())
    kept = next(iter(sharedfonts._FACES.values()))
    assert kept.digest == hashlib.sha256(kept.data).hexdigest()  # hashed while written
    other = b"OTTO another font's bytes"
    font = SimpleNamespace(hb_face=kept.held, file_content=other)
    assert sharedfonts.digest(font) == font_hash(other)
    assert sharedfonts.digest(SimpleNamespace(file_content=other)) == font_hash(other)


def font_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
