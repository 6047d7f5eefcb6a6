"""FAS505 exception-detail-leak

## What it does
Finds response bodies built from the text of a caught exception: `str(e)`, `repr(e)`,
`f"...{e}"`, `e.args` or `traceback.format_exc()` in `HTTPException(detail=...)`, in the content
of a `JSONResponse` (or another response class), or in a dict a path operation returns, inside
the `except` block that caught `e`.

## Why is this bad?
An exception's text is written for the developer: it can hold SQL statements and table names,
file paths, host names, internal URLs with their tokens, or the values that failed validation.
Sending it to the client gives an attacker a map of the internals and sometimes the data
itself. Log the exception and answer with a message written for the client. See
[Handling Errors](https://fastapi.tiangolo.com/tutorial/handling-errors/).

## Example
```python
@app.get("/orders/{order_id}")
async def read_order(order_id: int, db: SessionDep):
    try:
        return await db.get_order(order_id)
    except DatabaseError as e:
        raise HTTPException(status_code=500, detail=str(e))
```

## Use instead
```python
@app.get("/orders/{order_id}")
async def read_order(order_id: int, db: SessionDep):
    try:
        return await db.get_order(order_id)
    except DatabaseError:
        logger.exception("reading order %s failed", order_id)
        raise HTTPException(status_code=500, detail="Could not read the order")
```

## Fix safety
There is no fix: what the client should be told instead is for the author to write.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS505"
HTTP_EXCEPTIONS = frozenset(
    {
        "fastapi.HTTPException",
        "fastapi.exceptions.HTTPException",
        "starlette.exceptions.HTTPException",
    }
)
RESPONSE_MODULES = frozenset({"fastapi", "fastapi.responses", "starlette.responses"})
RESPONSE_CLASSES = frozenset(
    {
        "Response",
        "JSONResponse",
        "ORJSONResponse",
        "UJSONResponse",
        "PlainTextResponse",
        "HTMLResponse",
    }
)
SINK_CALLEE_NAMES = frozenset(
    {*(name.rpartition(".")[2] for name in HTTP_EXCEPTIONS), *RESPONSE_CLASSES}
)
TRACEBACK_TEXT = frozenset(
    {"traceback.format_exc", "traceback.format_exception", "traceback.format_tb"}
)
# Functions whose result carries the text of their arguments.
TEXT_FUNCTIONS = frozenset({"builtins.str", "builtins.repr", "builtins.dict"})
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


Assignments = dict[str, list[tuple[int, str | None]]]


@dataclass(frozen=True)
class Sink:
    """Where text reaches the client: the expression and how to name it in the message."""

    expr: ast.expr
    where: str


@rule(code=CODE, name="exception-detail-leak", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    reported: set[ast.AST] = set()
    sink_lines = _possible_sink_lines(facts)
    for handler in facts.nodes_of(ast.ExceptHandler):
        if not _spans_any(handler, sink_lines) or _catches_http_exception(facts, handler):
            continue
        assigned = _tainted_assignments(facts, handler)
        for sink in _sinks(facts, handler):
            for node, source in _leaks(facts, handler.name, sink.expr, assigned):
                if node in reported:
                    continue
                reported.add(node)
                yield Diagnostic.at(
                    node,
                    CODE,
                    f"`{source}` sends the caught exception's text to the client in {sink.where}",
                )


def _possible_sink_lines(facts: ModuleFacts) -> list[int]:
    """The sorted lines of every node that may be a sink: the calls named like an
    ``HTTPException`` or a response class, the returns of a dict. A handler spanning none of
    them has no sink, and is not looked into."""
    lines = [call.lineno for call in facts.calls_named(*SINK_CALLEE_NAMES)]
    lines += [r.lineno for r in facts.nodes_of(ast.Return) if isinstance(r.value, ast.Dict)]
    return sorted(lines)


def _spans_any(handler: ast.ExceptHandler, lines: list[int]) -> bool:
    first = bisect.bisect_left(lines, handler.lineno)
    end = handler.end_lineno or handler.lineno
    return first < len(lines) and lines[first] <= end


def _catches_http_exception(facts: ModuleFacts, handler: ast.ExceptHandler) -> bool:
    """Re-raising an ``HTTPException``'s text passes on a message already meant for clients."""
    caught = handler.type
    types = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
    return bool(types) and all(facts.qualified_name(t) in HTTP_EXCEPTIONS for t in types)


