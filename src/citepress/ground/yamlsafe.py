"""YAML from strangers: front matter and book files, read within fixed bounds.

PyYAML's ``safe_load`` builds no objects, but it still expands aliases: a
558-byte "billion laughs" document of nested aliases took 5 GB. Front matter
and book files have no use for anchors and aliases, so they are refused
outright, as are documents nested beyond any real use, and errors say where and
what without quoting the file (PyYAML's own message embeds the offending line).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

MAX_DEPTH = 50
MAX_CHARS = 64 * 1024


@dataclass(frozen=True)
class YamlError(Exception):
    """Refused or broken YAML; line and column are 1-based, relative to the text given."""

    message: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return self.message


class _Loader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors and aliases and deep nesting."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise YamlError(
                "YAML anchors and aliases (&name, *name) are not allowed here",
                mark.line + 1,
                mark.column + 1,
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                mark = event.start_mark
                raise YamlError(
                    f"the YAML nests more than {MAX_DEPTH} levels deep", mark.line + 1,
                    mark.column + 1,
                )  # fmt: skip
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(text: str, limit: int = MAX_CHARS, what: str = "front matter is short") -> Any:
    """Parse ``text`` as one YAML document; YamlError says where and what is wrong.

    ``limit`` bounds its length (``what`` says why in the error).
    """
    if len(text) > limit:  # PyYAML reads some scalars (1:0:0:…) in quadratic time
        raise YamlError(f"the YAML is longer than {limit // 1024} KB; {what}")
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        problem = exc.problem or "invalid YAML"
        if mark is None:
            raise YamlError(f"invalid YAML: {problem}") from None
        raise YamlError(f"invalid YAML: {problem}", mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError:
        raise YamlError("invalid YAML") from None
    except RecursionError:
        raise YamlError(f"the YAML nests more than {MAX_DEPTH} levels deep") from None
