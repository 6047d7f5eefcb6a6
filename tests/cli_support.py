"""Running the real command-line checker in tests, on a small app with one FAS402 finding."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = """\
from fastapi import Depends, FastAPI

app = FastAPI()


def get_db():
    yield 1


@app.get("/a")
def a(db=Depends(get_db())):
    return db
"""
# FAS402 fires on `get_db()` in line 11, character column 18 (1-based)
FINDING = "FAS402 `Depends(get_db())` calls the dependency at import time; pass `get_db` itself"


def run(
    cwd: Path, *args: str | Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m fastapi_lint ARGS`` in ``cwd``; never a traceback on either stream."""
    proc = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        timeout=timeout,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    return proc
