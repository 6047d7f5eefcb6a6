"""FAS702 sqlalchemy-legacy-async

## What it does
Finds the SQLAlchemy 1.4 spellings that 2.0 replaced: `from sqlalchemy.future import select`,
`sessionmaker(..., class_=AsyncSession)` and
`from sqlalchemy.ext.declarative import declarative_base`.

## Why is this bad?
`sqlalchemy.future` and `sqlalchemy.ext.declarative.declarative_base` are kept only for
migration and emit `MovedIn20Warning`; a plain `sessionmaker` is typed as producing `Session`,
so with `class_=AsyncSession` type checkers see sync sessions where the code awaits them.
`async_sessionmaker` is the 2.0 factory for `AsyncSession`. See
[Migrating to SQLAlchemy 2.0](https://docs.sqlalchemy.org/en/20/changelog/migration_20.html)
and FastAPI's [SQL databases](https://fastapi.tiangolo.com/tutorial/sql-databases/).

## Example
```python
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.future import select
from sqlalchemy.orm import sessionmaker

SessionLocal = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
Base = declarative_base()
```

## Use instead
```python
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import declarative_base

SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
Base = declarative_base()
```

## Fix safety
The fixes are safe: `sqlalchemy.select` and `sqlalchemy.orm.declarative_base` are the same
functions the legacy modules forward to, and `async_sessionmaker` makes `AsyncSession`
objects with the same options. The import is rewritten only when every name it imports exists
in the new module (`sqlalchemy.future.create_engine` builds a different engine in 1.4, so it
is left alone). `class_=AsyncSession` is dropped because it is `async_sessionmaker`'s default;
another class such as SQLModel's `AsyncSession` is kept. The now unused `sessionmaker` or
`AsyncSession` import is left for an unused-import fixer.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, node_span
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.fixes import ensure_from_import
from fastapi_lint.rules import Options, rule

CODE = "FAS702"
# legacy module → (the name that makes it legacy, its 2.0 home, names the fix may move there)
MOVED_IMPORTS = {
    "sqlalchemy.future": ("select", "sqlalchemy", frozenset({"select"})),
    "sqlalchemy.ext.declarative": (
        "declarative_base",
        "sqlalchemy.orm",
        frozenset({"declarative_base", "declared_attr", "as_declarative", "DeclarativeMeta"}),
    ),
}
SESSIONMAKER = "sqlalchemy.orm.sessionmaker"
ASYNC_SESSION = "sqlalchemy.ext.asyncio.AsyncSession"
OTHER_ASYNC_SESSIONS = frozenset({"sqlmodel.ext.asyncio.session.AsyncSession"})
_FROM = re.compile(r"from\s+")


@rule(code=CODE, name="sqlalchemy-legacy-async", default=True, fix="safe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for node in facts.nodes_of(ast.ImportFrom):
        diagnostic = _legacy_import(facts, node)
        if diagnostic is not None:
            yield diagnostic
    for call in facts.calls_to(SESSIONMAKER):
        diagnostic = _async_sessionmaker(facts, call)
        if diagnostic is not None:
            yield diagnostic


def _legacy_import(facts: ModuleFacts, node: ast.ImportFrom) -> Diagnostic | None:
    if node.level != 0 or node.module not in MOVED_IMPORTS:
        return None
    legacy_name, new_module, movable = MOVED_IMPORTS[node.module]
    names = {alias.name for alias in node.names}
    if legacy_name not in names:
        return None
    fix = None
    if names <= movable:
        edit = _module_name_edit(facts, node, node.module, new_module)
        if edit is not None:
            fix = Fix(f"Import from `{new_module}`", Applicability.SAFE, (edit,))
    message = f"`{node.module}.{legacy_name}` is a 1.4 spelling; import it from `{new_module}`"
    return Diagnostic.at(node, CODE, message, fix=fix)


def _module_name_edit(facts: ModuleFacts, node: ast.ImportFrom, old: str, new: str) -> Edit | None:
    """Replace the module name of ``from old import ...`` when it is on the statement's line."""
    line = facts.source.line_text(node.lineno)
    start = facts.source.char_col(Position(node.lineno, node.col_offset))
    match = _FROM.match(line, start)
    if match is None or not line.startswith(old, match.end()):
        return None
    col = facts.source.byte_col(node.lineno, match.end())
    return Edit(Position(node.lineno, col), Position(node.lineno, col + len(old)), new)


def _async_sessionmaker(facts: ModuleFacts, call: ast.Call) -> Diagnostic | None:
    class_keyword = next((kw for kw in call.keywords if kw.arg == "class_"), None)
    if class_keyword is None:
        return None
    session_class = facts.qualified_name(class_keyword.value)
    if session_class != ASYNC_SESSION and session_class not in OTHER_ASYNC_SESSIONS:
        return None
    factory, import_edit = ensure_from_import(facts, "sqlalchemy.ext.asyncio", "async_sessionmaker")
    edits = [Edit.replace(call.func, factory)]
    if import_edit is not None:
        edits.append(import_edit)
    fix: Fix | None = None
    if session_class == ASYNC_SESSION:
        removal = _keyword_removal(facts, call, class_keyword)
        if removal is not None:
            edits.append(removal)
            fix = Fix(f"Use `{factory}` without `class_`", Applicability.SAFE, tuple(edits))
    else:
        fix = Fix(f"Use `{factory}`", Applicability.SAFE, tuple(edits))
    message = "`sessionmaker(class_=AsyncSession)` is the 1.4 spelling; use `async_sessionmaker`"
    return Diagnostic.at(call, CODE, message, fix=fix)


def _keyword_removal(facts: ModuleFacts, call: ast.Call, keyword: ast.keyword) -> Edit | None:
    """Delete ``keyword`` and one comma next to it; None when a comment would go with it."""
    arguments: list[ast.AST] = sorted([*call.args, *call.keywords], key=lambda a: node_span(a)[0])
    index = arguments.index(keyword)
    start, end = node_span(keyword)
    if index > 0:
        start = node_span(arguments[index - 1])[1]
    elif index + 1 < len(arguments):
        end = node_span(arguments[index + 1])[0]
    else:
        end = _closing_paren(facts, call, end)
    if "#" in facts.source.segment(start, end):
        return None
    return Edit.delete(start, end)


def _closing_paren(facts: ModuleFacts, call: ast.Call, after: Position) -> Position:
    """Where the call's ``)`` is, so that a lone trailing comma goes too."""
    call_end = node_span(call)[1]
    return Position(call_end.line, call_end.col - 1) if call_end > after else after
