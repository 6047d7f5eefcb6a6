"""The Neovim integration (editors/neovim) in the real ``nvim --headless`` against the real
server: diagnostics with their positions, a quick fix, :FastapiLintFixAll and the route
picker. Runs with ``nvim`` from PATH (Debian's 0.7.2 in CI) and every binary listed in
``FASTAPI_LINT_NVIM`` (CI adds Neovim 0.11 from PyPI), so both registration paths run."""

from __future__ import annotations

import json
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

PLUGIN = EDITORS / "neovim"
SCRIPT = PLUGIN / "test" / "e2e.lua"
NVIMS: list[str | None] = [*find_executables("nvim", "FASTAPI_LINT_NVIM")] or [None]


def nvim_version(nvim: str) -> tuple[int, int]:
    first = subprocess.run(
        [nvim, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.splitlines()[0]  # "NVIM v0.7.2"
    major, minor = first.split("v", 1)[1].split(".")[:2]
    return int(major), int(minor)


def run_e2e(nvim: str, work: Path, *, route: str) -> dict[str, Any]:
    app = write_project(work / "project")
    out = work / "results.json"
    env = editor_env(work / "home")
    env.update(
        FASTAPI_LINT_PLUGIN=str(PLUGIN),
        FASTAPI_LINT_CMD=json.dumps(server_command()),
        FASTAPI_LINT_FILE=str(app),
        FASTAPI_LINT_SETTINGS=json.dumps(SETTINGS),
        FASTAPI_LINT_ROUTE=route,
        FASTAPI_LINT_OUT=str(out),
    )
    proc = subprocess.run(
        [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-c", f"luafile {SCRIPT}"],
        cwd=app.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert out.exists(), f"nvim wrote no results: {proc.stdout}\n{proc.stderr}"
    results: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    results["project"] = str(app.parent)
    return results


@pytest.fixture(scope="module", params=NVIMS, ids=lambda p: p or "no-nvim")
def nvim(request: pytest.FixtureRequest) -> str:
    if request.param is None:
        require_or_skip([], "nvim")
    assert isinstance(request.param, str)
    return request.param


@pytest.fixture(scope="module")
def session(nvim: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One editor session: every step of e2e.lua, run once per Neovim binary."""
    route = ROUTE
    results = run_e2e(nvim, tmp_path_factory.mktemp("nvim"), route=route)
    assert "error" not in results, results.get("error")
    return results


def test_setup_registers_the_server_the_way_the_version_supports(
    nvim: str, session: dict[str, Any]
) -> None:
    step_ok(session, "setup")
    expected = "lsp.config" if nvim_version(nvim) >= (0, 11) else "autocmd"
    assert session["registration"] == expected
    assert session["filetype"] == "python"
    assert session["client"]["name"] == "fastapi_lint"
    # the project root is the directory with pyproject.toml
    assert Path(session["client"]["root_dir"]) == Path(session["project"])


def test_diagnostics_arrive_at_their_byte_columns(session: dict[str, Any]) -> None:
    step_ok(session, "diagnostics")
    seen = [
        (d["code"], d["lnum"], d["col"], d["end_lnum"], d["end_col"])
        for d in session["diagnostics"]
    ]
    # vim.diagnostic columns are byte indexes, whatever encoding the client negotiated
    expected = [(f.code, f.line, f.start("bytes"), f.line, f.end("bytes")) for f in FINDINGS]
    assert seen == expected
    assert all(d["message"] for d in session["diagnostics"])


def test_lsp_ranges_use_the_negotiated_encoding(nvim: str, session: dict[str, Any]) -> None:
    step_ok(session, "quick_fix")
    encoding = session["client"]["offset_encoding"]
    # 0.7 offers only the clangd-style offsetEncoding, which the server does not read
    assert encoding == ("utf-8" if nvim_version(nvim) >= (0, 10) else "utf-16")
    unit = "bytes" if encoding == "utf-8" else encoding
    ranges = [
        (d["code"], d["range"]["start"]["character"], d["range"]["end"]["character"])
        for d in session["lsp_diagnostics"]
    ]
    assert ranges == [(f.code, f.start(unit), f.end(unit)) for f in FINDINGS]


def test_code_actions_at_a_finding_and_the_quick_fix(session: dict[str, Any]) -> None:
    step_ok(session, "quick_fix")
    titles = [a["title"] for a in session["actions"]]
    assert QUICK_FIX_TITLE in titles
    assert "Ignore FAS203 for this line" in titles
    assert session["applied"] == QUICK_FIX_TITLE
    assert session["after_quick_fix"] == AFTER_QUICK_FIX
    codes = [d["code"] for d in session["diagnostics_after_quick_fix"]]
    assert codes == ["FAS703", "FAS311", "FAS203"]


def test_fix_all_command_applies_every_safe_fix(session: dict[str, Any]) -> None:
    step_ok(session, "fix_all")
    assert session["after_fix_all"] == AFTER_FIX_ALL
    left = [(d["code"], d["lnum"], d["col"]) for d in session["diagnostics_after_fix_all"]]
    assert left == [(UNSAFE.code, UNSAFE.line, UNSAFE.start("bytes"))]


def test_routes_picker_jumps_to_the_handler(session: dict[str, Any]) -> None:
    check_routes_step(session)


def test_route_lens_command_opens_the_route_picker(session: dict[str, Any]) -> None:
    """The server's route code lenses name ``fastapi-lint.showRoutes``; the plugin answers it
    on the client side with the same picker as :FastapiLintRoutes."""
    step_ok(session, "lens_command")
    assert session["lens_routes_offered"] == session["routes_offered"]
