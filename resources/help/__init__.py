"""The F1 help: one Markdown file per window (read with importlib.resources)."""