def _handler_nodes(handler: ast.ExceptHandler) -> Iterator[ast.AST]:
    """Nodes of the handler body that run in it (not in nested functions or lambdas)."""
    stack: list[ast.AST] = list(reversed(handler.body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, NESTED_SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _sinks(facts: ModuleFacts, handler: ast.ExceptHandler) -> Iterator[Sink]:
    for node in _handler_nodes(handler):
        if isinstance(node, ast.Call):
            sink = _call_sink(facts, node)
            if sink is not None:
                yield sink
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            func = facts.function_of(node)
            if func is not None and facts.is_path_operation(func):
                yield Sink(node.value, f"the dict `{func.name}` returns")


def _call_sink(facts: ModuleFacts, call: ast.Call) -> Sink | None:
    qualified = facts.qualified_name(call.func) or ""
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    if qualified in HTTP_EXCEPTIONS:
        detail = keywords.get("detail") or (call.args[1] if len(call.args) > 1 else None)
        return Sink(detail, "`HTTPException(detail=...)`") if detail is not None else None
    module, _, name = qualified.rpartition(".")
    if module in RESPONSE_MODULES and name in RESPONSE_CLASSES:
        content = keywords.get("content") or (call.args[0] if call.args else None)
        return Sink(content, f"the `{name}` content") if content is not None else None
    return None


def _leaks(
    facts: ModuleFacts, caught: str | None, expr: ast.expr, assigned: Assignments
) -> Iterator[tuple[ast.AST, str]]:
    """Sub-expressions whose text becomes part of ``expr``'s value and carries the exception's
    text, with how to name them. Conditions (``"x" if "timeout" in str(e) else "y"``) and
    arguments of unknown functions do not make it into the text and are not followed."""
    stack: list[ast.AST] = [expr]
    while stack:
        node = stack.pop()
        source = _exception_text(facts, caught, node)
        if source is not None:
            yield node, source
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found = _last_assignment(assigned, node.id, node.lineno)
            if found is not None:
                yield node, f"{node.id} = {found}"
        else:
            stack.extend(_value_parts(facts, node))


def _value_parts(facts: ModuleFacts, node: ast.AST) -> list[ast.AST]:
    """The parts of an expression whose text flows into its value."""
    if isinstance(node, ast.JoinedStr):
        return list(node.values)
    if isinstance(node, ast.FormattedValue | ast.Subscript | ast.Starred):
        return [node.value]
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.Dict):
        return [v for v in node.values if v is not None]
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return list(node.elts)
    if isinstance(node, ast.IfExp):
        return [node.body, node.orelse]
    if isinstance(node, ast.Call):
        qualified = facts.qualified_name(node.func)
        is_format = isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        if qualified in TEXT_FUNCTIONS or is_format:
            return [*node.args, *(kw.value for kw in node.keywords)]
    return []


def _exception_text(facts: ModuleFacts, caught: str | None, node: ast.AST) -> str | None:
    """How ``node`` turns the caught exception itself into text, or None."""
    if isinstance(node, ast.Call):
        qualified = facts.qualified_name(node.func)
        if qualified in TRACEBACK_TEXT:
            return ast.unparse(node)
        if caught is None:
            return None
        if qualified in ("builtins.str", "builtins.repr") and _is_caught(node.args, caught):
            return ast.unparse(node)
        is_format = isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        if is_format and _is_caught([*node.args, *(k.value for k in node.keywords)], caught):
            return ast.unparse(node)
        return None
    if caught is None:
        return None
    if isinstance(node, ast.FormattedValue) and _is_name(node.value, caught):
        return f"{{{caught}}}"
    if isinstance(node, ast.Attribute) and node.attr == "args" and _is_name(node.value, caught):
        return ast.unparse(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        operands = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        if isinstance(node.left, ast.Constant) and _is_caught(operands, caught):
            return ast.unparse(node)
    return None


def _tainted_assignments(facts: ModuleFacts, handler: ast.ExceptHandler) -> Assignments:
    """For each name the handler assigns, the lines of its assignments and, for those made
    from the exception's text (``msg = f"failed: {e}"``), that text."""
    found: Assignments = {}
    for node in _handler_nodes(handler):
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            continue
        leak = next(_leaks(facts, handler.name, node.value, {}), None)
        found.setdefault(node.targets[0].id, []).append(
            (node.lineno, leak[1] if leak is not None else None)
        )
    return found


def _last_assignment(assigned: Assignments, name: str, line: int) -> str | None:
    """The exception text the last assignment of ``name`` before ``line`` holds, if any."""
    before = [entry for entry in assigned.get(name, []) if entry[0] < line]
    return max(before, key=lambda entry: entry[0])[1] if before else None


def _is_caught(args: list[ast.expr], caught: str) -> bool:
    return any(_is_name(arg, caught) for arg in args)


def _is_name(expr: ast.expr, name: str) -> bool:
    return isinstance(expr, ast.Name) and expr.id == name
