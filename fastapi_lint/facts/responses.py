"""What a path operation answers: its returns, status code, response model and response class.

Functions take a ``ModuleFacts``; what is computed per module is cached beside it.
"""

from __future__ import annotations

import ast
import http
import re
import weakref
from collections.abc import Iterator

from fastapi_lint.facts import FunctionInfo, ModuleFacts, Route

_RESPONSE_MODULES = ("fastapi.responses", "starlette.responses")
_RESPONSE_NAMES = (
    "Response",
    "JSONResponse",
    "ORJSONResponse",
    "UJSONResponse",
    "HTMLResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "StreamingResponse",
    "FileResponse",
)
RESPONSE_CLASSES = frozenset(
    {f"{module}.{name}" for module in _RESPONSE_MODULES for name in _RESPONSE_NAMES}
    | {
        "fastapi.Response",
        "sse_starlette.sse.EventSourceResponse",
        "sse_starlette.EventSourceResponse",
    }
)
JSON_RESPONSE_CLASSES = frozenset(
    f"{module}.{name}"
    for module in _RESPONSE_MODULES
    for name in ("JSONResponse", "ORJSONResponse", "UJSONResponse")
)
REDIRECT_RESPONSE_CLASSES = frozenset(f"{module}.RedirectResponse" for module in _RESPONSE_MODULES)
TEMPLATES_CLASSES = frozenset(
    {"fastapi.templating.Jinja2Templates", "starlette.templating.Jinja2Templates"}
)
NO_BODY_STATUS_CODES = frozenset({204, 304})

_STATUS_NAME = re.compile(r"^(?:fastapi|starlette)\.status\.(?:HTTP|WS)_(\d{3})(?:_\w+)?$")
_FASTAPI_APP_CLASSES = {"fastapi.FastAPI", "fastapi.APIRouter"}


def return_statements(func: FunctionInfo) -> list[ast.Return]:
    """The ``return`` statements of the function's own body (not of nested functions), in
    source order."""
    returns = [n for n in func.own_nodes if isinstance(n, ast.Return)]
    returns.sort(key=lambda r: (r.lineno, r.col_offset))
    return returns


def returned_values(func: FunctionInfo) -> list[ast.expr]:
    """The values of ``return <value>`` statements, leaving out ``return None``."""
    return [
        r.value for r in return_statements(func) if r.value is not None and not _is_none(r.value)
    ]


def status_code_value(facts: ModuleFacts, expr: ast.expr | None) -> int | None:
    """An HTTP status code spelled as a literal, ``status.HTTP_204_NO_CONTENT`` (FastAPI or
    Starlette) or ``http.HTTPStatus.NO_CONTENT``; None when the value is not provable."""
    if expr is None:
        return None
    if isinstance(expr, ast.Constant) and type(expr.value) is int:
        return expr.value
    qualified = facts.qualified_name(expr)
    if qualified is None:
        return None
    match = _STATUS_NAME.match(qualified)
    if match:
        return int(match.group(1))
    prefix = "http.HTTPStatus."
    if qualified.startswith(prefix):
        member = qualified[len(prefix) :]
        if member in http.HTTPStatus.__members__:
            return int(http.HTTPStatus[member])
    return None


def route_status_code(facts: ModuleFacts, route: Route) -> int | None:
    """The ``status_code=`` of a registration as an int, when it is provable."""
    return status_code_value(facts, route.keyword("status_code"))


def response_model(route: Route) -> ast.expr | None:
    """The ``response_model=`` argument, unless it is ``None`` (which disables the model)."""
    value = route.keyword("response_model")
    if value is None or _is_none(value):
        return None
    return value


def response_class(route: Route) -> ast.expr | None:
    return route.keyword("response_class")


def is_response_class(facts: ModuleFacts, expr: ast.AST) -> bool:
    """A Starlette/FastAPI response class, or a class of this module deriving from one."""
    if facts.qualified_name(expr) in RESPONSE_CLASSES:
        return True
    return (
        isinstance(expr, ast.Name)
        and expr.id in _local_response_classes(facts)
        and (facts.is_local_name(expr.id, expr))
    )


def is_response_value(facts: ModuleFacts, expr: ast.expr) -> bool:
    """True when ``expr`` provably evaluates to a response object: a response class called,
    ``templates.TemplateResponse(...)``, or a name bound to one of those (or annotated as a
    response class, like an injected ``response: Response``)."""
    if isinstance(expr, ast.Await):
        return False
    if isinstance(expr, ast.Call):
        func = expr.func
        if is_response_class(facts, func):
            return True
        return (
            isinstance(func, ast.Attribute)
            and func.attr == "TemplateResponse"
            and facts.type_of(func.value) in TEMPLATES_CLASSES
        )
    if isinstance(expr, ast.Name):
        origin = facts.binding_origin(expr.id, expr)
        if origin is None:
            return False
        if isinstance(origin, ast.Call):
            return is_response_value(facts, origin)
        return is_response_class(facts, origin)
    return False


def owner_in_force(facts: ModuleFacts, route: Route) -> bool:
    """False when the app/router name was rebound to something else before the registration
    (``app = None`` then ``@app.get(...)``)."""
    registration = route.registration
    if facts.function_of(registration) is not None:
        return True  # inside a function the parameter or local that names it is what counts
    owner = route.owner
    origin = facts.binding_origin(owner.name, registration)
    if origin is None or origin is owner.call:
        return True
    if isinstance(owner.node, ast.AnnAssign) and origin is owner.node.annotation:
        return True  # `router: Final = APIRouter()`: the annotation stands for the binding
    if isinstance(origin, ast.Call):
        return facts.qualified_name(origin.func) in _FASTAPI_APP_CLASSES
    if facts.qualified_name(origin) in _FASTAPI_APP_CLASSES:
        return True
    return getattr(origin, "lineno", 0) <= getattr(owner.node, "lineno", 0)


def routes_in_force(facts: ModuleFacts) -> Iterator[Route]:
    """``facts.routes`` without registrations on a name that no longer holds the app."""
    return (route for route in facts.routes if owner_in_force(facts, route))


_LOCAL_RESPONSE_CLASSES: weakref.WeakKeyDictionary[ModuleFacts, frozenset[str]] = (
    weakref.WeakKeyDictionary()
)


def _local_response_classes(facts: ModuleFacts) -> frozenset[str]:
    """Names of the module's classes deriving (transitively, within the module) from a
    response class."""
    cached = _LOCAL_RESPONSE_CLASSES.get(facts)
    if cached is not None:
        return cached
    found: set[str] = set()
    changed = True
    while changed:
        changed = False
        for cls in facts.classes:
            if cls.name in found or facts.function_of(cls) is not None:
                continue
            if any(
                facts.qualified_name(base) in RESPONSE_CLASSES
                or (isinstance(base, ast.Name) and base.id in found)
                for base in cls.bases
            ):
                found.add(cls.name)
                changed = True
    result = frozenset(found)
    _LOCAL_RESPONSE_CLASSES[facts] = result
    return result


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None
