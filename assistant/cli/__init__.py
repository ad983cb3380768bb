"""Command-line interface (headless; the GUI starts when no subcommand is given)."""
