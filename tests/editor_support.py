"""What the real-editor tests (Neovim, Emacs) share: the sample project they open, where its
findings are, the text after a quick fix and after "fix all", and the server's command from
the current virtual environment."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EDITORS = ROOT / "editors"
# set in CI: an editor missing there is a failure, not a skip
REQUIRED_ENV = "FASTAPI_LINT_EDITOR_TESTS"

# Each finding sits after non-ASCII text on its line, so byte, UTF-16 and character columns
# differ: é is 2 bytes and 1 UTF-16 unit, 🎉 is 4 bytes and 2 units, ï is 2 bytes and 1 unit.
APP = '''\
"""Items: each finding sits after non-ASCII text on its line."""

from datetime import datetime

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str


@app.get("/items/{item_id}")
def read_item(item_id: int) -> dict[str, str]:
    return {"é🎉": str(datetime.utcnow()), "item": Item(name="x").dict()["name"]}


@app.post("/items", status_code=201)
def create_item(item: Item) -> dict[str, object]:
    return {"naïve": item.dict()}
'''

# FAS311 is opt-in: the editors' settings turn it on, which proves their settings arrive
SETTINGS = {"extend-select": ["FAS311"], "per-file-ignores": {}}

FIRST_DICT = 'Item(name="x").dict()'
SECOND_DICT = "item.dict()"
AFTER_QUICK_FIX = APP.replace(FIRST_DICT, 'Item(name="x").model_dump()')
AFTER_FIX_ALL = (
    AFTER_QUICK_FIX.replace(SECOND_DICT, "item.model_dump()")
    .replace("status_code=201", "status_code=status.HTTP_201_CREATED")
    .replace("from fastapi import FastAPI\n", "from fastapi import FastAPI, status\n")
)
QUICK_FIX_TITLE = "Rename to `model_dump` (FAS203)"
# the handler the route pickers choose; its decorator, def and body are lines 15 to 17
ROUTE = "read_item"
ROUTE_LINES = range(15, 18)


@dataclass(frozen=True)
class Finding:
    code: str
    line: int  # 0-based
    text: str  # the flagged source text
    occurrence: int = 0  # which occurrence of `text` on the line

    def start(self, unit: str) -> int:
        """The 0-based column of the finding in ``unit``: bytes, utf-16 or chars."""
        return _width(self._prefix(), unit)

    def end(self, unit: str) -> int:
        return self.start(unit) + _width(self.text, unit)

    def _prefix(self) -> str:
        line = APP.splitlines()[self.line]
        at = -1
        for _ in range(self.occurrence + 1):
            at = line.index(self.text, at + 1)
        return line[:at]


def _width(text: str, unit: str) -> int:
    if unit == "bytes":
        return len(text.encode("utf-8"))
    if unit == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


FINDINGS = (
    Finding("FAS703", 16, "datetime.utcnow()"),
    Finding("FAS203", 16, FIRST_DICT),
    Finding("FAS311", 19, "201"),
    Finding("FAS203", 21, SECOND_DICT),
)
# the one finding "fix all" leaves: its fix is unsafe
UNSAFE = FINDINGS[0]


def write_project(directory: Path) -> Path:
    """A project with a ``pyproject.toml`` (its root marker) and the sample app; the app's
    path."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pyproject.toml").write_text("[tool.fastapi-lint]\n", encoding="utf-8")
    app = directory / "app.py"
    app.write_text(APP, encoding="utf-8")
    return app


def server_command() -> list[str]:
    """The real server of the environment running the tests."""
    executable = Path(sys.executable).parent / "fastapi-lint"
    if executable.exists():
        return [str(executable), "server"]
    return [sys.executable, "-m", "fastapi_lsp"]


def editor_env(home: Path) -> dict[str, str]:
    """The environment for an editor under test: a private home and XDG directories, so no
    user configuration, plugin or state is read or written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    for name in ("config", "data", "state", "cache"):
        (home / name).mkdir(parents=True, exist_ok=True)
        env[f"XDG_{name.upper()}_HOME"] = str(home / name)
    env["HOME"] = str(home)
    return env


def find_executables(name: str, extra_env: str) -> list[str]:
    """``name`` on PATH, then the paths listed in the ``extra_env`` variable."""
    found = [path] if (path := shutil.which(name)) else []
    found += [p for p in os.environ.get(extra_env, "").split(os.pathsep) if p]
    return found


def require_or_skip(executables: list[str], what: str) -> None:
    """Skip when the editor is absent, unless CI asked for the editor tests."""
    if executables:
        return
    if os.environ.get(REQUIRED_ENV):
        pytest.fail(f"{what} is not installed but {REQUIRED_ENV} is set")
    pytest.skip(f"{what} is not installed (set {REQUIRED_ENV} to make this a failure)")


def step_ok(results: dict[str, Any], name: str) -> None:
    """The editor script ran step ``name`` without an error."""
    steps = {s["name"]: s for s in results["steps"]}
    assert name in steps, f"step {name} did not run: {results['steps']}"
    assert steps[name]["ok"], steps[name]["error"]


def check_routes_step(results: dict[str, Any]) -> None:
    """The route picker offered both routes and picking ROUTE opened its handler."""
    step_ok(results, "routes")
    offered = " | ".join(results["routes_offered"])
    assert "GET" in offered and "/items/{item_id}" in offered and ROUTE in offered
    assert "POST" in offered and "create_item" in offered
    assert Path(results["route_file"]).name == "app.py"
    assert results["route_line"] in ROUTE_LINES
