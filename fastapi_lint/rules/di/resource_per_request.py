"""FAS403 resource-per-request

## What it does
Finds database engines, session factories and Redis/MongoDB clients (`create_engine`,
`create_async_engine`, `sessionmaker`, `async_sessionmaker`, `redis.Redis`, `redis.from_url`,
`AsyncIOMotorClient`, `MongoClient`) constructed inside a path operation.

## Why is this bad?
Each of these owns a connection pool. Built in a path operation, a new pool is opened for every
request: connections are never reused, every request pays the connection handshake, and under
load the database runs out of connections. Create them once, at module level or in the
application's `lifespan`, and hand out sessions through a dependency. See
[Lifespan events](https://fastapi.tiangolo.com/advanced/events/) and
[SQL databases](https://fastapi.tiangolo.com/tutorial/sql-databases/).

## Example
```python
@app.get("/users/{user_id}")
def read_user(user_id: int):
    engine = create_engine(DATABASE_URL)
    with Session(engine) as session:
        return session.get(User, user_id)
```

## Use instead
```python
engine = create_engine(DATABASE_URL)


def get_session():
    with Session(engine) as session:
        yield session


@app.get("/users/{user_id}")
def read_user(user_id: int, session: Annotated[Session, Depends(get_session)]):
    return session.get(User, user_id)
```

## Fix safety
There is no fix: where the resource should live (module level, `lifespan`, `app.state`) and
how its configuration reaches it is a design decision.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS403"
# qualified constructor → how the message names it
POOLED_RESOURCES = {
    "sqlalchemy.create_engine": "create_engine",
    "sqlalchemy.engine.create_engine": "create_engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "create_async_engine",
    "sqlalchemy.orm.sessionmaker": "sessionmaker",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "async_sessionmaker",
    "redis.Redis": "redis.Redis",
    "redis.StrictRedis": "redis.StrictRedis",
    "redis.client.Redis": "redis.Redis",
    "redis.from_url": "redis.from_url",
    "redis.Redis.from_url": "redis.Redis.from_url",
    "redis.asyncio.Redis": "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis": "redis.asyncio.StrictRedis",
    "redis.asyncio.client.Redis": "redis.asyncio.Redis",
    "redis.asyncio.from_url": "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url": "redis.asyncio.Redis.from_url",
    "motor.motor_asyncio.AsyncIOMotorClient": "AsyncIOMotorClient",
    "pymongo.MongoClient": "MongoClient",
    "pymongo.mongo_client.MongoClient": "MongoClient",
    "pymongo.AsyncMongoClient": "AsyncMongoClient",
}
SESSION_FACTORIES = {"sessionmaker", "async_sessionmaker"}


@rule(code=CODE, name="resource-per-request", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for func in facts.path_operations:
        for call in func.calls:
            name = POOLED_RESOURCES.get(facts.qualified_name(call.func) or "")
            if name is not None:
                built = "session factory" if name in SESSION_FACTORIES else "connection pool"
                yield Diagnostic.at(
                    call,
                    CODE,
                    f"`{name}()` in path operation `{func.name}` builds a new {built} on every "
                    "request; create it once in the lifespan or at module level",
                )
