"""Typesetting: the PDF's layout, as pages.

``layout`` lays the book out with WeasyPrint (extended in ``weasyext``) on the
type area of ``grid``, with the Japanese rules of ``jlreq``; ``pagemap`` carries
the page numbers into the other editions. A long book is laid out in parts
(``pdfparts``, ``sharedfonts``, ``pdffonts``) merged into one PDF (``pdfmerge``,
``pdfoutline``).
"""
