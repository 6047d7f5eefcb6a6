"""Refactor code actions (``refactor.extract``, ``refactor.rewrite``): the refactorings of
``fastapi_lint.refactors`` offered at the cursor, and for the findings they answer (Extract
to service for FAS601/FAS602, the lifespan for FAS408, ``asyncio.gather`` for FAS105,
``asyncio.to_thread`` for FAS101/FAS903).

A refactoring that cannot prove itself is not offered; its reason goes to the client's log
(``window/logMessage`` at Log level), never to an error message. A refactoring that creates a
file is offered only to clients that can create files in a workspace edit. One whose edit is
the same as a quick fix offered in the same answer is left out.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from fastapi_lint.diagnostics import Edit, Position
from fastapi_lint.refactors import FileEdit, NewFile, NotOffered, Refactoring
from fastapi_lint.refactors._cst import (
    EXTRACT,
    REWRITE,
    NothingHere,
    applied,
    function_at,
    module_facts,
)
from fastapi_lint.refactors.annotated import convert_to_annotated, convert_to_annotated_available
from fastapi_lint.refactors.gather import rewrite_as_gather, rewrite_as_gather_available
from fastapi_lint.refactors.lifespan import convert_to_lifespan, convert_to_lifespan_available
from fastapi_lint.refactors.named_dependency import (
    extract_named_dependency,
    extract_named_dependency_available,
)
from fastapi_lint.refactors.to_thread import wrap_in_to_thread, wrap_in_to_thread_available
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import SOURCE, contains, data_version, from_lsp_position, text_edit
from fastapi_lsp.server import FastAPILintServer

logger = logging.getLogger(__name__)

ACTION = "refactor"
KINDS = (EXTRACT, REWRITE)


@dataclass(frozen=True)
class Place:
    """Where a refactoring is asked for, in core positions (1-based lines, UTF-8 columns)."""

    path: str
    source: str
    start: Position
    end: Position
    project_root: Path | None
    read_file: Callable[[Path], str | None]

    @property
    def last_line(self) -> int:
        """The selection's last line; a selection ending at a line's start ends before it."""
        if self.end.line > self.start.line and self.end.col == 0:
            return self.end.line - 1
        return self.end.line


@dataclass(frozen=True)
class Refactor:
    name: str
    kind: str
    codes: tuple[str, ...]  # the findings it is the action of
    available: Callable[[str, int], bool]  # a cheap look before computing it
    compute: Callable[[Place], Refactoring]
    eager: bool = True  # computed when offered; else when resolved (expensive ones)
    requires: str | None = None  # offered only where this other refactoring is


def _extract_service(place: Place) -> Refactoring:
    from fastapi_lint.refactors.extract_service import extract_service

    return extract_service(
        Path(place.path),
        place.source,
        place.start.line,
        project_root=place.project_root,
        read_file=place.read_file,
    )


@functools.lru_cache(maxsize=64)
def _extract_service_available(source: str, line: int) -> bool:
    """Asked at every cursor move: the module parsed once per text tells whether the line is
    in a path operation at all before Extract to service looks closer."""
    try:
        from fastapi_lint.refactors.extract_service import extract_service_available
    except ImportError:  # pragma: no cover - an installation without it
        return False
    try:
        facts = module_facts("<document>", source)
    except NotOffered:
        return False
    func = function_at(facts, line)
    if func is None or not facts.is_path_operation(func):
        return False
    return extract_service_available(source, line)


def _gather(place: Place) -> Refactoring:
    end = place.last_line if place.last_line > place.start.line else None
    return rewrite_as_gather(place.path, place.source, place.start.line, end)


REFACTORS = (
    Refactor(
        "extract-service",
        EXTRACT,
        ("FAS601", "FAS602"),
        _extract_service_available,
        _extract_service,
        eager=False,
    ),
    Refactor(
        "named-dependency",
        EXTRACT,
        (),
        extract_named_dependency_available,
        lambda p: extract_named_dependency(p.path, p.source, p.start.line, p.start.col),
    ),
    Refactor(
        "annotated",
        REWRITE,
        ("FAS401",),
        convert_to_annotated_available,
        lambda p: convert_to_annotated(p.path, p.source, p.start.line),
    ),
    Refactor(
        "annotated-module",
        REWRITE,
        ("FAS401",),
        convert_to_annotated_available,
        lambda p: convert_to_annotated(p.path, p.source),
        requires="annotated",  # in a signature to convert, not anywhere in the module
    ),
    Refactor(
        "lifespan",
        REWRITE,
        ("FAS408",),
        convert_to_lifespan_available,
        lambda p: convert_to_lifespan(p.path, p.source, p.start.line),
    ),
    Refactor(
        "to-thread",
        REWRITE,
        ("FAS101", "FAS903"),
        wrap_in_to_thread_available,
        lambda p: wrap_in_to_thread(p.path, p.source, p.start.line, p.start.col),
    ),
    Refactor(
        "gather",
        REWRITE,
        ("FAS105",),
        rewrite_as_gather_available,
        _gather,
    ),
)
BY_NAME = {refactor.name: refactor for refactor in REFACTORS}

Outcome = Refactoring | NotOffered
MAX_OUTCOMES = 256
# (uri, version, refactor, start, end) → what the refactoring gave; one document version's worth
_outcomes: dict[tuple[str, int | None, str, Position, Position], Outcome] = {}


async def refactor_actions(
    ls: FastAPILintServer,
    document: TextDocument,
    params: types.CodeActionParams,
    *,
    wanted: Callable[[str], bool],
    lazy: bool,
    quick_fixes_offered: bool,
) -> list[types.CodeAction]:
    """The refactorings offered for the requested range and the findings in the context."""
    refactors = [r for r in REFACTORS if wanted(r.kind)]
    if not refactors:
        return []
    source = SourceText(document.source)
    cursor = _core_range(ls, source, params.range)
    ours = [
        d
        for d in params.context.diagnostics
        if d.source == SOURCE and data_version(d.data) == document.version
    ]
    actions: list[types.CodeAction] = []
    results: list[str] = []  # new texts already offered, so two refactorings never repeat
    offered: set[str] = set()
    for refactor in refactors:
        if refactor.requires is not None and refactor.requires not in offered:
            continue
        answered = [d for d in ours if d.code in refactor.codes]
        # the cursor first (with the findings under it), then each finding's own place
        places = {cursor: [d for d in answered if contains(d.range, params.range.start)]}
        for diagnostic in answered:
            places.setdefault(_core_range(ls, source, diagnostic.range), [diagnostic])
        for (start, end), tied in places.items():
            if not refactor.available(document.source, start.line):
                continue
            action = await _action(ls, document, refactor, start, end, lazy=lazy)
            if action is None:
                continue
            outcome = _outcomes.get(_key(document, refactor, start, end))
            if isinstance(outcome, Refactoring):
                new_text = _new_text(document, outcome)
                if new_text is not None and (
                    new_text in results
                    or (quick_fixes_offered and await _same_as_a_fix(ls, document, ours, new_text))
                ):
                    continue
                if new_text is not None:
                    results.append(new_text)
            action.diagnostics = tied or None
            actions.append(action)
            offered.add(refactor.name)
            break  # one action per refactoring
    return actions


async def _action(
    ls: FastAPILintServer,
    document: TextDocument,
    refactor: Refactor,
    start: Position,
    end: Position,
    *,
    lazy: bool,
) -> types.CodeAction | None:
    data = {
        "action": ACTION,
        "refactor": refactor.name,
        "uri": document.uri,
        "version": document.version,
        "start": [start.line, start.col],
        "end": [end.line, end.col],
    }
    can_create = _can_create_files(ls)
    if lazy and not refactor.eager and can_create:
        return types.CodeAction(title=_lazy_title(refactor), kind=refactor.kind, data=data)
    outcome = await _outcome(ls, document, refactor, start, end)
    if isinstance(outcome, NotOffered):
        return None
    if outcome.creates_files and not can_create:
        ls.log(
            f"fastapi-lint: {outcome.title} is not offered: the editor cannot create files",
            types.MessageType.Log,
        )
        return None
    action = types.CodeAction(title=outcome.title, kind=outcome.kind, data=data)
    if not lazy:
        action.edit = workspace_edit(ls, document, outcome)
        action.data = None
    return action


def _lazy_title(refactor: Refactor) -> str:
    """The title of an action offered before it is computed."""
    from fastapi_lint.refactors.extract_service import TITLE

    return TITLE


async def resolve_refactor(ls: FastAPILintServer, action: types.CodeAction) -> types.CodeAction:
    """The edit of a refactor action offered without one; the action unchanged when the
    document changed since or the refactoring no longer applies (the reason is logged)."""
    data = action.data
    if not isinstance(data, Mapping):
        return action
    refactor = BY_NAME.get(str(data.get("refactor")))
    document = ls.document(str(data.get("uri")))
    if refactor is None or document is None or data.get("version") != document.version:
        return action
    try:
        start, end = Position(*data["start"]), Position(*data["end"])
    except (KeyError, TypeError):
        return action
    outcome = await _outcome(ls, document, refactor, start, end)
    if isinstance(outcome, Refactoring):
        if outcome.creates_files and not _can_create_files(ls):
            return action
        action.title = outcome.title
        action.edit = workspace_edit(ls, document, outcome)
    return action


def _key(
    document: TextDocument, refactor: Refactor, start: Position, end: Position
) -> tuple[str, int | None, str, Position, Position]:
    return (document.uri, document.version, refactor.name, start, end)


async def _outcome(
    ls: FastAPILintServer,
    document: TextDocument,
    refactor: Refactor,
    start: Position,
    end: Position,
) -> Outcome:
    """The refactoring at this place of this document version, computed once (off the event
    loop); a NotOffered reason is logged the first time."""
    key = _key(document, refactor, start, end)
    if key in _outcomes:
        return _outcomes[key]
    for stale in [k for k in _outcomes if k[0] == document.uri and k[1] != document.version]:
        del _outcomes[stale]
    if len(_outcomes) > MAX_OUTCOMES:
        _outcomes.clear()
    place = Place(
        _path_of(document),
        document.source,
        start,
        end,
        _project_root(ls, document),
        lambda path: _read(ls, path),
    )
    outcome: Outcome
    try:
        outcome = await asyncio.to_thread(refactor.compute, place)
    except NothingHere as reason:
        outcome = reason
    except (NotOffered, RecursionError, MemoryError) as reason:
        outcome = reason if isinstance(reason, NotOffered) else NotOffered("nesting too deep")
        ls.log(
            f"fastapi-lint: {refactor.name} is not offered at {document.uri}:{start.line}: "
            f"{outcome}",
            types.MessageType.Log,
        )
    except Exception as error:  # a refactoring's bug must not fail the editor's request
        outcome = NotOffered(f"internal error: {type(error).__name__}: {error}")
        logger.exception("refactoring %s failed", refactor.name)
        ls.log(f"fastapi-lint: {refactor.name} failed: {outcome}", types.MessageType.Error)
    _outcomes[key] = outcome
    return outcome


def _core_range(
    ls: FastAPILintServer, source: SourceText, range_: types.Range
) -> tuple[Position, Position]:
    return (
        from_lsp_position(source, range_.start, ls.encoding),
        from_lsp_position(source, range_.end, ls.encoding),
    )


def _path_of(document: TextDocument) -> str:
    return document.path if document.uri.startswith("file:") else document.uri


def _project_root(ls: FastAPILintServer, document: TextDocument) -> Path | None:
    """The innermost workspace folder holding the document."""
    if not document.uri.startswith("file:"):
        return None
    path = os.path.abspath(document.path)
    roots = [to_fs_path(folder.uri) for folder in ls.workspace.folders.values()]
    roots.append(ls.workspace.root_path)
    holding = [
        os.path.abspath(root)
        for root in roots
        if root and os.path.commonpath([os.path.abspath(root), path]) == os.path.abspath(root)
    ]
    return Path(max(holding, key=len)) if holding else None


def _read(ls: FastAPILintServer, path: Path) -> str | None:
    """Another file of the project: its open buffer, else the disk."""
    uri = from_fs_path(str(path))
    source = ls.source_of(uri) if uri else None
    return source.text if source is not None else None


def _can_create_files(ls: FastAPILintServer) -> bool:
    workspace = ls.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace else None
    operations = (edit.resource_operations or []) if edit else []
    return bool(edit and edit.document_changes) and types.ResourceOperationKind.Create in operations


def _new_text(document: TextDocument, refactoring: Refactoring) -> str | None:
    """The document's text after a refactoring that changes only this document."""
    if len(refactoring.changes) != 1 or not isinstance(refactoring.changes[0], FileEdit):
        return None
    change = refactoring.changes[0]
    if not _is_document(document, change.path):
        return None
    return applied(document.source, change.edits)


