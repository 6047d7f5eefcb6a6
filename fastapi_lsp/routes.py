"""Routes of the workspace: the custom request ``fastapi-lint/routes``, and route symbols.

Params ``{}``; the result is a list of ``{method, path, name, uri, range}``, one per method of
every path operation the project index resolves (router prefixes and include chains applied),
in the order the apps register them; ``range`` spans the handler's ``def`` and name. Editors
use it for a route list or a "go to route" picker. The same routes are workspace symbols
(``GET /api/users/{user_id}``, filtered by the query) and, in the file of their handler,
document symbols.

Each workspace folder (the root when there is none) has a ``WorkspaceIndex``, built when the
server starts (``project_findings``); a request refreshes the files that changed in the
editor, and on disk unless the client watches the files for the server.
"""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from fastapi_lint.config import find_config_file, load_settings
from fastapi_lint.diagnostics import Position
from fastapi_lint.project.index import RouteEntry
from fastapi_lint.project.workspace import WorkspaceIndex
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import to_lsp_range
from fastapi_lsp.server import FastAPILintServer

ROUTES = "fastapi-lint/routes"

_INDEXES: weakref.WeakKeyDictionary[FastAPILintServer, dict[str, WorkspaceIndex]] = (
    weakref.WeakKeyDictionary()
)


def register(server: FastAPILintServer) -> None:
    @server.feature(ROUTES)
    async def routes(ls: FastAPILintServer, params: Any) -> list[dict[str, Any]]:
        return [
            {"method": method, "path": path, "name": name, "uri": uri, "range": _range_json(r)}
            for method, path, name, uri, r in await resolved_routes(ls)
        ]

    @server.feature(types.WORKSPACE_SYMBOL)
    async def workspace_symbols(
        ls: FastAPILintServer, params: types.WorkspaceSymbolParams
    ) -> list[types.WorkspaceSymbol]:
        query = params.query.casefold()
        return [
            types.WorkspaceSymbol(
                name=f"{method} {path}",
                kind=types.SymbolKind.Function,
                location=types.Location(uri=uri, range=range_),
                container_name=name,
            )
            for method, path, name, uri, range_ in await resolved_routes(ls)
            if query in f"{method} {path} {name}".casefold()
        ]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbols(
        ls: FastAPILintServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol]:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        wanted = Path(path).resolve().as_uri() if path else uri
        return [
            types.DocumentSymbol(
                name=f"{method} {route_path}",
                kind=types.SymbolKind.Function,
                range=range_,
                selection_range=range_,
                detail=name,
            )
            for method, route_path, name, route_uri, range_ in await resolved_routes(ls)
            if route_uri == wanted
        ]


RouteItem = tuple[str, str, str, str, types.Range]  # method, full path, handler, uri, range


async def resolved_routes(ls: FastAPILintServer) -> list[RouteItem]:
    """Every route of the workspace with a known full path, the index refreshed first."""
    found: list[RouteItem] = []
    for workspace in workspace_indexes(ls):
        # a route list is asked for now and then, and must show what is on disk now
        await refreshed(ls, workspace, max_age=None)
        found.extend(route_items(ls, workspace.index.routes))
    return found


# A hover, the code lenses and the inlay hints of a document come in a burst: the index is
# looked over once for them, and not again for a document version the project check (or
# another request) has already brought it to, unless the disk was last looked at longer ago
# than this (a refresh that looks at the disk lists and stats every file of the project:
# ~0.3-0.5 s on litellm's proxy).
REFRESH_EVERY = 1.0  # seconds


async def refreshed(
    ls: FastAPILintServer, workspace: WorkspaceIndex, max_age: float | None = REFRESH_EVERY
) -> None:
    """The workspace's index brought up to date with the open documents (and the disk,
    unless the client watches the files for the server: their changes are looked at as they
    come), unless a refresh (a project check's too) already did for these versions, looking
    at the disk less than ``max_age`` seconds ago (None: look again)."""
    disk = not watch_support(ls)
    await asyncio.to_thread(workspace.refresh, open_texts(ls), disk=disk, max_age=max_age)


def workspace_indexes(ls: FastAPILintServer) -> list[WorkspaceIndex]:
    table = _INDEXES.setdefault(ls, {})
    roots = [to_fs_path(f.uri) for f in ls.workspace.folders.values()]
    if not roots and ls.workspace.root_path:
        roots = [ls.workspace.root_path]
    found = []
    for root in roots:
        if not root or not Path(root).is_dir():
            continue
        if root not in table:
            directory = Path(root).resolve()
            settings = load_settings(find_config_file(directory), directory)
            table[root] = WorkspaceIndex(directory, settings)
        found.append(table[root])
    return found


def open_texts(ls: FastAPILintServer) -> dict[str, str]:
    texts = {}
    for document in list(ls.workspace.text_documents.values()):
        if document.uri.startswith("file:") and document.path.endswith(".py"):
            texts[Path(document.path).resolve().as_posix()] = document.source
    return texts


def route_items(ls: FastAPILintServer, entries: list[RouteEntry]) -> list[RouteItem]:
    sources: dict[str, SourceText | None] = {}
    items: list[RouteItem] = []
    for entry in entries:
        path = entry.module.path
        uri = Path(path).as_uri()
        if path not in sources:
            sources[path] = ls.source_of(uri)
        source = sources[path]
        if source is None or entry.path is None:
            continue
        line, col, end_line, end_col = entry.route.handler_span
        range_ = to_lsp_range(source, Position(line, col), Position(end_line, end_col), ls.encoding)
        name = entry.route.handler.replace(".<locals>", "")
        items.extend((method, entry.path, name, uri, range_) for method in entry.methods)
    return items


def watch_support(ls: FastAPILintServer) -> bool:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    return bool(watched and watched.dynamic_registration)


def _range_json(range_: types.Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": range_.start.line, "character": range_.start.character},
        "end": {"line": range_.end.line, "character": range_.end.character},
    }
