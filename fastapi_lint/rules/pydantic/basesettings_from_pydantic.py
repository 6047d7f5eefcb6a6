"""FAS205 basesettings-from-pydantic

## What it does
Finds `from pydantic import BaseSettings`.

## Why is this bad?
Pydantic v2 moved settings management to the separate `pydantic-settings` package. On
Pydantic v2 the import raises `PydanticImportError` as soon as the module is imported, so the
application does not start. See
[Pydantic: BaseSettings has moved](https://docs.pydantic.dev/latest/migration/#basesettings-has-moved-to-pydantic-settings).

## Example
```python
from pydantic import BaseSettings, Field


class Settings(BaseSettings):
    database_url: str = Field(...)
```

## Use instead
```python
from pydantic import Field
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = Field(...)
```

## Fix safety
The fix imports `BaseSettings` (under the same local name) from `pydantic_settings`, splitting
it out of an import that names other things, and is safe: the class is the same one, moved.
Add `pydantic-settings` to the project's dependencies. An import inside a `try` block (a
compatibility shim that falls back on `ImportError`) is left alone, and there is no fix when a
comment sits inside the import statement.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import (
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    node_end,
    node_start,
)
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS205"
OLD_MODULES = {"pydantic", "pydantic.env_settings"}


@rule(code=CODE, name="basesettings-from-pydantic", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for node in facts.nodes_of(ast.ImportFrom):
        if node.level or node.module not in OLD_MODULES:
            continue
        if _in_try(facts, node):
            continue  # a shim that tries one location and falls back on the other
        for alias in node.names:
            if alias.name == "BaseSettings":
                message = (
                    f"`BaseSettings` moved from `{node.module}` to `pydantic_settings` "
                    "in Pydantic v2"
                )
                yield Diagnostic.at(alias, CODE, message, fix=_fix(facts, node, alias))


def _in_try(facts: ModuleFacts, node: ast.AST) -> bool:
    return any(isinstance(a, ast.Try) for a in facts.ancestors(node))


def _fix(facts: ModuleFacts, node: ast.ImportFrom, alias: ast.alias) -> Fix | None:
    source = ast.get_source_segment(facts.source.text, node) or ""
    if "#" in source or ";" in facts.source.line_text(node.lineno):
        return None
    moved = "BaseSettings" + (f" as {alias.asname}" if alias.asname else "")
    new_import = f"from pydantic_settings import {moved}"
    title = "Import `BaseSettings` from `pydantic_settings`"
    if len(node.names) == 1:
        return Fix(title, Applicability.SAFE, (Edit.replace(node, new_import),))
    indent = " " * node.col_offset
    edits = (
        _remove_alias(node, alias),
        Edit.insert(node_end(node), f"{facts.source.newline}{indent}{new_import}"),
    )
    return Fix(title, Applicability.SAFE, edits)


def _remove_alias(node: ast.ImportFrom, alias: ast.alias) -> Edit:
    """Delete the name with the comma that separates it from its neighbour."""
    index = node.names.index(alias)
    if index + 1 < len(node.names):
        return Edit.delete(node_start(alias), node_start(node.names[index + 1]))
    previous = node.names[index - 1]
    return Edit.delete(node_end(previous), node_end(alias))
