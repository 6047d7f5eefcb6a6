"""FAS308 body-on-get

## What it does
Finds GET, HEAD and DELETE path operations that read a request body: a parameter typed with a
Pydantic model of the module (without `Query()`/`Depends()`), or declared with `Body()`.

## Why is this bad?
HTTP gives a body no meaning on GET, HEAD and DELETE: browsers cannot send one, many proxies,
caches and client libraries drop it, and OpenAPI tools warn about it. The endpoint works in
tests and fails behind the first gateway.
See [Query Parameter Models](https://fastapi.tiangolo.com/tutorial/query-param-models/).

## Example
```python
@app.get("/items")
async def search_items(filters: ItemFilters): ...
```

## Use instead
```python
@app.get("/items")
async def search_items(filters: Annotated[ItemFilters, Query()]): ...
```

## Fix safety
There is no fix: whether the data belongs in the query string or the method should be POST
is the author's choice.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.parameters import bare_type, marker_kind, request_parameters
from fastapi_lint.facts.responses import routes_in_force
from fastapi_lint.rules import Options, rule

CODE = "FAS308"
NO_BODY_METHODS = {"GET", "HEAD", "DELETE"}


@rule(code=CODE, name="body-on-get", default=True)
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    seen: set[ast.arg] = set()
    for route in routes_in_force(facts):
        if not route.methods or not set(route.methods) <= NO_BODY_METHODS:
            continue
        handler = route.handler
        method = "/".join(route.methods)
        for param in request_parameters(handler):
            if param in seen or not _reads_body(facts, handler, param):
                continue
            seen.add(param)
            yield Diagnostic.at(
                param,
                CODE,
                f"{method} path operation `{handler.name}` reads a request body through "
                f"`{param.arg}`; clients and proxies drop bodies on {method}",
            )


def _reads_body(facts: ModuleFacts, handler: FunctionInfo, param: ast.arg) -> bool:
    kind = marker_kind(facts, handler, param)
    if kind == "body":
        return True
    if kind is not None:
        return False
    annotation = bare_type(facts, param.annotation)
    if isinstance(annotation, ast.Subscript) and facts.qualified_name(annotation.value) in (
        "builtins.list",
        "typing.List",
    ):
        annotation = annotation.slice
    return (
        isinstance(annotation, ast.Name)
        and annotation.id in facts.pydantic_classes
        and facts.is_pydantic_class(annotation)
        and facts.pydantic_classes[annotation.id][1] == "model"
    )
