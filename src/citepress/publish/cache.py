"""The build cache: skip an edition whose inputs have not changed since it was built.

An edition's key is a SHA-256 over everything it is made from: the settings, the
manuscripts and book file, the bibliography, the template files it uses (its own folder, the
shared macros, the CSL style), the versions of citepress and of the tools that
render it, the files in the asset folders, and SOURCE_DATE_EPOCH. The key is
kept with the SHA-256 of the file that was written, so an edition that was deleted
or changed by hand is rebuilt too.

The cache lives in the user's cache folder ($XDG_CACHE_HOME/citepress, else
~/.cache/citepress; CITEPRESS_CACHE_DIR overrides it), never in the project: a
pull request that commits a cache file and an edition of its own making must not
have that edition published as "unchanged".
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from citepress import __version__
from citepress.config import Settings, source_date_epoch
from citepress.editions import page_source, registry
from citepress.ground import atomic
from citepress.ground.files import SourceError, read_bytes
from citepress.ground.store import Digest, cache_folder, sha256, tool_versions


@dataclass
class Cache:
    """The keys of the editions last written into one output folder."""

    file: Path
    entries: dict[str, dict[str, str | int]] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: Settings, folder: Path) -> Cache:
        """The cache of the output ``folder``; empty when missing or unreadable."""
        place = f"{settings.root}\0{folder}"
        file = cache_folder() / f"{sha256(place.encode())[:32]}.json"
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(file)
        return cls(file, data if isinstance(data, dict) else {})

    def fresh(self, fmt: str, key: str, path: Path) -> bool:
        """True when ``path`` is the edition built from ``key`` and was not touched since."""
        entry = self.entries.get(fmt)
        if not entry or entry.get("key") != key or not path.is_file():
            return False
        return entry.get("sha256") == file_hash(path)

    def had_errors(self) -> bool:
        """Whether the build that wrote the cached editions had check errors (--force)."""
        return any(entry.get("errors") for entry in self.entries.values())

    def record(self, fmt: str, key: str, path: Path, errors: int) -> None:
        """Remember that ``path`` was built from ``key``."""
        self.entries[fmt] = {"key": key, "sha256": file_hash(path), "errors": errors}

    def save(self) -> None:
        """Write the cache atomically (a lost cache only costs a rebuild)."""
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            text = json.dumps(self.entries, indent=2, sort_keys=True)
            atomic.write_text(self.file, text)


def keys(settings: Settings, formats: list[str], assets: list[Path]) -> dict[str, str]:
    """The cache key of each edition in ``formats``."""
    common = Digest("citepress", __version__)
    common.feed("tools", json.dumps(tool_versions(), sort_keys=True))
    epoch = source_date_epoch()
    common.feed("SOURCE_DATE_EPOCH", epoch.isoformat() if epoch else "")
    common.feed("untrusted", str(settings.untrusted))
    for path in settings.inputs():
        _feed_file(common, settings, path)
    for folder in assets:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            _feed_file(common, settings, path)
    editions = registry()
    source = page_source().templates
    own = tuple(edition.templates for edition in editions.values())
    files = _template_files(settings)
    # Every template file not in an edition's own folder can be included by any
    # edition (shared macros, partials, the CSL style): it keys them all.
    for name, (folder, path) in files.items():
        if not name.startswith(own):
            _feed_file(common, settings, path, folder)
    result = {}
    for fmt in formats:
        edition = common.copy()
        # The HTML and EPUB carry the print edition's page numbers: its templates
        # decide them, so they key those editions too.
        made = editions[fmt]
        folders = (made.templates, *((source,) if made.pages == "carry" else ()))
        for name, (folder, path) in files.items():
            if name.startswith(folders):
                _feed_file(edition, settings, path, folder)
        result[fmt] = edition.hexdigest()
    return result


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return sha256(path.read_bytes())


def _template_files(settings: Settings) -> dict[str, tuple[Path, Path]]:
    """Every template file by name (project's first), with the folder it is confined to.

    An --untrusted build renders with the package's templates, and still reads the
    project's data folders (CSL styles, strings, assets): they key it too.
    """
    from citepress.sources.templatefiles import (  # noqa: PLC0415
        DATA_FOLDERS,
        files,
        search_path,
    )

    folders = [(folder, folder) for folder in reversed(search_path(settings.edition_templates))]
    if settings.untrusted:
        folders += [(settings.templates, settings.templates / data) for data in DATA_FOLDERS]
    chosen: dict[str, tuple[Path, Path]] = {}
    for root, folder in folders:
        chosen.update({name: (root, path) for name, path in files(root, folder).items()})
    return {name: chosen[name] for name in sorted(chosen)}


def _feed_file(digest: Digest, settings: Settings, path: Path, root: Path | None = None) -> None:
    """Feed a source file's hash, read through the guard (a link out hashes as refused)."""
    try:
        value = sha256(read_bytes(root or settings.root, path))
    except SourceError as exc:
        value = f"-{exc.message}"
    digest.feed(settings.relative(path), value)
