"""``fastapi-lint routes [PATH]``: the route table the project index resolves.

One row per method and path operation, in the order each app registers them: method, full
path (router prefixes and ``include_router(prefix=...)`` chains applied), the handler's
``file:line``, the response model and the dependencies (those of the includes and routers
first, then the decorator's, then the handler's signature). Static: nothing is imported.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fastapi_lint.config import find_config_file, load_settings
from fastapi_lint.files import display_path

if TYPE_CHECKING:  # the project index is imported when `routes` runs, not by every command
    from fastapi_lint.project.index import RouteEntry

UNKNOWN_PATH = "<dynamic>"


def add_routes_parser(commands: Any) -> None:
    routes = commands.add_parser(
        "routes",
        help="print the route table of the project's FastAPI apps",
        description="Print every path operation with its full path, handler, response model "
        "and dependencies, resolved statically across modules.",
    )
    routes.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="PATH",
        help="the project directory (default: the current directory)",
    )
    routes.add_argument("--format", choices=("text", "json"), default="text")
    routes.add_argument("--jobs", "-j", type=int, default=None, metavar="N")


def run_routes(args: argparse.Namespace, out: TextIO) -> int:
    """Exit status 0; 2 when PATH does not exist."""
    from fastapi_lint.project.build import build_index

    path: Path = args.path
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or directory")
    root = path if path.is_dir() else path.parent
    settings = load_settings(find_config_file(root), root.resolve())
    index = build_index(root, settings, args.jobs)
    rows = [row for entry in index.routes for row in route_rows(entry)]
    if args.format == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
    else:
        write_route_table(rows, out)
    return 0


def route_rows(entry: RouteEntry) -> list[dict[str, Any]]:
    """One JSON-ready row per method of a route."""
    route = entry.route
    return [
        {
            "method": method,
            "path": entry.path if entry.path is not None else UNKNOWN_PATH,
            "handler": route.handler.replace(".<locals>", ""),
            "file": display_path(Path(entry.module.path)),
            "line": route.handler_span[0],
            "response_model": route.response_model,
            "dependencies": list(entry.dependencies),
            "routers": list(entry.chain),
            "app": entry.app,
        }
        for method in entry.methods
    ]


def write_route_table(rows: list[dict[str, Any]], out: TextIO) -> None:
    if not rows:
        out.write("No routes found.\n")
        return
    method_width = max(len(r["method"]) for r in rows)
    path_width = max(len(r["path"]) for r in rows)
    where = [f"{r['file']}:{r['line']}" for r in rows]
    where_width = max(len(w) for w in where)
    for row, location in zip(rows, where, strict=True):
        line = f"{row['method']:<{method_width}}  {row['path']:<{path_width}}"
        line += f"  {location:<{where_width}}"
        line += f"  {row['handler']}"
        if row["response_model"]:
            line += f"  -> {row['response_model']}"
        if row["dependencies"]:
            line += f"  [{', '.join(row['dependencies'])}]"
        out.write(line.rstrip() + "\n")
