"""`fastapi-lint routes` equals the route table FastAPI itself builds for the sample projects.

The test imports each sample app (the index never does) and flattens `app.routes`, mounted
sub-apps included, into (method, path) pairs; the command's JSON must list the same pairs in
the same order.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount

from tests.cli_support import run

PROJECTS = Path(__file__).parent / "projects"
# (sample project, directory put on sys.path, module holding `app`)
SAMPLES = [
    ("flat", ".", "blog.main"),
    ("src_layout", "src", "shop.app"),
    ("circular", ".", "loop.main"),
    ("mounted_twice", ".", "multi.main"),
]


def imported_app(project: Path, source_root: str, module: str) -> Any:
    package = module.split(".")[0]
    sys.path.insert(0, str(project / source_root))
    try:
        return importlib.import_module(module).app
    finally:
        sys.path.pop(0)
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]


def fastapi_table(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, APIRoute):
            for method in sorted(route.methods):
                yield method, prefix + route.path
        elif isinstance(route, APIWebSocketRoute):
            yield "WEBSOCKET", prefix + route.path
        elif isinstance(route, Mount):
            yield from fastapi_table(list(route.routes), prefix + route.path)
        elif hasattr(route, "effective_route_contexts"):
            # recent FastAPI keeps an included router as one entry and resolves its routes
            # (prefixes applied) on demand
            for context in route.effective_route_contexts():
                yield from _effective_route(context, prefix)


def _effective_route(context: Any, prefix: str) -> Iterator[tuple[str, str]]:
    original = context.original_route
    path = context.path or getattr(context.starlette_route, "path", "")
    if isinstance(original, APIRoute):
        for method in sorted(original.methods):
            yield method, prefix + path
    elif isinstance(original, APIWebSocketRoute):
        yield "WEBSOCKET", prefix + path


def index_table(project: Path) -> list[tuple[str, str]]:
    result = run(project, "routes", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    # FastAPI keeps a route's methods in a set: compare them sorted within each route
    table: list[tuple[str, str]] = []
    group: list[tuple[str, str]] = []
    previous = None
    for row in rows:
        key = (row["file"], row["line"], row["path"])
        if key != previous and group:
            table.extend(sorted(group))
            group = []
        group.append((row["method"], row["path"]))
        previous = key
    return table + sorted(group)


@pytest.mark.parametrize(("name", "source_root", "module"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_routes_command_equals_fastapi_route_table(
    name: str, source_root: str, module: str
) -> None:
    project = PROJECTS / name
    app = imported_app(project, source_root, module)
    expected = list(fastapi_table(list(app.routes)))
    assert expected, "the sample app has routes"
    assert index_table(project) == expected


def test_routes_json_row_carries_handler_model_and_dependencies() -> None:
    result = run(PROJECTS / "flat", "routes", "--format", "json")
    rows = {(r["method"], r["path"]): r for r in json.loads(result.stdout)}
    row = rows[("GET", "/users/{user_id}")]
    assert row["handler"] == "read_user"
    assert row["file"].replace("\\", "/") == "blog/routers/users.py"
    assert row["line"] == 16
    assert row["response_model"] == "UserOut"
    assert row["dependencies"] == ["blog.deps.verify_token", "blog.deps.get_current_user"]
    assert row["routers"] == ["blog.main:app", "blog.routers.users:router"]


def test_routes_text_lists_full_paths_and_handler_locations() -> None:
    result = run(PROJECTS / "src_layout", "routes")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    orders = next(line for line in lines if "/api/v1/orders/{order_id}" in line and "PATCH" in line)
    assert orders.split()[:3] == [
        "PATCH",
        "/api/v1/orders/{order_id}",
        "src/shop/api/v1/orders.py:17",
    ]
    assert "update_order  -> int" in orders


def test_routes_on_a_directory_without_apps(tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text("def f():\n    return 1\n", "utf-8")
    result = run(tmp_path, "routes")
    assert result.returncode == 0
    assert result.stdout == "No routes found.\n"
    assert run(tmp_path, "routes", "--format", "json").stdout.strip() == "[]"


def test_routes_on_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run(tmp_path, "routes", "nowhere")
    assert result.returncode == 2
    assert "nowhere: no such file or directory" in result.stderr
