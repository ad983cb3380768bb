"""Packaged resources: icons, default policy, examples (read with importlib.resources)."""
