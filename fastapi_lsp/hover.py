"""Hover: a rule's documentation over a ``FAS…`` code in a ``noqa`` comment or over a
flagged range, and the route card over a handler's name or its route decorator.

The route card (from the project index) shows the method and full path, the apps, includes
and routers the route is served through, the response model, the status code the decorator
sets and the dependencies FastAPI resolves for it, each with its own, with where each is
defined. Over a flagged handler name both show: the card first (it is short), then the rule
pages.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from lsprotocol import types
from pygls.workspace import TextDocument

from fastapi_lint.diagnostics import Position
from fastapi_lint.docs import rule_page
from fastapi_lint.noqa import NOQA_PATTERN
from fastapi_lint.project.route_card import DependencyNode, RouteCard, route_card
from fastapi_lint.project.summary import Span
from fastapi_lint.rules import get_rule
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import char_index, contains, to_lsp_range, units
from fastapi_lsp.navigation import document_project
from fastapi_lsp.route_lens import document_routes
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
        cards, card_range = await _route_cards(ls, params)
        pages, flagged = await _flagged_pages(ls, document, params.position)
        if not cards and not pages:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n---\n\n".join([*cards, *pages])
            ),
            range=card_range or flagged,
        )


async def _flagged_pages(
    ls: FastAPILintServer, document: TextDocument, position: types.Position
) -> tuple[list[str], types.Range | None]:
    """The pages of the rules whose findings cover the position, and the first one's range."""
    analysis = await ls.analysis(document)
    if analysis.version != document.version:
        return [], None
    hits = [d for d in ls.lsp_diagnostics(analysis) if contains(d.range, position)]
    if not hits:
        return [], None
    codes = list(dict.fromkeys(str(d.code) for d in hits))
    return _pages(codes), hits[0].range


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


def _pages(codes: list[str]) -> list[str]:
    return [rule_page(rule) for code in codes if (rule := get_rule(code)) is not None]


def _hover(codes: list[str], range_: types.Range) -> types.Hover | None:
    pages = _pages(codes)
    if not pages:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n---\n\n".join(pages)),
        range=range_,
    )


# --- route cards ---------------------------------------------------------------------------


async def _route_cards(
    ls: FastAPILintServer, params: types.HoverParams
) -> tuple[list[str], types.Range | None]:
    """Cards of the routes whose handler name (``def`` to the name) or registration call is
    under the cursor, and the range hovered."""
    project = await document_project(ls, params.text_document.uri)
    if project is None:
        return [], None
    line, col = project.core_position(params.position, ls.encoding)
    hits = []
    hovered: Span | None = None
    for entry in document_routes(project):
        for span in (entry.route.handler_span, entry.route.span):
            if _inside(span, line, col):
                hits.append(entry)
                hovered = span
                break
    if not hits or hovered is None:
        return [], None
    cards = await asyncio.to_thread(
        lambda: [route_card(project.index, project.sites, entry) for entry in hits]
    )
    root = project.workspace.root
    start, end = Position(hovered[0], hovered[1]), Position(hovered[2], hovered[3])
    return [card_markdown(card, root) for card in cards], to_lsp_range(
        project.source, start, end, ls.encoding
    )


def _inside(span: Span, line: int, col: int) -> bool:
    return (span[0], span[1]) <= (line, col) <= (span[2], span[3])


def card_markdown(card: RouteCard, root: Path) -> str:
    """The route card in Markdown, files relative to the workspace and linked."""
    path = f"`{card.path}`" if card.path is not None else f"`{card.literal}` (under a prefix "
    path += "" if card.path is not None else "that is not a literal)"
    lines = [f"**{', '.join(card.methods)}** {path}", ""]
    details = [f"Handler `{card.handler}` · {_link(card.handler_path, card.handler_line, root)}"]
    if card.response_model:
        details.append(f"Response model `{card.response_model}`")
    if card.status_code:
        details.append(f"Status code `{card.status_code}`")
    lines.append("  \n".join(details))
    if card.chain:
        lines += ["", "**Served through**", ""]
        lines += [
            f"{n}. `{step.text}` · {_link(step.path, step.line, root)}"
            for n, step in enumerate(card.chain, 1)
        ]
    if card.dependencies:
        lines += ["", "**Dependencies**", ""]
        for node in card.dependencies:
            lines += _dependency_lines(node, root, 0)
    return "\n".join(lines)


def _dependency_lines(node: DependencyNode, root: Path, depth: int) -> list[str]:
    where = f" · {_link(node.path, node.line, root)}" if node.path and node.line else ""
    origin = f" ({node.origin})" if depth == 0 and node.origin != "signature" else ""
    cycle = " (cycle)" if node.cycle else ""
    lines = [f"{'  ' * depth}- `{node.name}`{origin}{where}{cycle}"]
    for child in node.children:
        lines += _dependency_lines(child, root, depth + 1)
    return lines


def _link(path: str, line: int, root: Path) -> str:
    file = Path(path)
    try:
        shown = file.relative_to(root).as_posix()
    except ValueError:
        shown = file.name
    return f"[{shown}:{line}]({file.as_uri()}#L{line})"