async def _same_as_a_fix(
    ls: FastAPILintServer,
    document: TextDocument,
    context: list[types.Diagnostic],
    new_text: str,
) -> bool:
    """Whether the fix of a finding in the request's context, offered as its quick fix in the
    same answer, gives the same text."""
    in_context = {(str(d.code), d.range.start.line) for d in context}
    analysis = await ls.analysis(document)
    for diagnostic in analysis.diagnostics:
        fix = diagnostic.fix
        if fix is None or (diagnostic.code, diagnostic.start.line - 1) not in in_context:
            continue
        if fix.edits and applied(document.source, fix.edits) == new_text:
            return True
    return False


def _is_document(document: TextDocument, path: Path) -> bool:
    if not document.uri.startswith("file:"):
        return path == Path(document.uri)
    return os.path.abspath(str(path)) == os.path.abspath(document.path)


# --- the workspace edit -----------------------------------------------------------------------


def workspace_edit(
    ls: FastAPILintServer, document: TextDocument, refactoring: Refactoring
) -> types.WorkspaceEdit:
    """Every change of a refactoring as one workspace edit: ``documentChanges`` (with
    ``CreateFile`` for new files) when the client supports it, else ``changes``."""
    workspace = ls.client_capabilities.workspace
    versioned = bool(
        workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes
    )
    document_changes: list[Any] = []
    changes: dict[str, list[types.TextEdit]] = {}
    for change in refactoring.changes:
        if isinstance(change, NewFile):
            uri = _uri(document, change.path)
            document_changes.append(
                types.CreateFile(
                    uri=uri,
                    options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
                )
            )
            start = types.Position(line=0, character=0)
            insert = types.TextEdit(range=types.Range(start=start, end=start), new_text=change.text)
            document_changes.append(_document_edit(uri, None, [insert]))
            continue
        uri, version, source = _target(ls, document, change.path)
        edits = [text_edit(source, edit, ls.encoding) for edit in _sorted(change.edits)]
        document_changes.append(_document_edit(uri, version, edits))
        changes.setdefault(uri, []).extend(edits)
    if versioned:
        return types.WorkspaceEdit(document_changes=document_changes)
    return types.WorkspaceEdit(changes=changes)


def _sorted(edits: tuple[Edit, ...]) -> list[Edit]:
    return sorted(edits, key=lambda e: (e.start, e.end))


def _document_edit(
    uri: str, version: int | None, edits: list[types.TextEdit]
) -> types.TextDocumentEdit:
    return types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
        edits=list(edits),
    )


def _uri(document: TextDocument, path: Path) -> str:
    if _is_document(document, path):
        return document.uri
    return from_fs_path(os.path.abspath(str(path))) or str(path)


def _target(
    ls: FastAPILintServer, document: TextDocument, path: Path
) -> tuple[str, int | None, SourceText]:
    """The uri, open version (None for a file on disk) and current text of an edited file."""
    uri = _uri(document, path)
    open_document = ls.document(uri)
    if open_document is not None:
        return uri, open_document.version, SourceText(open_document.source)
    source = ls.source_of(uri)
    return uri, None, source if source is not None else SourceText("")
