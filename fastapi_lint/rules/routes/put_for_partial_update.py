"""FAS309 put-for-partial-update

## What it does
Finds a PUT path operation that reads its request body with
`model_dump(exclude_unset=True)` (or Pydantic v1's `dict(exclude_unset=True)`), which is
the recipe for a partial update.

## Why is this bad?
PUT replaces the resource with the body it is sent; a field left out means "no value". An
endpoint that keeps the stored value of every field the client did not send implements
PATCH, and says PUT: clients, caches and generated SDKs get the wrong contract. See
[Body - Updates](https://fastapi.tiangolo.com/tutorial/body-updates/#partial-updates-with-patch).

## Example
```python
@router.put("/items/{item_id}")
async def update_item(item_id: int, item: ItemUpdate):
    changes = item.model_dump(exclude_unset=True)
    return await store.update(item_id, changes)
```

## Use instead
```python
@router.patch("/items/{item_id}")
async def update_item(item_id: int, item: ItemUpdate):
    changes = item.model_dump(exclude_unset=True)
    return await store.update(item_id, changes)
```

## Fix safety
The fix changes `.put(` to `.patch(`. It is unsafe: clients that call the endpoint with PUT
get 405 afterwards. A handler also registered for PATCH is left alone, and registrations
through `api_route`/`add_api_route` are reported without a fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix
from fastapi_lint.facts import FunctionInfo, ModuleFacts, Route
from fastapi_lint.rules import Options, rule

CODE = "FAS309"
DUMP_METHODS = ("model_dump", "dict")
NON_BODY_PARAMETERS = {
    "fastapi.Query",
    "fastapi.Path",
    "fastapi.Header",
    "fastapi.Cookie",
    "fastapi.Form",
    "fastapi.File",
    "fastapi.Depends",
    "fastapi.Security",
}


@rule(code=CODE, name="put-for-partial-update", default=False, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for handler in facts.path_operations:
        routes = facts.routes_of(handler)
        if any("PATCH" in route.methods for route in routes):
            continue
        for route in routes:
            if "PUT" not in route.methods:
                continue
            dump = _partial_dump(facts, handler, route)
            if dump is None:
                continue
            name = ast.unparse(dump.func)
            message = (
                f"PUT handler `{handler.name}` applies a partial update "
                f"(`{name}(exclude_unset=True)`); register it with PATCH"
            )
            yield Diagnostic.at(route.registration, CODE, message, fix=_patch_fix(route))


def _partial_dump(facts: ModuleFacts, handler: FunctionInfo, route: Route) -> ast.Call | None:
    """The first ``body.model_dump(exclude_unset=True)`` on a body parameter of the handler."""
    bodies = _body_parameters(facts, handler, route)
    for node in handler.own_nodes:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DUMP_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in bodies
            and any(_is_true_keyword(k, "exclude_unset") for k in node.keywords)
        ):
            return node
    return None


def _body_parameters(facts: ModuleFacts, handler: FunctionInfo, route: Route) -> set[str]:
    """Annotated parameters that are neither path parameters nor declared as query, header,
    cookie, form, file or dependency parameters."""
    path_names = set(route.path.param_names) if route.path else set()
    names = set()
    for param in handler.parameters:
        if param.annotation is None or param.arg in path_names:
            continue
        default = handler.parameter_default(param)
        parts = facts.annotated_parts(param.annotation)
        markers = [*(parts[1] if parts else []), *([default] if default is not None else [])]
        if any(facts.is_call_to(m, *NON_BODY_PARAMETERS) for m in markers):
            continue
        names.add(param.arg)
    return names


def _is_true_keyword(keyword: ast.keyword, name: str) -> bool:
    return (
        keyword.arg == name
        and isinstance(keyword.value, ast.Constant)
        and keyword.value.value is True
    )


def _patch_fix(route: Route) -> Fix | None:
    func = route.registration.func
    if not (isinstance(func, ast.Attribute) and func.attr == "put"):
        return None
    spelled = f"{ast.unparse(func.value)}.patch"
    return Fix(f"Register with `{spelled}`", Applicability.UNSAFE, (Edit.replace(func, spelled),))
