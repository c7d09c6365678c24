"""CSL JSON items for citeproc: pandoc's reading of the .bib, corrected by ours.

pandoc's biblatex reader knows every standard field (names, LaTeX, titles), so it
does the bulk. It reads our parse of the .bib files, written out again by
bibtexparser, not the files themselves: the check and the editions then see the
same entries (pandoc would reject a whole file over one ``@misc(key, ...)``, which
BibTeX allows). Three things it loses, which this project's entries rely on, are
put back from our own reading of the same file (sources/bib):

- EDTF qualifiers, in ``date`` and ``eventdate`` alike: pandoc keeps ``~`` as circa
  but silently drops a date with ``?`` (``2002?`` comes out with no date at all; an
  ``eventdate`` loses the ``?`` and looks exact). A Japanese edition gets its dates
  written as the text writes them, qualifiers told apart (book/jadate);
- ``speaker``, a non-standard field, becomes the CSL ``contributor`` (literal names:
  the chapter names people by title, not as family/given parts);
- ``missing``, our to-do list, becomes the CSL ``status``, so a note says plainly
  that its source is not yet identified rather than looking complete.
"""

from __future__ import annotations

import re
from typing import Any

from citepress.book import jadate
from citepress.dates.edtf import DateError, before_common_era
from citepress.dates.edtf import parse as parse_date
from citepress.sources.bib import Bibliography, Entry, months
from citepress.sources.bib.inherit import FIELDS as INHERITANCE
from citepress.sources.bib.inherit import crossref_cycles, inherited
from citepress.sources.bib.values import balanced

_PART = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?([?~%]?)$")
# EDTF seasons as CSL's (1 spring, 2 summer, 3 autumn, 4 winter): 21-24 unqualified,
# 25-28 northern and 29-32 southern hemisphere (CSL cannot say which hemisphere).
SEASONS = {21: 1, 22: 2, 23: 3, 24: 4, 25: 1, 26: 2, 27: 3, 28: 4, 29: 1, 30: 2, 31: 3, 32: 4}
# The vocabulary of ``missing`` (biblatex's field names) in each edition's words; an
# article's ``date`` is its issue date (its ``eventdate`` is the reported event's).
MISSING_LABELS = {
    "ja": {
        "author": "著者",
        "title": "題名",
        "journaltitle": "媒体",
        "date": "日付",
        "pages": "ページ",
        "_article_date": "掲載日",
        "_prefix": "未詳：",
    },
    "en": {
        "journaltitle": "outlet",
        "pages": "page",
        "_article_date": "issue date",
        "_prefix": "not yet identified: ",
    },
}
# The bibliography's dates and the CSL variables they become.
DATES = {"date": "issued", "eventdate": "event-date"}


def items(
    bib: Bibliography, pandoc_items: list[dict[str, Any]], lang: str, annotations: bool = False
) -> list[dict[str, Any]]:
    """The CSL JSON items of every entry, in bibliography order.

    An ``annotation`` is usually the author's private comment on a source: it
    reaches the style (as ``annote``) only when the project says so.
    """
    by_id = {str(item.get("id")): item for item in pandoc_items}
    found = [
        {**entry.csl, "id": entry.key}
        if entry.csl is not None  # a CSL JSON/YAML item: printed as the file gave it
        else _item(entry, dict(by_id.get(entry.key, {})), lang)
        for entry in bib.entries
    ]
    if not annotations:
        for item in found:
            item.pop("annote", None)
    return found


def _item(entry: Entry, item: dict[str, Any], lang: str) -> dict[str, Any]:
    item["id"] = entry.key
    if not item.get("type"):
        item["type"] = "document"  # pandoc leaves @misc untyped; CSL needs a type
    for field, variable in DATES.items():
        raw_date = entry.fields.get(field)
        value = csl_date(raw_date, lang) if raw_date else None
        if value is not None:
            item[variable] = value
    speakers = [s.strip() for s in entry.fields.get("speaker", "").split(";") if s.strip()]
    if speakers:
        item["contributor"] = [{"literal": name} for name in speakers]
    if entry.missing:
        item["status"] = missing_text(entry.missing, lang, entry.entry_type)
    _others(item, lang)
    return item


# biblatex's "and others": pandoc writes a literal name "others", which citeproc
# prints as "et al." in English but as the word "others" in other locales.
OTHERS = {"ja": "ほか"}


def _others(item: dict[str, Any], lang: str) -> None:
    word = OTHERS.get(lang.split("-")[0])
    if word is None:
        return
    for variable in ("author", "editor", "translator", "contributor"):
        names = item.get(variable)
        if isinstance(names, list) and names and names[-1] == {"literal": "others"}:
            names[-1] = {"literal": word}


_SAFE_KEY = re.compile(r"[^\s,{}()\"#%'=\\]+")
_SAFE_NAME = re.compile(r"[A-Za-z][\w:.+-]*")


