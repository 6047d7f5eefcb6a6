"""FAS302 raw-dict-response

## What it does
Finds path operations that return a dict literal or `dict(...)` without declaring a response
model, and path operations annotated `-> dict`, `-> dict[str, Any]` or `-> Any`.

## Why is this bad?
A raw dict response has no contract: a renamed key or a leaked field goes out unnoticed, the
OpenAPI schema shows an arbitrary object, and generated clients get an untyped map. A response
model documents the shape and filters what is sent.
See [Response Model - Return Type](https://fastapi.tiangolo.com/tutorial/response-model/).

## Example
```python
@app.get("/health")
async def health():
    return {"status": "ok", "version": VERSION}
```

## Use instead
```python
class Health(BaseModel):
    status: str
    version: str


@app.get("/health")
async def health() -> Health:
    return Health(status="ok", version=VERSION)
```

## Fix safety
There is no fix: the model has to be named and written by the author.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import FunctionInfo, ModuleFacts, Route
from fastapi_lint.facts.parameters import is_any, is_untyped_mapping
from fastapi_lint.facts.responses import (
    JSON_RESPONSE_CLASSES,
    NO_BODY_STATUS_CODES,
    response_class,
    response_model,
    returned_values,
    route_status_code,
    routes_in_force,
)
from fastapi_lint.rules import Options, rule

CODE = "FAS302"


@rule(code=CODE, name="raw-dict-response", default=False)
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    reported: set[FunctionInfo] = set()
    for route in routes_in_force(facts):
        handler = route.handler
        if handler in reported or not _may_answer_raw_dicts(facts, route):
            continue
        diagnostic = _raw_dict(facts, handler)
        if diagnostic is not None:
            reported.add(handler)
            yield diagnostic


def _may_answer_raw_dicts(facts: ModuleFacts, route: Route) -> bool:
    if route.is_websocket or response_model(route) is not None:
        return False  # returns pass through the response model
    declared_class = response_class(route)
    if declared_class is not None and facts.qualified_name(declared_class) not in (
        JSON_RESPONSE_CLASSES
    ):
        return False
    return route_status_code(facts, route) not in NO_BODY_STATUS_CODES


def _raw_dict(facts: ModuleFacts, handler: FunctionInfo) -> Diagnostic | None:
    returns = handler.node.returns
    if returns is not None:
        if is_untyped_mapping(facts, returns) or is_any(facts, returns):
            return Diagnostic.at(
                returns,
                CODE,
                f"`{handler.name}` is annotated `-> {ast.unparse(returns)}`: its response has "
                "no schema; return a Pydantic model",
            )
        return None
    for value in returned_values(handler):
        if isinstance(value, ast.Dict) or facts.is_call_to(value, "builtins.dict"):
            return Diagnostic.at(
                value,
                CODE,
                f"`{handler.name}` returns a raw dict without a response model; "
                "return a Pydantic model",
            )
    return None
