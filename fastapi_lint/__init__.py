"""fastapi-lint: reviews FastAPI code the way a senior FastAPI engineer does."""

from __future__ import annotations

import os
import sys


def _forget_the_working_directory() -> None:
    """``python -m fastapi_lint`` (or ``fastapi_lsp``) puts the working directory, usually the
    project being checked, first on ``sys.path``: its ``csv.py`` or ``textwrap.py`` would then
    be imported, and run, in place of the standard library's. The checker never imports the
    project, so it drops that entry before importing anything else (unless the directory is
    the one holding this package: running from a source tree that is not installed)."""
    argv = getattr(sys, "orig_argv", [])
    if "-m" not in argv[:-1] or argv[argv.index("-m") + 1] not in ("fastapi_lint", "fastapi_lsp"):
        return
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if sys.path and sys.path[0] in ("", os.getcwd()) and os.getcwd() != here:
        del sys.path[0]


_forget_the_working_directory()

from importlib.metadata import PackageNotFoundError, version  # noqa: E402

try:
    __version__ = version("fastapi-lint")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
