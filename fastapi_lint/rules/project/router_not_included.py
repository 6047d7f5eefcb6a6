"""FAS902 router-not-included

## What it does
Finds an `APIRouter` with path operations that no `include_router()` (or `mount()`) anywhere
in the project includes.

## Why is this bad?
A router's routes exist only once it is included in the app: until then every endpoint it
declares answers 404 and is missing from the OpenAPI schema, while the code looks finished.
It usually happens when a new router module is written and the line in `main.py` is
forgotten. See [Bigger Applications](https://fastapi.tiangolo.com/tutorial/bigger-applications/).

## Example
```python
# app/routers/orders.py
router = APIRouter(prefix="/orders")

@router.get("/")
async def list_orders(): ...

# app/main.py
app = FastAPI()
app.include_router(users.router)
```

## Use instead
```python
# app/main.py
app = FastAPI()
app.include_router(users.router)
app.include_router(orders.router)
```

## Fix safety
There is no fix: where the router belongs, and under which prefix, is the author's choice.
The rule stays silent for the whole project when any `include_router()` names something the
index cannot resolve (a router built in a loop, taken from a list or a function call), when
the project has no `FastAPI()` app, and for routers exported in their module's `__all__`
(a library offers them to others).
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.rules import Options, ProjectFinding, project_rule
from fastapi_lint.rules.project._spans import end_of, start_of

CODE = "FAS902"


@project_rule(code=CODE, name="router-not-included", default=True)
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    if index.unresolved_includes or not index.root_apps():
        return
    included = index.included_instances()
    for key, summary, instance in index.instances():
        if instance.kind != "router" or not instance.constructed or "<locals>" in instance.key:
            continue
        if key in included or instance.key in (summary.exported or ()):
            continue
        routes = index.routes_on(key)
        if not routes:
            continue
        message = (
            f"router `{instance.key}` has {len(routes)} path operation"
            f"{'' if len(routes) == 1 else 's'} but no `include_router()` includes it"
        )
        diagnostic = Diagnostic(CODE, message, start_of(instance.span), end_of(instance.span))
        yield ProjectFinding(summary.path, diagnostic)
