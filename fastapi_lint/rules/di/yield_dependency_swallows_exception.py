"""FAS410 yield-dependency-swallows-exception

## What it does
Finds a dependency whose `yield` sits in a `try` with an `except` handler that neither
re-raises nor raises anything.

## Why is this bad?
Since FastAPI 0.106 an exception raised by the path operation is thrown into the dependency at
its `yield`. A handler that does not raise again swallows it: an `HTTPException(404)` becomes
a bare 500 response and the server logs nothing about the real error.
See [Always `raise` in dependencies with `yield` and `except`](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/#always-raise-in-dependencies-with-yield-and-except).

## Example
```python
def get_db():
    db = SessionLocal()
    try:
        yield db
    except SQLAlchemyError:
        db.rollback()
    finally:
        db.close()
```

## Use instead
```python
def get_db():
    db = SessionLocal()
    try:
        yield db
    except SQLAlchemyError:
        db.rollback()
        raise
    finally:
        db.close()
```

## Fix safety
The fix adds `raise` at the end of the handler (or replaces a lone `pass` with it). It is
unsafe: the route's error now reaches FastAPI's exception handlers instead of being dropped,
which changes the response the client gets. Handlers that `return` get no fix, and neither
does a `try` that statements follow in the dependency: once the handler re-raises they are
skipped, so cleanup written there (`db.close()`) would no longer run; it belongs in `finally`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, rule

# Closing a suspended generator throws GeneratorExit at the yield: catching it is not the
# route's error.
NOT_ROUTE_ERRORS = {"builtins.GeneratorExit"}


@rule(code="FAS410", name="yield-dependency-swallows-exception", default=True, fix="unsafe")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for func in facts.dependency_functions:
        if not func.is_generator:
            continue
        reported: set[ast.ExceptHandler] = set()
        for yield_node in func.yields:
            for handler in _handlers_around(facts, func, yield_node):
                if handler in reported or _raises(handler) or _catches_only_exit(facts, handler):
                    continue
                reported.add(handler)
                caught = f"except {ast.unparse(handler.type)}" if handler.type else "except"
                yield Diagnostic.at(
                    handler,
                    "FAS410",
                    f"`{caught}` in `{func.name}` swallows the route's exception thrown at "
                    "`yield`; re-raise it",
                    fix=None if _code_follows(facts, func, handler) else _add_raise(facts, handler),
                )


def _handlers_around(
    facts: ModuleFacts, func: FunctionInfo, node: ast.AST
) -> Iterator[ast.ExceptHandler]:
    """Handlers of every ``try`` whose body (not its handlers, ``else`` or ``finally``) holds
    ``node``, innermost first, stopping at the function."""
    child: ast.AST = node
    for ancestor in facts.ancestors(node):
        if ancestor is func.node:
            return
        parts = _try_parts(ancestor)
        if parts is not None and child in parts[0]:
            yield from parts[1]
        child = ancestor


def _code_follows(facts: ModuleFacts, func: FunctionInfo, handler: ast.ExceptHandler) -> bool:
    """Whether statements of the function run after the handler's ``try`` completes: a
    re-raising handler would skip them."""
    child: ast.AST = handler
    for ancestor in facts.ancestors(handler):
        for block in (getattr(ancestor, f, None) for f in ("body", "orelse", "finalbody")):
            if isinstance(block, list) and child in block and block[-1] is not child:
                return True
        if ancestor is func.node:
            return False
        child = ancestor
    return False


def _try_parts(node: ast.AST) -> tuple[list[ast.stmt], list[ast.ExceptHandler]] | None:
    """``(body, handlers)`` of ``try`` and ``try``/``except*`` statements."""
    if isinstance(node, ast.Try):
        return node.body, node.handlers
    if type(node).__name__ == "TryStar":  # ast.TryStar: Python 3.11+
        body: list[ast.stmt] = getattr(node, "body", [])
        handlers: list[ast.ExceptHandler] = getattr(node, "handlers", [])
        return body, handlers
    return None


def _own_nodes(handler: ast.ExceptHandler) -> Iterator[ast.AST]:
    """Nodes of the handler body, not of functions or classes defined in it."""
    stack: list[ast.AST] = list(handler.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _raises(handler: ast.ExceptHandler) -> bool:
    # any raise counts: a handler that re-raises on some paths cannot be proven to swallow
    return any(isinstance(n, ast.Raise) for n in _own_nodes(handler))


def _catches_only_exit(facts: ModuleFacts, handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
    return bool(names) and all(facts.qualified_name(n) in NOT_ROUTE_ERRORS for n in names)


def _add_raise(facts: ModuleFacts, handler: ast.ExceptHandler) -> Fix | None:
    last = handler.body[-1]
    if any(isinstance(n, ast.Return | ast.Break | ast.Continue) for n in _own_nodes(handler)):
        return None  # a `raise` after them would be dead code or change the loop
    if isinstance(last, ast.Pass):
        edit = Edit.replace(last, "raise")
    elif last.lineno == handler.lineno:
        edit = Edit.insert(
            Position(last.end_lineno or last.lineno, last.end_col_offset or 0), "; raise"
        )
    else:
        edit = _raise_after_line(facts, last)
    return Fix("Re-raise the exception at the end of the handler", Applicability.UNSAFE, (edit,))


def _raise_after_line(facts: ModuleFacts, last: ast.stmt) -> Edit:
    """``raise`` on a new line after the handler's last statement (and its trailing comment)."""
    source = facts.source
    end_line = last.end_lineno or last.lineno
    line = source.line_text(end_line).rstrip("\r\n")
    end_col = len(line.encode("utf-8", errors="surrogatepass"))
    indent = source.indentation(last.lineno)
    return Edit.insert(Position(end_line, end_col), f"{source.newline}{indent}raise")
