"""CSL styles are read by us, cleaned, and refused when they reference anything.

A CSL style comes with a project, so from a stranger's pull request, and pandoc's
``--sandbox`` does not cover citeproc: a *dependent* style (``<link
rel="independent-parent" href="…">``) makes pandoc load its parent from any path
or URL, and its error then quotes what it read (all of /proc/self/environ, say).
So pandoc never sees a project's style: :func:`prepare` parses it, refuses what
could make citeproc load something, and writes a clean copy into a folder the
build owns; pandoc is handed that copy.

Refused, with the file, line and column (never the file's content):

* a DOCTYPE or any entity declaration (entity expansion, "billion laughs",
  external entities), and any XML that is not well-formed;
* a root other than ``{http://purl.org/net/xbiblio/csl}style``; a ``<style>``
  anywhere else; an element outside the CSL namespace;
* a dependent style: a ``<link rel="independent-parent">``, or no ``<citation>``;
* a ``<link>`` outside ``<info>``, an ``href``/``src`` attribute, a namespaced
  attribute other than ``xml:lang``;
* an attribute value that could name a file or a URL: every CSL attribute is a
  keyword, a list of keywords, a number or a language tag, except the few that are
  text printed as is (``prefix``, ``suffix``, ``value``, the delimiters…), which
  citeproc prints and never loads. Keywords must be plain (letters, digits, ``-``,
  ``_``, ``.``, spaces), so no ``file:``, ``http:``, ``/`` or ``..`` gets through.

Dropped, not refused: ``<info>`` is metadata, so the copy keeps only its title,
id and update time; every ``<link>`` in it (self, template, documentation…) goes,
as do comments and processing instructions.

The parser is the standard library's expat, driven directly rather than through
defusedxml: the messages need each element's line and column, which ElementTree
(and so defusedxml's) does not keep, and a handler on the DOCTYPE's start refuses
the document before any entity is even declared, so no expansion is ever tried
(defusedxml refuses at the entity declaration: the same safety, one dependency
more). Parameter entities are never parsed and external entities never resolved.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from citepress.ground.files import SourceError, read_bytes

CSL = "http://purl.org/net/xbiblio/csl"
XML = "http://www.w3.org/XML/1998/namespace"
_SEP = "}"  # expat joins namespace and name with this: "uri}name", made "{uri}name"

# Far beyond any real style (the largest in the CSL repository are ~100 KB).
MAX_BYTES = 4 * 1024 * 1024
# CSL nests a dozen levels deep; a thousand would only be an attack on the serialiser.
MAX_DEPTH = 100
# What <info> keeps in our copy: citeproc reads nothing else there.
INFO_KEPT = frozenset({"title", "title-short", "id", "updated"})
# Attributes whose value is text citeproc prints, never a name it resolves.
TEXT_ATTRIBUTES = frozenset(
    {"prefix", "suffix", "value", "initialize-with", "subsequent-author-substitute"}
    | {"sort-separator"}
)
# A keyword, keywords, a number or a language tag: nothing that can be a path or a URL.
KEYWORD = re.compile(r"[A-Za-z0-9_.\- ]*")
# Attribute names are quoted in messages only when they look like CSL's own.
PLAIN_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


class StyleError(Exception):
    """A CSL style was refused: ``message`` names the file, line and column."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.message


class _Refused(Exception):
    """Raised inside the parser's handlers; becomes a StyleError with the file's name."""

    def __init__(self, what: str, line: int, column: int) -> None:
        super().__init__(what)
        self.what = what
        self.line = line
        self.column = column


