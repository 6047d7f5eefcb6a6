"""FAS402 dependency-called

## What it does
Finds `Depends(f())` and `Security(f())` where `f` is itself a dependency, so the function is
called once at import time instead of being handed to FastAPI.

## Why is this bad?
`Depends()` takes the dependency callable. Calling it inside `Depends(...)` runs it once when
the module is imported and gives FastAPI its *return value* to call on every request: a
generator dependency hands over a generator object, a plain one hands over whatever it returned.
The route then fails at runtime, or silently shares one session between all requests.
See [Dependencies](https://fastapi.tiangolo.com/tutorial/dependencies/).

## Example
```python
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.get("/items")
def read_items(db: Annotated[Session, Depends(get_db())]): ...
```

## Use instead
```python
@app.get("/items")
def read_items(db: Annotated[Session, Depends(get_db)]): ...
```

## Fix safety
The fix removes the call parentheses and is safe: the call takes no arguments and the
function is provably a dependency (it yields, is used as `Depends(f)` elsewhere in the module,
or every parameter it has is injected by FastAPI). Factories such as
`Depends(require_role("admin"))` that return a callable are left alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule

INJECTED_TYPES = {
    "fastapi.Request",
    "starlette.requests.Request",
    "fastapi.WebSocket",
    "starlette.websockets.WebSocket",
    "fastapi.Response",
    "starlette.responses.Response",
    "fastapi.BackgroundTasks",
    "starlette.background.BackgroundTasks",
    "fastapi.security.SecurityScopes",
}
PARAM_FUNCTIONS = {
    "fastapi.Depends",
    "fastapi.Security",
    "fastapi.Query",
    "fastapi.Path",
    "fastapi.Header",
    "fastapi.Cookie",
    "fastapi.Body",
    "fastapi.Form",
    "fastapi.File",
}


@rule(code="FAS402", name="dependency-called", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    bare_targets = {
        func for use in facts.dependency_uses if (func := facts.resolve_function(use.target))
    }
    for use in facts.dependency_calls:
        called = use.target
        if not isinstance(called, ast.Call) or called.args or called.keywords:
            continue
        func = facts.resolve_function(called.func)
        if func is None or not _is_provably_dependency(facts, func, bare_targets):
            continue
        name = ast.unparse(called.func)
        fix = Fix(
            f"Pass `{name}` without calling it", Applicability.SAFE, (Edit.replace(called, name),)
        )
        yield Diagnostic.at(
            called,
            "FAS402",
            f"`{use.kind}({name}())` calls the dependency at import time; pass `{name}` itself",
            fix=fix,
        )


def _is_provably_dependency(
    facts: ModuleFacts, func: FunctionInfo, bare_targets: set[FunctionInfo]
) -> bool:
    if func.is_generator or func in bare_targets:
        return True
    if _returns_callable(func):
        return False
    return bool(func.parameters) and all(_is_injectable(facts, func, p) for p in func.parameters)


def _returns_callable(func: FunctionInfo) -> bool:
    nested = {
        n.name for n in func.own_nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    for node in func.own_nodes:
        if isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Lambda | ast.Name) and (
                isinstance(value, ast.Lambda) or value.id in nested
            ):
                return True
    return False


def _is_injectable(facts: ModuleFacts, func: FunctionInfo, param: ast.arg) -> bool:
    default = func.parameter_default(param)
    if default is not None and facts.is_call_to(default, *PARAM_FUNCTIONS):
        return True
    parts = facts.annotated_parts(param.annotation)
    if parts is not None and any(facts.is_call_to(m, *PARAM_FUNCTIONS) for m in parts[1]):
        return True
    annotation = parts[0] if parts else param.annotation
    return annotation is not None and facts.qualified_name(annotation) in INJECTED_TYPES
