r"""FAS204 v1-field-argument

## What it does
Finds Pydantic v1 argument names in `Field()` and in FastAPI's `Query()`, `Path()`,
`Header()`, `Cookie()`, `Body()` and `Form()`: `regex=`, `min_items=`, `max_items=`,
`const=` and `allow_mutation=`.

## Why is this bad?
Pydantic v2 renamed `regex` to `pattern`, `min_items`/`max_items` to `min_length`/`max_length`
and `allow_mutation` to `frozen`, and removed `const`. Pydantic's `Field()` raises on `regex=`
and `const=` when the model is defined; FastAPI's parameter functions and the other names only
warn, and will stop accepting them. See
[Pydantic: changes to pydantic.Field](https://docs.pydantic.dev/latest/migration/#changes-to-pydanticfield).

## Example
```python
@app.get("/items")
def list_items(sku: Annotated[str, Query(regex=r"^[A-Z]{3}-\d+$")]): ...
```

## Use instead
```python
@app.get("/items")
def list_items(sku: Annotated[str, Query(pattern=r"^[A-Z]{3}-\d+$")]): ...
```

## Fix safety
Renaming `regex` → `pattern`, `min_items` → `min_length` and `max_items` → `max_length` is
safe: the new names mean the same constraint. There is no fix when the call already passes the
new name as well. `const=` (use a `Literal[...]` type) and `allow_mutation=` (use `frozen=`, with
the opposite value) are reported without a fix: the author restates the constraint.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS204"
FIELD = {"pydantic.Field", "pydantic.fields.Field"}
PARAMS = {
    "fastapi.Query", "fastapi.Path", "fastapi.Header", "fastapi.Cookie", "fastapi.Body",
    "fastapi.Form",
}  # fmt: skip
# The one table of renamed arguments: old name → (new name, the functions that take it).
RENAMED = {
    "regex": ("pattern", FIELD | PARAMS),
    "min_items": ("min_length", FIELD),
    "max_items": ("max_length", FIELD),
}
# Arguments whose v2 replacement is not a plain rename → (what happens in v2, what to write).
DROPPED = {
    "const": ("is removed in Pydantic v2", "a `Literal[...]` annotation"),
    "allow_mutation": ("is deprecated in Pydantic v2", "`frozen=`"),
}


@rule(code=CODE, name="v1-field-argument", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for call in facts.calls_to(*FIELD, *PARAMS):
        qualified = facts.qualified_name(call.func)
        function = ast.unparse(call.func)
        given = {k.arg for k in call.keywords}
        for keyword in call.keywords:
            if keyword.arg in RENAMED and qualified in RENAMED[keyword.arg][1]:
                yield _renamed(keyword, keyword.arg, function, given)
            elif keyword.arg in DROPPED and qualified in FIELD:
                status, instead = DROPPED[keyword.arg]
                message = f"`{keyword.arg}=` in `{function}()` {status}; use {instead}"
                yield Diagnostic.at(keyword, CODE, message)


def _renamed(keyword: ast.keyword, old: str, function: str, given: set[str | None]) -> Diagnostic:
    new = RENAMED[old][0]
    message = f"`{old}=` in `{function}()` is the Pydantic v1 spelling; use `{new}=`"
    if new in given:
        return Diagnostic.at(keyword, CODE, message)
    start = Position(keyword.lineno, keyword.col_offset)
    end = Position(keyword.lineno, keyword.col_offset + len(old))
    fix = Fix(f"Rename to `{new}=`", Applicability.SAFE, (Edit(start, end, new),))
    return Diagnostic.at(keyword, CODE, message, fix=fix)
