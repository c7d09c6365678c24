"""One formatter per output: text for people, JSON, SARIF 2.1.0, GitHub annotations."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from citepress import __version__
from citepress.diagnostics import Code, Diagnostic, Severity, count

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_COLOURS = {
    "error": "\033[1;31m",
    "warning": "\033[1;33m",
    "query": "\033[1;35m",
    "note": "\033[1;36m",
}
_RESET = "\033[0m"
# SARIF and GitHub know no query: it is their note and notice, which fail nothing.
_SARIF_LEVELS: dict[Severity, str] = {
    "error": "error",
    "warning": "warning",
    "query": "note",
    "note": "note",
}
# Warnings or notes of one code that come this many times in a file are one line of
# the text report (JSON, SARIF and GitHub keep every one).
REPEATED = 4
# How many subjects a repeated finding's line names before it counts the rest.
NAMED = 8


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


def text(diagnostics: Sequence[Diagnostic], colour: bool = False) -> str:
    """``path:line:col: severity: message [code]``, one a line, then a summary.

    A finding repeated :data:`REPEATED` times or more in one file (31 entries that
    each still need their source) is one line with the count and what each is about.
    """
    lines = []
    for group in _grouped(diagnostics):
        d = group[0]
        severity = f"{_COLOURS[d.severity]}{d.severity}{_RESET}" if colour else d.severity
        codes = ", ".join(d.codes)
        message = d.message if len(group) == 1 else _repeated(group)
        lines.append(f"{escape(_place(d))}: {severity}: {escape(message)} [{codes}]")
    lines.append(summary(diagnostics))
    return "\n".join(lines) + "\n"


def _grouped(diagnostics: Sequence[Diagnostic]) -> list[list[Diagnostic]]:
    """Each finding alone, but a non-error repeated in one file becomes one group."""
    by_kind: dict[tuple[str, str, tuple[Code, ...]], list[Diagnostic]] = {}
    for d in diagnostics:
        by_kind.setdefault((d.path, d.severity, d.codes), []).append(d)
    groups: list[list[Diagnostic]] = []
    seen: set[tuple[str, str, tuple[Code, ...]]] = set()
    for d in diagnostics:
        kind = (d.path, d.severity, d.codes)
        members = by_kind[kind]
        # Errors and queries are each listed: each says its own facts (an editor's
        # question is about one sentence); warnings and notes repeat one request.
        if d.severity in ("error", "query") or len(members) < REPEATED:
            groups.append([d])
        elif kind not in seen:
            seen.add(kind)
            groups.append(members)
    return groups


def _repeated(group: Sequence[Diagnostic]) -> str:
    """``31 × bib.incomplete (summary): key-a, key-b, … and 23 more; lines 33-230``."""
    first = group[0]
    subjects = [d.subject for d in group if d.subject]
    named = ", ".join(subjects[:NAMED])
    if len(subjects) > NAMED:
        named += f" and {len(subjects) - NAMED} more"
    lines = sorted({d.line for d in group if d.line})
    span = f"lines {lines[0]}-{lines[-1]}" if len(lines) > 1 else ""
    about = "; ".join(part for part in (named, span) if part)
    return f"{len(group)} × {first.code} ({first.code.summary})" + (f": {about}" if about else "")


# A file name or a quoted value with a line break would forge report lines
# (`0 errors` or a `::error` annotation of its own): control characters are escaped.
_CONTROLS = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F] if code != 0x09}


def escape(text: str) -> str:
    """``text`` with control characters (line breaks…) written as escapes."""
    return text.translate(_CONTROLS)


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    """``N errors, N warnings`` (``, N queries`` when there are any): the last line."""
    errors, warnings = count(diagnostics, "error"), count(diagnostics, "warning")
    line = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    queries = count(diagnostics, "query")
    return line + (f", {queries} quer{'ies' if queries != 1 else 'y'}" if queries else "")


def _place(d: Diagnostic) -> str:
    return ":".join([d.path] + [str(n) for n in (d.line, d.column) if n]) if d.line else d.path


def as_json(diagnostics: Sequence[Diagnostic]) -> str:
    """A JSON object with the diagnostics and their counts."""
    return (
        json.dumps(
            {
                "version": __version__,
                "errors": count(diagnostics, "error"),
                "warnings": count(diagnostics, "warning"),
                "queries": count(diagnostics, "query"),
                "diagnostics": [
                    {**vars(d), "code": str(d.code), "also": [str(c) for c in d.also]}
                    for d in diagnostics
                ],
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )


def sarif(diagnostics: Sequence[Diagnostic]) -> str:
    """A SARIF 2.1.0 log for code-scanning upload (ruleId = the code)."""
    rules = sorted(Code)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "citepress",
                "version": __version__,
                "informationUri": "https://pypi.org/project/citepress/",
                "rules": [_rule(code) for code in rules],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": [_result(d, rules.index(d.code)) for d in diagnostics],
    }
    log = {"version": "2.1.0", "$schema": SARIF_SCHEMA, "runs": [run]}
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _rule(code: Code) -> dict[str, Any]:
    level = _SARIF_LEVELS[code.severity]
    return {
        "id": str(code),
        "name": code.replace(".", "-"),
        "shortDescription": {"text": code.summary},
        "defaultConfiguration": {"level": level},
    }


def _result(d: Diagnostic, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {"artifactLocation": {"uri": d.path}}
    if d.line:
        location["region"] = {"startLine": d.line, "startColumn": d.column or 1}
    result: dict[str, Any] = {
        "ruleId": str(d.code),
        "ruleIndex": rule_index,
        "level": _SARIF_LEVELS[d.severity],
        "message": {"text": d.message},
        "locations": [{"physicalLocation": location}],
    }
    properties: dict[str, Any] = {"severity": d.severity}  # query or note: SARIF says note
    if d.also:  # one finding for one problem; the other rules it matches
        properties["alsoRuleIds"] = [str(code) for code in d.also]
    result["properties"] = properties
    return result


def github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=…::message``."""
    out = []
    for d in diagnostics:
        command = {"error": "error", "warning": "warning"}.get(d.severity, "notice")
        props = [f"file={_escape_property(d.path)}"]
        if d.line:
            props += [f"line={d.line}", f"col={d.column or 1}"]
        props.append(f"title={_escape_property(', '.join(d.codes))}")
        out.append(f"::{command} {','.join(props)}::{_escape_data(d.message)}")
    return "\n".join(out) + ("\n" if out else "")


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


FORMATTERS: dict[str, Callable[[Sequence[Diagnostic]], str]] = {
    "json": as_json,
    "sarif": sarif,
    "github": github,
}
