"""FAS103 sync-session-in-async-route

## What it does
Finds `async def` path operations that receive a synchronous database session: a parameter
annotated `sqlalchemy.orm.Session`/`sqlmodel.Session` with `Depends(...)`, or a dependency of
the module (directly or through other dependencies of the module) that yields or returns one
(`Session(engine)`, `SessionLocal()` of a `sessionmaker`, or a `Session`/`Generator[Session, ...]`
return annotation). Along a chain, an `async def` dependency that receives the session counts,
and a `def` one only when what it returns is built from the session (`ItemRepository(db)`):
otherwise it uses the session in the threadpool, which is fine.

## Why is this bad?
A sync session talks to the database with blocking I/O. FastAPI runs `def` path operations in
a threadpool, but an `async def` one runs on the event loop: every query, commit and lazy load
stops all other requests until the database answers. Either make the path operation a plain
`def`, or use SQLAlchemy's asyncio extension (`AsyncSession`, `async_sessionmaker`).
See [Concurrency and async / await](https://fastapi.tiangolo.com/async/) and
[SQL (Relational) Databases](https://fastapi.tiangolo.com/tutorial/sql-databases/).

## Example
```python
SessionLocal = sessionmaker(bind=engine)


def get_db():
    with SessionLocal() as db:
        yield db


@app.get("/items")
async def read_items(db: Annotated[Session, Depends(get_db)]):
    return db.scalars(select(Item)).all()
```

## Use instead
```python
SessionLocal = async_sessionmaker(bind=async_engine)


async def get_db():
    async with SessionLocal() as db:
        yield db


@app.get("/items")
async def read_items(db: Annotated[AsyncSession, Depends(get_db)]):
    return (await db.scalars(select(Item))).all()
```

## Fix safety
There is no fix: moving to `AsyncSession` changes every query of the path operation (they
must be awaited, lazy loading no longer works), and turning the path operation into a `def`
changes how its other awaits run. Both are the author's decision.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import DependencyUse, FunctionInfo, ModuleFacts
from fastapi_lint.facts.sessions import SYNC_SESSION_CLASSES, provided_session_kind
from fastapi_lint.rules import Options, rule

CODE = "FAS103"


@rule(code=CODE, name="sync-session-in-async-route", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for handler in facts.path_operations:
        if not handler.is_async:
            continue
        for use in facts.dependencies_of(handler):
            chain = _sync_session_chain(facts, use, set())
            if chain is None and _is_sync_session_class(facts, use.annotation):
                chain = []
            if chain is None:
                continue
            node: ast.AST = use.parameter if use.parameter is not None else use.call
            yield Diagnostic.at(node, CODE, _message(handler, use, chain))


def _message(handler: FunctionInfo, use: DependencyUse, chain: list[str]) -> str:
    blocking = "its queries block the event loop; use `AsyncSession` or a plain `def`"
    if not chain:
        name = use.parameter.arg if use.parameter is not None else "the dependency"
        return f"`{name}` is a sync `Session` in `async def {handler.name}`: {blocking}"
    hops = " → ".join(f"`{name}`" for name in chain)
    return f"`async def {handler.name}` gets a sync `Session` through {hops}: {blocking}"


def _sync_session_chain(
    facts: ModuleFacts, use: DependencyUse, visited: set[FunctionInfo]
) -> list[str] | None:
    """The dependency functions of the module leading from ``use`` to one that yields or
    returns a sync session, or None when there is no such chain."""
    func = facts.resolve_function(use.callable_expr)
    if func is not None and func not in visited:
        visited.add(func)
        if provided_session_kind(facts, func) == "sync":
            return [func.name]
        for inner in facts.dependencies_of(func):
            chain = _sync_session_chain(facts, inner, visited)
            if chain is not None and _hands_session_on(func, inner):
                return [func.name, *chain]
    return None


def _hands_session_on(func: FunctionInfo, inner: DependencyUse) -> bool:
    """Whether an intermediate dependency exposes the session it receives to the event loop:
    an ``async def`` uses it there itself; a ``def`` runs in the threadpool and matters only
    when what it returns or yields is built from the session (``ItemRepository(db)``)."""
    if func.is_async:
        return True
    if inner.parameter is None:
        return False
    name = inner.parameter.arg
    handed_on = [
        node.value
        for node in func.own_nodes
        if isinstance(node, ast.Return | ast.Yield) and node.value is not None
    ]
    return any(
        isinstance(n, ast.Name) and n.id == name for value in handed_on for n in ast.walk(value)
    )


def _is_sync_session_class(facts: ModuleFacts, annotation: ast.expr | None) -> bool:
    return annotation is not None and facts.qualified_name(annotation) in SYNC_SESSION_CLASSES
