"""FAS102 async-without-await

## What it does
Finds `async def` path operations and dependencies that never `await` (no `await`,
`async for` or `async with`) but make a blocking call from the FAS101 list.

## Why is this bad?
FastAPI runs a `def` path operation or dependency in a threadpool and an `async def` one
directly on the event loop. A function that never awaits gains nothing from `async`, and its
blocking call stalls every other request served by the worker while it waits. Declared `def`,
the same code runs in a worker thread and the loop stays free.
See [Concurrency and async / await](https://fastapi.tiangolo.com/async/#in-a-hurry).

## Example
```python
@app.get("/report")
async def report():
    response = requests.get("https://api.example.com/report", timeout=5)
    return response.json()
```

## Use instead
```python
@app.get("/report")
def report():
    response = requests.get("https://api.example.com/report", timeout=5)
    return response.json()
```

## Fix safety
The fix removes the `async` keyword and is unsafe: the function then runs in a worker thread,
so code that relies on running on the event loop (thread-local state, objects bound to the
loop, `asyncio.get_running_loop()`) changes behaviour, and the threadpool has a limited size.
No fix is offered when the module calls or references the function other than through its
route decorator, `add_api_route` or `Depends()`/`Security()` (a caller may `await` it), when
it has other decorators (they may expect a coroutine function), or when it is an async
generator.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TypeGuard

from fastapi_lint.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    Position,
    Related,
    node_end,
    node_start,
)
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule
from fastapi_lint.rules.async_._blocking import BlockingCall, blocking_calls

DEPENDS = ("fastapi.Depends", "fastapi.Security")
ASYNC_DEF = re.compile(rb"async(\s+)def\s+")


@rule(code="FAS102", name="async-without-await", default=True, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    candidates = [
        func
        for func in _path_operations_and_dependencies(facts)
        if func.is_async and func in facts.focused_functions and _could_be_sync(facts, func)
    ]
    if not candidates:
        return
    blocking = _blocking_calls_by_function(facts, candidates)
    for func in candidates:
        if func not in blocking:
            continue
        header = _async_def_header(facts, func)
        if header is None:
            continue
        start, end, keyword_end = header
        yield Diagnostic(
            "FAS102",
            f"`async def {func.name}` never awaits but blocks; "
            "declare it `def` so FastAPI runs it in a threadpool",
            start,
            end,
            fix=_drop_async(facts, func, start, keyword_end),
            related=tuple(_blocks_here(found) for found in blocking[func]),
        )


def _blocking_calls_by_function(
    facts: ModuleFacts, candidates: list[FunctionInfo]
) -> dict[FunctionInfo, list[BlockingCall]]:
    table: dict[FunctionInfo, list[BlockingCall]] = {}
    for found in blocking_calls(facts, filesystem_queries=False, within=set(candidates)):
        table.setdefault(found.function, []).append(found)
    return table


def _path_operations_and_dependencies(facts: ModuleFacts) -> list[FunctionInfo]:
    return list(dict.fromkeys([*facts.path_operations, *facts.dependency_functions]))


def _could_be_sync(facts: ModuleFacts, func: FunctionInfo) -> bool:
    """An ``async def`` that never suspends and is not a WebSocket endpoint (those must be
    coroutine functions: FastAPI awaits them)."""
    routes = facts.routes_of(func)
    websocket_only = bool(routes) and all(route.is_websocket for route in routes)
    return func.is_async and not func.awaits and not websocket_only


def _async_def_header(
    facts: ModuleFacts, func: FunctionInfo
) -> tuple[Position, Position, Position] | None:
    """Where ``async def name`` starts and ends, and where ``def`` starts (UTF-8 columns)."""
    line = func.node.lineno
    col = func.node.col_offset
    text = facts.source.line_text(line).encode("utf-8", errors="surrogatepass")
    match = ASYNC_DEF.match(text, col)
    name = func.name.encode("utf-8")
    if match is None or not text.startswith(name, match.end()):
        return None
    end = match.end() + len(name)
    return Position(line, col), Position(line, end), Position(line, match.end(1))


def _blocks_here(found: BlockingCall) -> Related:
    return Related(f"`{found.name}` blocks here", node_start(found.call), node_end(found.call))


def _drop_async(
    facts: ModuleFacts, func: FunctionInfo, start: Position, end: Position
) -> Fix | None:
    if func.is_generator or _has_other_decorators(facts, func):
        return None
    if _referenced_elsewhere(facts, func):
        return None
    edit = Edit.delete(start, end)
    return Fix(f"Declare `{func.name}` with `def`", Applicability.UNSAFE, (edit,))


def _has_other_decorators(facts: ModuleFacts, func: FunctionInfo) -> bool:
    registrations = {route.registration for route in facts.routes_of(func)}
    return any(decorator not in registrations for decorator in func.node.decorator_list)


def _referenced_elsewhere(facts: ModuleFacts, func: FunctionInfo) -> bool:
    """True when the module uses the function other than by registering it with FastAPI."""
    registrations = {route.registration for route in facts.routes_of(func)}
    for node in facts.nodes_of(ast.Name):
        if not _is_load_of(node, func.name) or facts.resolve_function(node) is not func:
            continue
        if not _is_registration_argument(facts, node, registrations):
            return True
    return False


def _is_registration_argument(
    facts: ModuleFacts, node: ast.Name, registrations: set[ast.Call]
) -> bool:
    """``app.add_api_route("/x", f)``, ``Depends(f)`` or ``Security(f)``."""
    parent = facts.parent(node)
    if not isinstance(parent, ast.Call) or parent.func is node:
        return False
    return parent in registrations or facts.is_call_to(parent, *DEPENDS)


def _is_load_of(node: ast.AST, name: str) -> TypeGuard[ast.Name]:
    return isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