def bibtex(bib: Bibliography) -> str:
    """The entries as canonical BibTeX (macros resolved), for pandoc's reader."""
    from bibtexparser.entrypoint import write_string  # noqa: PLC0415
    from bibtexparser.library import Library  # noqa: PLC0415
    from bibtexparser.model import Entry as BibEntry  # noqa: PLC0415
    from bibtexparser.model import Field  # noqa: PLC0415

    # An entry that inherits from itself, through crossref or xdata, sends pandoc's
    # reader round the loop until it runs out of memory: a forced build drops the
    # inheritance of every entry in a loop (the check reports bib.crossref-cycle).
    looping = {entry.key for cycle in crossref_cycles(bib) for entry in cycle}
    keys = bib.by_key()
    library = Library()
    for entry in bib.entries:
        if not _SAFE_KEY.fullmatch(entry.key) or entry.csl is not None:
            continue  # the check reports a bad key; a CSL item never needs pandoc's reader
        # Inheritance is resolved here, by biblatex's rules (title -> booktitle for a
        # chapter of a book), not by pandoc's reader, which took a child's maintitle
        # for its book; pandoc gets each entry whole, with no crossref or xdata.
        own = {k: v for k, v in entry.fields.items() if k not in INHERITANCE}
        whole = own if entry.key in looping else {**inherited(entry, keys), **own}
        fields = [
            Field(name, _written(name, value))
            for name, value in whole.items()
            if _SAFE_NAME.fullmatch(name) and balanced(value)  # else it would close early
        ]
        library.add(BibEntry(entry.entry_type, entry.key, fields))
    return str(write_string(library))


# Titles pandoc's reader would turn to sentence case ("george meredith"): braced,
# they keep the case the author wrote, and the style decides (Chicago title-cases).
TITLES = frozenset({"title", "subtitle", "booktitle", "maintitle", "journaltitle", "shorttitle"})


def _written(name: str, value: str) -> str:
    """A field's value as pandoc's reader should get it."""
    if name == "month":
        return _month(value)
    return f"{{{value}}}" if name in TITLES else value


def _month(value: str) -> str:
    """A month pandoc reads (a number), whatever spelling the file used."""
    found = months.number(value)
    return str(found) if found else value


def csl_date(text: str, lang: str = "ja") -> dict[str, Any] | None:
    """CSL date parts of a plain EDTF date or closed interval; None for other forms.

    In English and other languages, uncertain (``?``) and approximate (``~``, ``%``)
    all become CSL ``circa``: CSL has no separate flag for uncertainty, and either
    way the reader must not take the date as exact. A Japanese edition's date is a
    ``literal`` written as the text writes it, which keeps the three apart (頃,
    （推定）, 頃（推定）), with its ``date-parts`` for sorting (book/jadate).

    An EDTF season (``2001-21``) becomes a literal date in the book's language
    (「2001年春」, "Spring 2001"): pandoc's citeproc prints CSL's ``season`` as month
    12+N through a numeric date form, and a note style's date form is not ours to
    change for one rare kind of date. A quarter, quadrimester or semester
    (``2001-33``), which CSL cannot name, the range of its months; a season or
    quarter that ends an interval, its first or last month.
    """
    bc = before_common_era(text)
    if bc is not None:
        return _before_common_era(bc, lang)
    try:
        parse_date(text)
    except DateError:
        return None  # the check reports it; the note goes without a date
    pieces = [_PART.match(piece) for piece in text.split("/")]
    if not all(pieces):
        return None
    matches = [match for match in pieces if match is not None]
    marks = tuple(match.group(4) for match in matches)
    parts = [[int(g) for g in match.groups()[:3] if g] for match in matches]
    result = _season(parts, lang)
    if result is None:
        covered = _months(parts)
        if lang.startswith("ja"):
            return jadate.csl_date(covered, marks)
        result = {"date-parts": covered}
    if any(marks):
        result["circa"] = True
    return result


def _before_common_era(year_bc: int, lang: str) -> dict[str, Any]:
    """A year BC, as CSL counts it: negative, with no year 0.

    pandoc's Japanese locale prints a negative year as 紀元後 (AD): a Japanese book
    gets the words itself.
    """
    if lang.startswith("ja"):
        return {"literal": f"紀元前{year_bc}年"}
    return {"date-parts": [[-year_bc]]}


SEASON_NAMES = {"ja": ("春", "夏", "秋", "冬"), "en": ("Spring", "Summer", "Autumn", "Winter")}


def _season(parts: list[list[int]], lang: str) -> dict[str, Any] | None:
    """A single EDTF season (YYYY-21 to YYYY-32) as a literal date, else None."""
    if len(parts) != 1 or len(parts[0]) != 2 or parts[0][1] not in SEASONS:
        return None
    year, code = parts[0]
    name = SEASON_NAMES.get(lang.split("-")[0], SEASON_NAMES["en"])[SEASONS[code] - 1]
    return {"literal": f"{year}年{name}" if lang.startswith("ja") else f"{name} {year}"}


def _months(parts: list[list[int]]) -> list[list[int]]:
    """Date parts with EDTF codes above 12 (seasons, quarters...) as the months they cover.

    The months are the check's: the bounds the edtf library gives the code.
    """
    if len(parts) == 1 and len(parts[0]) == 2 and parts[0][1] > 12:
        year, code = parts[0]
        return [_bound(year, code, first=True), _bound(year, code, first=False)]
    return [
        _bound(part[0], part[1], first=number == 0) if len(part) == 2 and part[1] > 12 else part
        for number, part in enumerate(parts)
    ]


def _bound(year: int, code: int, first: bool) -> list[int]:
    value = parse_date(f"{year:04d}-{code:02d}")
    day = value.lower if first else value.upper
    return [day.year, day.month]


def missing_text(fields: list[str], lang: str, entry_type: str = "misc") -> str:
    """'未詳：著者、題名' — what the note still lacks, in the edition's language.

    An article's missing ``date`` is its issue date (掲載日, "issue date").
    """
    labels = MISSING_LABELS.get(lang.split("-")[0], MISSING_LABELS["en"])
    article = entry_type.lower() == "article"
    names = [
        labels.get("_article_date", name) if name == "date" and article else labels.get(name, name)
        for name in fields
    ]
    separator = "、" if lang.startswith("ja") else ", "
    return labels["_prefix"] + separator.join(names)
