"""Hover: a rule's documentation over a ``FAS…`` code in a ``noqa`` comment or over a
flagged range."""

from __future__ import annotations

import re

from lsprotocol import types

from fastapi_lint.docs import rule_page
from fastapi_lint.noqa import NOQA_PATTERN
from fastapi_lint.rules import get_rule
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import char_index, contains, units
from fastapi_lsp.server import FastAPILintServer

_CODE = re.compile(r"FAS\d{3}", re.IGNORECASE)


def register(server: FastAPILintServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: FastAPILintServer, params: types.HoverParams) -> types.Hover | None:
        document = ls.document(params.text_document.uri)
        if document is None:
            return None
        source = SourceText(document.source)
        found = code_in_noqa(source, params.position, ls.encoding)
        if found is not None:
            code, range_ = found
            return _hover([code], range_)
        analysis = await ls.analysis(document)
        if analysis.version != document.version:
            return None
        hits = [d for d in ls.lsp_diagnostics(analysis) if contains(d.range, params.position)]
        if not hits:
            return None
        codes = list(dict.fromkeys(str(d.code) for d in hits))
        return _hover(codes, hits[0].range)


def code_in_noqa(
    source: SourceText, position: types.Position, encoding: str
) -> tuple[str, types.Range] | None:
    """The rule code under the cursor in a ``# noqa: …`` comment, with its range."""
    text = source.line_text(position.line + 1).rstrip("\r\n")
    match = NOQA_PATTERN.search(text)
    if match is None or match.group("codes") is None:
        return None
    cursor = char_index(text, position.character, encoding)
    for code in _CODE.finditer(text, match.start("codes"), match.end("codes")):
        if code.start() <= cursor <= code.end():
            start = types.Position(
                line=position.line, character=units(text[: code.start()], encoding)
            )
            end = types.Position(line=position.line, character=units(text[: code.end()], encoding))
            return code.group().upper(), types.Range(start=start, end=end)
    return None


def _hover(codes: list[str], range_: types.Range) -> types.Hover | None:
    pages = [rule_page(rule) for code in codes if (rule := get_rule(code)) is not None]
    if not pages:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(pages)),
        range=range_,
    )
