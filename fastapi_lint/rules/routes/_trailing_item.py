"""Adding one more item at the end of a call's arguments or a dict display, in the layout the
code already has (one line, or one item per line)."""

from __future__ import annotations

import ast

from fastapi_lint.diagnostics import Edit, Position, node_end, node_start
from fastapi_lint.facts import ModuleFacts


def append_item(facts: ModuleFacts, container: ast.Call | ast.Dict, item: str) -> Edit | None:
    """The edit that adds ``item`` after the container's last argument or entry; None for an
    empty call (nothing tells where its parenthesis is)."""
    last = _last_item(container)
    if last is None:
        if isinstance(container, ast.Dict):
            return Edit.replace(container, "{" + item + "}")
        return None
    end = node_end(last)
    closing_line = node_end(container).line
    if closing_line == end.line:
        return Edit.insert(end, ", " + item)
    indent = _item_indent(facts, last)
    line_text = facts.source.line_text(end.line)
    after = _text_after(facts, end)
    if after.lstrip().startswith(","):
        line_end = Position(
            end.line, len(line_text.rstrip("\r\n").encode("utf-8", "surrogatepass"))
        )
        return Edit.insert(line_end, facts.source.newline + indent + item + ",")
    return Edit.insert(end, "," + facts.source.newline + indent + item)


def _last_item(container: ast.Call | ast.Dict) -> ast.AST | None:
    if isinstance(container, ast.Dict):
        return container.values[-1] if container.values else None
    items: list[ast.AST] = [*container.args, *container.keywords]
    return max(items, key=lambda n: (node_start(n).line, node_start(n).col), default=None)


def _item_indent(facts: ModuleFacts, last: ast.AST) -> str:
    """The indentation of the line where the last item starts (its key, for a dict value)."""
    parent = facts.parent(last)
    start = node_start(last)
    if isinstance(parent, ast.Dict):
        index = next(i for i, v in enumerate(parent.values) if v is last)
        key = parent.keys[index]
        if key is not None:
            start = node_start(key)
    return facts.source.indentation(start.line)


def _text_after(facts: ModuleFacts, end: Position) -> str:
    raw = facts.source.line_text(end.line).encode("utf-8", "surrogatepass")
    return raw[end.col :].decode("utf-8", "surrogatepass")
