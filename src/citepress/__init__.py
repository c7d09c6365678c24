"""citepress: citation-checked publishing of scholarly books."""

__version__ = "0.1.0"
