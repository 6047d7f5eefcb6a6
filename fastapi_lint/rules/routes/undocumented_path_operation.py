"""FAS312 undocumented-path-operation

## What it does
Finds a path operation whose handler has no docstring and whose decorator has neither
`summary=` nor `description=`.

## Why is this bad?
The OpenAPI schema, and the `/docs` page built from it, show only the generated title
("Read Item") for such an endpoint. FastAPI takes the description from the docstring, so one
line in the code documents the endpoint for every client. See
[Path Operation Configuration](https://fastapi.tiangolo.com/tutorial/path-operation-configuration/#description-from-docstring).

## Example
```python
@router.get("/items/{item_id}")
async def read_item(item_id: int): ...
```

## Use instead
```python
@router.get("/items/{item_id}")
async def read_item(item_id: int):
    '''Return one item by its id; 404 when it does not exist.'''
```

## Fix safety
There is no fix: the description has to be written by someone who knows the endpoint.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts, Route
from fastapi_lint.rules import Options, rule

CODE = "FAS312"


@rule(code=CODE, name="undocumented-path-operation", default=False, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for route in facts.routes:
        if route.is_websocket or route.handler.docstring_node is not None:
            continue
        if _hidden_from_schema(route) or _described(route):
            continue
        message = f"path operation `{route.handler.name}` has no docstring, summary or description"
        yield Diagnostic.at(route.registration, CODE, message)


def _hidden_from_schema(route: Route) -> bool:
    """``include_in_schema=`` anything but a literal ``True`` may hide it."""
    value = route.keyword("include_in_schema")
    return value is not None and not (isinstance(value, ast.Constant) and value.value is True)


def _described(route: Route) -> bool:
    return route.keyword("summary") is not None or route.keyword("description") is not None
