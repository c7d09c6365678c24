"""The check: every rule run over one reading of the sources.

``run`` reads and analyses a project and returns its findings (``read`` stops
after the reading). Each rule is a module (``references``, ``dates``,
``crossrefs``) listed once in ``registry.CHECKS``; ``analysis.Analysis`` is what
they all read.
"""

from citepress.check.runner import read, run

__all__ = ["read", "run"]
