"""Convert ``on_event`` handlers to a lifespan: the app's startup and shutdown handlers become
one ``@asynccontextmanager async def lifespan(app)`` passed to ``FastAPI(lifespan=...)``.

The edits are FAS408's conversion; this module says why the conversion is not offered when
it is not (handlers on a router, an app that already has ``lifespan=``, ``add_event_handler``,
several handlers for one event, handlers with parameters or a ``return``, handlers called
elsewhere), so that the user reads a reason instead of getting nothing.
"""

from __future__ import annotations

import ast

from fastapi_lint.diagnostics import node_start
from fastapi_lint.facts import AppInstance, FunctionInfo, ModuleFacts
from fastapi_lint.refactors import NotOffered, Refactoring
from fastapi_lint.refactors._cst import (
    REWRITE,
    NothingHere,
    module_facts,
    rule_findings,
    single_file,
)

# FAS408 knows what a startup/shutdown registration is; the refactoring asks it
from fastapi_lint.rules.di.on_event_handler import EVENTS, Registration
from fastapi_lint.rules.di.on_event_handler import _registrations as registrations

CODE = "FAS408"


def _spans(registration: Registration, line: int) -> bool:
    """Whether ``line`` is in the registration's call or its decorated handler."""
    call = registration.call
    node: ast.AST = registration.handler.node if registration.handler is not None else call
    first = min(call.lineno, getattr(node, "lineno", call.lineno))
    return first <= line <= (getattr(node, "end_lineno", None) or first)


def convert_to_lifespan_available(source: str, line: int | None = None) -> bool:
    return "on_event" in source or "add_event_handler" in source


def convert_to_lifespan(path: str, source: str, line: int | None = None) -> Refactoring:
    """Convert the handlers of the app registered at ``line`` (or of the module's only app
    with handlers when ``line`` is None)."""
    facts = module_facts(path, source)
    handlers = list(registrations(facts))
    app = _app_at(facts, handlers, line)
    mine = [h for h in handlers if h.app is app]
    _check_convertible(facts, app, mine)
    starts = {node_start(h.call) for h in mine}
    fixes = [d.fix for d in rule_findings(facts, CODE) if d.start in starts and d.fix]
    if not fixes:
        raise NotOffered(
            f"the handlers of `{app.name}` have a shape the conversion cannot prove: a handler "
            "above the app, a body on the `def` line, bodies with different indentation, "
            "or a name one handler binds and the other reads"
        )
    title = f"Convert `{app.name}`'s startup/shutdown handlers to a lifespan"
    return single_file(title, REWRITE, path, facts, fixes[0].edits)


def _app_at(facts: ModuleFacts, handlers: list[Registration], line: int | None) -> AppInstance:
    if not handlers:
        raise NothingHere("no startup or shutdown handler is registered in this module")
    if line is not None:
        for handler in handlers:
            if _spans(handler, line):
                return handler.app
        for app in {h.app.name: h.app for h in handlers}.values():
            node = app.node
            if getattr(node, "lineno", 0) <= line <= (getattr(node, "end_lineno", 0) or 0):
                return app
        raise NothingHere(f"line {line} is neither a startup/shutdown handler nor its app")
    apps = {h.app.name: h.app for h in handlers}
    if len(apps) > 1:
        names = ", ".join(f"`{name}`" for name in apps)
        raise NotOffered(f"handlers are registered on {names}; choose one by its line")
    return next(iter(apps.values()))


def _check_convertible(facts: ModuleFacts, app: AppInstance, mine: list[Registration]) -> None:
    """Raise NotOffered with the first reason the conversion would not keep behaviour."""
    if app.kind != "app":
        raise NotOffered(
            f"the handlers are registered on the router `{app.name}`: they run with the app "
            "that includes it; move them to that app first"
        )
    if app.call is None or not isinstance(app.node, ast.Assign) or app.node not in facts.tree.body:
        raise NotOffered(f"`{app.name}` is not created by a module-level `FastAPI(...)` here")
    keywords = {k.arg for k in app.call.keywords}
    if "lifespan" in keywords:
        raise NotOffered(
            f"`{app.name}` already has `lifespan=`, so its on_event handlers never run; "
            "merging them into the lifespan would change what runs"
        )
    if None in keywords:
        raise NotOffered(f"`{app.name}` is created with `**options`, which may pass `lifespan`")
    if any(h.handler is None for h in mine):
        raise NotOffered("`add_event_handler(...)` registrations are not converted")
    for event in EVENTS:
        if sum(h.event == event for h in mine) > 1:
            raise NotOffered(f"several {event} handlers; the conversion takes one per event")
    for registration in mine:
        assert registration.handler is not None
        _check_handler(facts, registration.handler)


def _check_handler(facts: ModuleFacts, func: FunctionInfo) -> None:
    node = func.node
    if node not in facts.tree.body:
        raise NotOffered(f"the handler `{func.name}` is not a module-level function")
    if len(node.decorator_list) > 1:
        raise NotOffered(f"the handler `{func.name}` has other decorators")
    if func.parameters:
        raise NotOffered(f"the handler `{func.name}` takes parameters")
    if any(isinstance(n, ast.Return | ast.Yield | ast.YieldFrom) for n in func.own_nodes):
        raise NotOffered(f"the handler `{func.name}` returns or yields")
    for other in facts.all_nodes:
        if isinstance(other, ast.Name) and other.id == func.name:
            raise NotOffered(f"`{func.name}` is used elsewhere in the module (line {other.lineno})")
