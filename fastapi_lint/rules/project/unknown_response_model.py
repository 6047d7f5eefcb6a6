"""FAS905 unknown-response-model

## What it does
Finds a route's `response_model=` (or return annotation) that names a symbol bound nowhere:
a name the module neither defines nor imports, or a name imported from a module of the
project that does not define (or re-export) it.

## Why is this bad?
The app fails at import time with `NameError` or `ImportError`, usually after a model was
renamed or moved: the editor may not notice when the import goes through a package's
`__init__.py`, and the error only shows when the server starts. See
[Response Model](https://fastapi.tiangolo.com/tutorial/response-model/).

## Example
```python
# app/schemas.py
class UserOut(BaseModel): ...

# app/routers/users.py
from app.schemas import UserRead

@router.get("/users/{user_id}", response_model=UserRead)
async def read_user(user_id: int): ...
```

## Use instead
```python
from app.schemas import UserOut

@router.get("/users/{user_id}", response_model=UserOut)
async def read_user(user_id: int): ...
```

## Fix safety
For a name the module binds nowhere, the editor offers to create an empty
`class Name(BaseModel)` above the route (a code action only: the fields are the author's to
write). A name missing from another module gets no fix, since a fix edits one file. Modules
with `import *` or a module `__getattr__` on the way are not provable and are left alone, as
are names from packages outside the project. The rule is opt-in.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project.index import MISSING, ProjectIndex
from fastapi_lint.project.summary import ModelRef, ModuleSummary
from fastapi_lint.rules import Options, ProjectFinding, project_rule
from fastapi_lint.rules.project._spans import end_of, start_of

CODE = "FAS905"


@project_rule(code=CODE, name="unknown-response-model", default=False, fix="action")
def check(index: ProjectIndex, options: Options) -> Iterator[ProjectFinding]:
    for summary in index.modules.values():
        for ref in summary.model_refs:
            message = _unknown(index, summary, ref)
            if message is not None:
                diagnostic = Diagnostic(
                    CODE, message, start_of(ref.span), end_of(ref.span), fix=ref.create_fix
                )
                yield ProjectFinding(summary.path, diagnostic)


def _unknown(index: ProjectIndex, summary: ModuleSummary, ref: ModelRef) -> str | None:
    if ref.target is None:
        if summary.star_imports:
            return None
        return f"response model `{ref.text}` is bound nowhere in `{summary.module}`"
    if ref.target == "?":
        return None
    found = index.resolve(ref.target)
    if found.status != MISSING:
        return None
    where = f"`{found.module}`" if found.module else "the project"
    return f"response model `{ref.text}` is not defined in {where}"
