"""FAS408 on-event-handler

## What it does
Finds `@app.on_event("startup")`/`@app.on_event("shutdown")` handlers and
`app.add_event_handler(...)` registrations on a `FastAPI` app or `APIRouter`.

## Why is this bad?
Startup and shutdown events are deprecated in favour of a `lifespan` context manager, which
keeps the setup and the teardown of a resource in one function, can hand state to requests,
and is what FastAPI and Starlette will keep supporting. Once an app is given `lifespan=`, its
`on_event` handlers no longer run at all.
See [Lifespan Events](https://fastapi.tiangolo.com/advanced/events/).

## Example
```python
app = FastAPI()


@app.on_event("startup")
async def connect() -> None:
    await database.connect()


@app.on_event("shutdown")
async def disconnect() -> None:
    await database.disconnect()
```

## Use instead
```python
@asynccontextmanager
async def lifespan(app: FastAPI):
    await database.connect()
    yield
    await database.disconnect()


app = FastAPI(lifespan=lifespan)
```

## Fix safety
An editor action converts the simple case: one startup and/or one shutdown handler, without
parameters or `return`, decorated on a module-level `app = FastAPI(...)`. Their bodies move
into a new `lifespan` function passed to `FastAPI(lifespan=...)`, in the order Starlette runs
them. Any other shape (routers, `add_event_handler`, several handlers per event, handlers
called elsewhere) gets no edit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_end
from fastapi_lint.facts import AppInstance, FunctionInfo, ModuleFacts
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

EVENTS = ("startup", "shutdown")
LIFESPAN = "lifespan"


@dataclass(frozen=True)
class Registration:
    """One startup/shutdown handler registration."""

    app: AppInstance
    event: str
    call: ast.Call  # the decorator call or the add_event_handler call
    handler: FunctionInfo | None  # the decorated function; None for add_event_handler

    @property
    def spelling(self) -> str:
        if self.handler is not None:
            return f'@{self.app.name}.on_event("{self.event}")'
        return f'{self.app.name}.add_event_handler("{self.event}", ...)'


@rule(code="FAS408", name="on-event-handler", default=True, fix="action")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    registrations = [r for r in _registrations(facts) if not _may_use_lifespan(r.app)]
    fixes: dict[str, Fix | None] = {}
    for registration in registrations:
        name = registration.app.name
        if name not in fixes:
            fixes[name] = _lifespan_fix(facts, registration.app, registrations)
        yield Diagnostic.at(
            registration.call,
            "FAS408",
            f"`{registration.spelling}` is deprecated; use a `lifespan` context manager",
            fix=fixes[name],
        )


def _registrations(facts: ModuleFacts) -> Iterator[Registration]:
    for func in facts.functions:
        for decorator in func.node.decorator_list:
            found = _event_call(facts, decorator, "on_event")
            if found is not None:
                yield Registration(found[0], found[1], found[2], func)
    for call in facts.calls_named("add_event_handler"):
        found = _event_call(facts, call, "add_event_handler")
        if found is not None:
            yield Registration(found[0], found[1], found[2], None)


def _event_call(
    facts: ModuleFacts, node: ast.AST, method: str
) -> tuple[AppInstance, str, ast.Call] | None:
    """``app.<method>("startup" | "shutdown", ...)`` on a known app or router."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
        return None
    receiver = node.func.value
    if node.func.attr != method or not isinstance(receiver, ast.Name):
        return None
    app = facts.apps.get(receiver.id)
    if app is None:
        return None
    event = node.args[0] if node.args else None
    for keyword in node.keywords:
        if keyword.arg == "event_type":
            event = keyword.value
    if isinstance(event, ast.Constant) and event.value in EVENTS:
        return app, str(event.value), node
    return None


def _may_use_lifespan(app: AppInstance) -> bool:
    """True unless the instance is built here without ``lifespan=`` (or ``**options``)."""
    if app.call is None:
        return True
    return any(k.arg in (LIFESPAN, None) for k in app.call.keywords)


# --- the conversion ------------------------------------------------------------------------


