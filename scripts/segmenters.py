"""Compare two sentence segmenters on the corpus: sentencex and ICU, block by block.

For each work of the manifest, every paragraph as citepress reads it (pandoc's text
of the block, a space for each line break) is segmented by both, and the sentence
ends they disagree on are counted and sampled. dates/sentences.py uses sentencex
for most languages and ICU for CJK; this is the measurement behind that choice.

Usage: python -m scripts.segmenters [--manifest corpus/manifest.toml] [--root /work/corpus]
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
from pathlib import Path

from citepress import check
from citepress import config as project
from citepress.dates import sentences, timeline
from scripts import corpus


def ends(text: str, language: str, icu: bool) -> set[int]:
    """The positions where one segmenter ends a sentence inside ``text``.

    Through dates/sentences.py's own calls (its panic guard, its UTF-16 mapping), the
    whole paragraph at once: the windows citepress cuts for sentencex are left out.
    """
    if icu:
        locale = language if language in sentences.CJK else f"{language}@ss=standard"
        found = [end for _, end in sentences._icu(text, locale)]
    else:
        found = [end for _, end in sentences._sentencex(text, language)]
    return {end for end in found if end < len(text.rstrip())}


def main(argv: list[str] | None = None) -> int:
    """Print, per work, sentence ends each segmenter finds, and a sample of disagreements."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=corpus.ROOT / "corpus" / "manifest.toml")
    parser.add_argument("--root", type=Path, default=Path("/work/corpus"))
    parser.add_argument("--sample", type=int, default=3)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    totals: collections.Counter[str] = collections.Counter()
    for work in corpus.load_manifest(args.manifest):
        with tempfile.TemporaryDirectory() as folder:
            corpus.make_project(work, args.root, Path(folder))
            docs = check.read(project.load(Path(folder))).docs
        counts: collections.Counter[str] = collections.Counter()
        only: list[tuple[str, str]] = []
        language = timeline._language(work.lang)
        for doc in docs:
            for block in doc.blocks:
                if block.kind != "paragraph":
                    continue
                text, _ = timeline._with_breaks(block.text, block.offsets, doc.source)
                a, b = ends(text, language, icu=False), ends(text, language, icu=True)
                counts["sentencex"] += len(a)
                counts["icu"] += len(b)
                counts["both"] += len(a & b)
                only += [("sentencex only", text[max(0, e - 40) : e + 30]) for e in a - b]
                only += [("icu only", text[max(0, e - 40) : e + 30]) for e in b - a]
        totals.update(counts)
        print(f"{work.name} ({work.lang}): {dict(counts)}")
        for kind, excerpt in rng.sample(only, min(args.sample, len(only))):
            print(f"    {kind}: …{excerpt!r}…")
    print(f"all: {dict(totals)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
