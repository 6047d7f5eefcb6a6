"""FAS313 duplicate-route

## What it does
Finds two path operations registered with the same method and the same path pattern on the
same app or router in one module (`/users/{id}` and `/users/{user_id}` are the same pattern).

## Why is this bad?
Starlette tries routes in registration order and stops at the first one that matches, so the
second handler is never called: its code, its `response_model` and its dependencies are dead,
while the OpenAPI schema still lists one of them. It usually comes from copy-pasting a route
and forgetting to change its path. See
[Path Operation Configuration](https://fastapi.tiangolo.com/tutorial/path-operation-configuration/).

## Example
```python
@router.get("/users/{user_id}")
async def read_user(user_id: int): ...


@router.get("/users/{id}")
async def read_user_profile(id: int): ...
```

## Use instead
```python
@router.get("/users/{user_id}")
async def read_user(user_id: int): ...


@router.get("/users/{user_id}/profile")
async def read_user_profile(user_id: int): ...
```

## Fix safety
There is no fix: only the author knows which of the two handlers should serve the path.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic, Related, node_span
from fastapi_lint.facts import ModuleFacts, Route
from fastapi_lint.facts.route_order import route_sequences
from fastapi_lint.rules import Options, rule

CODE = "FAS313"


@rule(code=CODE, name="duplicate-route", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for routes in route_sequences(facts).values():
        first_by_operation: dict[tuple[str, str], Route] = {}
        for route in routes:
            if route.path is None:
                continue
            for method in route.methods:
                key = (method, route.path.pattern_key)
                first = first_by_operation.setdefault(key, route)
                if first is not route:
                    yield _duplicate(route, first, method)
                    break


def _duplicate(route: Route, first: Route, method: str) -> Diagnostic:
    assert route.path is not None and first.path is not None
    operation = f"{method} {route.path.raw}"
    start, end = node_span(first.registration)
    related = Related(f"`{method} {first.path.raw}` first registered here", start, end)
    if first.handler is route.handler:
        outcome = f"`{route.handler.name}` is registered twice"
    else:
        outcome = f"`{route.handler.name}` is never called"
    message = (
        f"`{operation}` is already registered on `{route.owner.name}` at line {start.line}: "
        f"{outcome}"
    )
    return Diagnostic.at(route.registration, CODE, message, related=(related,))
