"""Code actions: each finding's quick fix, "Ignore CODE for this line",
``source.fixAll.fastapi-lint`` and the refactorings (``refactor_actions``). When the client
supports ``codeAction/resolve`` for ``edit``, actions are offered without their edit and
computed when one is picked."""

from __future__ import annotations

import asyncio
import io
import tokenize
from collections.abc import Mapping, Sequence
from typing import Literal

from lsprotocol import types

from fastapi_lint.diagnostics import Applicability
from fastapi_lint.engine import applicable
from fastapi_lint.noqa import NOQA_PATTERN, noqa_codes
from fastapi_lint.source import SourceText
from fastapi_lsp import refactor_actions
from fastapi_lsp.analysis import fixed_text
from fastapi_lsp.convert import SOURCE, data_version, stored_fix, text_replacement, units
from fastapi_lsp.server import FastAPILintServer

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"


def register(server: FastAPILintServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                FIX_ALL,
                *refactor_actions.KINDS,
            ],
            resolve_provider=True,
        ),
    )
    async def code_action(
        ls: FastAPILintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        document = ls.document(params.text_document.uri)
        if document is None:
            return None
        only = params.context.only
        lazy = resolve_support(ls)
        actions: list[types.CodeAction] = []
        if _wanted(types.CodeActionKind.QuickFix.value, only):
            source = SourceText(document.source)
            for diagnostic in params.context.diagnostics:
                if diagnostic.source != SOURCE or data_version(diagnostic.data) != document.version:
                    continue  # another tool's, or computed for an older version
                fix = _quick_fix(ls, document.uri, document.version, diagnostic, lazy=lazy)
                if fix is not None:
                    actions.append(fix)
                ignore = _ignore_action(
                    ls, document.uri, document.version, source, diagnostic, lazy=lazy
                )
                if ignore is not None:
                    actions.append(ignore)
        if _wanted(FIX_ALL, only):
            analysis = await ls.analysis(document)
            if any(applicable(d.fix, unsafe=False) for d in analysis.diagnostics):
                action = types.CodeAction(
                    title="fastapi-lint: fix all safely fixable problems",
                    kind=FIX_ALL,
                    data={"action": "fix-all", "uri": document.uri, "version": document.version},
                )
                if not lazy:
                    action = await _resolve_fix_all(ls, action, document.uri)
                if lazy or action.edit is not None:
                    actions.append(action)
        actions += await refactor_actions.refactor_actions(
            ls,
            document,
            params,
            wanted=lambda kind: _wanted(kind, only),
            lazy=lazy,
            quick_fixes_offered=_wanted(types.CodeActionKind.QuickFix.value, only),
        )
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def code_action_resolve(
        ls: FastAPILintServer, action: types.CodeAction
    ) -> types.CodeAction:
        """Compute the edit of an action offered without one."""
        data = action.data
        if action.edit is not None or not isinstance(data, Mapping):
            return action
        uri = data.get("uri")
        kind = data.get("action")
        document = ls.document(uri) if isinstance(uri, str) else None
        if document is None or not isinstance(uri, str):
            return action
        if kind == "fix-all":
            return await _resolve_fix_all(ls, action, uri)
        if kind == refactor_actions.ACTION:
            return await refactor_actions.resolve_refactor(ls, action)
        if data.get("version") != document.version or not action.diagnostics:
            return action  # the document changed since: its ranges no longer apply
        diagnostic = action.diagnostics[0]
        if kind == "fix":
            fix = stored_fix(diagnostic.data)
            if fix is not None:
                action.edit = _workspace_edit(ls, uri, document.version, fix.edits)
        elif kind == "ignore":
            source = SourceText(document.source)
            edit = noqa_edit(source, diagnostic.range.start.line, str(diagnostic.code), ls.encoding)
            if edit is not None:
                action.edit = _workspace_edit(ls, uri, document.version, [edit])
        return action


def resolve_support(ls: FastAPILintServer) -> bool:
    """Whether the client asks for an action's edit with ``codeAction/resolve``."""
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document else None
    support = code_action.resolve_support if code_action else None
    return support is not None and "edit" in support.properties


async def _resolve_fix_all(
    ls: FastAPILintServer, action: types.CodeAction, uri: str
) -> types.CodeAction:
    """The fix-all action with its edit, computed on the document's current text."""
    document = ls.document(uri)
    if document is None:
        return action
    text, version = document.source, document.version
    settings = ls.settings_for(document)
    new_text = await asyncio.to_thread(fixed_text, text, document.path or uri, settings)
    edits = text_replacement(SourceText(text), new_text, ls.encoding)
    if edits:
        action.edit = _workspace_edit(ls, uri, version, edits)
    return action


def _wanted(kind: str, only: Sequence[types.CodeActionKind | str] | None) -> bool:
    """Whether a requested ``only`` list (kinds or their parents) covers ``kind``."""
    if not only:
        return True
    requested = [w.value if isinstance(w, types.CodeActionKind) else w for w in only]
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in requested)


