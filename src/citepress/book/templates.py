"""The one Jinja environment of the editions.

Template files are looked up as sources/templatefiles.py says: the project's own
``templates/`` folder first, the package's defaults second. Autoescaping is on and
undefined names are errors. The environment is sandboxed (immutable): templates
come with a project, and a project can arrive as a stranger's pull request.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citepress.book.errors import RenderError
from citepress.ground.files import SourceError, read_text
from citepress.sources import templatefiles
from citepress.sources.templatefiles import search_path, stamp

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment
    from jinja2.sandbox import ImmutableSandboxedEnvironment

# A template comes with the project, so with a pull request: `{% for %}` loops over
# range(100000) twice nested would run for hours. Real templates take milliseconds.
TIME_LIMIT_S = 30


class TemplateError(RenderError):
    """A template file could not be found, read or rendered."""


def environment(project_templates: Path | None) -> ImmutableSandboxedEnvironment:
    """The Jinja environment: project templates, then the package's; autoescape; strict.

    ``None``: the package's templates only (``--untrusted``).
    """
    # Imported here: the build cache uses search_path() and must stay light.
    from jinja2 import ChoiceLoader, StrictUndefined  # noqa: PLC0415

    loaders: list[BaseLoader] = [_loader(folder) for folder in search_path(project_templates)]
    return _bounded_environment()(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


# The largest number or string a template may compute with ** or *: far beyond any
# page, far below what takes minutes (7 ** 40000000 cannot be interrupted).
MAX_RESULT_DIGITS = 10_000
MAX_RESULT_LENGTH = 10_000_000


def _bounded_environment() -> type[ImmutableSandboxedEnvironment]:
    """Jinja's immutable sandbox, with what makes long strings checked before it runs.

    ``**`` and ``*`` (intercepted operators are not folded at compile time either: a
    constant ``7 ** 40000000`` would otherwise be computed while the template
    compiles), ``+`` and ``~``, the string methods and filters that pad, repeat or
    replace (``center``, ``ljust``, ``replace``, ``format``, ``indent``, ``join``…):
    ``"x"|center(1800000000)`` took 3.56 GB and 56 s before the time limit could
    fire, since a single call cannot be interrupted.
    """
    from jinja2.runtime import markup_join, str_join  # noqa: PLC0415
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: PLC0415

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"**", "*", "+"})
        code_generator_class = _concat_generator()

        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            for name in _GROWING_FILTERS:
                self.filters[name] = _bounded_filter(self.filters[name])

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _check_binop(operator, left, right)
            return super().call_binop(context, operator, left, right)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            _refuse(
                _too_long(_method_result(__obj, args, kwargs)), "a string too long for a template"
            )
            return super().call(__context, __obj, *args, **kwargs)

        def getattr(self, obj: Any, attribute: str) -> Any:
            # The sandbox hands str.format out as a function of its own (no __self__ for
            # call() to look at): its padding widths are checked here.
            wide = attribute in ("format", "format_map") and isinstance(obj, str)
            _refuse(
                wide and _too_long(_grown(attribute, obj, (), {})),
                "a format too long for a template",
            )
            return super().getattr(obj, attribute)

        def bounded_join(self, parts: tuple[Any, ...], autoescape: bool) -> Any:
            """``a ~ b``: Jinja's own join, once the parts' length is known to be bounded."""
            _refuse(
                _too_long(sum(_length(part) for part in parts)),
                "a concatenation too long for a template",
            )
            return markup_join(parts) if autoescape else str_join(parts)

    return Bounded


def _concat_generator() -> Any:
    """Jinja's code generator, ``a ~ b`` compiled to the environment's bounded join."""
    from jinja2.compiler import CodeGenerator  # noqa: PLC0415

    class Concat(CodeGenerator):
        def visit_Concat(self, node: Any, frame: Any) -> None:
            self.write("environment.bounded_join((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("), context.eval_ctx.autoescape)")

    return Concat


def _refuse(refused: bool, what: str) -> None:
    """SecurityError (a template error) when ``refused``: the result would be too large."""
    from jinja2.exceptions import SecurityError  # noqa: PLC0415

    if refused:
        raise SecurityError(what)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    _refuse(operator == "**" and _too_big_power(left, right), "a power too large for a template")
    _refuse(
        operator == "*" and _too_long_product(left, right), "a repetition too long for a template"
    )
    _refuse(
        operator == "+" and _too_long(_length(left) + _length(right)),
        "a concatenation too long for a template",
    )


# Filters whose result can be much longer than their input.
# (wordwrap and truncate grow a string by a bounded share of its length at most.)
_GROWING_FILTERS = ("center", "indent", "replace", "format", "join")
# str methods that pad or repeat by an argument, and the argument that sets the width.
_PADDING = {"center", "ljust", "rjust", "zfill"}
_WIDTH_IN_FORMAT = re.compile(r"[%{:][^%{}]{0,20}?(\d{7,})")


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else 0


def _too_long(length: int) -> bool:
    return length > MAX_RESULT_LENGTH


def _method_result(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """How long a str method's result may be (0 for any other call)."""
    owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return 0
    return _grown(name, owner, args, kwargs)


