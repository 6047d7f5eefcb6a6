"""FAS901 duplicate-route-across-routers

## What it does
Finds two path operations that an app serves with the same method and the same full path,
once router prefixes and `include_router(prefix=...)` chains are resolved across modules
(parameter names may differ: `/users/{id}` and `/users/{user_id}` are the same path).

## Why is this bad?
Starlette tries routes in registration order and stops at the first match, so the later
handler never runs. Across modules the clash is invisible in either file: `users.py` declares
`@router.get("/{user_id}")` under `prefix="/users"`, and `admin.py` declares
`@router.get("/users/{id}")` on a router included without a prefix. See
[Bigger Applications](https://fastapi.tiangolo.com/tutorial/bigger-applications/).

## Example
```python
# app/routers/users.py
router = APIRouter(prefix="/users")

@router.get("/{user_id}")
async def read_user(user_id: int): ...

# app/routers/admin.py
router = APIRouter()

@router.get("/users/{id}")
async def read_user_as_admin(id: int): ...

# app/main.py
app.include_router(users.router)
app.include_router(admin.router)
```

## Use instead
```python
# app/routers/admin.py
router = APIRouter(prefix="/admin")

@router.get("/users/{id}")
async def read_user_as_admin(id: int): ...
```

## Fix safety
There is no fix: only the author knows which handler should serve the path. The finding is
reported on the later registration; its related information points at the first one.
Routes registered under `if`/`for`/`try`, and paths or prefixes that are not string literals,
are left out: they may never clash at run time.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import parse_path
from fastapi_lint.project.index import ProjectIndex, RouteEntry
from fastapi_lint.rules import Options, ProjectFinding, project_rule
from fastapi_lint.rules.project._spans import end_of, location, related, start_of

CODE = "FAS901"


@project_rule(code=CODE, name="duplicate-route-across-routers", default=True)
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    first_by_operation: dict[tuple[str, str, str], RouteEntry] = {}
    for entry in index.routes:
        if entry.path is None or entry.conditional:
            continue
        for method in entry.methods:
            key = (entry.app, method, parse_path(entry.path).pattern_key)
            first = first_by_operation.setdefault(key, entry)
            if first is entry or not _reportable(first, entry):
                continue
            yield _finding(method, first, entry)


def _reportable(first: RouteEntry, later: RouteEntry) -> bool:
    if first.route is later.route:
        return False  # one router included twice at the same path: one registration
    # two routes of one router in one module: FAS313 reports them
    return not (first.module is later.module and first.chain[-1] == later.chain[-1])


def _finding(method: str, first: RouteEntry, later: RouteEntry) -> ProjectFinding:
    route = later.route
    first_route = first.route
    message = (
        f"`{method} {later.path}` is already served by `{first_route.handler}` "
        f"({location(first.module.path, first_route.span)}): this route is never reached"
    )
    diagnostic = Diagnostic(
        CODE,
        message,
        start_of(route.span),
        end_of(route.span),
        related=(related(f"first `{method} {first.path}`", first_route.span, first.module.path),),
    )
    return ProjectFinding(later.module.path, diagnostic)
