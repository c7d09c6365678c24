"""The ``citepress`` command: parse flags, call one library function, map to an exit code.

Heavy modules are imported inside the commands, so that ``citepress check``
never loads the rendering stack (pandoc, WeasyPrint).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from citepress import __version__
from citepress.editions import EDITIONS, NAMES

EXIT_OK, EXIT_ERRORS, EXIT_UNUSABLE = 0, 1, 2


def parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    main = argparse.ArgumentParser(
        prog="citepress",
        description="Check the citations and dates of a book, and publish its editions.",
    )
    main.add_argument("--version", action="version", version=f"citepress {__version__}")
    main.add_argument(
        "-C",
        "--project",
        type=Path,
        default=None,
        metavar="DIR",
        help="the project folder (default: the one containing the current folder)",
    )
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="check references and dates; exit 1 on errors")
    check.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        help="output format (default: text)",
    )
    check.add_argument("--strict", action="store_true", help="treat warnings and queries as errors")
    check.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the report to FILE instead of standard output",
    )
    build = commands.add_parser(
        "build", help="check, then build the editions; refuses to publish on check errors"
    )
    build.add_argument(
        "--format",
        type=_formats,
        default=None,
        metavar="LIST",
        help="comma-separated editions to build (default: all): "
        + "; ".join(f"{e.name}, {e.summary}" for e in EDITIONS),
    )
    _out_option(build)
    _untrusted_option(build)
    build.add_argument(
        "--force",
        action="store_true",
        help="publish even when the check finds errors (a warning says so loudly)",
    )
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="rebuild every edition even when its inputs have not changed",
    )
    proof = commands.add_parser(
        "proof",
        help="write the editor's proof: the PDF with every finding annotated on its page, "
        "a query list, and an HTML report",
    )
    _out_option(proof)
    _untrusted_option(proof)
    for name, what in (
        ("watch", "rebuild the editions whenever a source changes"),
        ("serve", "watch, and show the HTML edition on 127.0.0.1 with live reload"),
    ):
        live = commands.add_parser(name, help=what)
        _out_option(live)
        if name == "serve":
            live.add_argument("--port", type=_port, default=8000, help="default: 8000; 0: any")
            live.add_argument("--open", action="store_true", help="open it in a browser")
    init = commands.add_parser(
        "init", help="create a new book project that checks clean and builds at once"
    )
    init.add_argument("folder", nargs="?", type=Path, default=Path(), metavar="DIR")
    init.add_argument("--lang", choices=("ja", "en"), default="en", help="the book's language")
    init.add_argument("--title", default=None, help="the book's title (default: DIR's name)")
    init.add_argument("--author", default=None, help="the author's name")
    dates = commands.add_parser("dates", help="print the timeline the check inferred")
    dates.add_argument("--all", action="store_true", help="also list sentences with no date")
    return main


EXIT_INTERRUPTED = 130


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled) unwinds like Ctrl-C, so temporary files are removed."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``citepress`` command; returns the exit code."""
    args = parser().parse_args(argv)
    from citepress.config import ProjectError  # noqa: PLC0415

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        commands = {
            "check": _check, "build": _build, "proof": _proof, "init": _init,
            "watch": _live, "serve": _live,
        }  # fmt: skip
        command = commands.get(args.command, _dates)
        return command(args)
    except KeyboardInterrupt:
        _stop_children()
        print("citepress: interrupted; the previous editions are unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ProjectError as exc:
        for line in str(exc).splitlines():  # every settings error at once, one a line
            print(f"citepress: {line}", file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"citepress: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except MemoryError:
        print(
            f"citepress: the input needs more than {CHECK_MEMORY // 1024**3} GB of memory "
            "to check; refusing (a hostile or broken file?)",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    except Exception as exc:  # a bug of ours: report it briefly unless debugging
        if os.environ.get("CITEPRESS_DEBUG"):
            raise
        print(
            f"citepress: internal error: {type(exc).__name__}: {exc} "
            "(set CITEPRESS_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE


def _check(args: argparse.Namespace) -> int:
    from citepress import check  # noqa: PLC0415
    from citepress import config as project  # noqa: PLC0415
    from citepress.diagnostics import count  # noqa: PLC0415
    from citepress.report import formatters  # noqa: PLC0415
    from citepress.report import timeline as report  # noqa: PLC0415

    settings = project.load(args.project)
    if args.output is not None:
        settings.refuse_overwrite(args.output)
    result = check.run(settings, strict=args.strict)
    out = sys.stdout if args.output is None else None
    if args.format == "text":
        text = formatters.text(
            result.diagnostics, colour=out is not None and formatters.use_colour(out)
        )
        if len(result.docs) > 1:
            text += report.per_chapter(result)
    else:
        text = formatters.FORMATTERS[args.format](result.diagnostics)
    if args.output is not None:
        from citepress.ground.atomic import write_text  # noqa: PLC0415

        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_ERRORS if count(result.diagnostics, "error") else EXIT_OK


def _out_option(command: argparse.ArgumentParser) -> None:
    """``--out DIR``, the same for every command that writes editions."""
    command.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="the output folder (default: build/ in the project)",
    )


def _untrusted_option(command: argparse.ArgumentParser) -> None:
    """``--untrusted``: a pull request's project, whose templates are not used."""
    command.add_argument(
        "--untrusted",
        action="store_true",
        help="render with citepress's own templates, never the project's (for pull requests)",
    )


def _print_errors(diagnostics: Sequence[Any]) -> int:
    """The check's errors on standard error, as `citepress check` shows them; how many."""
    from citepress.report import formatters  # noqa: PLC0415

    errors = [d for d in diagnostics if d.severity == "error"]
    sys.stderr.write(formatters.text(errors, colour=formatters.use_colour(sys.stderr)))
    return len(errors)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r}: a port is a number from 0 to 65535")
    return int(value)


def _formats(value: str) -> list[str]:
    chosen = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [fmt for fmt in chosen if fmt not in NAMES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"{value!r}: choose from {', '.join(NAMES)} (comma-separated)"
        )
    return list(dict.fromkeys(chosen))


def _build(args: argparse.Namespace) -> int:
    from citepress import config as project  # noqa: PLC0415
    from citepress.diagnostics import count  # noqa: PLC0415
    from citepress.publish import build  # noqa: PLC0415

    settings = replace(project.load(args.project), untrusted=args.untrusted)

    def progress(what: str, path: Path | None, seconds: float, cached: bool) -> None:
        note = "  (unchanged)" if cached else ""
        where = f"  {_shown(path)}" if path is not None else ""
        print(f"  {what:<7} {seconds:6.2f} s{where}{note}", flush=True)

    try:
        result = build.build(
            settings,
            formats=args.format or build.FORMATS,
            out_dir=args.out,
            force=args.force,
            use_cache=not args.no_cache,
            progress=progress,
        )
    except build.CheckFailed as failed:
        errors = _print_errors(failed.diagnostics)
        print(
            f"citepress: the check found {errors} error(s); nothing was published "
            "(fix them, or build with --force)",
            file=sys.stderr,
        )
        return EXIT_ERRORS
    except build.BuildError as exc:
        print(f"citepress: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for note in result.notes:
        print(f"citepress: note: {note}", file=sys.stderr)
    n_errors, n_warnings = count(result.diagnostics, "error"), count(result.diagnostics, "warning")
    if n_errors:
        print(
            f"citepress: WARNING: published with --force although the check found "
            f"{n_errors} error(s); these editions are not fit to release",
            file=sys.stderr,
        )
    else:
        n_queries = count(result.diagnostics, "query")
        said = [
            f"{n} {what}"
            for n, what in ((n_warnings, "warning(s)"), (n_queries, "query(ies)"))
            if n
        ]
        if said:
            print(f"check: {', '.join(said)}; `citepress check` lists them", file=sys.stderr)
    return EXIT_OK


def _proof(args: argparse.Namespace) -> int:
    from citepress import config as project  # noqa: PLC0415
    from citepress.publish import build, proof  # noqa: PLC0415
    from citepress.report.formatters import summary  # noqa: PLC0415

    settings = replace(project.load(args.project), untrusted=args.untrusted)
    try:
        result = proof.proof(settings, out_dir=args.out)
    except proof.ProofFailed as failed:
        errors = _print_errors(failed.diagnostics)
        print(f"citepress: no proof: {failed}", file=sys.stderr)
        return EXIT_ERRORS if errors else EXIT_UNUSABLE
    except build.BuildError as exc:
        print(f"citepress: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    total = len(result.diagnostics)
    print(f"  proof  {_shown(result.pdf)}", flush=True)
    print(f"  report {_shown(result.report)}", flush=True)
    print(
        f"proof: {summary(result.diagnostics)}; {result.placed} of {total} finding(s) "
        "marked in the text, every one in the query list",
        file=sys.stderr,
    )
    return EXIT_OK


def _live(args: argparse.Namespace) -> int:
    import threading  # noqa: PLC0415

    from citepress import config as project  # noqa: PLC0415
    from citepress import live  # noqa: PLC0415
    from citepress.publish import build  # noqa: PLC0415

    settings = project.load(args.project)
    try:
        folder = build.output_folder(settings, args.out)
    except build.BuildError as exc:
        print(f"citepress: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    state, stop = live.State(), threading.Event()
    try:
        live.check_sources(settings)
        httpd = live.server(settings, folder, state, args.port) if args.command == "serve" else None
    except live.WatchError as exc:
        print(f"citepress: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    if httpd is not None:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        print(f"serving {url}  (Ctrl-C stops)", flush=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        if args.open:
            import webbrowser  # noqa: PLC0415

            webbrowser.open(url)
    try:
        live.watch(settings, folder, state, stop, lambda text: print(text, flush=True))
    finally:
        stop.set()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
    return EXIT_OK


def _init(args: argparse.Namespace) -> int:
    from citepress import scaffold  # noqa: PLC0415

    values = scaffold.default_values(args.lang, args.folder)
    values = scaffold.Values(
        values.lang, args.title or values.title, args.author or values.author, values.revision
    )
    try:
        written = scaffold.create(args.folder, values)
    except scaffold.ScaffoldError as exc:
        print(f"citepress: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for path in written:
        print(f"  created {_shown(path)}")
    print(f"next: cd {args.folder} && citepress check && citepress build")
    return EXIT_OK


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _dates(args: argparse.Namespace) -> int:
    from citepress import check  # noqa: PLC0415
    from citepress import config as project  # noqa: PLC0415
    from citepress.report import timeline as report  # noqa: PLC0415

    settings = project.load(args.project)
    result = check.run(settings)
    sys.stdout.write(report.timeline(result, show_all=args.all))
    return EXIT_OK


# The check's own memory: far above what any real book needs (the 20 MB .bib of the
# tests takes ~1 GB), low enough that hostile input ends in an error, not a swapping
# machine. pandoc lifts it in its own process and has its own limit (+RTS -M).
CHECK_MEMORY = 4 * 1024**3


def _stop_children() -> None:
    """No second signal may interrupt the clean-up, and no pandoc outlives the build."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)
    render = sys.modules.get("citepress.ground.pandoc")
    if render is not None:
        render.stop_all()


def entry() -> None:
    """The console script: ``main`` with the check's memory capped."""
    import resource  # noqa: PLC0415

    # `python -m citepress.cli` puts the working folder first on the import path: a
    # pull request's `yaml.py` would be imported by a later lazy import. The project
    # folder is data, never code. (The `citepress` command does not add it; neither
    # does `python -I`.) Done here, not at import, so that importing this module in
    # a test run leaves the test runner's path alone.
    if sys.path and sys.path[0] in ("", str(Path.cwd())):
        del sys.path[0]

    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if soft == resource.RLIM_INFINITY or soft > CHECK_MEMORY:
        limit = CHECK_MEMORY if hard == resource.RLIM_INFINITY else min(CHECK_MEMORY, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    code = main()
    if code == EXIT_INTERRUPTED:
        # Threads may still wait on pandoc processes just killed; leaving through
        # the interpreter's shutdown would join them (and a late signal there
        # printed a traceback from threading._shutdown). Everything is written.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
