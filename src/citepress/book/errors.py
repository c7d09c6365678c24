"""The one exception every rendering step raises: the build reports it and stops (exit 2)."""

from __future__ import annotations


class RenderError(Exception):
    """An edition could not be made.

    A template error (with file and line), a refused resource, pandoc failing,
    a time or memory limit passed.
    """
