"""FAS315 duplicate-operation-id

## What it does
Finds two path operations of one app with the same explicit `operation_id=`: on the same app
or router, or on routers the module includes into one another with `include_router`.

## Why is this bad?
The OpenAPI specification requires operation ids to be unique. FastAPI only warns
(`Duplicate Operation ID`) while building the schema; client generators then emit one method
for two endpoints, or refuse the schema. See
[Path Operation Advanced Configuration](https://fastapi.tiangolo.com/advanced/path-operation-advanced-configuration/#openapi-operationid).

## Example
```python
@router.get("/users", operation_id="list_users")
async def list_users(): ...


@router.get("/admins", operation_id="list_users")
async def list_admins(): ...
```

## Use instead
```python
@router.get("/users", operation_id="list_users")
async def list_users(): ...


@router.get("/admins", operation_id="list_admins")
async def list_admins(): ...
```

## Fix safety
There is no fix: renaming an operation id renames a method of every generated client.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic, Related, node_span
from fastapi_lint.facts import AppInstance, ModuleFacts, Route
from fastapi_lint.facts.route_order import SequenceKey, route_sequences
from fastapi_lint.rules import Options, rule

CODE = "FAS315"


@rule(code=CODE, name="duplicate-operation-id", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    included = _inclusion_components(facts)
    first_by_id: dict[tuple[object, str], Route] = {}
    for key, routes in route_sequences(facts).items():
        for route in routes:
            operation_id = _operation_id(route)
            if operation_id is None:
                continue
            app_key = _app_key(facts, key, included)
            first = first_by_id.setdefault((app_key, operation_id), route)
            if first is not route:
                yield _duplicate(route, first, operation_id)


def _operation_id(route: Route) -> str | None:
    value = route.keyword("operation_id")
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    return None


def _app_key(facts: ModuleFacts, key: SequenceKey, included: dict[str, int]) -> object:
    """Routes registered unconditionally at module level on routers included into one another
    belong to one app; any other route only shares an app with its own sequence."""
    block, field, owner = key
    if block is facts.tree and field == "body" and owner.name in included:
        return ("app", included[owner.name])
    return key


def _inclusion_components(facts: ModuleFacts) -> dict[str, int]:
    """Owner name → component number, over ``a.include_router(b)`` calls at module level
    between instances the module binds once."""
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for node in facts.module_nodes:
        pair = _inclusion(facts, node)
        if pair is not None:
            parent[find(pair[0].name)] = find(pair[1].name)
    roots = sorted({find(name) for name in parent})
    return {name: roots.index(find(name)) for name in parent}


def _inclusion(facts: ModuleFacts, node: ast.AST) -> tuple[AppInstance, AppInstance] | None:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "include_router"
        and isinstance(node.func.value, ast.Name)
        and node.args
        and isinstance(node.args[0], ast.Name)
    ):
        return None
    outer = facts.apps.get(node.func.value.id)
    inner = facts.apps.get(node.args[0].id)
    if outer is None or inner is None or outer is inner:
        return None
    if not (_module_level_once(facts, outer) and _module_level_once(facts, inner)):
        return None
    return outer, inner


def _module_level_once(facts: ModuleFacts, instance: AppInstance) -> bool:
    bindings = [
        n
        for n in facts.module_nodes
        if isinstance(n, ast.Name) and n.id == instance.name and isinstance(n.ctx, ast.Store)
    ]
    return len(bindings) == 1 and instance.node in facts.module_nodes


def _duplicate(route: Route, first: Route, operation_id: str) -> Diagnostic:
    value = route.keyword("operation_id")
    assert value is not None
    first_value = first.keyword("operation_id") or first.registration
    start, end = node_span(first_value)
    related = Related(f"`{operation_id}` first used here", start, end)
    message = (
        f"operation id `{operation_id}` of `{route.handler.name}` is already used by "
        f"`{first.handler.name}` at line {start.line}"
    )
    return Diagnostic.at(value, CODE, message, related=(related,))
