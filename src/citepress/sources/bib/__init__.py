"""The bibliography: .bib files read into entries, every problem a diagnostic.

``read`` reads and parses a file (bibtexparser v2, no middlewares); ``values``
resolves field values (@string and month macros, ``#``), size-capped;
``positions`` places blocks and fields exactly; ``integrity`` finds what the
parser lost (dropped entries, duplicate keys, %-commented entries);
``inherit`` finds crossref/xdata loops.
"""

from citepress.sources.bib.model import Bibliography, Entry
from citepress.sources.bib.read import load, parse

__all__ = ["Bibliography", "Entry", "load", "parse"]
