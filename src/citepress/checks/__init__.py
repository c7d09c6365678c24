"""Checks: each is a function that yields Diagnostics and never stops at the first."""
