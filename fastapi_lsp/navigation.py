"""Go to definition and find references through ``Depends()`` chains, on the project index.

A type checker already follows ``Depends(get_db)`` to ``get_db``; what it cannot do is see
what FastAPI will call: ``db: DbDep`` with ``DbDep = Annotated[Session, Depends(get_db)]`` in
another module leads to the alias, not to ``get_db``, and ``Annotated[Service, Depends()]``
names no function at all. Here:

- definition on the callable of ``Depends(x)``/``Security(x)`` (a default, inside
  ``Annotated[...]``, in ``dependencies=[...]``), on ``Depends()`` without an argument, on an
  annotation naming an ``Annotated`` alias (local or imported) and on the name of a parameter
  declaring a dependency goes to the definition of each dependency FastAPI calls there;
- references on the name of a function (or class) used as a dependency lists every
  ``Depends()`` naming it and every parameter annotated with an alias providing it, across
  the project (and its definition, when the client asks for declarations).

Names are resolved with the project index (imports, re-exports, ``src`` layouts), never by
importing the user's code.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from pathlib import Path

from lsprotocol import types

from fastapi_lint.config import ConfigError
from fastapi_lint.diagnostics import Position
from fastapi_lint.project.dependency_sites import ModuleSites, SiteTable, Target
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.summary import ModuleSummary, Span, content_digest
from fastapi_lint.project.workspace import WorkspaceIndex
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import from_lsp_position, to_lsp_range
from fastapi_lsp.routes import refreshed, workspace_indexes
from fastapi_lsp.server import FastAPILintServer

_TABLES: weakref.WeakKeyDictionary[FastAPILintServer, SiteTable] = weakref.WeakKeyDictionary()


@dataclass
class DocumentProject:
    """An open document as the project index sees it (the index describes its current
    text, so the index's spans are the document's)."""

    workspace: WorkspaceIndex
    summary: ModuleSummary
    source: SourceText
    sites: SiteTable

    @property
    def index(self) -> ProjectIndex:
        return self.workspace.index

    def module_sites(self) -> ModuleSites | None:
        return self.sites.of(self.index, self.summary)

    def core_position(self, position: types.Position, encoding: str) -> tuple[int, int]:
        found = from_lsp_position(self.source, position, encoding)
        return found.line, found.col


def site_table(ls: FastAPILintServer) -> SiteTable:
    table = _TABLES.get(ls)
    if table is None:
        table = _TABLES[ls] = SiteTable()
    return table


async def document_project(ls: FastAPILintServer, uri: str) -> DocumentProject | None:
    """The open document's place in its workspace's index, refreshed first; None when it is
    not a project file or its current text does not parse (the index then describes an older
    text, whose positions are not the document's)."""
    document = ls.document(uri)
    if document is None or not uri.startswith("file:") or not document.path.endswith(".py"):
        return None
    path = Path(document.path).resolve().as_posix()
    text = document.source
    digest = content_digest(text)
    try:
        workspaces = workspace_indexes(ls)
    except ConfigError:
        return None  # the settings' error is shown with the diagnostics; no index without them
    for workspace in workspaces:
        await refreshed(ls, workspace)
        summary = workspace.index.summaries.get(path)
        if summary is not None:
            if summary.digest != digest:
                return None
            return DocumentProject(workspace, summary, SourceText(text), site_table(ls))
    return None


def lsp_location(ls: FastAPILintServer, path: str, span: Span) -> types.Location | None:
    uri = Path(path).as_uri()
    source = ls.source_of(uri)
    if source is None:
        return None
    line, col, end_line, end_col = span
    range_ = to_lsp_range(source, Position(line, col), Position(end_line, end_col), ls.encoding)
    return types.Location(uri=uri, range=range_)


def register(server: FastAPILintServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(
        ls: FastAPILintServer, params: types.DefinitionParams
    ) -> list[types.Location] | None:
        project = await document_project(ls, params.text_document.uri)
        if project is None:
            return None
        line, col = project.core_position(params.position, ls.encoding)
        found = await asyncio.to_thread(_definitions, project, line, col)
        locations = [loc for path, span in found if (loc := lsp_location(ls, path, span))]
        return locations or None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(
        ls: FastAPILintServer, params: types.ReferenceParams
    ) -> list[types.Location] | None:
        project = await document_project(ls, params.text_document.uri)
        if project is None:
            return None
        line, col = project.core_position(params.position, ls.encoding)
        declaration = params.context.include_declaration
        found = await asyncio.to_thread(_references, project, line, col, declaration)
        locations = [loc for path, span in found if (loc := lsp_location(ls, path, span))]
        return locations or None


def _definitions(project: DocumentProject, line: int, col: int) -> list[tuple[str, Span]]:
    sites = project.module_sites()
    if sites is None:
        return []
    site = project.sites.site_at(sites, line, col)
    if site is None:
        return []
    found = []
    for target in project.sites.targets(project.index, site):
        where = project.sites.definition(project.index, target)
        if where is not None and where not in found:
            found.append(where)
    return found


def _references(
    project: DocumentProject, line: int, col: int, declaration: bool
) -> list[tuple[str, Span]]:
    target = _target_at(project, line, col)
    if target is None:
        return []
    table, index = project.sites, project.index
    found = table.references(index, target)
    if not found:
        return []  # not a dependency: the type checker's references say all there is
    where = table.definition(index, target)
    if declaration and where is not None:
        found.insert(0, where)
    return found


def _target_at(project: DocumentProject, line: int, col: int) -> Target | None:
    """The function or class whose name is under the cursor (where it is defined), or the
    dependency a ``Depends()`` site under the cursor names."""
    sites = project.module_sites()
    if sites is None:
        return None
    for qualname, span in sites.definitions.items():
        if span[0] == line and span[1] <= col <= span[3]:
            return project.summary.module, qualname
    site = project.sites.site_at(sites, line, col)
    if site is None:
        return None
    targets = project.sites.targets(project.index, site)
    return targets[0] if len(targets) == 1 else None