def prepare(root: Path, style: Path, dest: Path, bibliography: bool = True) -> Path:
    """Check the project's CSL ``style`` and write a clean copy into ``dest``; its path.

    ``root`` is the project (the style must resolve inside it), ``dest`` a
    folder the build owns. Raises StyleError for anything refused. Without
    ``bibliography`` the copy has none: citeproc builds one even when told not to
    print it (our style's took pandoc from 65 to 177 MB and three times as long).
    """
    shown = _shown(root, style)
    tree = read(root, style)
    if not bibliography:
        for element in tree.findall(f"{{{CSL}}}bibliography"):
            tree.remove(element)
    copy = dest / "style.csl"
    if copy.exists() and copy.samefile(style):  # sources are never written to
        raise StyleError(f"{shown}: the cleaned copy would overwrite the style itself")
    _write(copy, serialise(tree).encode("utf-8"))
    return copy


def read(root: Path, style: Path) -> ET.Element:
    """The style ``style`` (confined to ``root``), checked and cleaned: StyleError else."""
    shown = _shown(root, style)
    try:
        data = read_bytes(root, style, MAX_BYTES)
    except SourceError as exc:
        raise StyleError(f"{shown}: {exc.message}", exc.line, exc.column) from None
    try:
        return _Reader().read(data)
    except _Refused as exc:
        raise StyleError(
            f"{shown}:{exc.line}:{exc.column}: {exc.what}", exc.line, exc.column
        ) from None


def _shown(root: Path, style: Path) -> str:
    """The style's path as messages give it: relative to the project when it can be."""
    try:
        return style.relative_to(root).as_posix()
    except ValueError:
        return style.as_posix()


def _write(path: Path, data: bytes) -> None:
    # dest is the build's own folder; O_NOFOLLOW still refuses a link planted there.
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class _Reader:
    """One pass of expat over a style, building the cleaned tree as it goes."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator=_SEP)
        self.stack: list[ET.Element] = []
        self.skipping = 0  # depth inside an element being dropped (an <info> child, a <link>)
        self.root: ET.Element | None = None
        self.root_at = (1, 1)
        self.has_citation = False
        self._wire()

    def _wire(self) -> None:
        parser = self.parser
        parser.buffer_text = True
        # Never read a DTD or an external entity, whatever the document says.
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text

    def read(self, data: bytes) -> ET.Element:
        """The cleaned root element; _Refused for anything refused."""
        try:
            self.parser.Parse(data, True)
        except expat.ExpatError as exc:
            what = f"not well-formed XML: {expat.errors.messages[exc.code]}"
            raise _Refused(what, exc.lineno, exc.offset + 1) from None
        if self.root is None:  # pragma: no cover -- expat refuses a document without a root
            raise _Refused("no root element", 1, 1)
        if not self.has_citation:
            raise _Refused(
                "the style has no <citation>: a dependent or incomplete style; "
                "only an independent style can be used",
                *self.root_at,
            )
        return self.root

    def _where(self) -> tuple[int, int]:
        return self.parser.CurrentLineNumber, self.parser.CurrentColumnNumber + 1

    def _refuse(self, what: str) -> _Refused:
        return _Refused(what, *self._where())

    def _doctype(self, *_args: object) -> None:
        raise self._refuse(
            "a DOCTYPE declaration: a CSL style needs none, and its entities are refused"
        )

    def _entity(self, *_args: object) -> None:
        raise self._refuse("an entity declaration: entities are refused")

    def _external(self, *_args: object) -> int:
        raise self._refuse("a reference to an external entity: refused")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if self.skipping:
            self.skipping += 1
            return
        tag = _clark(name)
        self._check_element(tag, attributes)
        if self._dropped(tag):
            self.skipping = 1
            return
        element = ET.Element(tag, self._attributes(attributes))
        if self.stack:
            self.stack[-1].append(element)
        else:
            self.root, self.root_at = element, self._where()
        self.stack.append(element)

    def _end(self, _name: str) -> None:
        if self.skipping:
            self.skipping -= 1
        else:
            self.stack.pop()

    def _text(self, text: str) -> None:
        if self.skipping or not self.stack:
            return
        parent = self.stack[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    def _check_element(self, tag: str, attributes: dict[str, str]) -> None:
        """Refuse what the element itself is, wherever it stands."""
        parent = self.stack[-1].tag if self.stack else None
        if len(self.stack) >= MAX_DEPTH:
            raise self._refuse(f"elements nested more than {MAX_DEPTH} deep")
        if not tag.startswith(f"{{{CSL}}}"):
            raise self._refuse("an element outside the CSL namespace")
        local = tag[len(CSL) + 2 :]
        if parent is None and local != "style":
            raise self._refuse("the root element is not a CSL <style>")
        if parent is not None and local == "style":
            raise self._refuse("a <style> inside the style: only one independent style is used")
        if local == "link":
            self._check_link(parent, attributes)
        if local == "citation" and parent == f"{{{CSL}}}style":
            self.has_citation = True

    def _check_link(self, parent: str | None, attributes: dict[str, str]) -> None:
        if parent != f"{{{CSL}}}info":
            raise self._refuse("a <link> outside <info>")
        if attributes.get("rel") == "independent-parent":
            raise self._refuse(
                'a dependent style (<link rel="independent-parent">): citeproc would load '
                "its parent from wherever it names; use an independent style"
            )

    def _dropped(self, tag: str) -> bool:
        """True for an <info> child our copy leaves out (links, authors, rights…)."""
        inside_info = bool(self.stack) and self.stack[-1].tag == f"{{{CSL}}}info"
        return inside_info and tag[len(CSL) + 2 :] not in INFO_KEPT

    def _attributes(self, attributes: dict[str, str]) -> dict[str, str]:
        """The element's attributes, each checked; refused when one could name a file."""
        kept = {}
        for name, value in attributes.items():
            if _SEP in name:
                kept[self._namespaced(name)] = value
                continue
            if name in {"href", "src"}:
                raise self._refuse(f"a {name} attribute: a style may not reference anything")
            if not _is_text(name) and KEYWORD.fullmatch(value) is None:
                raise self._refuse(
                    f"the value of {_quoted(name)} is not a plain CSL keyword, number or "
                    "language tag (a URL or a path?)"
                )
            kept[name] = value
        return kept

    def _namespaced(self, name: str) -> str:
        tag = _clark(name)
        if tag != f"{{{XML}}}lang":
            raise self._refuse("a namespaced attribute other than xml:lang")
        return tag


