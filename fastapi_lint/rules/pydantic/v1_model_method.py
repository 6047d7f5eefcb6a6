"""FAS203 v1-model-method

## What it does
Finds Pydantic v1 method names (`.dict()`, `.json()`, `.parse_obj()`, `.from_orm()`...) called
on a model class or instance the module provably knows.

## Why is this bad?
Pydantic v2 renamed these methods with a `model_` prefix. The v1 names are deprecated shims that
emit a `PydanticDeprecatedSince20` warning on every call and will be removed in Pydantic v3;
some (`parse_file`, `schema_json`) have no direct successor. See
[Pydantic: changes to pydantic.BaseModel](https://docs.pydantic.dev/latest/migration/#changes-to-pydanticbasemodel).

## Example
```python
@app.post("/items")
def create_item(payload: dict) -> dict:
    item = Item.parse_obj(payload)
    return item.dict(exclude_unset=True)
```

## Use instead
```python
@app.post("/items")
def create_item(payload: dict) -> dict:
    item = Item.model_validate(payload)
    return item.model_dump(exclude_unset=True)
```

## Fix safety
The fix renames the method and is safe: on Pydantic v2 each deprecated method calls its
successor with the same arguments. It is offered only when every argument has the same meaning
for the new method (`.copy(include=...)` and `.json(indent=2)` do not); `.from_orm(obj)`
becomes `.model_validate(obj, from_attributes=True)`, which is what `from_orm` required the
model's configuration to say. `.parse_file()` and `.schema_json()` have no one-call successor
and are reported without a fix. Receivers that are not provably Pydantic models (a plain
dict's `.copy()`, an HTTP response's `.json()`) are never reported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_end
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.pydantic_types import class_defines, model_value
from fastapi_lint.rules import Options, rule

CODE = "FAS203"
_DUMP_KEYWORDS = frozenset(
    {"include", "exclude", "by_alias", "exclude_unset", "exclude_defaults", "exclude_none"}
)


@dataclass(frozen=True)
class Migration:
    """How one v1 method maps to v2: the new name (None: no one-call successor), whether only
    instances have it, and which arguments keep their meaning under the new name."""

    new_name: str | None
    instance_only: bool = False
    keywords: frozenset[str] = frozenset()
    max_positional: int = 0
    any_arguments: bool = False
    hint: str = ""


# The one table of v1 → v2 method names.
METHODS: dict[str, Migration] = {
    "dict": Migration("model_dump", instance_only=True, keywords=_DUMP_KEYWORDS),
    "json": Migration("model_dump_json", instance_only=True, keywords=_DUMP_KEYWORDS),
    "copy": Migration("model_copy", instance_only=True, keywords=frozenset({"update", "deep"})),
    "parse_obj": Migration("model_validate", max_positional=1),
    "parse_raw": Migration("model_validate_json", max_positional=1),
    "parse_file": Migration(None, hint="read the file and call `model_validate_json()`"),
    "from_orm": Migration("model_validate", max_positional=1),
    "schema": Migration(
        "model_json_schema", keywords=frozenset({"by_alias", "ref_template"}), max_positional=2
    ),
    "schema_json": Migration(None, hint="use `json.dumps(Model.model_json_schema())`"),
    "construct": Migration("model_construct", any_arguments=True),
    "update_forward_refs": Migration("model_rebuild"),
    "validate": Migration("model_validate", max_positional=1),
}


@rule(code=CODE, name="v1-model-method", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for call in facts.calls_named(*METHODS):
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in METHODS:
            continue
        migration = METHODS[func.attr]
        value = model_value(facts, func.value)
        if value is None or (migration.instance_only and value.is_class):
            continue
        if class_defines(facts, value.cls, func.attr):
            continue  # the model's own method or field, not Pydantic's
        yield _diagnostic(call, func, migration)


def _diagnostic(call: ast.Call, func: ast.Attribute, migration: Migration) -> Diagnostic:
    receiver = ast.unparse(func.value)
    old = f"`{receiver}.{func.attr}()`"
    if migration.new_name is None:
        hint = migration.hint.replace("Model", receiver)
        message = f"{old} is deprecated in Pydantic v2; {hint}"
        return Diagnostic.at(call, CODE, message)
    new = f"`{receiver}.{migration.new_name}()`"
    message = f"{old} is the Pydantic v1 spelling; use {new}"
    if func.attr == "from_orm":
        message += " with `from_attributes=True`"
    if not _arguments_carry_over(call, migration):
        return Diagnostic.at(call, CODE, message + " (its arguments need rewriting)")
    fix = Fix(
        f"Rename to `{migration.new_name}`",
        Applicability.SAFE,
        _rename_edits(call, func, migration.new_name),
    )
    return Diagnostic.at(call, CODE, message, fix=fix)


def _arguments_carry_over(call: ast.Call, migration: Migration) -> bool:
    if migration.any_arguments:
        return True
    if any(isinstance(a, ast.Starred) for a in call.args) or len(call.args) > (
        migration.max_positional
    ):
        return False
    return all(k.arg is not None and k.arg in migration.keywords for k in call.keywords)


def _rename_edits(call: ast.Call, func: ast.Attribute, new_name: str) -> tuple[Edit, ...]:
    end = node_end(func)
    start = Position(end.line, end.col - len(func.attr.encode("utf-8")))
    edits = [Edit(start, end, new_name)]
    if func.attr == "from_orm" and call.args:
        edits.append(Edit.insert(node_end(call.args[-1]), ", from_attributes=True"))
    return tuple(edits)
