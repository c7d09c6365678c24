"""Run ``citepress check`` over a corpus of books other people wrote, and tabulate it.

The corpus (``corpus/manifest.toml``) lists real books, theses and papers written in
pandoc Markdown (bookdown ``.Rmd``, Quarto ``.qmd``) with their own bibliographies. Their
files are not committed; they live under ROOT/<name>/<path in the work's repository>.

For each work this makes a citepress project in a temporary folder: every chapter is
copied to ``manuscript/NN-<name>.md`` with citepress front matter (title, author, lang)
in place of its own, its body kept byte for byte; ``manuscript/book.yaml`` gives the
reading order; the bibliography files go to ``bib/``; ``pyproject.toml`` names them and
the work's citation style. Then ``citepress check`` runs there (JSON for the findings,
text for the notes per chapter), and the chapters are read by the same pandoc to count
their citations (Quarto cross-references such as @fig-x left out). A work that fails or
runs past its time limit is reported, not fatal.

Usage:
    python -m scripts.corpus check --manifest corpus/manifest.toml --root /work/corpus \
        [--json OUT] [--only NAME ...] [--timeout SECONDS] [--citepress PATH]

By default (``--as-written`` turns it off) each knitr/Quarto chunk's opening fence,
```` ```{r label, echo=FALSE} ````, becomes a plain code fence, ```` ```r ````, on the
same line: what knitr hands pandoc when it shows the code without running it. pandoc
does not take ```` ```{r} ```` as a fence, so without this the R inside a chunk is
read as prose (``# @key`` as a heading, ``@param`` as a citation). No code is run:
figures and tables that chunks would make do not exist, so cross-references to them
stay xref.undefined (their count is reported apart).

``--json OUT`` writes every finding, mapped back to the work's own files and lines, with
the sentence it stands in, whether it stands in a knitr/Quarto code chunk (which pandoc,
unlike knitr, reads as text), and an empty ``label`` for a person to fill in (true or
false alarm).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts import corpus_labels

ROOT = Path(__file__).resolve().parent.parent
SEVERITIES = ("error", "warning", "query", "note")
# Quarto's cross-reference prefixes: pandoc reads @fig-x as a citation, but it is none.
_XREF_KINDS = "fig tbl sec eq lst thm lem cor prp cnj def exm exr sol rem tip nte wrn imp cau"
XREF_PREFIXES = tuple(f"{kind}-" for kind in _XREF_KINDS.split(" "))
_FRONT_MATTER = re.compile(
    rb"\A(?:\xef\xbb\xbf)?---[ \t]*\r?\n(.*?\r?\n)??(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_ATTRIBUTES = re.compile(r"\s*\{[^{}]*\}\s*$")
_PER_CHAPTER = re.compile(r"^(manuscript/[^:]+\.md): (\d+) notes?;", re.M)
_CHUNK_OPEN = re.compile(r"^[ \t]*(`{3,})[ \t]*\{[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|(?<=[。！？])")


@dataclass(frozen=True)
class Work:
    """One work of the manifest: where its files are and how to read them."""

    name: str
    repo: str
    commit: str
    lang: str
    chapters: tuple[str, ...]
    bibliography: tuple[str, ...]
    author: str = "unknown"
    csl: str = "apa"
    description: str = ""


@dataclass
class Chapter:
    """A chapter as written into the project, and how its lines map back."""

    source: str  # the path in the work's repository
    target: str  # the path in the temporary project
    header_lines: int  # lines of our front matter
    skipped_lines: int  # lines of the chapter's own front matter, left out
    text: str = ""
    chunks: list[tuple[int, int]] = field(default_factory=list)  # knitr chunks' lines

    def in_chunk(self, line: int) -> bool:
        """Whether ``line`` (of the project's file) lies in a knitr/Quarto code chunk."""
        return any(first <= line <= last for first, last in self.chunks)


@dataclass
class Outcome:
    """What the check of one work gave: counts, findings, or why it could not run."""

    work: Work
    status: str = "ok"
    detail: str = ""
    seconds: float = 0.0
    citations: int = 0
    notes: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    in_chunks: int = 0  # findings that stand in a knitr/Quarto code chunk
    codes: collections.Counter[str] = field(default_factory=collections.Counter)
    findings: list[dict[str, Any]] = field(default_factory=list)


def load_manifest(path: Path) -> list[Work]:
    """Read the manifest's ``[[work]]`` tables; a missing field is an error that names it."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    works = []
    for n, table in enumerate(data.get("work", []), 1):
        missing = [k for k in ("name", "repo", "commit", "lang", "chapters") if k not in table]
        if missing:
            raise SystemExit(f"{path}: work {n} lacks {', '.join(missing)}")
        works.append(
            Work(
                name=table["name"],
                repo=table["repo"],
                commit=table["commit"],
                lang=table["lang"],
                chapters=tuple(table["chapters"]),
                bibliography=tuple(table.get("bibliography", ())),
                author=table.get("author") or "unknown",
                csl=table.get("csl", "apa"),
                description=table.get("description", ""),
            )
        )
    return works


def split_front_matter(raw: bytes) -> tuple[str, bytes, int]:
    """Return the chapter's own front matter (text), its body (bytes) and the lines skipped."""
    match = _FRONT_MATTER.match(raw)
    if match is None:
        return "", raw, 0
    front = match.group(0)
    return front.decode("utf-8", "replace"), raw[match.end() :], front.count(b"\n")


def chapter_title(front: str, body: str, fallback: str) -> str:
    """The chapter's first heading outside code, else its front matter title, else a name."""
    fenced = False
    for line in body.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and (heading := _HEADING.match(line)):
            title = _ATTRIBUTES.sub("", heading.group(1)).strip()
            if title:
                return title
    if (match := _TITLE.search(front)) and match.group(1).strip("'\" "):
        return match.group(1).strip().strip("'\"")
    return fallback


def slug(path: str) -> str:
    """A file-name-safe lower-case name for a chapter (its stem)."""
    return re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-") or "chapter"


def yaml_string(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    return json.dumps(value, ensure_ascii=False)


def knitr_chunks(text: str) -> list[tuple[int, int]]:
    """The line ranges of knitr/Quarto chunks (```{r ...} to ```), 1-based, inclusive.

    pandoc does not take ```{r} as a code fence (knitr and Quarto remove chunks before
    pandoc sees the text), so what is written inside a chunk can reach the check as
    prose; findings there are marked, for people to weigh.
    """
    chunks, first, fence = [], 0, ""
    for number, line in enumerate(text.splitlines(), 1):
        if not first and (opened := _CHUNK_OPEN.match(line)):
            first, fence = number, opened.group(1)
        elif first and line.strip() == fence:
            chunks.append((first, number))
            first = 0
    return chunks


def knit_fences(body: bytes) -> bytes:
    """Each chunk's opening ```{r …} line as ```r (line count kept); the rest unchanged."""
    lines = body.split(b"\n")
    for start, _ in knitr_chunks(body.decode("utf-8", "replace")):
        line = lines[start - 1].decode("utf-8", "replace")
        opened = _CHUNK_OPEN.match(line)
        engine = re.match(r"\s*`{3,}\s*\{\s*([A-Za-z0-9_]+)", line)
        if opened and engine:
            lines[start - 1] = f"{opened.group(1)}{engine.group(1)}".encode()
    return b"\n".join(lines)


def write_chapter(
    work: Work, root: Path, n: int, source: str, project: Path, knit: bool = True
) -> Chapter:
    """Copy one chapter into the project with our front matter; its body unchanged.

    With ``knit``, chunk fences become code fences (:func:`knit_fences`).
    """
    front, body, skipped = split_front_matter((root / work.name / source).read_bytes())
    if knit:
        body = knit_fences(body)
    title = chapter_title(front, body.decode("utf-8", "replace"), Path(source).stem)
    header = (
        f"---\ntitle: {yaml_string(title)}\nauthor: {yaml_string(work.author)}\n"
        f"lang: {yaml_string(work.lang)}\n---\n"
    ).encode()
    target = f"manuscript/{n:02d}-{slug(source)}.md"
    (project / target).write_bytes(header + body)
    text = (header + body).decode("utf-8", "replace")
    return Chapter(source, target, header.count(b"\n"), skipped, text, knitr_chunks(text))


def make_project(
    work: Work, root: Path, project: Path, knit: bool = True
) -> tuple[list[Chapter], dict[str, str]]:
    """Write the work's citepress project into ``project``; return chapters and bib map."""
    (project / "manuscript").mkdir(parents=True)
    (project / "bib").mkdir()
    chapters = [
        write_chapter(work, root, n, c, project, knit) for n, c in enumerate(work.chapters, 1)
    ]
    bibs: dict[str, str] = {}
    for n, source in enumerate(work.bibliography, 1):
        target = f"bib/{n:02d}-{Path(source).name}"
        shutil.copyfile(root / work.name / source, project / target)
        bibs[target] = source
    book = [f"title: {yaml_string(work.description or work.name)}"]
    book += [f"author: {yaml_string(work.author)}", f"lang: {yaml_string(work.lang)}", "chapters:"]
    book += [f"  - {Path(c.target).name}" for c in chapters]
    (project / "manuscript" / "book.yaml").write_text("\n".join(book) + "\n", encoding="utf-8")
    settings = [
        "[tool.citepress]",
        'manuscript = "manuscript"',
        "bibliography = [" + ", ".join(yaml_string(b) for b in bibs) + "]",
        f"csl = {yaml_string(work.csl)}",
        f"lang = {yaml_string(work.lang)}",
    ]
    (project / "pyproject.toml").write_text("\n".join(settings) + "\n", encoding="utf-8")
    return chapters, bibs


def pandoc_path(citepress: Path) -> str:
    """The pandoc citepress uses (pypandoc's, in citepress's own environment)."""
    python = citepress.parent / "python"
    out = subprocess.run(
        [str(python), "-c", "import pypandoc; print(pypandoc.get_pandoc_path())"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip()


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in pandoc's tree, without recursion."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def count_citations(pandoc: str, path: Path, timeout: float) -> int:
    """Citations pandoc reads in a chapter (cross-references such as @fig-x left out)."""
    out = subprocess.run(
        [pandoc, "-f", "markdown-raw_tex", "-t", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=timeout,
    )
    total = 0
    for node in walk(json.loads(out.stdout)):
        if node.get("t") == "Cite":
            ids = [c.get("citationId", "") for c in node["c"][0]]
            total += sum(1 for i in ids if not i.startswith(XREF_PREFIXES))
    return total


def run_check(citepress: Path, project: Path, fmt: str, timeout: float) -> str:
    """``citepress check --format FMT`` in the project; its output (exit 0 or 1 only)."""
    out = subprocess.run(
        [str(citepress), "check", "--format", fmt],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode not in (0, 1):
        raise RuntimeError(f"citepress exited {out.returncode}: {out.stderr.strip()[-2000:]}")
    return out.stdout


def sentence_at(text: str, line: int, column: int) -> str:
    """The sentence of the paragraph that holds (line, column): for a person to judge."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    start, end = line - 1, line - 1
    while start > 0 and lines[start - 1].strip():
        start -= 1
    while end + 1 < len(lines) and lines[end + 1].strip():
        end += 1
    paragraph = lines[start : end + 1]
    offset = sum(len(x) + 1 for x in paragraph[: line - 1 - start]) + max(column - 1, 0)
    joined = "\n".join(paragraph)
    cuts = [0, *(m.end() for m in _SENTENCE_END.finditer(joined)), len(joined)]
    begin = max(c for c in cuts if c <= offset)
    finish = min((c for c in cuts if c > offset), default=len(joined))
    return " ".join(joined[begin:finish].split())[:800]


def locate(
    finding: dict[str, Any], chapters: dict[str, Chapter], bibs: dict[str, str]
) -> dict[str, Any]:
    """The finding with its place in the work's own files, and its sentence."""
    path, line = finding.get("path", ""), finding.get("line") or 0
    placed = dict(finding)
    placed["label"] = None
    if path in chapters:
        chapter = chapters[path]
        placed["source"] = chapter.source
        placed["source_line"] = line - chapter.header_lines + chapter.skipped_lines if line else 0
        placed["sentence"] = sentence_at(chapter.text, line, finding.get("column") or 1)
        placed["in_chunk"] = chapter.in_chunk(line)
    elif path in bibs:
        placed["source"], placed["source_line"], placed["sentence"] = bibs[path], line, ""
    else:
        placed["source"], placed["source_line"], placed["sentence"] = path, line, ""
    return placed


def check_work(
    work: Work, root: Path, citepress: Path, pandoc: str, timeout: float, knit: bool = True
) -> Outcome:
    """Check one work in a temporary project; any failure is recorded in the outcome."""
    outcome = Outcome(work)
    began = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix=f"corpus-{work.name}-") as folder:
            project = Path(folder)
            chapters, bibs = make_project(work, root, project, knit)
            deadline = began + timeout
            report = json.loads(run_check(citepress, project, "json", deadline - time.monotonic()))
            text = run_check(citepress, project, "text", deadline - time.monotonic())
            outcome.notes = sum(int(n) for _, n in _PER_CHAPTER.findall(text))
            for chapter in chapters:
                left = deadline - time.monotonic()
                outcome.citations += count_citations(pandoc, project / chapter.target, left)
            by_target = {c.target: c for c in chapters}
            outcome.findings = [locate(f, by_target, bibs) for f in report["diagnostics"]]
    except subprocess.TimeoutExpired:
        outcome.status, outcome.detail = "timeout", f"over {timeout:g} s"
    except (OSError, ValueError, RuntimeError, KeyError, subprocess.SubprocessError) as error:
        outcome.status, outcome.detail = "failed", f"{type(error).__name__}: {error}"
    outcome.seconds = time.monotonic() - began
    for finding in outcome.findings:
        outcome.codes[finding["code"]] += 1
    outcome.counts = dict(collections.Counter(f["severity"] for f in outcome.findings))
    outcome.in_chunks = sum(1 for f in outcome.findings if f.get("in_chunk"))
    return outcome


def table(rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table; the first row is the header."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def summary_table(outcomes: Sequence[Outcome]) -> str:
    """One row a work: its size, what the check found by severity, and how it ran."""
    header = ["work", "lang", "chapters", "citations", "notes"]
    rows: list[list[object]] = [[*header, *SEVERITIES, "in chunks", "seconds", "status"]]
    for o in outcomes:
        size = [o.work.name, o.work.lang, len(o.work.chapters), o.citations, o.notes]
        severities = [o.counts.get(s, 0) for s in SEVERITIES]
        status = o.status if not o.detail else f"{o.status}: {o.detail[:80]}"
        rows.append([*size, *severities, o.in_chunks, f"{o.seconds:.1f}", status])
    chapters = sum(len(o.work.chapters) for o in outcomes)
    size = [
        "total",
        "",
        chapters,
        sum(o.citations for o in outcomes),
        sum(o.notes for o in outcomes),
    ]
    severities = [sum(o.counts.get(s, 0) for o in outcomes) for s in SEVERITIES]
    chunked = sum(o.in_chunks for o in outcomes)
    rows.append([*size, *severities, chunked, f"{sum(o.seconds for o in outcomes):.1f}", ""])
    return table(rows)


def code_table(outcomes: Sequence[Outcome]) -> str:
    """One row a work, one column a code that occurred anywhere: how many findings."""
    codes = sorted({c for o in outcomes for c in o.codes})
    if not codes:
        return "(no findings)"
    rows: list[list[object]] = [["work", *codes]]
    rows += [[o.work.name, *(o.codes.get(c, 0) or "" for c in codes)] for o in outcomes]
    rows.append(["total", *(sum(o.codes.get(c, 0) for o in outcomes) for c in codes)])
    return table(rows)


def write_json(outcomes: Sequence[Outcome], path: Path) -> None:
    """Every work's counts and findings, with sentences, for people to label."""
    data = [
        {
            "name": o.work.name,
            "repo": o.work.repo,
            "commit": o.work.commit,
            "lang": o.work.lang,
            "status": o.status,
            "detail": o.detail,
            "citations": o.citations,
            "notes": o.notes,
            "counts": o.counts,
            "in_chunks": o.in_chunks,
            "codes": dict(o.codes),
            "findings": o.findings,
        }
        for o in outcomes
    ]
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def default_citepress() -> Path:
    """The citepress beside this Python, else the project's virtualenv's."""
    beside = Path(sys.executable).parent / "citepress"
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "citepress"


def check(args: argparse.Namespace) -> int:
    """The ``check`` command: every work (or those named), then the tables."""
    works = load_manifest(args.manifest)
    if args.only:
        works = [w for w in works if w.name in set(args.only)]
    pandoc = pandoc_path(args.citepress)
    outcomes = []
    for work in works:
        print(f"checking {work.name} ({len(work.chapters)} chapters)…", file=sys.stderr)
        outcomes.append(
            check_work(work, args.root, args.citepress, pandoc, args.timeout, not args.as_written)
        )
    print(summary_table(outcomes))
    print()
    print(code_table(outcomes))
    if args.json is not None:
        write_json(outcomes, args.json)
    return 0 if all(o.status == "ok" for o in outcomes) else 1


def sources_of(root: Path, name: str) -> str:
    """Every Markdown source of a work, joined: where a rule looks for a chunk's label."""
    suffixes = (".rmd", ".qmd", ".md")
    files = sorted(p for p in (root / name).rglob("*") if p.suffix.lower() in suffixes)
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)


def label_table(args: argparse.Namespace) -> int:
    """Label every error and query of a findings file; print the tables docs/check.md shows."""
    works = json.loads(args.findings.read_text(encoding="utf-8"))
    one_by_one = corpus_labels.load_labels(args.labels)
    by_code: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    unlabelled = []
    for work in works:
        sources = sources_of(args.root, work["name"])
        for finding in work["findings"]:
            if finding["severity"] not in ("error", "query"):
                continue
            verdict, _ = corpus_labels.label(work["name"], finding, sources, one_by_one)
            by_code[(finding["severity"], finding["code"])][verdict] += 1
            if verdict == "unlabelled":
                place = f"{work['name']} {finding['source']}:{finding['source_line']}"
                unlabelled.append(f"{place} {finding['code']}: {finding['message'][:120]}")
    header: list[object] = ["severity", "code", "findings", *corpus_labels.LABELS]
    rows: list[list[object]] = [[*header, "unlabelled", "precision"]]
    for (severity, code), counts in sorted(by_code.items()):
        total = sum(counts.values())
        true = counts["true"]
        rows.append(
            [severity, code, total, *(counts[label] for label in corpus_labels.LABELS),
             counts["unlabelled"], f"{true / total:.0%}" if severity == "query" else ""]
        )  # fmt: skip
    print(table(rows))
    for line in unlabelled:
        print("unlabelled:", line)
    return 1 if unlabelled else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("check", help="check every work of the manifest")
    run.add_argument("--manifest", type=Path, default=ROOT / "corpus" / "manifest.toml")
    run.add_argument("--root", type=Path, default=Path("/work/corpus"))
    run.add_argument("--json", type=Path, default=None, help="write all findings here")
    run.add_argument("--only", nargs="+", default=None, help="check only these works")
    run.add_argument("--timeout", type=float, default=900.0, help="seconds a work may take")
    run.add_argument("--citepress", type=Path, default=default_citepress())
    run.add_argument("--as-written", action="store_true", help="keep knitr chunk fences as written")
    labels = commands.add_parser("label", help="label a findings file's errors and queries")
    labels.add_argument("findings", type=Path, help="the file check --json wrote")
    labels.add_argument("--labels", type=Path, default=ROOT / "corpus" / "labels.toml")
    labels.add_argument("--root", type=Path, default=Path("/work/corpus"))
    args = parser.parse_args(argv)
    return label_table(args) if args.command == "label" else check(args)


if __name__ == "__main__":
    sys.exit(main())
