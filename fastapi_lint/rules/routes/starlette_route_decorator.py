"""FAS316 starlette-route-decorator

## What it does
Finds `@app.route(...)` and `@router.route(...)` on a FastAPI app or an `APIRouter`.

## Why is this bad?
`.route()` is Starlette's plain route, inherited by FastAPI: the handler receives the raw
`Request`, nothing is validated, no dependency runs, and the endpoint is missing from the
OpenAPI schema. Starlette deprecated the decorator and Starlette 1.0 removed it from
applications, where `@app.route` now fails at import. FastAPI's own decorators
(`.get()`, `.post()`, or `.api_route()` for several methods) do all of that.
See [First Steps](https://fastapi.tiangolo.com/tutorial/first-steps/#define-a-path-operation-decorator).

## Example
```python
@app.route("/items", methods=["GET", "POST"])
async def items(request: Request): ...
```

## Use instead
```python
@app.api_route("/items", methods=["GET", "POST"])
async def items(request: Request): ...
```

## Fix safety
The fix renames the decorator to `.api_route()`, which takes the same `path`, `methods`,
`name` and `include_in_schema` arguments. It is unsafe: FastAPI then reads the handler's
parameters as query, path and body parameters (an unannotated `request` becomes a required
query parameter) and validates them, so the handler's signature may need changes. The handler
becomes a path operation, so the rules about path operations apply to it from then on (the
opt-in FAS312 asks for its docstring, FAS301 for its response model).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.route_order import owner_bound_once
from fastapi_lint.rules import Options, rule

CODE = "FAS316"


@rule(code=CODE, name="starlette-route-decorator", default=True, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    if not facts.apps:
        return
    for func in facts.functions:
        for decorator in func.node.decorator_list:
            if not isinstance(decorator, ast.Call):
                continue
            target = decorator.func
            if not (
                isinstance(target, ast.Attribute)
                and target.attr == "route"
                and isinstance(target.value, ast.Name)
            ):
                continue
            owner = facts.apps.get(target.value.id)
            if owner is None or not owner_bound_once(facts, owner, func.node):
                continue
            kind = "FastAPI app" if owner.kind == "app" else "APIRouter"
            spelled = f"{owner.name}.api_route"
            fix = Fix(f"Use `@{spelled}`", Applicability.UNSAFE, (Edit.replace(target, spelled),))
            message = (
                f"`@{owner.name}.route` registers a plain Starlette route on a {kind}: "
                f"`{func.name}` gets no validation and no OpenAPI entry"
            )
            yield Diagnostic.at(decorator, CODE, message, fix=fix)
