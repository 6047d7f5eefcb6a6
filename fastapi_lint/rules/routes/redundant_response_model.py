"""FAS303 redundant-response-model

## What it does
Finds path operations whose `response_model=` names the same type as the handler's return
annotation.

## Why is this bad?
Since FastAPI 0.89 the return annotation is the response model: FastAPI validates, filters
and documents the response from it. Repeating the type in `response_model=` says the same
thing twice, and the two copies drift apart when one of them is edited.
See [Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/).

## Example
```python
@app.post("/items/", response_model=Item)
async def create_item(item: Item) -> Item:
    return item
```

## Use instead
```python
@app.post("/items/")
async def create_item(item: Item) -> Item:
    return item
```

## Fix safety
The fix removes the `response_model=` argument. The types are compared by what their names
refer to (so `List[Item]` after `from typing import List` and `typing.List[Item]` match, and a
string annotation or `from __future__ import annotations` changes nothing). The fix is safe
when both are spelled identically and the call holds no comment; otherwise it is unsafe, as
the argument removed may carry a comment or a spelling the author preferred.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator

from fastapi_lint.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    Position,
    node_end,
    node_start,
)
from fastapi_lint.facts import ModuleFacts, Route
from fastapi_lint.facts.responses import routes_in_force
from fastapi_lint.rules import Options, rule

CODE = "FAS303"

# `typing` aliases of builtin generics name the same type
_TYPING_ALIASES = {
    "typing.List": "builtins.list",
    "typing.Dict": "builtins.dict",
    "typing.Set": "builtins.set",
    "typing.FrozenSet": "builtins.frozenset",
    "typing.Tuple": "builtins.tuple",
    "typing.Type": "builtins.type",
}


@rule(code=CODE, name="redundant-response-model", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for route in routes_in_force(facts):
        keyword = _response_model_keyword(route)
        returns = route.handler.node.returns
        if keyword is None or returns is None or route.is_websocket:
            continue
        model = _type_key(facts, keyword.value)
        if model is None or model != _type_key(facts, returns):
            continue
        yield Diagnostic.at(
            keyword,
            CODE,
            f"`response_model={ast.unparse(keyword.value)}` repeats the return annotation of "
            f"`{route.handler.name}`",
            fix=_removal_fix(facts, route.registration, keyword, returns),
        )


def _response_model_keyword(route: Route) -> ast.keyword | None:
    for keyword in route.registration.keywords:
        if keyword.arg == "response_model":
            return keyword
    return None


def _type_key(facts: ModuleFacts, expr: ast.expr) -> str | None:
    """A spelling-independent key for a type expression; None when any name in it cannot be
    resolved (then equality cannot be proven)."""
    if isinstance(expr, ast.Constant):
        if isinstance(expr.value, str):
            return _string_annotation_key(facts, expr)
        if expr.value is None:
            return "None"
        return None
    if isinstance(expr, ast.Name | ast.Attribute):
        return _name_key(facts, expr)
    if isinstance(expr, ast.Subscript):
        value, index = _type_key(facts, expr.value), _type_key(facts, expr.slice)
        return f"{value}[{index}]" if value is not None and index is not None else None
    if isinstance(expr, ast.Tuple | ast.List):
        keys = [_type_key(facts, e) for e in expr.elts]
        if any(k is None for k in keys):
            return None
        inner = ", ".join(k for k in keys if k is not None)
        return f"({inner})" if isinstance(expr, ast.Tuple) else f"[{inner}]"
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.BitOr):
        left, right = _type_key(facts, expr.left), _type_key(facts, expr.right)
        return f"{left} | {right}" if left is not None and right is not None else None
    return None


def _name_key(facts: ModuleFacts, expr: ast.Name | ast.Attribute) -> str | None:
    qualified = facts.qualified_name(expr)
    if qualified is not None:
        return _TYPING_ALIASES.get(qualified, qualified)
    if isinstance(expr, ast.Name):
        # a class or alias of this module: the same name in the same scope is the same object
        return f"<module>.{expr.id}" if facts.is_local_name(expr.id, expr) else None
    base = (
        _name_key(facts, expr.value) if isinstance(expr.value, ast.Name | ast.Attribute) else None
    )
    return f"{base}.{expr.attr}" if base is not None else None


def _string_annotation_key(facts: ModuleFacts, expr: ast.Constant) -> str | None:
    try:
        parsed = ast.parse(str(expr.value).strip(), mode="eval").body
    except SyntaxError:
        return None
    # the parsed nodes are not in the module walk: their names resolve at module level,
    # where the annotations of route handlers are evaluated
    return _type_key(facts, parsed)


def _removal_fix(
    facts: ModuleFacts, call: ast.Call, keyword: ast.keyword, returns: ast.expr
) -> Fix:
    identical = _source(facts, keyword.value) == _source(facts, returns)
    safe = identical and not _has_comment(_source(facts, call))
    applicability = Applicability.SAFE if safe else Applicability.UNSAFE
    return Fix(
        "Remove `response_model=`", applicability, (_argument_removal(facts, call, keyword),)
    )


def _argument_removal(facts: ModuleFacts, call: ast.Call, keyword: ast.keyword) -> Edit:
    """Delete one argument with the comma that separates it from its neighbours; an argument
    on a line of its own goes with its line, comments around it stay."""
    start, end = node_start(keyword), node_end(keyword)
    line_text = facts.source.line_text(start.line)
    before = line_text.encode("utf-8", errors="surrogatepass")[: start.col]
    if not before.strip():
        return _own_line_removal(facts, start, end)
    arguments: list[ast.AST] = sorted([*call.args, *call.keywords], key=node_start)
    index = next(i for i, a in enumerate(arguments) if a is keyword)
    if index > 0:
        return Edit.delete(node_end(arguments[index - 1]), end)
    if index + 1 < len(arguments):
        return Edit.delete(start, node_start(arguments[index + 1]))
    return Edit.delete(start, end)


def _own_line_removal(facts: ModuleFacts, start: Position, end: Position) -> Edit:
    raw = facts.source.line_text(end.line).encode("utf-8", errors="surrogatepass")
    rest = raw[end.col :]
    stripped = rest.lstrip(b" \t")
    if stripped.startswith(b","):
        end = Position(end.line, end.col + len(rest) - len(stripped) + 1)
        rest = raw[end.col :]
    if not rest.strip():
        return Edit.delete(Position(start.line, 0), Position(end.line + 1, 0))
    spaces = len(rest) - len(rest.lstrip(b" \t"))
    return Edit.delete(start, Position(end.line, end.col + spaces))


def _source(facts: ModuleFacts, node: ast.AST) -> str:
    return facts.source.segment(node_start(node), node_end(node))


def _has_comment(text: str) -> bool:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    return any(token.type == tokenize.COMMENT for token in tokens)