def _lifespan_fix(
    facts: ModuleFacts, app: AppInstance, registrations: list[Registration]
) -> Fix | None:
    mine = [r for r in registrations if r.app is app]
    handlers = _simple_handlers(facts, app, mine)
    if handlers is None:
        return None
    startup, shutdown = handlers.get("startup"), handlers.get("shutdown")
    assert isinstance(app.node, ast.Assign) and app.call is not None  # by _simple_handlers
    indent = _body_indent(facts, [h for h in (startup, shutdown) if h is not None])
    if indent is None or _bodies_interfere(startup, shutdown, app.name):
        return None
    decorator, import_edit = ensure_from_import(facts, "contextlib", "asynccontextmanager")
    annotation = facts.local_name_for("fastapi.FastAPI")
    parameter = f"{app.name}: {annotation}" if annotation else app.name
    newline = facts.source.newline
    lines = [f"@{decorator}", f"async def {LIFESPAN}({parameter}):"]
    lines += _body_lines(facts, startup)
    lines.append(f"{indent}yield")
    lines += _body_lines(facts, shutdown)
    at = _insertion_line(facts, app.node)
    text = _blank_lines_before(facts, at) + newline.join(lines) + newline * 3
    edits = [Edit.insert(Position(at, 0), text)]
    if import_edit is not None:
        if import_edit.start == edits[0].start:  # one insertion point: keep the import first
            edits = [Edit.insert(import_edit.start, import_edit.new_text + text)]
        else:
            edits.append(import_edit)
    keyword_edit = _lifespan_keyword(facts, app.call)
    if keyword_edit is None:
        return None
    edits.append(keyword_edit)
    edits += [_delete_handler(facts, h) for h in (startup, shutdown) if h is not None]
    return Fix("Convert to a lifespan context manager", Applicability.ACTION, tuple(edits))


def _simple_handlers(
    facts: ModuleFacts, app: AppInstance, mine: list[Registration]
) -> dict[str, FunctionInfo] | None:
    """The startup and shutdown handlers, when the app and they have the simple shape."""
    if not _is_simple_app(facts, app) or facts.is_local_name(LIFESPAN, facts.tree):
        return None
    if _name_is_used(facts, LIFESPAN):
        return None
    handlers: dict[str, FunctionInfo] = {}
    for registration in mine:
        handler = registration.handler
        if handler is None or registration.event in handlers:
            return None
        app_line = getattr(app.node, "end_lineno", None) or 0
        if not _is_simple_handler(facts, handler, registration.call, app_line):
            return None
        handlers[registration.event] = handler
    return handlers


def _is_simple_app(facts: ModuleFacts, app: AppInstance) -> bool:
    node = app.node
    return (
        app.kind == "app"
        and app.call is not None
        and isinstance(node, ast.Assign)
        and node in facts.tree.body
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    )


def _is_simple_handler(
    facts: ModuleFacts, handler: FunctionInfo, decorator: ast.Call, app_line: int
) -> bool:
    node = handler.node
    if node not in facts.tree.body or node.decorator_list != [decorator]:
        return False
    if node.lineno < app_line:
        return False  # the new function goes above the app, so the handler must be below
    if handler.parameters or _name_is_used(facts, handler.name, besides=node):
        return False
    body = _statements(handler)
    if body and body[0].lineno == node.lineno:
        return False  # `def f(): ...` on one line
    return not any(
        isinstance(n, ast.Return | ast.Yield | ast.YieldFrom | ast.Nonlocal)
        for n in handler.own_nodes
    )


def _name_is_used(facts: ModuleFacts, name: str, besides: ast.AST | None = None) -> bool:
    """Any other mention of ``name`` in the module: a reference, a binding, an import."""
    for node in facts.all_nodes:
        if node is besides:
            continue
        if isinstance(node, ast.Name) and node.id == name:
            return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            node.name == name
        ):
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name.split(".")[0]) == name:
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            return True
    return False


def _statements(handler: FunctionInfo) -> list[ast.stmt]:
    body = list(handler.node.body)
    if handler.docstring_node is not None:
        body = body[1:]
    return body


def _body_indent(facts: ModuleFacts, handlers: list[FunctionInfo]) -> str | None:
    """The indentation both bodies share (they become one block), or None."""
    indents = {facts.source.indentation(s.lineno) for h in handlers for s in _statements(h)[:1]}
    if len(indents) > 1:
        return None
    indent = indents.pop() if indents else "    "
    return indent or None


