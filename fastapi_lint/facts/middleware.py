"""Middleware registrations of one module: ``app.add_middleware(M, ...)``, ``Middleware(M, ...)``
(the ``middleware=[...]`` list), ``M(app, ...)`` wrapping and ``@app.middleware("http")``.

Rules that care about one middleware (CORS) or about their order ask these instead of walking
calls themselves.
"""

from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass

from fastapi_lint.facts import ModuleFacts

CORS_MIDDLEWARE = frozenset(
    {"fastapi.middleware.cors.CORSMiddleware", "starlette.middleware.cors.CORSMiddleware"}
)
MIDDLEWARE_WRAPPER = frozenset({"starlette.middleware.Middleware", "fastapi.middleware.Middleware"})
APP_CLASSES = frozenset({"fastapi.FastAPI", "starlette.Starlette"})
# the last names of the callees a registration calls: only these calls are looked at
_CALLEE_NAMES = frozenset(
    {
        "add_middleware",
        "middleware",
        *(name.rpartition(".")[2] for name in (*MIDDLEWARE_WRAPPER, *CORS_MIDDLEWARE)),
    }
)


@dataclass(frozen=True, eq=False)
class MiddlewareUse:
    """One middleware added to an application."""

    call: ast.Call  # the registering call (a decorator call for ``@app.middleware``)
    kind: str  # "add_middleware", "Middleware", "wrap" (``M(app, ...)``) or "decorator"
    middleware: ast.expr | None  # the middleware class; None for ``@app.middleware("http")``
    receiver: ast.expr | None  # ``app`` in ``app.add_middleware`` and ``@app.middleware``
    keywords: dict[str, ast.expr]  # the middleware's own options

    def keyword(self, name: str) -> ast.expr | None:
        return self.keywords.get(name)


_USES: weakref.WeakKeyDictionary[ModuleFacts, list[MiddlewareUse]] = weakref.WeakKeyDictionary()


def middleware_uses(facts: ModuleFacts) -> list[MiddlewareUse]:
    """Every middleware registration of the module, in source order."""
    uses = _USES.get(facts)
    if uses is None:
        uses = _USES[facts] = sorted(_find_uses(facts), key=lambda u: _position(u.call))
    return uses


def is_cors(facts: ModuleFacts, use: MiddlewareUse) -> bool:
    return use.middleware is not None and facts.qualified_name(use.middleware) in CORS_MIDDLEWARE


def is_application(facts: ModuleFacts, receiver: ast.expr | None) -> bool:
    """True when ``receiver`` is a name the module binds to a ``FastAPI``/``Starlette`` app."""
    if not isinstance(receiver, ast.Name):
        return False
    app = facts.apps.get(receiver.id)
    if app is not None and app.kind == "app":
        return True
    return facts.type_of(receiver) in APP_CLASSES


def _find_uses(facts: ModuleFacts) -> list[MiddlewareUse]:
    found: list[MiddlewareUse] = []
    for call in facts.calls_named(*_CALLEE_NAMES):
        use = _use_of_call(facts, call)
        if use is not None:
            found.append(use)
    return found


def _use_of_call(facts: ModuleFacts, call: ast.Call) -> MiddlewareUse | None:
    func = call.func
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    if isinstance(func, ast.Attribute) and func.attr == "add_middleware":
        if not call.args:
            return None
        return MiddlewareUse(call, "add_middleware", call.args[0], func.value, keywords)
    if isinstance(func, ast.Attribute) and func.attr == "middleware" and _decorates(facts, call):
        return MiddlewareUse(call, "decorator", None, func.value, keywords)
    qualified = facts.qualified_name(func)
    if qualified in MIDDLEWARE_WRAPPER and call.args:
        return MiddlewareUse(call, "Middleware", call.args[0], None, keywords)
    if qualified in CORS_MIDDLEWARE:
        receiver = call.args[0] if call.args else keywords.get("app")
        return MiddlewareUse(call, "wrap", func, receiver, keywords)
    return None


def _decorates(facts: ModuleFacts, call: ast.Call) -> bool:
    parent = facts.parent(call)
    return isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef) and call in (
        parent.decorator_list
    )


def _position(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
