"""FAS201 v1-validator

## What it does
Finds methods decorated with Pydantic v1's `@validator` or `@root_validator`.

## Why is this bad?
Pydantic v2 replaced them with `@field_validator` and `@model_validator`. The v1 decorators are
deprecated shims that warn at import time, will be removed in Pydantic v3, and lose features:
`each_item=`, `always=` and the `field`/`config` parameters have no v2 meaning. See
[Pydantic: changes to validators](https://docs.pydantic.dev/latest/migration/#changes-to-validators).

## Example
```python
class Item(BaseModel):
    name: str

    @validator("name", pre=True)
    def strip_name(cls, value):
        return value.strip()
```

## Use instead
```python
class Item(BaseModel):
    name: str

    @field_validator("name", mode="before")
    @classmethod
    def strip_name(cls, value):
        return value.strip()
```

## Fix safety
`@validator(...)` becomes `@field_validator(..., mode=...)` followed by `@classmethod`
(`pre=True` → `mode="before"`; `allow_reuse=`, `pre=False`, `always=False` and
`each_item=False` are dropped). The fix is safe when the method takes `(cls, value)`; when it
also takes the previously validated `values`, the fix renames that parameter to `info` and reads
`info.data` instead, which is unsafe (review the result). `always=True`, `each_item=True`, the
`field`/`config` parameters and `**kwargs` have no exact v2 spelling: no fix.
`@root_validator(pre=True)` on `(cls, values)` becomes `@model_validator(mode="before")` with
`@classmethod` (safe). A root validator that runs after field validation has no fix: v2's
`@model_validator(mode="after")` receives the model instance (`self`), not a dict of values, so
the body has to be rewritten by hand.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.pydantic_types import pydantic_spelling
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS201"
_V1_DECORATORS = {"pydantic.validator": "validator", "pydantic.root_validator": "root_validator"}
# keyword=value pairs that only restate v1's default or matter to v1 alone: dropped
_DROPPED = {"allow_reuse", "skip_on_failure"}
_DEFAULTS_DROPPED = {("pre", False), ("always", False), ("each_item", False)}


@dataclass(frozen=True)
class Rewrite:
    decorator_text: str  # the new decorator expression
    applicability: Applicability
    renames_values: bool  # `values` → `info`, read as `info.data`


@rule(code=CODE, name="v1-validator", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for func in facts.functions:
        for decorator in func.node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            kind = _V1_DECORATORS.get(facts.qualified_name(target) or "")
            if kind is not None:
                yield _diagnostic(facts, func, decorator, kind)


def _diagnostic(
    facts: ModuleFacts, func: FunctionInfo, decorator: ast.expr, kind: str
) -> Diagnostic:
    if kind == "validator":
        new = "field_validator"
        rewrite = _field_validator_rewrite(facts, func, decorator)
    else:
        new = "model_validator"
        rewrite = _model_validator_rewrite(facts, func, decorator)
    message = f"`@{kind}` on `{func.name}` is the Pydantic v1 spelling; use `@{new}`"
    if kind == "root_validator" and rewrite is None and not _is_pre(decorator):
        message += ' (mode="after" receives `self`, not `values`)'
    fix = None
    if rewrite is not None and "#" not in _segment(facts, decorator):
        edits = _edits(facts, func, decorator, rewrite, new)
        fix = Fix(f"Use `@{new}`", rewrite.applicability, edits)
    return Diagnostic.at(decorator, CODE, message, fix=fix)


def _field_validator_rewrite(
    facts: ModuleFacts, func: FunctionInfo, decorator: ast.expr
) -> Rewrite | None:
    if not isinstance(decorator, ast.Call) or not _is_plain_method(facts, func):
        return None
    keywords = _kept_keywords(facts, decorator)
    if keywords is None or not decorator.args:
        return None
    if any(isinstance(a, ast.Starred) for a in decorator.args):
        return None
    parameters = _plain_parameters(func)
    if parameters is None or len(parameters) not in (2, 3):
        return None
    renames_values = len(parameters) == 3
    if renames_values and not _values_renamable(func, parameters[2]):
        return None
    arguments = [_segment(facts, a) for a in decorator.args] + keywords
    applicability = Applicability.UNSAFE if renames_values else Applicability.SAFE
    return Rewrite(", ".join(arguments), applicability, renames_values)


def _model_validator_rewrite(
    facts: ModuleFacts, func: FunctionInfo, decorator: ast.expr
) -> Rewrite | None:
    if not _is_pre(decorator) or not isinstance(decorator, ast.Call) or decorator.args:
        return None
    if not _is_plain_method(facts, func):
        return None
    keywords = _kept_keywords(facts, decorator)
    parameters = _plain_parameters(func)
    if keywords is None or parameters is None or len(parameters) != 2:
        return None
    return Rewrite(", ".join(keywords), Applicability.SAFE, renames_values=False)


def _is_pre(decorator: ast.expr) -> bool:
    if not isinstance(decorator, ast.Call):
        return False
    return any(k.arg == "pre" and _literal(k.value) is True for k in decorator.keywords)


def _kept_keywords(facts: ModuleFacts, call: ast.Call) -> list[str] | None:
    """The decorator's keywords spelled for v2, or None when one has no exact v2 spelling."""
    kept = []
    for keyword in call.keywords:
        value = _literal(keyword.value)
        if keyword.arg in _DROPPED or (keyword.arg, value) in _DEFAULTS_DROPPED:
            continue
        if keyword.arg == "pre" and value is True:
            kept.append('mode="before"')
        elif keyword.arg == "check_fields":
            kept.append(_segment(facts, keyword))
        else:
            return None  # always=True, each_item=True, **options, unknown keywords
    return kept


