"""FAS105 sequential-awaits

## What it does
Finds two or more `await` statements in a row in an `async def` path operation that do not
depend on each other: no later call uses a name an earlier one assigns, and they do not share
an object such as a session or a connection (the same name as receiver or argument).

## Why is this bad?
Each `await` waits for its call to finish before the next one starts, so independent calls
to other services or databases add up their latencies. `asyncio.gather` runs them
concurrently and the request takes as long as the slowest one.
See [Concurrency and async / await](https://fastapi.tiangolo.com/async/) and
[`asyncio.gather`](https://docs.python.org/3/library/asyncio-task.html#asyncio.gather).

This rule is opt-in: the order of two calls can matter even when no value flows between them
(a write another service reads, a rate limit), which the source does not show.

## Example
```python
@app.get("/dashboard/{user_id}")
async def dashboard(user_id: int):
    profile = await fetch_profile(user_id)
    orders = await fetch_orders(user_id)
    return {"profile": profile, "orders": orders}
```

## Use instead
```python
@app.get("/dashboard/{user_id}")
async def dashboard(user_id: int):
    profile, orders = await asyncio.gather(fetch_profile(user_id), fetch_orders(user_id))
    return {"profile": profile, "orders": orders}
```

## Fix safety
The editor action rewrites the run to `a, b = await asyncio.gather(f(), g())` (adding
`import asyncio` when needed) when every statement of the run is a plain `await call(...)` or
`name = await call(...)`; comments between them move above the new statement. It is
editor-only: the calls then run concurrently, and when one fails the others keep running.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, node_span
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.coroutines import is_bound_in_function, is_name_read
from fastapi_lint.fixes import ensure_module_import
from fastapi_lint.rules import Options, rule

CODE = "FAS105"
# Awaits whose point is to happen in order: a pause, or waiting for other work to finish.
ORDERING_CALLS = {
    "asyncio.sleep",
    "anyio.sleep",
    "trio.sleep",
    "asyncio.wait",
    "asyncio.wait_for",
    "asyncio.gather",
}
MAX_LINE = 88  # past this the rewrite puts one call per line
# Parameter types that hold plain data, so two calls receiving them share no connection.
DATA_TYPES = {
    "builtins.int",
    "builtins.str",
    "builtins.float",
    "builtins.bool",
    "builtins.bytes",
    "uuid.UUID",
    "datetime.date",
    "datetime.datetime",
    "decimal.Decimal",
}


@dataclass
class AwaitStatement:
    """A statement whose only suspension point is ``await call(...)``."""

    statement: ast.Expr | ast.Assign | ast.AnnAssign
    awaited: ast.Await
    call: ast.Call
    binds: set[str] = field(default_factory=set)  # names it assigns
    reads: set[str] = field(default_factory=set)  # every name it reads
    shared: set[str] = field(default_factory=set)  # receivers and arguments that may be resources

    def depends_on(self, earlier: AwaitStatement) -> bool:
        return bool(
            self.reads & earlier.binds
            or earlier.reads & self.binds
            or self.binds & earlier.binds
            or self.shared & earlier.shared
        )


@rule(code=CODE, name="sequential-awaits", default=False, fix="action")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for handler in facts.path_operations:
        if not handler.is_async:
            continue
        for block in _statement_lists(handler.node.body):
            for run in _independent_runs(facts, handler, block):
                yield _diagnostic(facts, handler, run)


def _statement_lists(body: list[ast.stmt]) -> Iterator[list[ast.stmt]]:
    """Every statement list of a function body (nested ``def``/``class`` bodies excluded)."""
    pending = [body]
    while pending:
        block = pending.pop()
        yield block
        for statement in block:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(statement, name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    pending.append(inner)
            # try/except (and except*) handlers, match cases
            for part in [*getattr(statement, "handlers", []), *getattr(statement, "cases", [])]:
                pending.append(part.body)


def _independent_runs(
    facts: ModuleFacts, handler: FunctionInfo, block: list[ast.stmt]
) -> Iterator[list[AwaitStatement]]:
    run: list[AwaitStatement] = []
    for statement in block:
        current = _await_statement(facts, handler, statement)
        if current is not None and run and not any(current.depends_on(e) for e in run):
            run.append(current)
            continue
        if len(run) >= 2:
            yield run
        run = [current] if current is not None else []
    if len(run) >= 2:
        yield run


def _await_statement(
    facts: ModuleFacts, handler: FunctionInfo, statement: ast.stmt
) -> AwaitStatement | None:
    if not isinstance(statement, ast.Expr | ast.Assign | ast.AnnAssign):
        return None
    value = statement.value
    if not isinstance(value, ast.Await) or not isinstance(value.value, ast.Call):
        return None
    call = value.value
    nodes = list(ast.walk(statement))
    if sum(isinstance(n, ast.Await | ast.Yield | ast.YieldFrom | ast.Lambda) for n in nodes) > 1:
        return None  # another suspension point, or a lambda whose names are not its own
    if facts.qualified_name(call.func) in ORDERING_CALLS:
        return None
    found = AwaitStatement(statement, value, call)
    for node in nodes:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                found.reads.add(node.id)
            else:
                found.binds.add(node.id)
    found.shared = _possible_resources(facts, handler, statement, call)
    return found


def _possible_resources(
    facts: ModuleFacts, handler: FunctionInfo, statement: ast.stmt, call: ast.Call
) -> set[str]:
    """Names the statement hands to its call or mutates: the receiver of ``db.execute(...)``
    (an imported client too), every name in the arguments and in attribute or item targets.
    Builtins, module functions and parameters holding plain data (``user_id: int``) cannot
    be a shared connection."""
    roots: list[ast.AST] = [*call.args, *call.keywords]
    if not isinstance(call.func, ast.Name):  # `fetch(...)`: the callee is not a resource
        roots.append(call.func)
    if isinstance(statement, ast.Assign):
        roots.extend(t for t in statement.targets if not isinstance(t, ast.Name))
    elif isinstance(statement, ast.AnnAssign) and not isinstance(statement.target, ast.Name):
        roots.append(statement.target)
    names = {
        node
        for root in roots
        for node in ast.walk(root)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    }
    return {name.id for name in names if not _is_plain_value(facts, handler, name)}


def _is_plain_value(facts: ModuleFacts, handler: FunctionInfo, name: ast.Name) -> bool:
    qualified = facts.qualified_name(name)
    if qualified is not None:
        return qualified.startswith("builtins.")  # an imported object may be a client
    if facts.resolve_function(name) is not None and not _is_parameter(handler, name.id):
        return True
    for param in handler.parameters:
        if param.arg == name.id:
            parts = facts.annotated_parts(param.annotation)
            annotation = parts[0] if parts else param.annotation
            return annotation is not None and (
                facts.qualified_name(annotation) in DATA_TYPES
                or facts.is_pydantic_class(annotation)
            )
    return False


def _is_parameter(func: FunctionInfo, name: str) -> bool:
    return any(param.arg == name for param in func.parameters)


def _diagnostic(facts: ModuleFacts, handler: FunctionInfo, run: list[AwaitStatement]) -> Diagnostic:
    first = run[0].awaited
    message = (
        f"{len(run)} independent awaits run one after another in `async def {handler.name}`; "
        "`asyncio.gather` runs them concurrently"
    )
    return Diagnostic.at(first, CODE, message, fix=_gather_fix(facts, handler, run))


def _gather_fix(facts: ModuleFacts, handler: FunctionInfo, run: list[AwaitStatement]) -> Fix | None:
    targets = [_simple_target(item.statement) for item in run]
    comments = _comments_between(facts, run)
    if any(target is None for target in targets) or comments is None:
        return None
    names = [target for target in targets if target]
    if names and len(names) < len(run) and is_name_read(handler, "_"):
        return None  # `_` holds something the function reads
    spelling, import_edit = ensure_module_import(facts, "asyncio")
    if is_bound_in_function(handler, spelling.split(".")[0]):
        return None  # a local name hides the module
    start, _ = node_span(run[0].statement)
    _, end = node_span(run[-1].statement)
    indentation = facts.source.indentation(start.line)
    assigned = ", ".join(target or "_" for target in targets) + " = " if names else ""
    calls = [_source(facts, item.call) for item in run]
    rewrite = f"{assigned}await {spelling}.gather({', '.join(calls)})"
    if len(indentation) + len(rewrite) > MAX_LINE or "\n" in rewrite:
        newline = facts.source.newline
        inner = "".join(f"{newline}{indentation}    {call}," for call in calls)
        rewrite = f"{assigned}await {spelling}.gather({inner}{newline}{indentation})"
    new_text = (facts.source.newline + indentation).join([*comments, rewrite])
    edits = [Edit(start, end, new_text)]
    if import_edit is not None:
        edits.append(import_edit)
    return Fix("Run the awaits with `asyncio.gather`", Applicability.ACTION, tuple(edits))


def _simple_target(statement: ast.stmt) -> str | None:
    """``""`` for ``await call()``, the name for ``name = await call()``, None otherwise."""
    if isinstance(statement, ast.Expr):
        return ""
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id
    return None


def _comments_between(facts: ModuleFacts, run: list[AwaitStatement]) -> list[str] | None:
    """The comments between the statements of the run, which the rewrite keeps above itself;
    None when something else separates them (``;``)."""
    comments: list[str] = []
    for earlier, later in itertools.pairwise(run):
        _, end = node_span(earlier.statement)
        start, _ = node_span(later.statement)
        for line in facts.source.segment(end, start).splitlines():
            text = line.strip()
            if text.startswith("#"):
                comments.append(text)
            elif text:
                return None
    return comments


def _source(facts: ModuleFacts, node: ast.AST) -> str:
    start, end = node_span(node)
    return facts.source.segment(start, end)
