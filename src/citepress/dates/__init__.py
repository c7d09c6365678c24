"""Dates in the text: read (EDTF, Japanese, English), placed in sentences, given their roles."""
