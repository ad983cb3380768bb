"""The escalation wizard: one module per page, the window, autosave and the steps editor."""
