"""The text and facts of one indexed file, parsed again on demand (to build a fix).

The index keeps summaries only; a rule that needs the syntax of a file it reports on (an
edit rewriting a call) asks here. The file is read from disk, or from the text the language
server holds for an open document, and used only while it is the text the summary describes.
"""

from __future__ import annotations

import ast
from pathlib import Path

from fastapi_lint.engine import ParseError, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import module_name_for
from fastapi_lint.project.summary import ModuleSummary, Span, content_digest
from fastapi_lint.source import SourceText, decode_source


def facts_for(summary: ModuleSummary, text: str | None = None) -> ModuleFacts | None:
    """Facts of the text the summary was built from; None when the file changed since."""
    if text is None:
        try:
            decoded = decode_source(Path(summary.path).read_bytes())
        except OSError:
            return None
        if decoded.error is not None:
            return None
        text = decoded.text
    if content_digest(text) != summary.digest:
        return None
    try:
        tree = parse_module(text, summary.path)
    except ParseError:
        return None
    return ModuleFacts(tree, SourceText(text), summary.path, module_name_for(Path(summary.path)))


def call_at(facts: ModuleFacts, span: Span) -> ast.Call | None:
    for call in facts.calls:
        if (call.lineno, call.col_offset, call.end_lineno, call.end_col_offset) == span:
            return call
    return None
