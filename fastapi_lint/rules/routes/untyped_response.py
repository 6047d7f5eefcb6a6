"""FAS301 untyped-response

## What it does
Finds path operations that declare neither `response_model=` nor a return annotation.

It stays silent where the response is declared another way or provably not JSON data: a
non-JSON `response_class=`, `include_in_schema=False`, 204/304 routes, WebSocket routes,
`responses=` describing the success response (or one this module cannot read), handlers that
return response objects (directly, or what a module function that builds them returns), and
catch-all proxy routes (a `{name:path}` parameter or several methods) that take the raw
`Request` and return what another module's function gives back.

## Why is this bad?
Without a declared response type FastAPI serialises whatever the handler returns: nothing is
validated or filtered (an ORM object's password hash goes out with the rest), and the
OpenAPI schema shows an empty response, so generated clients get `any`.
See [Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/).

## Example
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int):
    return UserOut(id=user_id, name="Ada")
```

## Use instead
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int) -> UserOut:
    return UserOut(id=user_id, name="Ada")
```

## Fix safety
When every `return` constructs the same Pydantic model of the module, the editor offers to
add `-> Model`. It is an action only: the annotation becomes the response model, so FastAPI
starts validating and filtering the response, which is the point but changes behaviour.
Handlers returning a `Response` object (on any path), non-JSON `response_class=` routes,
routes hidden with `include_in_schema=False`, 204/304 routes and websockets are left alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from fastapi_lint.facts import FunctionInfo, ModuleFacts, Route
from fastapi_lint.facts.responses import (
    JSON_RESPONSE_CLASSES,
    NO_BODY_STATUS_CODES,
    is_response_value,
    response_class,
    returned_values,
    route_status_code,
    routes_in_force,
)
from fastapi_lint.facts.signatures import header_colon
from fastapi_lint.rules import Options, rule

CODE = "FAS301"


REQUEST_TYPES = {"fastapi.Request", "starlette.requests.Request"}


@rule(code=CODE, name="untyped-response", default=True, fix="action")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    reported: set[FunctionInfo] = set()
    for route in routes_in_force(facts):
        handler = route.handler
        if handler in reported or not _is_untyped(facts, route):
            continue
        reported.add(handler)
        yield Diagnostic(
            CODE,
            f"path operation `{handler.name}` declares no response type: add a return "
            "annotation or `response_model=`",
            *_name_span(facts, handler),
            fix=_annotation_fix(facts, handler),
        )


def _is_untyped(facts: ModuleFacts, route: Route) -> bool:
    handler = route.handler
    if route.is_websocket or handler.node.returns is not None or handler.is_generator:
        return False
    if "response_model" in route.keywords:
        return False  # `response_model=None` is a decision too
    hidden = route.keyword("include_in_schema")
    if isinstance(hidden, ast.Constant) and hidden.value is False:
        return False
    declared_class = response_class(route)
    if declared_class is not None and facts.qualified_name(declared_class) not in (
        JSON_RESPONSE_CLASSES
    ):
        return False  # HTML, files, streams, or a class we cannot see
    if route_status_code(facts, route) in NO_BODY_STATUS_CODES:
        return False
    if _documents_success_in_responses(route):
        return False
    # a handler that builds a response by hand on some path manages its own responses (a
    # pass-through or streaming route): the other paths usually return one from a helper
    if any(is_response_value(facts, v) for v in returned_values(handler)):
        return False
    calls = _returned_calls(facts, handler)
    if any(_builds_responses(facts, call) for call in calls):
        return False
    forwards = _is_catch_all(route) and _takes_raw_request(facts, handler)
    return not (forwards and any(_is_foreign(facts, c) for c in calls))


def _documents_success_in_responses(route: Route) -> bool:
    """`responses=` that describes the success response (a 2xx key), or a value this module
    cannot read: the contract is declared there instead."""
    responses = route.keyword("responses")
    if responses is None:
        return False
    if not isinstance(responses, ast.Dict):
        return True
    for key in responses.keys:
        code = key.value if isinstance(key, ast.Constant) else None
        if isinstance(code, int | str) and str(code).startswith("2"):
            return True
    return False


def _is_catch_all(route: Route) -> bool:
    """A `{name:path}` parameter or several methods on one handler: the shape of a proxy."""
    takes_any_path = route.path is not None and any(
        p.converter == "path" for p in route.path.params
    )
    return takes_any_path or len(route.methods) > 1


def _returned_calls(facts: ModuleFacts, handler: FunctionInfo) -> list[ast.Call]:
    """The calls whose results the handler returns: `return f(...)`, `return await f(...)`,
    or a name assigned one of those just for returning it."""
    calls = []
    for value in returned_values(handler):
        if isinstance(value, ast.Name):
            origin = facts.binding_origin(value.id, value)
            value = origin if origin is not None else value
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            calls.append(value)
    return calls


def _builds_responses(facts: ModuleFacts, call: ast.Call) -> bool:
    """A module function that returns response objects: the handler forwards its responses."""
    func = facts.resolve_function(call.func)
    return func is not None and any(is_response_value(facts, v) for v in returned_values(func))


def _is_foreign(facts: ModuleFacts, call: ast.Call) -> bool:
    return facts.resolve_function(call.func) is None and not facts.is_pydantic_class(call.func)


def _takes_raw_request(facts: ModuleFacts, handler: FunctionInfo) -> bool:
    """Proxy routes take the raw `Request` to forward it: when a catch-all handler returns
    what another module's function gives back, that result may well be the upstream
    `Response`, which this module cannot see, so the case is not proven."""
    return any(
        facts.qualified_name(_bare_type(facts, p.annotation)) in REQUEST_TYPES
        for p in handler.parameters
        if p.annotation is not None
    )


def _bare_type(facts: ModuleFacts, annotation: ast.expr) -> ast.expr:
    parts = facts.annotated_parts(annotation)
    return parts[0] if parts is not None else annotation


def _name_span(facts: ModuleFacts, func: FunctionInfo) -> tuple[Position, Position]:
    """From `def`/`async def` to the end of the function's name."""
    node = func.node
    line = facts.source.line_text(node.lineno).encode("utf-8", errors="surrogatepass")
    name = func.name.encode("utf-8")
    index = line.find(name, node.col_offset)
    end = index + len(name) if index >= 0 else node.col_offset
    return Position(node.lineno, node.col_offset), Position(node.lineno, end)


def _annotation_fix(facts: ModuleFacts, handler: FunctionInfo) -> Fix | None:
    model = _single_constructed_model(facts, handler)
    if model is None:
        return None
    colon = header_colon(facts, handler)
    if colon is None:
        return None
    return Fix(
        f"Annotate `-> {model}`", Applicability.ACTION, (Edit.insert(colon, f" -> {model}"),)
    )


def _single_constructed_model(facts: ModuleFacts, handler: FunctionInfo) -> str | None:
    """The model name when every `return` is `Model(...)` of one Pydantic class of the module
    (and the body cannot fall off its end)."""
    returns = [n for n in handler.own_nodes if isinstance(n, ast.Return)]
    if not returns or not isinstance(handler.node.body[-1], ast.Return | ast.Raise):
        return None
    names = {_constructed_model(facts, r.value) for r in returns}
    if len(names) != 1:
        return None
    return names.pop()


def _constructed_model(facts: ModuleFacts, value: ast.expr | None) -> str | None:
    if (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in facts.pydantic_classes
        and facts.is_pydantic_class(value.func)
    ):
        return value.func.id
    return None