def _literal(node: ast.expr) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def _is_plain_method(facts: ModuleFacts, func: FunctionInfo) -> bool:
    """A method of a class body that is neither a staticmethod nor wrapped by anything else
    than the validator itself and an optional ``@classmethod``."""
    if func.class_name is None or func.parent_function is not None:
        return False
    seen_validator = False
    for decorator in func.node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        qualified = facts.qualified_name(target) or ""
        if qualified in _V1_DECORATORS:
            seen_validator = True
        elif qualified != "builtins.classmethod" or not seen_validator:
            return False  # v2 validators must wrap the classmethod, not the other way round
    return True


def _plain_parameters(func: FunctionInfo) -> list[ast.arg] | None:
    """The positional parameters, or None when the signature has defaults, ``*args``,
    keyword-only parameters or ``**kwargs`` (v1 passes ``field``/``config`` through those)."""
    args = func.node.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults:
        return None
    return [*args.posonlyargs, *args.args]


def _values_renamable(func: FunctionInfo, values: ast.arg) -> bool:
    """``values`` is the v1 dict of validated fields, only read in the body, and no other name
    would be hidden by calling it ``info``."""
    if values.arg != "values" or values.annotation is not None:
        return False
    for node in ast.walk(func.node):
        if isinstance(node, ast.Name) and (
            node.id == "info" or (node.id == "values" and not isinstance(node.ctx, ast.Load))
        ):
            return False
        if isinstance(node, ast.arg) and node is not values and node.arg in ("values", "info"):
            return False
    return True


def _edits(
    facts: ModuleFacts, func: FunctionInfo, decorator: ast.expr, rewrite: Rewrite, new: str
) -> tuple[Edit, ...]:
    spelling = pydantic_spelling(facts, new)
    name, import_edit = (spelling, None) if spelling else ensure_from_import(facts, "pydantic", new)
    edits = [Edit.replace(decorator, f"{name}({rewrite.decorator_text})")]
    if import_edit is not None:
        edits.append(import_edit)
    if not any(facts.qualified_name(d) == "builtins.classmethod" for d in func.node.decorator_list):
        edits.append(_classmethod_after(facts, decorator))
    if rewrite.renames_values:
        edits.extend(_values_to_info_data(func))
    return tuple(edits)


def _classmethod_after(facts: ModuleFacts, decorator: ast.expr) -> Edit:
    line = facts.source.line_text(decorator.lineno)
    indent = line[: len(line) - len(line.lstrip())]
    end_line = decorator.end_lineno or decorator.lineno
    return Edit.insert(Position(end_line + 1, 0), f"{indent}@classmethod{facts.source.newline}")


def _values_to_info_data(func: FunctionInfo) -> list[Edit]:
    edits = []
    for node in ast.walk(func.node):
        if isinstance(node, ast.arg) and node.arg == "values":
            edits.append(Edit.replace(node, "info"))
        elif isinstance(node, ast.Name) and node.id == "values":
            edits.append(Edit.replace(node, "info.data"))
    return edits


def _segment(facts: ModuleFacts, node: ast.AST) -> str:
    return ast.get_source_segment(facts.source.text, node) or ast.unparse(node)
