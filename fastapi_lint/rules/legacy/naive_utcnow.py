"""FAS703 naive-utcnow

## What it does
Finds `datetime.utcnow()` and `datetime.utcfromtimestamp()`, called or passed on as a callable
(`Field(default_factory=datetime.utcnow)`, `Column(default=datetime.utcnow)`).

## Why is this bad?
Both return *naive* datetimes that only by convention mean UTC: serialised without an offset,
they are read back as local time by clients, and comparing them with aware datetimes raises
`TypeError`. Python 3.12 deprecates both. See
[datetime.utcnow](https://docs.python.org/3/library/datetime.html#datetime.datetime.utcnow).

## Example
```python
from datetime import datetime

from pydantic import BaseModel, Field


class Event(BaseModel):
    created_at: datetime = Field(default_factory=datetime.utcnow)


def expires(ts: float) -> datetime:
    return datetime.utcfromtimestamp(ts)
```

## Use instead
```python
from datetime import datetime, timezone

from pydantic import BaseModel, Field


class Event(BaseModel):
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))


def expires(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)
```

## Fix safety
The fix is unsafe: `datetime.utcnow()` becomes `datetime.now(timezone.utc)`,
`datetime.utcfromtimestamp(ts)` becomes `datetime.fromtimestamp(ts, timezone.utc)` and a
`datetime.utcnow` passed as a callable becomes `lambda: datetime.now(timezone.utc)`. The
values are then aware: `isoformat()` gains `+00:00`, comparisons with naive datetimes raise,
and a database column without time zone may convert or reject them. `timezone` is imported
the way the module already imports `datetime`. `utcfromtimestamp` with other than one
positional argument, or passed as a callable, is reported without a fix.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, node_span
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS703"
_Render = Callable[[str], str]  # the replacement text, given how to spell `timezone.utc`
NAIVE_CONSTRUCTORS = {
    "datetime.datetime.utcnow": "utcnow",
    "datetime.datetime.utcfromtimestamp": "utcfromtimestamp",
}
NAIVE_METHODS = frozenset(NAIVE_CONSTRUCTORS.values())


@rule(code=CODE, name="naive-utcnow", default=True, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for node in facts.nodes_of(ast.Attribute):
        if node.attr not in NAIVE_METHODS:
            continue  # the qualified name ends in the attribute
        method = NAIVE_CONSTRUCTORS.get(facts.qualified_name(node) or "")
        if method is None:
            continue
        parent = facts.parent(node)
        if isinstance(parent, ast.Call) and parent.func is node:
            yield _called(facts, parent, node, method)
        else:
            yield _referenced(facts, node, method, parent)


def _called(facts: ModuleFacts, call: ast.Call, func: ast.Attribute, method: str) -> Diagnostic:
    cls = _source(facts, func.value)
    fix = None
    if method == "utcnow" and not call.args and not call.keywords:
        fix = _replacement_fix(facts, call, lambda utc: f"{cls}.now({utc})")
    elif method == "utcfromtimestamp" and _single_positional(call):
        stamp = _source(facts, call.args[0])
        fix = _replacement_fix(facts, call, lambda utc: f"{cls}.fromtimestamp({stamp}, {utc})")
    aware = "now(timezone.utc)" if method == "utcnow" else "fromtimestamp(ts, timezone.utc)"
    message = f"`{cls}.{method}()` returns a naive datetime; use `{cls}.{aware}`"
    return Diagnostic.at(call, CODE, message, fix=fix)


def _referenced(
    facts: ModuleFacts, func: ast.Attribute, method: str, parent: ast.AST | None
) -> Diagnostic:
    cls = _source(facts, func.value)
    fix = None
    passed_on = isinstance(parent, ast.keyword) or (
        isinstance(parent, ast.Call) and func in parent.args
    )
    if method == "utcnow" and passed_on:
        fix = _replacement_fix(facts, func, lambda utc: f"lambda: {cls}.now({utc})")
    message = f"`{cls}.{method}` makes naive datetimes; use an aware `{cls}.now(timezone.utc)`"
    return Diagnostic.at(func, CODE, message, fix=fix)


def _replacement_fix(facts: ModuleFacts, node: ast.AST, render: _Render) -> Fix:
    utc, import_edit = _utc_spelling(facts)
    new_text = render(utc)
    edits = [Edit.replace(node, new_text)]
    if import_edit is not None:
        edits.append(import_edit)
    return Fix(f"Replace with `{new_text}`", Applicability.UNSAFE, tuple(edits))


def _utc_spelling(facts: ModuleFacts) -> tuple[str, Edit | None]:
    """``timezone.utc`` as the module can spell it, with the import it needs."""
    timezone, edit = ensure_from_import(facts, "datetime", "timezone")
    return f"{timezone}.utc", edit


def _single_positional(call: ast.Call) -> bool:
    return len(call.args) == 1 and not call.keywords and not isinstance(call.args[0], ast.Starred)


def _source(facts: ModuleFacts, node: ast.AST) -> str:
    return facts.source.segment(*node_span(node))
