"""FAS206 param-declaration-misplaced

## What it does
Finds FastAPI parameter declarations (`Query()`, `Path()`, `Header()`, `Cookie()`, `Body()`,
`Form()`, `File()`) used as field defaults in a Pydantic model, and Pydantic's `Field()` used
as a parameter default of a path operation or of a dependency class's `__init__`.

## Why is this bad?
Each belongs to the other side. Inside a model that FastAPI reads as a request body,
`Query()` is just a `FieldInfo`: the field is never read from the query string, although the
code says so. In a path operation signature, `Field()` is not a parameter declaration: FastAPI
does not know where the value comes from and refuses the route when it is registered
(`AssertionError: non-body parameters must be in path, query, header or cookie`). See
[Query parameter models](https://fastapi.tiangolo.com/tutorial/query-param-models/) and
[Body - Fields](https://fastapi.tiangolo.com/tutorial/body-fields/).

## Example
```python
class ItemFilter(BaseModel):
    q: str | None = Query(None, max_length=50)


@app.get("/items")
def list_items(limit: int = Field(10, le=100)): ...
```

## Use instead
```python
class ItemFilter(BaseModel):
    q: str | None = Field(None, max_length=50)


@app.get("/items")
def list_items(filters: Annotated[ItemFilter, Query()], limit: int = Query(10, le=100)): ...
```

## Fix safety
No fix: whether the value should come from the query string, the body or a dependency is the
author's decision. A model that the module uses as a query, header, cookie or form parameter
model (`Annotated[Model, Query()]`) or as a dependency (`Depends(Model)`) is left alone: FastAPI
reads its fields' declarations there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS206"
PARAM_FUNCTIONS = {
    "fastapi.Query", "fastapi.Path", "fastapi.Header", "fastapi.Cookie", "fastapi.Body",
    "fastapi.Form", "fastapi.File",
}  # fmt: skip
CONTAINER_MARKERS = {
    "fastapi.Query", "fastapi.Header", "fastapi.Cookie", "fastapi.Form", "fastapi.Depends",
    "fastapi.Security",
}  # fmt: skip
FIELD = {"pydantic.Field", "pydantic.fields.Field"}


@rule(code=CODE, name="param-declaration-misplaced", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    if facts.pydantic_classes:
        containers = _parameter_models(facts)
        for name, (model, _) in facts.pydantic_classes.items():
            if name not in containers:
                yield from _params_in_model(facts, name, model)
    for func in _signatures_fastapi_reads(facts):
        for param in func.parameters:
            default = func.parameter_default(param)
            if default is not None and facts.qualified_name(_callee(default)) in FIELD:
                where = "`__init__` of dependency class" if func.name == "__init__" else ""
                owner = f"{where} `{func.class_name}`" if where else f"`{func.name}`"
                message = (
                    f"`Field()` declares the parameter `{param.arg}` of {owner}; "
                    "FastAPI expects `Query()`, `Body()`, ... there"
                )
                yield Diagnostic.at(default, CODE, message)


def _callee(node: ast.expr) -> ast.expr:
    return node.func if isinstance(node, ast.Call) else node


def _params_in_model(facts: ModuleFacts, name: str, model: ast.ClassDef) -> Iterator[Diagnostic]:
    for statement in model.body:
        if isinstance(statement, ast.AnnAssign | ast.Assign) and statement.value is not None:
            value = statement.value
            qualified = facts.qualified_name(_callee(value))
            if isinstance(value, ast.Call) and qualified in PARAM_FUNCTIONS:
                function = qualified.rsplit(".", 1)[1]
                message = (
                    f"`{function}()` is a field default in the model `{name}`; "
                    "a model field takes `Field()`"
                )
                yield Diagnostic.at(value, CODE, message)


def _parameter_models(facts: ModuleFacts) -> set[str]:
    """Models FastAPI reads field by field: ``Annotated[M, Query()]``, ``m: M = Depends()``,
    ``Depends(M)``; their fields' declarations are honoured."""
    found: set[str] = set()
    for use in facts.dependency_uses:
        target = use.callable_expr
        if isinstance(target, ast.Name):
            found.add(target.id)
    for func in facts.functions:
        for param in func.parameters:
            parts = facts.annotated_parts(param.annotation)
            markers = list(parts[1]) if parts else []
            default = func.parameter_default(param)
            if default is not None:
                markers.append(default)
            inner = parts[0] if parts else param.annotation
            if isinstance(inner, ast.Name) and any(
                facts.qualified_name(_callee(m)) in CONTAINER_MARKERS for m in markers
            ):
                found.add(inner.id)
    return found


def _signatures_fastapi_reads(facts: ModuleFacts) -> Iterator[FunctionInfo]:
    yield from facts.path_operations
    classes = {
        use.callable_expr.id
        for use in facts.dependency_uses
        if isinstance(use.callable_expr, ast.Name)
    }
    module_classes = {
        c.name for c in facts.classes if facts.parent(c) is facts.tree and c.name in classes
    }
    for func in facts.functions:
        is_init = func.name == "__init__" and func.parent_function is None
        if is_init and func.class_name in module_classes:
            yield func