def serialise(root: ET.Element) -> str:
    """The cleaned style as XML text, CSL the default namespace.

    Our own few lines rather than ET.tostring: ElementTree will not write a default
    namespace beside unqualified attributes (all of CSL's) without a global
    register_namespace, which would change every other ElementTree user.
    """
    return f'<?xml version="1.0" encoding="utf-8"?>\n{_element(root, top=True)}\n'


def _element(element: ET.Element, top: bool = False) -> str:
    name = element.tag[len(CSL) + 2 :]
    attributes = [f' xmlns="{CSL}"'] if top else []
    for key, value in element.attrib.items():
        shown = "xml:lang" if key == f"{{{XML}}}lang" else key
        attributes.append(f' {shown}="{_escape(value, attribute=True)}"')
    inner = _escape(element.text or "") + "".join(
        _element(child) + _escape(child.tail or "") for child in element
    )
    opening = f"<{name}{''.join(attributes)}"
    return f"{opening}>{inner}</{name}>" if inner else f"{opening}/>"


def _escape(text: str, attribute: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:  # quotes, and the white space an attribute would otherwise normalise
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
        text = text.replace("\t", "&#9;")
    return text


def _clark(name: str) -> str:
    """Expat's 'uri}local' as ElementTree's '{uri}local' ('local' without a namespace)."""
    uri, sep, local = name.rpartition(_SEP)
    return f"{{{uri}}}{local}" if sep else local


def _is_text(name: str) -> bool:
    """True for an attribute whose value citeproc prints as text (never resolves)."""
    return name in TEXT_ATTRIBUTES or name.endswith("delimiter")


def _quoted(name: str) -> str:
    """An attribute's name for a message: quoted only when it is a plain CSL-like name."""
    return f"attribute '{name}'" if PLAIN_NAME.fullmatch(name) else "an attribute"
