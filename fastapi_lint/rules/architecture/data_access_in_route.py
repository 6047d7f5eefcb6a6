"""FAS602 data-access-in-route

## What it does
Finds path operations that use an ORM session directly: one diagnostic per path operation,
at its first `execute`, `scalars`, `scalar`, `add`, `delete`, `commit`, `refresh`, `query` or
`get` call on a session parameter, or its first `select(...)` statement.

A parameter holds a session when it is annotated `Session`/`AsyncSession` (SQLAlchemy or
SQLModel, also through `Annotated` or a module-level alias) or injected by a dependency of
the module that yields or returns one (`SessionLocal()` of a `sessionmaker` or
`async_sessionmaker`, `Session(engine)`, `AsyncSession(engine)`).

## Why is this bad?
Queries written in the handler tie the HTTP layer to the schema: they cannot be reused by
another endpoint or a background job, and testing them needs a request. A service or
repository function that takes the session keeps the handler to parsing, calling and
responding. See [SQL (Relational) Databases](https://fastapi.tiangolo.com/tutorial/sql-databases/)
and [Bigger Applications](https://fastapi.tiangolo.com/tutorial/bigger-applications/).

## Example
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int, db: Annotated[AsyncSession, Depends(get_db)]):
    user = await db.get(User, user_id)
    if user is None:
        raise HTTPException(404)
    return user
```

## Use instead
```python
@app.get("/users/{user_id}")
async def read_user(user_id: int, db: Annotated[AsyncSession, Depends(get_db)]):
    user = await users.get(db, user_id)
    if user is None:
        raise HTTPException(404)
    return user
```

## Fix safety
There is no automatic fix. The language server offers **Extract to service** on the finding
(a `refactor.extract` code action): the data access moves into a method of a service class
that receives the session, and the route calls it. The same refactoring runs from the command
line with `fastapi-lint refactor extract-service PATH:LINE [--diff]`. It is offered only when
the move provably keeps behaviour; otherwise the reason is logged.
A session that is only passed on to another function is not reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.sessions import session_parameters
from fastapi_lint.rules import Options, rule

CODE = "FAS602"
SESSION_METHODS = frozenset(
    {"execute", "scalars", "scalar", "add", "delete", "commit", "refresh", "query", "get"}
)
SELECT_FUNCTIONS = frozenset({"sqlalchemy.select", "sqlalchemy.future.select", "sqlmodel.select"})


@rule(code=CODE, name="data-access-in-route", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for handler in facts.path_operations:
        found = _first_data_access(facts, handler)
        if found is not None:
            call, what = found
            message = (
                f"path operation `{handler.name}` accesses the database directly ({what}); "
                "move it into a service or repository"
            )
            yield Diagnostic.at(call, CODE, message)


def _first_data_access(facts: ModuleFacts, func: FunctionInfo) -> tuple[ast.Call, str] | None:
    sessions = set(session_parameters(facts, func)) - _rebound_names(func)
    found: list[tuple[ast.Call, str]] = []
    for node in func.own_nodes:
        if not isinstance(node, ast.Call):
            continue
        callee = node.func
        if (
            isinstance(callee, ast.Attribute)
            and callee.attr in SESSION_METHODS
            and isinstance(callee.value, ast.Name)
            and callee.value.id in sessions
        ):
            found.append((node, f"`{callee.value.id}.{callee.attr}`"))
        elif facts.qualified_name(callee) in SELECT_FUNCTIONS:
            found.append((node, "`select(...)`"))
    if not found:
        return None
    return min(found, key=lambda item: (item[0].lineno, item[0].col_offset))


def _rebound_names(func: FunctionInfo) -> set[str]:
    """Names the body assigns: a parameter rebound there may no longer be the session."""
    return {
        n.id for n in func.own_nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
