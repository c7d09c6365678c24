"""Maintainer scripts: the one-off import, benchmarks, the generated book."""
