"""FAS506 sql-string-building

## What it does
Finds SQL text built by interpolating values (an f-string, `%`, `.format()` or `+`) and passed
to `text()`, `execute()`, `exec_driver_sql()`, `executemany()` or a raw-query method, directly
or through one local variable.

## Why is this bad?
A value pasted into SQL text is parsed as SQL: a request parameter holding `' OR '1'='1`
changes what the statement does (SQL injection). Drivers and SQLAlchemy send bound parameters
separately from the statement, so they can never be read as SQL. See
[SQL (Relational) Databases](https://fastapi.tiangolo.com/tutorial/sql-databases/) and
SQLAlchemy's [textual SQL](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text).

## Example
```python
@app.get("/users")
async def find_users(name: str, session: SessionDep):
    query = f"SELECT * FROM users WHERE name = '{name}'"
    return (await session.execute(text(query))).all()
```

## Use instead
```python
@app.get("/users")
async def find_users(name: str, session: SessionDep):
    query = text("SELECT * FROM users WHERE name = :name")
    return (await session.execute(query, {"name": name})).all()
```

## Fix safety
There is no fix: turning interpolations into parameters changes the statement and its call.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS506"
TEXT_FUNCTIONS = frozenset(
    {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}
)
EXECUTE_METHODS = frozenset(
    {
        "execute",
        "executemany",
        "exec_driver_sql",
        "executescript",
        "query_raw",
        "execute_raw",
        "fetch",
        "fetchrow",
        "fetchval",
    }
)
# the last names of the callees above: only these calls are looked at
SINK_NAMES = frozenset({*(f.rpartition(".")[2] for f in TEXT_FUNCTIONS), *EXECUTE_METHODS})
STATEMENT_KEYWORDS = ("statement", "query", "sql", "operation")
SQL_START = re.compile(
    r"^\s*\(?\s*(select|insert|update|delete|with|create|alter|drop|truncate|merge|upsert"
    r"|replace\s+into|grant|revoke)\b",
    re.I,
)
# Bind-parameter spellings: `?`, `%s`, `%(name)s`, `$1`, `:name`, `@name`.
PLACEHOLDER = re.compile(r"^\s*(\?|%s|%\(\w+\)s|\$\d*|:\w*|@\w*)\s*$")
# Calls whose value cannot carry SQL: numbers and sizes.
NUMERIC_FUNCTIONS = frozenset({"builtins.int", "builtins.float", "builtins.bool", "builtins.len"})


@rule(code=CODE, name="sql-string-building", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for call in facts.calls_named(*SINK_NAMES):
        sink = _sink_name(facts, call)
        if sink is None:
            continue
        text_arg = _statement_argument(call)
        if text_arg is None:
            continue
        built, how = _built_text(facts, text_arg)
        if built is None or how is None:
            continue
        if sink != "text()" and not _looks_like_sql(built):
            continue
        via = f" (through `{text_arg.id}`)" if isinstance(text_arg, ast.Name) else ""
        yield Diagnostic.at(
            text_arg,
            CODE,
            f"SQL text built with {how} is passed to `{sink}`{via}; "
            "pass the values as bound parameters",
        )


def _sink_name(facts: ModuleFacts, call: ast.Call) -> str | None:
    if facts.qualified_name(call.func) in TEXT_FUNCTIONS:
        return "text()"
    if isinstance(call.func, ast.Attribute) and call.func.attr in EXECUTE_METHODS:
        return f".{call.func.attr}()"
    return None


def _statement_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((kw.value for kw in call.keywords if kw.arg in STATEMENT_KEYWORDS), None)


def _built_text(facts: ModuleFacts, expr: ast.expr) -> tuple[ast.expr | None, str | None]:
    """The expression that builds SQL text from a non-constant value, and how it does so
    ("an f-string", "`%`", ...); follows one local assignment of a name."""
    if isinstance(expr, ast.Name):
        origin = facts.binding_origin(expr.id, expr)
        if origin is None or isinstance(origin, ast.Name):
            return None, None
        expr = origin
    how = _interpolation(facts, expr)
    return (expr, how) if how is not None else (None, None)


def _interpolation(facts: ModuleFacts, expr: ast.expr) -> str | None:
    if isinstance(expr, ast.JoinedStr):
        values = [v.value for v in expr.values if isinstance(v, ast.FormattedValue)]
        return "an f-string" if _any_variable(facts, values) else None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
        if _is_text_constant(expr.left):
            right = expr.right
            operands = right.elts if isinstance(right, ast.Tuple) else [right]
            return "`%` formatting" if _any_variable(facts, operands) else None
        return None
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        parts = _concatenated(expr)
        has_text = any(_is_text_constant(p) or isinstance(p, ast.JoinedStr) for p in parts)
        others = [p for p in parts if not _is_text_constant(p)]
        return "`+` concatenation" if has_text and _any_variable(facts, others) else None
    if isinstance(expr, ast.Call) and _is_format_call(expr):
        values = [*expr.args, *(kw.value for kw in expr.keywords)]
        return "`.format()`" if _any_variable(facts, values) else None
    return None


def _looks_like_sql(expr: ast.expr) -> bool:
    """The constant text the expression starts with opens an SQL statement."""
    return bool(SQL_START.match(_leading_text(expr)))


def _leading_text(expr: ast.expr) -> str:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.JoinedStr):
        pieces = []
        for value in expr.values:
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                break
            pieces.append(value.value)
        return "".join(pieces)
    if isinstance(expr, ast.BinOp):
        return _leading_text(expr.left)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return _leading_text(expr.func.value)
    return ""


def _concatenated(expr: ast.expr) -> list[ast.expr]:
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return [*_concatenated(expr.left), *_concatenated(expr.right)]
    return [expr]


def _is_format_call(expr: ast.expr) -> bool:
    return (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "format"
        and _is_text_constant(expr.func.value)
    )


def _is_text_constant(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and isinstance(expr.value, str)


def _any_variable(facts: ModuleFacts, values: list[ast.expr]) -> bool:
    return any(not _is_constant_like(facts, v, depth=2) for v in values)


def _is_constant_like(facts: ModuleFacts, expr: ast.expr, depth: int) -> bool:
    """Values that cannot carry SQL from outside: literals, names bound to literals, table
    names of models, numbers, and lists of bind placeholders (``", ".join(["?"] * n)``)."""
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Attribute) and expr.attr == "__tablename__":
        return True
    if isinstance(expr, ast.Call):
        if facts.qualified_name(expr.func) in NUMERIC_FUNCTIONS:
            return True
        return _is_placeholder_join(expr)
    if isinstance(expr, ast.Name) and depth > 0:
        origin = facts.binding_origin(expr.id, expr)
        if origin is None or isinstance(origin, ast.Name):
            return False
        if isinstance(origin, ast.JoinedStr):
            values = [v.value for v in origin.values if isinstance(v, ast.FormattedValue)]
            return all(_is_constant_like(facts, v, depth - 1) for v in values)
        return _is_constant_like(facts, origin, depth - 1)
    return False


def _is_placeholder_join(call: ast.Call) -> bool:
    """``", ".join(["%s"] * len(ids))``, ``",".join(f":id{i}" for i in range(n))``: every
    string inside the joined iterable is a bind placeholder."""
    if not (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "join"
        and _is_text_constant(call.func.value)
        and len(call.args) == 1
    ):
        return False
    pieces = [
        node.value
        for node in ast.walk(call.args[0])
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    texts = [p for p in pieces if p]
    return bool(texts) and all(PLACEHOLDER.match(p) for p in texts)
