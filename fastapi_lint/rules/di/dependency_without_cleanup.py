"""FAS406 dependency-without-cleanup

## What it does
Finds a generator dependency whose cleanup after `yield` is skipped when the route raises
(it is not in a `finally` block or a `with` statement), or that yields a session, connection,
file or HTTP client it never closes.

## Why is this bad?
When the path operation raises, FastAPI throws the exception into the dependency at its
`yield`. Code after the `yield` that is not in a `finally` block never runs: the session,
connection or file stays open, and under load the pool runs dry and requests hang. A resource
that is never closed at all leaks on every request.
See [Dependencies with yield](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/).

## Example
```python
def get_db():
    db = SessionLocal()
    yield db
    db.close()
```

## Use instead
```python
def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
```

## Fix safety
When the `yield` and the cleanup are consecutive statements of the function body, the fix
wraps them in `try`/`finally`. It is unsafe: the cleanup now also runs when the route raises,
so cleanup that assumed success would run on failure too; cleanup that calls `commit()` gets
no fix for that reason. Other shapes, and resources never closed, get no fix.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule

RESOURCE_CONSTRUCTORS = {
    "builtins.open",
    "io.open",
    "sqlite3.connect",
    "psycopg2.connect",
    "psycopg.connect",
    "psycopg.AsyncConnection.connect",
    "asyncpg.connect",
    "aiosqlite.connect",
    "pymysql.connect",
    "aiomysql.connect",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "oracledb.connect",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
}
SESSION_FACTORIES = {
    "sqlalchemy.orm.sessionmaker()",
    "sqlalchemy.ext.asyncio.async_sessionmaker()",
}
BROAD_EXCEPTIONS = {"builtins.Exception", "builtins.BaseException"}


@dataclass(frozen=True)
class YieldPlace:
    """Where a ``yield`` statement sits: its statement and what runs after it."""

    statement: ast.stmt
    protected: bool  # inside a `with`, a `try` with `finally`, or a swallowing `try`
    in_try: bool  # inside any `try`
    following: list[ast.stmt]  # statements that run after it on the normal path


@rule(code="FAS406", name="dependency-without-cleanup", default=True, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for func in facts.dependency_functions:
        if not func.is_generator:
            continue
        diagnostic = _check_function(facts, func)
        if diagnostic is not None:
            yield diagnostic


def _check_function(facts: ModuleFacts, func: FunctionInfo) -> Diagnostic | None:
    for yield_node in func.yields:
        if not isinstance(yield_node, ast.Yield):
            continue
        place = _place_of(facts, func, yield_node)
        if place is None or place.protected:
            continue
        cleanup = [s for s in place.following if not _is_noop(s)]
        if cleanup:
            return Diagnostic.at(
                yield_node,
                "FAS406",
                f"{_describe(cleanup)} after `yield` in `{func.name}` is skipped when the "
                "route raises; move it into `finally`",
                fix=_wrap_in_try_finally(facts, func, place),
            )
        if not place.following and not place.in_try:
            origin = _resource_origin(facts, yield_node)
            if origin is not None:
                return Diagnostic.at(
                    yield_node,
                    "FAS406",
                    f"`{func.name}` yields `{ast.unparse(origin)}` and never closes it; "
                    "close it in `finally` or use `with`",
                )
    return None


def _place_of(facts: ModuleFacts, func: FunctionInfo, node: ast.Yield) -> YieldPlace | None:
    """None when the yield is not a statement of its own, or sits in a loop or a handler
    (shapes FastAPI dependencies do not have, where "after" means something else)."""
    statement = facts.parent(node)
    if not isinstance(statement, ast.Expr | ast.Assign | ast.AnnAssign):
        return None
    following: list[ast.stmt] = []
    in_try = False
    ended = False  # a `return` or `raise` after the yield: nothing further out runs then
    child: ast.AST = statement
    for ancestor in facts.ancestors(statement):
        if not ended:
            after = _after(ancestor, child)
            ending = next(
                (i for i, s in enumerate(after) if isinstance(s, ast.Return | ast.Raise)), None
            )
            if ending is not None:
                after, ended = after[: ending + 1], True
            following.extend(after)
        if ancestor is func.node:
            return YieldPlace(statement, False, in_try, following)
        if isinstance(ancestor, ast.With | ast.AsyncWith):
            return YieldPlace(statement, True, in_try, following)
        if isinstance(ancestor, ast.For | ast.AsyncFor | ast.While | ast.ExceptHandler):
            return None
        if isinstance(ancestor, ast.Try) or type(ancestor).__name__ == "TryStar":
            in_try = True
            if _try_protects(facts, ancestor, child):
                return YieldPlace(statement, True, in_try, following)
        child = ancestor
    return None


def _after(block_owner: ast.AST, child: ast.AST) -> list[ast.stmt]:
    """Statements following ``child`` in whichever block of ``block_owner`` holds it."""
    for field in ("body", "orelse", "finalbody"):
        block = getattr(block_owner, field, None)
        if isinstance(block, list) and child in block:
            return block[block.index(child) + 1 :]
    return []


def _try_protects(facts: ModuleFacts, node: ast.AST, child: ast.AST) -> bool:
    """A ``finally`` always runs the cleanup; a broad handler that does not re-raise lets
    the code after the ``try`` run too. Handlers that re-raise protect nothing."""
    finalbody: list[ast.stmt] = getattr(node, "finalbody", [])
    body: list[ast.stmt] = getattr(node, "body", [])
    handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
    if finalbody and child not in finalbody:
        return True
    if child not in body:
        return False
    return any(_is_broad(facts, h) and not _ends_in_raise(h) for h in handlers)


def _is_broad(facts: ModuleFacts, handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    if caught is None:
        return True
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(facts.qualified_name(n) in BROAD_EXCEPTIONS for n in names)


def _ends_in_raise(handler: ast.ExceptHandler) -> bool:
    return isinstance(handler.body[-1], ast.Raise)


def _is_noop(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Return):
        return statement.value is None
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def _describe(cleanup: list[ast.stmt]) -> str:
    first = cleanup[0]
    text = ast.unparse(first) if isinstance(first, ast.Expr) else ""
    if text and "\n" not in text and len(text) <= 40:
        return f"`{text}`"
    return "Cleanup"


def _resource_origin(facts: ModuleFacts, node: ast.Yield) -> ast.expr | None:
    """The constructor call of the resource a ``yield`` hands out, when it is a known one."""
    value = node.value
    if isinstance(value, ast.Name):
        value = facts.binding_origin(value.id, node)
        # a module-level resource is shared by the app, not this dependency's to close
        if value is None or facts.function_of(value) is not facts.function_of(node):
            return None
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    if facts.qualified_name(value.func) in RESOURCE_CONSTRUCTORS:
        return value
    if facts.type_of(value) in SESSION_FACTORIES:
        return value
    return None


# --- the fix ---------------------------------------------------------------------------


def _wrap_in_try_finally(facts: ModuleFacts, func: FunctionInfo, place: YieldPlace) -> Fix | None:
    body = func.node.body
    statement = place.statement
    if statement not in body or place.following != body[body.index(statement) + 1 :]:
        return None
    statements = [statement, *place.following]
    if not _own_lines(facts, statements) or any(_unsafe_to_move(s) for s in statements):
        return None
    if any(_commits(s) for s in place.following):
        return None  # in `finally`, a commit would also run when the route failed
    source = facts.source
    indent = source.indentation(statement.lineno)
    outer = source.indentation(func.node.lineno)
    if not indent.startswith(outer) or indent == outer:
        return None
    unit = indent[len(outer) :]
    first_line = statement.lineno
    last_line = statements[-1].end_lineno or statements[-1].lineno
    newline = source.newline
    yield_end = statement.end_lineno or statement.lineno
    lines = [f"{indent}try:"]
    lines += [_indented(source.line_text(n), unit) for n in range(first_line, yield_end + 1)]
    lines.append(f"{indent}finally:")
    cleanup = [_indented(source.line_text(n), unit) for n in range(yield_end + 1, last_line + 1)]
    while cleanup and not cleanup[0]:
        cleanup.pop(0)  # a blank line opening a `finally` block reads as a mistake
    lines += cleanup
    end_col = len(
        source.line_text(last_line).rstrip("\r\n").encode("utf-8", errors="surrogatepass")
    )
    edit = Edit(Position(first_line, 0), Position(last_line, end_col), newline.join(lines))
    return Fix("Wrap the yield in `try`/`finally`", Applicability.UNSAFE, (edit,))


def _indented(line: str, unit: str) -> str:
    text = line.rstrip("\r\n")
    return unit + text if text.strip() else ""


def _own_lines(facts: ModuleFacts, statements: list[ast.stmt]) -> bool:
    """Each statement starts its line and ends it (bar a comment): no ``;`` neighbours."""
    source = facts.source
    for statement in statements:
        before = source.line_text(statement.lineno).encode("utf-8", errors="surrogatepass")
        if before[: statement.col_offset].strip():
            return False
        end_line = statement.end_lineno or statement.lineno
        after = source.line_text(end_line).encode("utf-8", errors="surrogatepass")
        rest = after[statement.end_col_offset or 0 :].strip()
        if rest and not rest.startswith(b"#"):
            return False
    return True


def _commits(statement: ast.stmt) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "commit"
        for n in ast.walk(statement)
    )


def _unsafe_to_move(statement: ast.stmt) -> bool:
    """Re-indenting changes multi-line strings; ``return``/``break``/``continue`` in
    ``finally`` would swallow the route's exception."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Constant | ast.JoinedStr) and node.lineno != node.end_lineno:
            return True
        if isinstance(node, ast.Return | ast.Break | ast.Continue):
            return True
    return False
