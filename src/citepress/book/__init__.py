"""The book: the sources converted once by pandoc into the document model.

``convert.convert`` is the face: chapters to HTML with citations as notes (CSL,
citeproc), cross-references numbered, into a ``model.Book`` that every edition's
Jinja templates read (``templates``), with the strings of its language (``strings``).
"""