def _grown(name: str, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """An upper bound of the length of ``text.name(*args)`` (or the filter ``name``)."""
    numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int)]
    strings = [a for a in (*args, *kwargs.values()) if isinstance(a, str)]
    if name == "join" and args and isinstance(args[0], list | tuple):
        items = args[0][: MAX_RESULT_LENGTH + 1]
        return sum(_length(item) + len(text) for item in items)
    if name in _PADDING or name in ("center", "indent"):
        width = max(numbers, default=0)
        return len(text) + width * (text.count("\n") + 1 if name == "indent" else 1)
    if name == "expandtabs":
        return len(text) * max(max(numbers, default=8), 1)
    if name == "replace" and len(strings) >= 2:
        old, new = strings[0], strings[1]
        count = text.count(old) if old else len(text) + 1
        return len(text) + count * max(len(new) - len(old), 0)
    if name in ("format", "format_map"):
        widths = [int(w) for w in _WIDTH_IN_FORMAT.findall(text) if len(w) <= 12]
        return len(text) + sum(widths) + sum(len(a) for a in strings)
    return len(text)


def _bounded_filter(function: Any) -> Any:
    """A filter that refuses, before it runs, a result longer than the bound."""
    name = function.__name__.replace("do_", "")

    def bounded(*args: Any, **kwargs: Any) -> Any:
        # Jinja passes the environment or the eval context first to some filters.
        values = [a for a in args if not hasattr(a, "filters") and not hasattr(a, "environment")]
        value, rest = (values[0], tuple(values[1:])) if values else (None, ())
        if isinstance(value, str):
            _refuse(
                _too_long(_grown(name, value, rest, kwargs)), "a string too long for a template"
            )
        elif isinstance(value, list | tuple) and name == "join":
            glue = len(str(rest[0])) if rest else 0
            total = sum(len(str(item)) + glue for item in value[: MAX_RESULT_LENGTH + 1])
            _refuse(_too_long(total), "a join too long for a template")
        return function(*args, **kwargs)

    for attribute in ("jinja_pass_arg", "__name__", "__doc__"):
        if hasattr(function, attribute):
            setattr(bounded, attribute, getattr(function, attribute))
    return bounded


def _too_big_power(base: Any, exponent: Any) -> bool:
    if not all(isinstance(x, int | float) for x in (base, exponent)):
        return False
    digits = abs(exponent) * max(len(str(int(abs(base)))), 1)
    return bool(digits > MAX_RESULT_DIGITS)


def _too_long_product(left: Any, right: Any) -> bool:
    sized = [x for x in (left, right) if isinstance(x, str | list | tuple)]
    counts = [x for x in (left, right) if isinstance(x, int) and not isinstance(x, bool)]
    if sized and counts:
        return len(sized[0]) * abs(counts[0]) > MAX_RESULT_LENGTH
    if len(counts) == 2:  # int * int: its digits
        return len(str(abs(counts[0]))) + len(str(abs(counts[1]))) > MAX_RESULT_DIGITS
    return False


def _loader(folder: Path) -> BaseLoader:
    """A loader that reads template files through the guarded reader, confined to ``folder``.

    Jinja's FileSystemLoader follows links: `templates/html/screen.css` committed as a
    link to /etc/passwd would land in the page.
    """
    from jinja2 import BaseLoader, TemplateNotFound  # noqa: PLC0415

    class Confined(BaseLoader):
        def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
            path = folder / template
            if not path.is_file() and not path.is_symlink():
                raise TemplateNotFound(template)
            known = stamp(path)
            try:
                text = read_text(folder, path)
            except SourceError as exc:
                raise TemplateError(f"{path}: {exc.message}") from None
            # Compiled once while the file is unchanged: compiling at every use was
            # most of what the EPUB cost (a template a chapter, each compiled anew).
            return text, str(path), lambda: known is not None and stamp(path) == known

    return Confined()


def find(project_templates: Path, name: str) -> Path:
    """The file ``name`` from the first template folder that has it (confined there)."""
    try:
        return templatefiles.locate(project_templates, name)[1]
    except templatefiles.TemplateFileMissing as exc:
        raise TemplateError(str(exc)) from None


def render(env: Environment, name: str, **context: Any) -> str:
    """Render template ``name`` within the time limit; Jinja's errors as TemplateError."""
    from jinja2 import TemplateError as JinjaError  # noqa: PLC0415
    from jinja2 import TemplateSyntaxError  # noqa: PLC0415

    try:
        with deadline(TIME_LIMIT_S, f"the template {name}"):
            return env.get_template(name).render(**context)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from None
    except JinjaError as exc:
        raise TemplateError(f"{_template_frame(exc)}template error: {exc.message}") from None
    except RecursionError:  # only reachable with --force past md.nesting
        raise TemplateError("the document nests too deeply to render (see md.nesting)") from None


@contextlib.contextmanager
def deadline(seconds: float, what: str) -> Iterator[None]:
    """Stop the block with TemplateError after ``seconds`` (main thread only: SIGALRM)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TemplateError(f"{what} took longer than {seconds:g} s and was stopped")

    previous = signal.signal(signal.SIGALRM, expire)
    # Again every second after the first: a template error raised where Jinja
    # catches exceptions (constant folding) must not switch the limit off.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _template_frame(exc: BaseException) -> str:
    """'path:line: ' of the innermost template frame of a Jinja runtime error, if any."""
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".j2", ".css", ".xml")):
            where = f"{name}:{tb.tb_lineno}: "
        tb = tb.tb_next
    return where
