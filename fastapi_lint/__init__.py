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


def __getattr__(name: str) -> str:
    """``__version__`` is read from the installed distribution's metadata only when asked for
    (``--version``, SARIF output, the server's ``serverInfo``): importing
    ``importlib.metadata`` costs every run about a fifth of a plain check's start-up."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("fastapi-lint")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
