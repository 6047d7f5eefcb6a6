"""The Emacs integration (editors/emacs/fastapi-lint.el) in the real Emacs with Eglot, in
batch mode, against the real server: diagnostics reach Flymake at the right characters, a
quick fix picked from Eglot's code action menu applies, and ``fastapi-lint-fix-all`` applies
every safe fix. CI installs Debian's ``emacs-nox`` (28) and ``elpa-eglot`` (1.9)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.editor_support import (
    AFTER_FIX_ALL,
    AFTER_QUICK_FIX,
    EDITORS,
    FINDINGS,
    QUICK_FIX_TITLE,
    REQUIRED_ENV,
    ROUTE,
    SETTINGS,
    UNSAFE,
    check_routes_step,
    editor_env,
    find_executables,
    require_or_skip,
    server_command,
    step_ok,
    write_project,
)

PLUGIN = EDITORS / "emacs"
SCRIPT = PLUGIN / "test" / "e2e.el"
EMACSES: list[str | None] = [*find_executables("emacs", "FASTAPI_LINT_EMACS")] or [None]


def has_eglot(emacs: str, env: dict[str, str]) -> bool:
    proc = subprocess.run(
        [emacs, "--batch", "-q", "--eval", "(require 'eglot)"],
        env=env,
        capture_output=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return proc.returncode == 0


@pytest.fixture(scope="module", params=EMACSES, ids=lambda p: p or "no-emacs")
def session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """One batch Emacs session running every step of e2e.el."""
    emacs = request.param
    if emacs is None:
        require_or_skip([], "emacs")
    assert isinstance(emacs, str)
    work = tmp_path_factory.mktemp("emacs")
    env = editor_env(work / "home")
    if not has_eglot(emacs, env):
        if os.environ.get(REQUIRED_ENV):
            pytest.fail(f"{emacs} has no eglot (Debian: elpa-eglot) but {REQUIRED_ENV} is set")
        pytest.skip(f"{emacs} has no eglot")
    app = write_project(work / "project")
    out = work / "results.json"
    env.update(
        FASTAPI_LINT_PLUGIN=str(PLUGIN),
        FASTAPI_LINT_CMD=json.dumps(server_command()),
        FASTAPI_LINT_FILE=str(app),
        FASTAPI_LINT_SETTINGS=json.dumps(SETTINGS),
        FASTAPI_LINT_QUICK_FIX=QUICK_FIX_TITLE,
        FASTAPI_LINT_ROUTE=ROUTE,
        FASTAPI_LINT_OUT=str(out),
    )
    proc = subprocess.run(
        [emacs, "--batch", "-q", "-l", str(SCRIPT)],
        cwd=app.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert out.exists(), f"emacs wrote no results: {proc.stdout}\n{proc.stderr}"
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in results, results["error"]
    return results


def test_eglot_starts_the_fastapi_lint_server(session: dict[str, Any]) -> None:
    step_ok(session, "diagnostics")
    assert session["major_mode"] == "python-mode"
    assert session["server_class"] == "fastapi-lint-eglot-server"
    assert session["server_name"] == "fastapi-lint"


def test_diagnostics_reach_flymake_at_their_characters(session: dict[str, Any]) -> None:
    step_ok(session, "diagnostics")
    seen = [
        (d["code"], d["line"], d["col"], d["end_line"], d["end_col"])
        for d in session["diagnostics"]
    ]
    # Emacs columns count characters; Eglot converted them from the server's units
    assert seen == [(f.code, f.line, f.start("chars"), f.line, f.end("chars")) for f in FINDINGS]
    assert all(
        d["text"].startswith(f"fastapi-lint [{d['code']}]: ") for d in session["diagnostics"]
    )


def test_quick_fix_from_eglots_menu(session: dict[str, Any]) -> None:
    step_ok(session, "quick_fix")
    assert QUICK_FIX_TITLE in session["actions"]
    assert "Ignore FAS203 for this line" in session["actions"]
    assert session["after_quick_fix"] == AFTER_QUICK_FIX


def test_fix_all_command(session: dict[str, Any]) -> None:
    step_ok(session, "fix_all")
    assert session["after_fix_all"] == AFTER_FIX_ALL
    left = [(d["code"], d["line"], d["col"]) for d in session["diagnostics_after_fix_all"]]
    assert left == [(UNSAFE.code, UNSAFE.line, UNSAFE.start("chars"))]


def test_routes_command_jumps_to_the_handler(session: dict[str, Any]) -> None:
    check_routes_step(session)


def test_package_byte_compiles_without_warnings(tmp_path: Path) -> None:
    emacs = EMACSES[0]
    if emacs is None:
        require_or_skip([], "emacs")
    assert emacs is not None
    env = editor_env(tmp_path / "home")
    if not has_eglot(emacs, env):
        require_or_skip([], "eglot")
    copy = tmp_path / "fastapi-lint.el"
    copy.write_text((PLUGIN / "fastapi-lint.el").read_text(encoding="utf-8"), encoding="utf-8")
    strict = "(setq byte-compile-error-on-warn t)"
    proc = subprocess.run(
        [emacs, "--batch", "-q", "--eval", strict, "-f", "batch-byte-compile", str(copy)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "fastapi-lint.elc").exists()
