"""Read the chapters' images once, for the check and every edition alike.

An image must be a file in one of the project's asset folders (``manuscript/assets``,
``templates/assets``), read through the guarded reader, and be what its bytes say
(PNG, JPEG, WebP or SVG, whatever its name): raster images are opened with Pillow
(WeasyPrint's own image library, so what passes here is what the PDF can show);
SVG is sanitised (sources/svgclean.py). The editions then use these bytes, never
the file again: the HTML embeds them, the EPUB packages them, the PDF gets them as
data. Nothing reaches the network: a URL is an error, not a download.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from citepress.config import Settings
from citepress.diagnostics import Code, Diagnostic, make
from citepress.ground.files import SourceError, read_bytes
from citepress.sources import svgclean
from citepress.sources.manuscript import ImageRef, Manuscript

MAX_IMAGE_BYTES = 20 * 1024 * 1024
# Pillow refuses a decompression bomb past this many pixels (an error, not a warning).
MAX_PIXELS = 50_000_000
RASTER = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
}


@dataclass(frozen=True)
class ImageFile:
    """One image as every edition will use it."""

    data: bytes
    media_type: str
    extension: str
    width: int = 0  # pixels; 0 for SVG
    height: int = 0

    @property
    def name(self) -> str:
        """The image's file name in the editions: its content's hash, so equal files share one."""
        digest = hashlib.sha256(self.data).hexdigest()[:16]
        return f"images/{digest}.{self.extension}"


class ImageProblem(Exception):
    """An image cannot be used: ``code`` says why, the message what."""

    def __init__(self, code: Code, message: str) -> None:
        super().__init__(message)
        self.code = code


Images = dict[str, dict[str, ImageFile]]  # chapter path -> target as written -> image


def load(settings: Settings, docs: list[Manuscript]) -> tuple[Images, list[Diagnostic]]:
    """Every chapter's images, and a diagnostic for each that cannot be used."""
    folders = asset_folders(settings)
    found: Images = {}
    diags: list[Diagnostic] = []
    for doc in docs:
        mine = found.setdefault(doc.path, {})
        base = (settings.root / doc.path).parent
        for ref in doc.images:
            if ref.target in mine:
                continue
            try:
                image, removed = read(settings.root, base, folders, ref.target)
            except ImageProblem as exc:
                diags.append(_diagnostic(doc, ref, exc.code, str(exc)))
                continue
            mine[ref.target] = image
            if removed:
                message = f"{ref.target}: removed from the SVG: {', '.join(removed)}"
                diags.append(_diagnostic(doc, ref, Code.IMAGE_SANITISED, message))
    return found, diags


def asset_folders(settings: Settings) -> list[Path]:
    """The folders images may come from, links resolved; none that is (or holds) the root."""
    root = Path(os.path.realpath(settings.root))
    folders = []
    for folder in (settings.manuscript_dir / "assets", settings.templates / "assets"):
        real = Path(os.path.realpath(folder))
        if real.is_relative_to(root) and real != root:
            folders.append(real)
    return folders


def read(
    root: Path, base: Path, folders: list[Path], target: str
) -> tuple[ImageFile, tuple[str, ...]]:
    """The image ``target`` (relative to ``base``) and what sanitising removed from it."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        raise ImageProblem(
            Code.IMAGE_OUTSIDE,
            f"{target}: images are not fetched from the network or from URLs; "
            "put the file in manuscript/assets",
        )
    path = base / unquote(parts.path)
    real = Path(os.path.realpath(path))
    if not any(real.is_relative_to(folder) for folder in folders):
        raise ImageProblem(
            Code.IMAGE_OUTSIDE,
            f"{target}: images must be in manuscript/assets or templates/assets",
        )
    try:
        data = read_bytes(root, path, MAX_IMAGE_BYTES)
    except SourceError as exc:
        code = Code.IMAGE_MISSING if exc.message == "no such file" else Code.IMAGE_OUTSIDE
        raise ImageProblem(code, f"{target}: {exc.message}") from None
    return identify(target, data)


def identify(target: str, data: bytes) -> tuple[ImageFile, tuple[str, ...]]:
    """What ``data`` is, by its bytes: a raster image Pillow can read, or an SVG."""
    head = data[:256].lstrip()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")):
        try:
            cleaned = svgclean.clean(data)
        except svgclean.SvgError as exc:
            raise ImageProblem(Code.IMAGE_FORMAT, f"{target}: not a usable SVG: {exc}") from None
        return ImageFile(cleaned.data, "image/svg+xml", "svg"), cleaned.removed
    return _raster(target, data), ()


def _raster(target: str, data: bytes) -> ImageFile:
    from PIL import Image  # noqa: PLC0415 -- WeasyPrint's dependency; only images need it

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as picture:
                kind, size = picture.format, picture.size
                picture.load()  # decode it all: a truncated file fails here, not in the PDF
    except Exception as exc:  # Pillow raises many kinds; all mean the image is unusable
        raise ImageProblem(
            Code.IMAGE_FORMAT,
            f"{target}: not a readable PNG, JPEG, WebP or SVG image ({type(exc).__name__})",
        ) from None
    if kind not in RASTER:
        raise ImageProblem(
            Code.IMAGE_FORMAT,
            f"{target}: a {kind} image; the editions take PNG, JPEG, WebP or SVG",
        )
    media_type, extension = RASTER[kind]
    return ImageFile(data, media_type, extension, *size)


def _diagnostic(doc: Manuscript, ref: ImageRef, code: Code, message: str) -> Diagnostic:
    line, column = doc.position(ref.offset)
    return make(code, message, doc.path, line, column)