def _quick_fix(
    ls: FastAPILintServer,
    uri: str,
    version: int | None,
    diagnostic: types.Diagnostic,
    *,
    lazy: bool,
) -> types.CodeAction | None:
    fix = stored_fix(diagnostic.data)
    if fix is None:
        return None
    title = f"{fix.title} ({diagnostic.code})"
    if fix.applicability is Applicability.UNSAFE:
        title += " (unsafe)"
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=fix.applicability is Applicability.SAFE,
        edit=None if lazy else _workspace_edit(ls, uri, version, fix.edits),
        data={"action": "fix", "uri": uri, "version": version} if lazy else None,
    )


def _ignore_action(
    ls: FastAPILintServer,
    uri: str,
    version: int | None,
    source: SourceText,
    diagnostic: types.Diagnostic,
    *,
    lazy: bool,
) -> types.CodeAction | None:
    code = str(diagnostic.code)
    action = types.CodeAction(
        title=f"Ignore {code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
    )
    if lazy:  # tokenizing the module is left to the one action the user picks
        action.data = {"action": "ignore", "uri": uri, "version": version}
        return action
    edit = noqa_edit(source, diagnostic.range.start.line, code, ls.encoding)
    if edit is None:
        return None
    action.edit = _workspace_edit(ls, uri, version, [edit])
    return action


def noqa_edit(source: SourceText, line: int, code: str, encoding: str) -> types.TextEdit | None:
    """The edit that adds ``code`` to the ``# noqa`` comment of a 0-based line, or appends
    ``  # noqa: CODE`` after its code. None when the line ends inside a string (a comment
    cannot go there) or is already silenced."""
    text = source.line_text(line + 1)
    content = text.rstrip("\r\n")
    comment = _comment_on(source, line + 1)
    if comment is False:
        return None
    if comment is not None:
        column, comment_text = comment
        existing = noqa_codes(comment_text)
        match = NOQA_PATTERN.search(comment_text)
        if existing == () or (existing and code in existing):
            return None
        if existing and match is not None:
            at = column + match.end()
            position = types.Position(line=line, character=units(content[:at], encoding))
            return types.TextEdit(
                range=types.Range(start=position, end=position), new_text=f", {code}"
            )
    end = types.Position(line=line, character=units(content, encoding))
    trimmed = content.rstrip(" \t")
    start = types.Position(line=line, character=units(trimmed, encoding))
    return types.TextEdit(range=types.Range(start=start, end=end), new_text=f"  # noqa: {code}")


def _comment_on(source: SourceText, line: int) -> tuple[int, str] | Literal[False] | None:
    """The comment on a 1-based line as (character column, text); None when there is none;
    False when the line cannot take one (it ends inside a string) or the text does not
    tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source.text).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    for token in tokens:
        if token.type == tokenize.COMMENT and token.start[0] == line:
            return token.start[1], token.string
        if token.type == tokenize.STRING and token.start[0] <= line < token.end[0]:
            return False
        if token.start[0] > line:
            break
    return None


def _workspace_edit(
    ls: FastAPILintServer, uri: str, version: int | None, edits: list[types.TextEdit]
) -> types.WorkspaceEdit:
    workspace = ls.client_capabilities.workspace
    versioned = bool(
        workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes
    )
    if versioned:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(edits),
                )
            ]
        )
    return types.WorkspaceEdit(changes={uri: list(edits)})
