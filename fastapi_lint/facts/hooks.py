"""Code the application runs around its path operations: ``BaseHTTPMiddleware`` subclasses,
``@app.middleware("http")`` functions, exception handlers and lifespan functions.

Each answer is computed once per module and cached on the ``ModuleFacts`` it came from.
"""

from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass

from fastapi_lint.facts import FunctionInfo, ModuleFacts

BASE_HTTP_MIDDLEWARE = "starlette.middleware.base.BaseHTTPMiddleware"
APPLICATION_CLASSES = frozenset({"fastapi.FastAPI", "fastapi.APIRouter", "starlette.Starlette"})


@dataclass(frozen=True)
class AppHooks:
    base_http_middleware: tuple[ast.ClassDef, ...]
    # function → what it is to the app: "middleware", "exception handler" or "lifespan"
    functions: dict[FunctionInfo, str]


_HOOKS: weakref.WeakKeyDictionary[ModuleFacts, AppHooks] = weakref.WeakKeyDictionary()


def app_hooks(facts: ModuleFacts) -> AppHooks:
    hooks = _HOOKS.get(facts)
    if hooks is None:
        hooks = _HOOKS[facts] = _find_hooks(facts)
    return hooks


def base_http_middleware_classes(facts: ModuleFacts) -> tuple[ast.ClassDef, ...]:
    """Classes deriving from ``BaseHTTPMiddleware``, directly or through a class of the
    module, in source order."""
    return app_hooks(facts).base_http_middleware


def hook_kind(facts: ModuleFacts, func: FunctionInfo) -> str | None:
    """``"middleware"``, ``"exception handler"`` or ``"lifespan"`` when the application calls
    ``func`` as one, else None."""
    return app_hooks(facts).functions.get(func)


def _find_hooks(facts: ModuleFacts) -> AppHooks:
    classes = _middleware_classes(facts)
    functions: dict[FunctionInfo, str] = {}
    for cls in classes:
        for statement in cls.body:
            if isinstance(statement, ast.AsyncFunctionDef) and statement.name == "dispatch":
                functions[facts.function_info(statement)] = "middleware"
    for func in facts.functions:
        for decorator in func.node.decorator_list:
            kind = _decorator_hook(facts, decorator)
            if kind is not None:
                functions[func] = kind
    for call in facts.calls:
        for func, kind in _registered_hooks(facts, call):
            functions.setdefault(func, kind)
    return AppHooks(tuple(classes), functions)


def _middleware_classes(facts: ModuleFacts) -> list[ast.ClassDef]:
    by_name = {cls.name: cls for cls in facts.classes}
    found: list[ast.ClassDef] = []
    for cls in facts.classes:
        if _derives_from_base(facts, cls, by_name, set()):
            found.append(cls)
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def _derives_from_base(
    facts: ModuleFacts, cls: ast.ClassDef, by_name: dict[str, ast.ClassDef], seen: set[str]
) -> bool:
    seen.add(cls.name)
    for base in cls.bases:
        if facts.qualified_name(base) == BASE_HTTP_MIDDLEWARE:
            return True
        local = by_name.get(base.id) if isinstance(base, ast.Name) else None
        if (
            local is not None
            and local.name not in seen
            and facts.is_local_name(local.name, base)
            and _derives_from_base(facts, local, by_name, seen)
        ):
            return True
    return False


def _is_application(facts: ModuleFacts, receiver: ast.expr) -> bool:
    if isinstance(receiver, ast.Name) and receiver.id in facts.apps:
        return True
    return facts.type_of(receiver) in APPLICATION_CLASSES


def _decorator_hook(facts: ModuleFacts, decorator: ast.expr) -> str | None:
    """``@app.middleware("http")`` and ``@app.exception_handler(...)``."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return None
    method = decorator.func.attr
    if not _is_application(facts, decorator.func.value):
        return None
    if method == "middleware":
        return "middleware"
    if method == "exception_handler":
        return "exception handler"
    return None


def _registered_hooks(facts: ModuleFacts, call: ast.Call) -> list[tuple[FunctionInfo, str]]:
    """``app.add_exception_handler(E, f)``, ``app.middleware("http")(f)`` and
    ``FastAPI(lifespan=f)``."""
    found: list[tuple[FunctionInfo, str]] = []
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "add_exception_handler"
        and len(call.args) == 2
        and _is_application(facts, func.value)
    ):
        handler = facts.resolve_function(call.args[1])
        if handler is not None:
            found.append((handler, "exception handler"))
    if isinstance(func, ast.Call):  # app.middleware("http")(f)
        kind = _decorator_hook(facts, func)
        for argument in call.args[:1]:
            target = facts.resolve_function(argument)
            if kind is not None and target is not None:
                found.append((target, kind))
    if facts.qualified_name(func) in APPLICATION_CLASSES:
        for keyword in call.keywords:
            if keyword.arg == "lifespan":
                lifespan = facts.resolve_function(keyword.value)
                if lifespan is not None:
                    found.append((lifespan, "lifespan"))
    return found
