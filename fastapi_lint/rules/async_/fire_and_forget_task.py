"""FAS106 fire-and-forget-task

## What it does
Finds `asyncio.create_task(...)`, `asyncio.ensure_future(...)` and `loop.create_task(...)` in a
path operation or dependency whose task is thrown away: the call is a statement on its own, or
its value is assigned to a name that is never used.

## Why is this bad?
The event loop keeps only a weak reference to a task: a task nobody holds can be
garbage-collected before it finishes, and an exception it raises is never seen (at best a
"Task exception was never retrieved" log line). Work that should happen after the response is
what `BackgroundTasks` is for: FastAPI runs it after sending the response and logs its errors.
See [Background Tasks](https://fastapi.tiangolo.com/tutorial/background-tasks/) and
[`asyncio.create_task`](https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task).

## Example
```python
@app.post("/signup")
async def signup(user: User):
    asyncio.create_task(send_welcome_email(user.email))
    return user
```

## Use instead
```python
@app.post("/signup")
async def signup(background_tasks: BackgroundTasks, user: User):
    background_tasks.add_task(send_welcome_email, user.email)
    return user
```

## Fix safety
The editor action rewrites the call to `background_tasks.add_task(f, *args)`, adding a
`BackgroundTasks` parameter and its import when the function has none. It is offered only
when the task runs a coroutine function of the same module (so Starlette awaits it instead of
sending it to a thread) and only in the editor: a background task starts after the response
is sent, not right away, which may matter to the code around it. FastAPI attaches the injected
`BackgroundTasks` only to a response that has no background of its own, so no action is offered
in a module that builds a response with `background=` or assigns `.background`: the added task
would silently never run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_span
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.coroutines import (
    called_coroutine_function,
    is_bound_in_function,
    is_name_read,
)
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS106"
TASK_FUNCTIONS = {"asyncio.create_task", "asyncio.ensure_future"}
LOOP_FACTORIES = {"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.new_event_loop"}
BACKGROUND_TASKS = {"fastapi.BackgroundTasks", "starlette.background.BackgroundTasks"}
PARAMETER_NAME = "background_tasks"


@rule(code=CODE, name="fire-and-forget-task", default=True, fix="action")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for func in _path_operations_and_dependencies(facts):
        for call in func.calls:
            spelling = _task_call_spelling(facts, call)
            if spelling is None:
                continue
            statement = facts.parent(call)
            if isinstance(statement, ast.Expr):
                message = f"the task of `{spelling}` is discarded in `{func.name}`"
                fix = _background_tasks_fix(facts, func, call)
            elif _assigned_to_unused_names(func, statement, call):
                message = f"the task of `{spelling}` is stored but never used in `{func.name}`"
                fix = None
            else:
                continue
            message += ": it can be garbage-collected before it finishes and its errors are lost"
            yield Diagnostic.at(call, CODE, message, fix=fix)


def _path_operations_and_dependencies(facts: ModuleFacts) -> list[FunctionInfo]:
    found = dict.fromkeys([*facts.path_operations, *facts.dependency_functions])
    return list(found)


def _task_call_spelling(facts: ModuleFacts, call: ast.Call) -> str | None:
    """How the message names the call when it provably creates a task, else None."""
    qualified = facts.qualified_name(call.func)
    if qualified in TASK_FUNCTIONS:
        return qualified
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "create_task":
        return None
    return "loop.create_task" if _is_event_loop(facts, func.value, call) else None


def _is_event_loop(facts: ModuleFacts, expr: ast.expr, at: ast.Call) -> bool:
    """``asyncio.get_running_loop()`` itself, or a name assigned from it (or from
    ``get_event_loop``/``new_event_loop``) before ``at``."""
    if isinstance(expr, ast.Name):
        origin = facts.binding_origin(expr.id, expr)
        if origin is None or getattr(origin, "lineno", at.lineno + 1) > at.lineno:
            return False
        expr = origin
    return facts.is_call_to(expr, *LOOP_FACTORIES)


def _assigned_to_unused_names(
    func: FunctionInfo, statement: ast.AST | None, call: ast.Call
) -> bool:
    """``task = asyncio.create_task(...)`` where no target name is ever read; attribute and item
    targets keep the task reachable, so they never count."""
    if isinstance(statement, ast.Assign) and statement.value is call:
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign) and statement.value is call:
        targets = [statement.target]
    else:
        return False
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    if len(names) != len(targets):
        return False
    return not any(is_name_read(func, name) for name in names)


def _background_tasks_fix(facts: ModuleFacts, func: FunctionInfo, call: ast.Call) -> Fix | None:
    work = _coroutine_call_argument(facts, call)
    if work is None or any(route.is_websocket for route in facts.routes_of(func)):
        return None
    if _sets_own_response_background(facts):
        return None
    edits: list[Edit] = []
    receiver = _background_tasks_parameter(facts, func)
    if receiver is None:
        added = _add_background_tasks_parameter(facts, func)
        if added is None:
            return None
        receiver = PARAMETER_NAME
        edits.extend(added)
    arguments = [_source(facts, work.func), *(_source(facts, a) for a in _in_source_order(work))]
    edits.append(Edit.replace(call, f"{receiver}.add_task({', '.join(arguments)})"))
    return Fix("Use `BackgroundTasks.add_task`", Applicability.ACTION, tuple(edits))


def _sets_own_response_background(facts: ModuleFacts) -> bool:
    """``JSONResponse(..., background=...)`` or ``response.background = ...`` anywhere in the
    module. FastAPI hands the injected ``BackgroundTasks`` only to a response whose
    ``background`` is None, so tasks added to it next to such a response are dropped."""
    if any(any(k.arg == "background" for k in call.keywords) for call in facts.calls):
        return True
    return any(
        node.attr == "background" and isinstance(node.ctx, ast.Store)
        for node in facts.nodes_of(ast.Attribute)
    )


def _coroutine_call_argument(facts: ModuleFacts, call: ast.Call) -> ast.Call | None:
    """The ``f(...)`` of ``create_task(f(...))`` when ``f`` is an ``async def`` of the module
    and the task gets no other argument (``name=``, ``context=``) the rewrite would drop."""
    if len(call.args) != 1 or call.keywords:
        return None
    work = call.args[0]
    if not isinstance(work, ast.Call) or called_coroutine_function(facts, work) is None:
        return None
    return work


def _in_source_order(call: ast.Call) -> list[ast.AST]:
    items: list[ast.AST] = [*call.args, *call.keywords]
    return sorted(items, key=lambda n: node_span(n)[0])


def _source(facts: ModuleFacts, node: ast.AST) -> str:
    start, end = node_span(node)
    return facts.source.segment(start, end)


def _background_tasks_parameter(facts: ModuleFacts, func: FunctionInfo) -> str | None:
    for param in func.parameters:
        parts = facts.annotated_parts(param.annotation)
        annotation = parts[0] if parts else param.annotation
        if annotation is not None and facts.qualified_name(annotation) in BACKGROUND_TASKS:
            return param.arg
    return None


def _add_background_tasks_parameter(facts: ModuleFacts, func: FunctionInfo) -> list[Edit] | None:
    """Edits adding ``background_tasks: BackgroundTasks`` as the first parameter (always valid
    syntax: it has no default) and the import, or None when that cannot be done cleanly."""
    node = func.node
    if node.args.posonlyargs or getattr(node, "type_params", None):
        return None
    if is_bound_in_function(func, PARAMETER_NAME) or is_name_read(func, PARAMETER_NAME):
        return None
    paren = _open_paren_after_name(facts, node)
    if paren is None:
        return None
    spelling, import_edit = ensure_from_import(facts, "fastapi", "BackgroundTasks")
    separator = ", " if func.parameters else ""
    edits = [Edit.insert(paren, f"{PARAMETER_NAME}: {spelling}{separator}")]
    if import_edit is not None:
        edits.append(import_edit)
    return edits


def _open_paren_after_name(
    facts: ModuleFacts, node: ast.FunctionDef | ast.AsyncFunctionDef
) -> Position | None:
    """The position just after the ``(`` that opens the parameter list."""
    line = facts.source.line_text(node.lineno)
    start = facts.source.char_col(Position(node.lineno, node.col_offset))
    match = re.compile(rf"(?:async\s+)?def\s+{re.escape(node.name)}\s*\(").match(line, start)
    if match is None:
        return None
    return Position(node.lineno, facts.source.byte_col(node.lineno, match.end()))
