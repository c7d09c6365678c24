"""Reports: the findings for people (text), for tools (JSON, SARIF) and for CI (GitHub)."""
