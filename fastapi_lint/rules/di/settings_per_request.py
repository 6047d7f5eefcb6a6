"""FAS405 settings-per-request

## What it does
Finds a `BaseSettings` subclass instantiated inside a path operation, or inside a dependency
that is not cached with `functools.lru_cache` or `functools.cache`.

## Why is this bad?
Building a settings object reads the environment (and the `.env` file, from disk) and
validates every field. Done per request, that work repeats on every call, and settings can
change between requests of one deployment when the environment or the file changes. FastAPI's
documentation builds settings once in a provider wrapped in `lru_cache` and injects it with
`Depends`, which also lets tests override it. See
[Settings and environment variables](https://fastapi.tiangolo.com/advanced/settings/#creating-the-settings-only-once-with-lru_cache).

## Example
```python
def get_settings() -> Settings:
    return Settings()


@app.get("/info")
def info():
    settings = Settings()
    return {"app_name": settings.app_name}
```

## Use instead
```python
@lru_cache
def get_settings() -> Settings:
    return Settings()


@app.get("/info")
def info(settings: Annotated[Settings, Depends(get_settings)]):
    return {"app_name": settings.app_name}
```

## Fix safety
There is no fix: adding `lru_cache` changes when the environment is read, and replacing an
instantiation in a route with a dependency changes the route's signature.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS405"
SETTINGS_BASES = {
    "pydantic_settings.BaseSettings",
    "pydantic_settings.main.BaseSettings",
    "pydantic.BaseSettings",
    "pydantic.v1.BaseSettings",
}
CACHE_DECORATORS = {"functools.lru_cache", "functools.cache"}


@rule(code=CODE, name="settings-per-request", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for func, where in _per_request_functions(facts):
        for call in func.calls:
            if _is_settings_class(facts, call.func):
                name = ast.unparse(call.func)
                yield Diagnostic.at(
                    call,
                    CODE,
                    f"`{name}()` in {where} `{func.name}` reads and validates the settings on "
                    "every request; build them once in a provider cached with `lru_cache`",
                )


def _per_request_functions(facts: ModuleFacts) -> Iterator[tuple[FunctionInfo, str]]:
    """Path operations, and dependencies whose result FastAPI does not keep between requests."""
    for func in facts.path_operations:
        yield func, "path operation"
    for func in facts.dependency_functions:
        if not facts.is_path_operation(func) and not _is_cached(facts, func):
            yield func, "dependency"


def _is_cached(facts: ModuleFacts, func: FunctionInfo) -> bool:
    for decorator in func.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if facts.qualified_name(target) not in CACHE_DECORATORS:
            continue
        if not (isinstance(decorator, ast.Call) and _caches_nothing(decorator)):
            return True
    return False


def _caches_nothing(call: ast.Call) -> bool:
    """``lru_cache(maxsize=0)`` keeps no result at all."""
    sizes = [*call.args[:1], *(kw.value for kw in call.keywords if kw.arg == "maxsize")]
    return any(isinstance(s, ast.Constant) and s.value == 0 for s in sizes)


def _is_settings_class(facts: ModuleFacts, expr: ast.expr) -> bool:
    if isinstance(expr, ast.Name) and facts.is_local_name(expr.id, expr):
        return facts.is_settings_class(expr)
    return facts.qualified_name(expr) in SETTINGS_BASES
