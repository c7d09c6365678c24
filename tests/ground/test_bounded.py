"""The check is bounded: linear-time patterns, no alias bombs, templates under a time limit.

No test here measures time (timed assertions are flaky): a quadratic pattern on
1 MB of adversarial input takes hours, so pytest-timeout (set per test below)
turns it into a failure, while a linear one takes milliseconds.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import citepress
from citepress.book import templates
from citepress.ground import yamlsafe

# Slow (1 MB adversarial input through every pattern): not in `make quick`.
pytestmark = pytest.mark.slow

SIZE = 1_000_000
# Each repeated to 1 MB: runs that make backtracking patterns go quadratic.
ADVERSARIAL = [
    "](#", "`", "``` ", "#", "# a", "@", "-@", "[@", "[", "]", "{", "}", "(", "。[", "。[@",
    "\\", '"', "a", "1", "１", "年", "10月", "月1日", "～", "&#1", "&#x", "---\n", "- ",
    "> ", "<div>", "%", "@string{", "a=", "=", ",", " ", "\n", "\t",
]  # fmt: skip


# A short prefix, then a long run: the shape that makes a pattern like
# `^(#+)[ \t]+(.*?)[ \t#]*$` or `。(?:\s*\[[^\[\]]*@[^\[\]]*\])*` go quadratic.
SHAPES = [
    ("# a", " "), ("# a", "# "), ("。[", "@"), ("[", "a"), ("`", "a"), ("](#", " "),
    ("<!--", "-"), ("{", "a"), ("@misc{a,", " "), ("a = {", "{"), ("\n", " "),
]  # fmt: skip


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for module in pkgutil.walk_packages(citepress.__path__, "citepress."):
        loaded = importlib.import_module(module.name)
        for name, value in vars(loaded).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                found.append((f"{module.name}.{name}", value))
    return found


PATTERNS = _patterns()


def test_the_sweep_finds_the_patterns() -> None:
    names = {name for name, _ in PATTERNS}
    assert "citepress.sources.align.CITE" in names
    assert "citepress.dates.roles._CLAUSE_EN" in names
    assert len(PATTERNS) > 15


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_every_pattern_is_linear_on_adversarial_input(name: str, pattern: re.Pattern[str]) -> None:
    texts = [unit * (SIZE // len(unit)) for unit in ADVERSARIAL]
    texts += [prefix + run * (SIZE // len(run)) + "x" for prefix, run in SHAPES]
    for text in texts:
        for _ in pattern.finditer(text):
            pass
        pattern.search(text)
        pattern.match(text)


def test_yaml_alias_bomb_is_refused() -> None:
    bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    for name in "bcdefghi":
        previous = chr(ord(name) - 1)
        bomb += f"{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous}]\n"
    with pytest.raises(yamlsafe.YamlError, match="anchors and aliases"):
        yamlsafe.load(bomb)


def test_yaml_nesting_is_bounded() -> None:
    with pytest.raises(yamlsafe.YamlError, match="nests more than"):
        yamlsafe.load("a: " + "[" * 5000 + "]" * 5000)


def test_yaml_errors_do_not_quote_the_file() -> None:
    with pytest.raises(yamlsafe.YamlError) as caught:
        yamlsafe.load("secret-token-1234: [unclosed\nmore: x\n")
    assert "secret-token-1234" not in str(caught.value)


def test_a_template_that_loops_for_hours_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "slow.j2").write_text(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        encoding="utf-8",
    )
    monkeypatch.setattr(templates, "TIME_LIMIT_S", 1)
    env = templates.environment(tmp_path)
    with pytest.raises(templates.TemplateError, match="took longer than 1 s"):
        templates.render(env, "html/slow.j2")


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "source",
    [
        '{% set a = "x"|center(1800000000) %}{{ a|length }}',
        '{{ "x".ljust(1800000000)|length }}',
        '{{ "x".zfill(1800000000)|length }}',
        '{% set a = "x" * 9000000 %}{{ (a|replace("x", "yyyyyyyyyy"))|length }}',
        '{% set a = "x" * 9000000 %}{{ a.replace("x", "yyyyyyyyyy")|length }}',
        '{{ "%1800000000s"|format("x")|length }}',
        '{{ "{:>1800000000}".format("x")|length }}',
        '{% set a = "x" * 9000000 %}{% set b = a ~ a %}{{ b|length }}',
        '{% set a = "x" * 9000000 %}{% set b = a + a %}{{ b|length }}',
        '{% set a = ["x" * 9000000, "y" * 9000000] %}{{ a|join("")|length }}',
        '{% set a = ["x" * 9000000] * 3 %}{{ "".join(a)|length }}',
        '{% set a = "x\\n" * 1000 %}{{ a|indent(100000)|length }}',
    ],
    ids=[
        "center",
        "ljust",
        "zfill",
        "replace",
        "str.replace",
        "format",
        "str.format",
        "tilde",
        "plus",
        "join",
        "str.join",
        "indent",
    ],
)
def test_template_strings_are_bounded_before_they_are_made(tmp_path: Path, source: str) -> None:
    """Each took gigabytes (center(1800000000): 3.56 GB, 56 s) before the time limit,
    which cannot interrupt one call: now refused before the string is made (#29)."""
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "big.j2").write_text(source, encoding="utf-8")
    env = templates.environment(tmp_path)
    with pytest.raises(templates.TemplateError, match="too long for a template"):
        templates.render(env, "html/big.j2")


def test_ordinary_padding_joins_and_formats_still_render(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "ok.j2").write_text(
        '{{ "x"|center(5) }}|{{ "a" ~ "b" }}|{{ "%3s"|format("x") }}|{{ "a,b"|replace(",", ";") }}'
        '|{{ ["a", "b"]|join(", ") }}|{{ "{}-{}".format(1, 2) }}|{{ "ab"|indent(2) }}',
        encoding="utf-8",
    )
    rendered = templates.render(templates.environment(tmp_path), "html/ok.j2")
    assert rendered == "  x  |ab|  x|a;b|a, b|1-2|ab"