def _bodies_interfere(
    startup: FunctionInfo | None, shutdown: FunctionInfo | None, app_name: str
) -> bool:
    """One function body instead of two: a local of one would capture a name of the other,
    and a local named like the app would hide the ``lifespan`` parameter."""
    if startup is None or shutdown is None:
        handlers = [h for h in (startup, shutdown) if h is not None]
        return any(app_name in _bound(h) for h in handlers)
    first, second = _bound(startup), _bound(shutdown)
    if app_name in first | second:
        return True
    return bool(first & _mentioned(shutdown) or second & _mentioned(startup))


def _bound(handler: FunctionInfo) -> set[str]:
    names: set[str] = set()
    for node in handler.own_nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Global):
            names.update(node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _mentioned(handler: FunctionInfo) -> set[str]:
    names = {n.id for n in ast.walk(handler.node) if isinstance(n, ast.Name)}
    return names | _bound(handler)


def _body_lines(facts: ModuleFacts, handler: FunctionInfo | None) -> list[str]:
    """The handler's body lines, verbatim (both defs are at module level), with the comments
    that open it and without its docstring."""
    if handler is None:
        return []
    body = _statements(handler)
    if not body:
        return []
    source = facts.source
    first = body[0].lineno
    docstring = handler.docstring_node
    floor = (docstring.end_lineno or docstring.lineno) if docstring else handler.node.lineno
    while first - 1 > floor and source.line_text(first - 1).strip().startswith("#"):
        first -= 1
    last = body[-1].end_lineno or body[-1].lineno
    return [source.line_text(n).rstrip("\r\n") for n in range(first, last + 1)]


def _insertion_line(facts: ModuleFacts, statement: ast.stmt) -> int:
    """The line of ``statement``, above the comments that introduce it."""
    line = statement.lineno
    while line > 1 and facts.source.line_text(line - 1).strip().startswith("#"):
        line -= 1
    return line


def _blank_lines_before(facts: ModuleFacts, line: int) -> str:
    """Newlines that make two blank lines between the previous code and a new def."""
    if line == 1:
        return ""
    blank = 0
    while (
        blank < 2 and line - 1 - blank >= 1 and not facts.source.line_text(line - 1 - blank).strip()
    ):
        blank += 1
    return facts.source.newline * (2 - blank)


def _lifespan_keyword(facts: ModuleFacts, call: ast.Call) -> Edit | None:
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    if arguments:
        last = max(arguments, key=node_end)
        end = node_end(last)
        if _on_own_line(facts, last) and end.line < (call.end_lineno or call.lineno):
            indent = facts.source.indentation(last.lineno)
            return Edit.insert(end, f",{facts.source.newline}{indent}{LIFESPAN}={LIFESPAN}")
        return Edit.insert(end, f", {LIFESPAN}={LIFESPAN}")
    end = Position(call.end_lineno or call.lineno, (call.end_col_offset or 1) - 1)
    if facts.source.segment(end, Position(end.line, end.col + 1)) != ")":
        return None
    return Edit.insert(end, f"{LIFESPAN}={LIFESPAN}")


def _on_own_line(facts: ModuleFacts, node: ast.expr | ast.keyword) -> bool:
    line = facts.source.line_text(node.lineno).encode("utf-8", errors="surrogatepass")
    return not line[: node.col_offset].strip()


def _delete_handler(facts: ModuleFacts, handler: FunctionInfo) -> Edit:
    """The decorated function and the blank lines after it; at the end of the module, the
    blank lines before it instead."""
    node = handler.node
    source = facts.source
    start = min(d.lineno for d in node.decorator_list)
    end = node.end_lineno or node.lineno
    following = end + 1
    while following <= len(source.lines) and not source.line_text(following).strip():
        following += 1
    if following <= len(source.lines):
        return Edit.delete(Position(start, 0), Position(following, 0))
    previous = start - 1
    while previous >= 1 and not source.line_text(previous).strip():
        previous -= 1
    return Edit.delete(Position(previous + 1, 0), Position(len(source.lines) + 1, 0))
