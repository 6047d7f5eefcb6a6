"""A small app whose findings span modules: the language server's project findings."""
