"""FAS104 unawaited-coroutine

## What it does
Finds calls to an `async def` of the same module whose coroutine is thrown away: the call is a
statement on its own, or its value is assigned to a name that is never used.

## Why is this bad?
Calling an `async def` only creates a coroutine; its body runs when the coroutine is awaited.
Without `await` nothing happens: the email is not sent, the row is not written, and Python
prints `RuntimeWarning: coroutine ... was never awaited` at some later point, far from the bug.
See [Concurrency and async / await](https://fastapi.tiangolo.com/async/).

## Example
```python
async def audit(event: str) -> None: ...


@app.post("/items")
async def create_item(item: Item):
    audit("item created")
    return item
```

## Use instead
```python
@app.post("/items")
async def create_item(item: Item):
    await audit("item created")
    return item
```

## Fix safety
Inside an `async def`, the fix inserts `await` before a call that stands alone as a statement.
It is safe: the coroutine could never have done anything else than be discarded. A coroutine
assigned to an unused name, or created in a plain `def` (where `await` is not allowed), is
reported without a fix: whether to await it, schedule it or drop it is for the author to decide.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, node_start
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.coroutines import (
    called_coroutine_function,
    is_name_read,
    may_call_coroutines,
)
from fastapi_lint.rules import Options, rule

CODE = "FAS104"


@rule(code=CODE, name="unawaited-coroutine", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    if not may_call_coroutines(facts):
        return
    module_level = set(facts.module_nodes)
    for expr in facts.focused_nodes_of(ast.Expr):  # reported at a call inside the node
        if isinstance(expr.value, ast.Call):
            diagnostic = _discarded_statement(facts, expr.value, module_level)
            if diagnostic is not None:
                yield diagnostic
    assignments: list[ast.Assign | ast.AnnAssign] = [
        *facts.focused_nodes_of(ast.Assign),
        *facts.focused_nodes_of(ast.AnnAssign),
    ]
    for assignment in assignments:
        if isinstance(assignment.value, ast.Call):
            diagnostic = _unused_assignment(facts, assignment, assignment.value)
            if diagnostic is not None:
                yield diagnostic


def _discarded_statement(
    facts: ModuleFacts, call: ast.Call, module_level: set[ast.AST]
) -> Diagnostic | None:
    func = facts.function_of(call)
    if func is None and call not in module_level:
        return None  # a class body: its names are not resolved here
    if called_coroutine_function(facts, call) is None:
        return None
    name = _callee(call)
    fix = None
    if func is not None and func.is_async:
        fix = Fix(
            f"Await `{name}()`", Applicability.SAFE, (Edit.insert(node_start(call), "await "),)
        )
    where = f" in `{func.name}`" if func is not None else ""
    message = f"coroutine `{name}()` is never awaited{where}: its body never runs"
    return Diagnostic.at(call, CODE, message, fix=fix)


def _unused_assignment(
    facts: ModuleFacts, statement: ast.Assign | ast.AnnAssign, call: ast.Call
) -> Diagnostic | None:
    func = facts.function_of(statement)
    if func is None:
        return None  # module and class attributes may be read from elsewhere
    names = _target_names(statement)
    # the coroutine test first: it is cheap, and reading every name of the function is not
    if not names or called_coroutine_function(facts, call) is None:
        return None
    if any(n == "_" or is_name_read(func, n) for n in names):
        return None
    message = (
        f"coroutine `{_callee(call)}()` is assigned to `{names[0]}` but never awaited in "
        f"`{func.name}`: its body never runs"
    )
    return Diagnostic.at(call, CODE, message)


def _target_names(statement: ast.Assign | ast.AnnAssign) -> list[str]:
    """The names a statement assigns to, or [] when a target is not a plain name (an
    attribute or item keeps the coroutine reachable from elsewhere)."""
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    if not all(isinstance(t, ast.Name) for t in targets):
        return []
    return [t.id for t in targets if isinstance(t, ast.Name)]


def _callee(call: ast.Call) -> str:
    return ast.unparse(call.func)
