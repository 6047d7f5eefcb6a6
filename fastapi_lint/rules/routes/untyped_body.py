"""FAS305 untyped-body

## What it does
Finds request-body parameters of POST/PUT/PATCH path operations typed as an untyped mapping
(`dict`, `Dict`, `dict[str, Any]`, `Mapping`) or, when declared with `Body()`, as `Any` or
not at all.

## Why is this bad?
FastAPI validates a body against its declared type. A `dict` body accepts any JSON object:
missing fields, wrong types and extra keys reach the handler unchecked, and the OpenAPI
schema tells clients nothing about what to send. A Pydantic model gives validation, clear
422 errors and documentation in one place.
See [Request Body](https://fastapi.tiangolo.com/tutorial/body/).

## Example
```python
@app.post("/items")
async def create_item(payload: dict):
    return await repo.create(payload["name"], payload["price"])
```

## Use instead
```python
class ItemIn(BaseModel):
    name: str
    price: float


@app.post("/items")
async def create_item(payload: ItemIn):
    return await repo.create(payload.name, payload.price)
```

## Fix safety
There is no fix: the model has to be written from what the handler expects.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.parameters import (
    bare_type,
    is_any,
    is_untyped_mapping,
    marker_kind,
    request_parameters,
)
from fastapi_lint.facts.responses import routes_in_force
from fastapi_lint.rules import Options, rule

CODE = "FAS305"
BODY_METHODS = {"POST", "PUT", "PATCH"}


@rule(code=CODE, name="untyped-body", default=True)
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    seen: set[ast.arg] = set()
    for route in routes_in_force(facts):
        if not BODY_METHODS & set(route.methods):
            continue
        handler = route.handler
        path_names = set(route.path.param_names) if route.path else set()
        for param in request_parameters(handler):
            if param in seen or param.arg in path_names:
                continue
            what = _untyped_body(facts, handler, param)
            if what is None:
                continue
            seen.add(param)
            yield Diagnostic.at(
                param,
                CODE,
                f"body parameter `{param.arg}` of `{handler.name}` is {what}: "
                "FastAPI validates nothing in it; declare a Pydantic model",
            )


def _untyped_body(facts: ModuleFacts, handler: FunctionInfo, param: ast.arg) -> str | None:
    kind = marker_kind(facts, handler, param)
    if kind not in (None, "body"):
        return None  # query, form, file, dependency...
    annotation = bare_type(facts, param.annotation)
    if is_untyped_mapping(facts, annotation):
        assert annotation is not None
        return f"an untyped `{ast.unparse(annotation)}`"
    if kind == "body" and annotation is None:
        return "unannotated"
    if kind == "body" and is_any(facts, annotation):
        return "`Any`"
    return None  # without `Body()`, an `Any` or unannotated parameter is a query parameter
