"""The full path of each route, where its handler is written.

- Code lens: above each route decorator (or ``add_api_route`` call) of the document, one lens
  per method and full path (``GET /api/users/{user_id}``; a router included twice gets a lens
  per path). Its command is ``fastapi-lint.showRoutes``, the route picker the VS Code
  extension defines; other clients show the title.
- Inlay hint: after the decorator's path string when it alone is misleading, i.e. when the
  route is served under a prefix (``@router.get("/{user_id}")`` → ``/api/users/{user_id}``).
  None where the full path is the literal or is not known statically.
"""

from __future__ import annotations

from lsprotocol import types

from fastapi_lint.diagnostics import Position
from fastapi_lint.project.index import RouteEntry
from fastapi_lint.project.summary import Span
from fastapi_lsp.convert import to_lsp_position, to_lsp_range
from fastapi_lsp.navigation import DocumentProject, document_project
from fastapi_lsp.server import FastAPILintServer

SHOW_ROUTES = "fastapi-lint.showRoutes"


def register(server: FastAPILintServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    async def code_lens(
        ls: FastAPILintServer, params: types.CodeLensParams
    ) -> list[types.CodeLens] | None:
        project = await document_project(ls, params.text_document.uri)
        if project is None:
            return None
        return route_lenses(project, ls.encoding)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay_hints(
        ls: FastAPILintServer, params: types.InlayHintParams
    ) -> list[types.InlayHint] | None:
        project = await document_project(ls, params.text_document.uri)
        if project is None:
            return None
        return full_path_hints(project, ls.encoding, params.range)


def document_routes(project: DocumentProject) -> list[RouteEntry]:
    """The routes the document registers, in the order the apps serve them."""
    return [entry for entry in project.index.routes if entry.module.path == project.summary.path]


def route_lenses(project: DocumentProject, encoding: str) -> list[types.CodeLens]:
    lenses: list[types.CodeLens] = []
    seen: set[tuple[Span, str]] = set()
    for entry in document_routes(project):
        if entry.path is None:
            continue
        line, col, end_line, end_col = entry.route.span
        range_ = to_lsp_range(
            project.source, Position(line, col), Position(end_line, end_col), encoding
        )
        for method in entry.methods:
            title = f"{method} {entry.path}"
            if (entry.route.span, title) in seen:
                continue
            seen.add((entry.route.span, title))
            lenses.append(types.CodeLens(range=range_, command=types.Command(title, SHOW_ROUTES)))
    return lenses


def full_path_hints(
    project: DocumentProject, encoding: str, wanted: types.Range
) -> list[types.InlayHint]:
    calls = project.sites.route_calls(project.index, project.summary)
    paths: dict[Span, list[str]] = {}  # the path literal's span → full paths it is served at
    for entry in document_routes(project):
        route = entry.route
        call = calls.get(route.span)
        if entry.path is None or route.path is None or entry.path == route.path:
            continue
        if call is None or call.path_literal is None:
            continue
        served = paths.setdefault(call.path_literal, [])
        if entry.path not in served:
            served.append(entry.path)
    hints = []
    for span, served in sorted(paths.items()):
        position = to_lsp_position(project.source, Position(span[2], span[3]), encoding)
        if not _within(position, wanted):
            continue
        hints.append(
            types.InlayHint(
                position=position,
                label=f"→ {' | '.join(served)}",
                padding_left=True,
                tooltip="the full path FastAPI serves this route at (router prefixes and "
                "include_router prefixes applied)",
            )
        )
    return hints


def _within(position: types.Position, range_: types.Range) -> bool:
    here = (position.line, position.character)
    start = (range_.start.line, range_.start.character)
    end = (range_.end.line, range_.end.character)
    return start <= here <= end
