"""Rendering: one pandoc pass per chapter into a document model, then Jinja editions."""
