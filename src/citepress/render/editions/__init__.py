"""render/editions."""
