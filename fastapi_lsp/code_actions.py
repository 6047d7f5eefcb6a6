"""Code actions: each finding's quick fix, "Ignore CODE for this line" and
``source.fixAll.fastapi-lint``."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Sequence
from typing import Literal

from lsprotocol import types

from fastapi_lint.diagnostics import Applicability
from fastapi_lint.noqa import NOQA_PATTERN, noqa_codes
from fastapi_lint.source import SourceText
from fastapi_lsp.analysis import fixed_text
from fastapi_lsp.convert import SOURCE, data_version, stored_fix, text_replacement, units
from fastapi_lsp.server import FastAPILintServer

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"


def register(server: FastAPILintServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL],
            resolve_provider=False,
        ),
    )
    async def code_action(
        ls: FastAPILintServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        document = ls.document(params.text_document.uri)
        if document is None:
            return None
        only = params.context.only
        actions: list[types.CodeAction] = []
        if _wanted(types.CodeActionKind.QuickFix.value, only):
            source = SourceText(document.source)
            for diagnostic in params.context.diagnostics:
                if diagnostic.source != SOURCE or data_version(diagnostic.data) != document.version:
                    continue  # another tool's, or computed for an older version
                actions.extend(_quick_fixes(ls, document.uri, document.version, diagnostic))
                ignore = _ignore_action(ls, document.uri, document.version, source, diagnostic)
                if ignore is not None:
                    actions.append(ignore)
        if _wanted(FIX_ALL, only):
            settings = ls.settings_for(document)
            new_text = fixed_text(document.source, document.path or document.uri, settings)
            edits = text_replacement(SourceText(document.source), new_text, ls.encoding)
            if edits:
                actions.append(
                    types.CodeAction(
                        title="fastapi-lint: fix all safely fixable problems",
                        kind=FIX_ALL,
                        edit=_workspace_edit(ls, document.uri, document.version, edits),
                    )
                )
        return actions


def _wanted(kind: str, only: Sequence[types.CodeActionKind | str] | None) -> bool:
    """Whether a requested ``only`` list (kinds or their parents) covers ``kind``."""
    if not only:
        return True
    requested = [w.value if isinstance(w, types.CodeActionKind) else w for w in only]
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in requested)


def _quick_fixes(
    ls: FastAPILintServer, uri: str, version: int | None, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    fix = stored_fix(diagnostic.data)
    if fix is None:
        return []
    title = f"{fix.title} ({diagnostic.code})"
    if fix.applicability is Applicability.UNSAFE:
        title += " (unsafe)"
    return [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=fix.applicability is Applicability.SAFE,
            edit=_workspace_edit(ls, uri, version, fix.edits),
        )
    ]


def _ignore_action(
    ls: FastAPILintServer,
    uri: str,
    version: int | None,
    source: SourceText,
    diagnostic: types.Diagnostic,
) -> types.CodeAction | None:
    code = str(diagnostic.code)
    edit = noqa_edit(source, diagnostic.range.start.line, code, ls.encoding)
    if edit is None:
        return None
    return types.CodeAction(
        title=f"Ignore {code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=_workspace_edit(ls, uri, version, [edit]),
    )


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
