"""FAS311 magic-status-code

## What it does
Finds an integer literal status code in a path operation decorator (`status_code=201`), an
`HTTPException(404)`/`HTTPException(status_code=404)`, or a response such as
`JSONResponse(..., status_code=409)`.

## Why is this bad?
`fastapi.status` names every code: `status.HTTP_409_CONFLICT` says what the number means, is
found by "find usages", and a typo in it fails at import instead of answering with the wrong
code. See [Response Status Code](https://fastapi.tiangolo.com/tutorial/response-status-code/#shortcut-to-remember-the-names).

## Example
```python
@router.post("/items", status_code=201)
async def create_item(item: Item):
    if await exists(item.name):
        raise HTTPException(status_code=409, detail="Item exists")
```

## Use instead
```python
from fastapi import status


@router.post("/items", status_code=status.HTTP_201_CREATED)
async def create_item(item: Item):
    if await exists(item.name):
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail="Item exists")
```

## Fix safety
The fix writes the name `fastapi.status` gives the code, which is the same integer, and
imports `status` once when the module lacks it: it is safe. Codes without a name are left
alone. Starlette renamed 413, 414, 416 and 422 (`HTTP_422_UNPROCESSABLE_ENTITY` became
`HTTP_422_UNPROCESSABLE_CONTENT`); older releases lack the new names and newer ones warn on
the old, so those are fixed only when the module already spells one of them. No fix is offered
where a local name `status` hides the module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.responses import is_response_class
from fastapi_lint.facts.status_codes import (
    STATUS_NAMES,
    http_exception_status,
    literal_status,
    status_name_for,
)
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS311"


@rule(code=CODE, name="magic-status-code", default=False, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    registrations = {route.registration for route in facts.routes}
    for call in facts.calls:
        literal = _status_literal(facts, call, registrations)
        if literal is None:
            continue
        code = literal_status(literal)
        if code is None or code not in STATUS_NAMES:
            continue
        name = status_name_for(facts, code)
        fix = _named_status_fix(facts, literal, name) if name else None
        suggestion = f"`status.{name}`" if name else "the `fastapi.status` name"
        message = f"status code `{code}` is a bare number; use {suggestion}"
        yield Diagnostic.at(literal, CODE, message, fix=fix)


def _status_literal(
    facts: ModuleFacts, call: ast.Call, registrations: set[ast.Call]
) -> ast.expr | None:
    """The integer literal a decorator, an HTTPException or a response gets as status code."""
    exception_status = http_exception_status(facts, call)
    if exception_status is not None:
        return exception_status if literal_status(exception_status) is not None else None
    if call in registrations or is_response_class(facts, call.func):
        for keyword in call.keywords:
            if keyword.arg == "status_code" and literal_status(keyword.value) is not None:
                return keyword.value
    return None


def _named_status_fix(facts: ModuleFacts, literal: ast.expr, name: str) -> Fix | None:
    module = facts.local_name_for("fastapi.status") or facts.local_name_for("starlette.status")
    edits: list[Edit] = []
    if module is None:
        module, import_edit = ensure_from_import(facts, "fastapi", "status")
        if import_edit is not None:
            edits.append(import_edit)
    if facts.is_local_name(module.split(".")[0], literal):
        return None  # a parameter or variable of that name hides the module here
    edits.append(Edit.replace(literal, f"{module}.{name}"))
    return Fix(f"Use `{module}.{name}`", Applicability.SAFE, tuple(edits))
