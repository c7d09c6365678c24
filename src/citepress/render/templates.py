"""The one Jinja environment of the editions, and the lookup of template files.

A project's own ``templates/`` folder comes first, the package's defaults second,
file by file: a project overrides just the files it needs. Autoescaping is on and
undefined names are errors. The environment is sandboxed (immutable): templates
come with a project, and a project can arrive as a stranger's pull request.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from citepress.render.errors import RenderError
from citepress.sources.files import SourceError, confine, read_text

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment
    from jinja2.sandbox import ImmutableSandboxedEnvironment

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# A template comes with the project, so with a pull request: `{% for %}` loops over
# range(100000) twice nested would run for hours. Real templates take milliseconds.
TIME_LIMIT_S = 30


class TemplateError(RenderError):
    """A template file could not be found, read or rendered."""


def search_path(project_templates: Path) -> list[Path]:
    """Where template files are looked for, first match wins."""
    return [folder for folder in (project_templates, PACKAGE_TEMPLATES) if folder.is_dir()]


def environment(project_templates: Path) -> ImmutableSandboxedEnvironment:
    """The Jinja environment: project templates, then the package's; autoescape; strict."""
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
    """Jinja's immutable sandbox, with ** and * checked before they compute.

    Intercepted operators are not folded at compile time either: a constant
    ``7 ** 40000000`` would otherwise be computed while the template compiles.
    """
    from jinja2.exceptions import SecurityError  # noqa: PLC0415
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: PLC0415

    class Bounded(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"**", "*"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and _too_big_power(left, right):
                raise SecurityError("a power too large for a template")
            if operator == "*" and _too_long_product(left, right):
                raise SecurityError("a repetition too long for a template")
            return super().call_binop(context, operator, left, right)

    return Bounded


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
            stamp = _stamp(path)
            try:
                text = read_text(folder, path)
            except SourceError as exc:
                raise TemplateError(f"{path}: {exc.message}") from None
            # Compiled once while the file is unchanged: compiling at every use was
            # most of what the EPUB cost (a template a chapter, each compiled anew).
            return text, str(path), lambda: stamp is not None and _stamp(path) == stamp

    return Confined()


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells a changed template file: its time, size and inode (None: unreadable)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_mtime_ns, found.st_size, found.st_ino


def locate(project_templates: Path, name: str) -> tuple[Path, Path]:
    """The file ``name`` (a CSL style…) from the first folder that has it: (folder, file)."""
    for folder in search_path(project_templates):
        path = folder / name
        if path.is_file() or path.is_symlink():
            try:
                return folder, confine(folder, path)
            except SourceError as exc:
                raise TemplateError(f"{path}: {exc.message}") from None
    raise TemplateError(f"template file {name!r} not found in {project_templates} or the defaults")


def find(project_templates: Path, name: str) -> Path:
    """The file ``name`` from the first template folder that has it (confined there)."""
    return locate(project_templates, name)[1]


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
