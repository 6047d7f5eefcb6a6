"""Wrap in ``asyncio.to_thread``: a blocking call ``f(a, b=c)`` in an ``async def`` becomes
``await asyncio.to_thread(f, a, b=c)`` (FAS101, FAS903).

Python evaluates the callee, then the arguments, in both spellings, so only the call itself
moves to a worker thread. The call is rewritten with libcst on its own text, which keeps the
comments and the layout of its arguments.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from fastapi_lint.diagnostics import Edit, Position, node_end, node_start
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.coroutines import called_coroutine_function, is_bound_in_function
from fastapi_lint.fixes import ensure_module_import
from fastapi_lint.refactors import NotOffered, Refactoring
from fastapi_lint.refactors._cst import (
    REWRITE,
    NothingHere,
    code_of,
    module_facts,
    parse_fragment,
    single_file,
    text_of,
)

if TYPE_CHECKING:
    import libcst

# Calls whose callable argument already runs in a worker thread.
THREAD_RUNNERS = {
    "asyncio.to_thread",
    "anyio.to_thread.run_sync",
    "starlette.concurrency.run_in_threadpool",
    "fastapi.concurrency.run_in_threadpool",
}


def wrap_in_to_thread_available(source: str, line: int) -> bool:
    lines = source.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return "(" in text and "async def" in source


def wrap_in_to_thread(path: str, source: str, line: int, column: int | None = None) -> Refactoring:
    """Wrap the call at ``line`` (the innermost one around ``column``, a UTF-8 byte offset,
    when given and inside a call; else the line's only call that can be wrapped)."""
    facts = module_facts(path, source)
    call = _chosen_call(facts, line, column)
    func = facts.function_of(call)
    assert func is not None  # by _reason_not_wrappable
    asyncio_name, import_edit = ensure_module_import(facts, "asyncio")
    if is_bound_in_function(func, asyncio_name.split(".")[0]):
        raise NotOffered(f"`{asyncio_name}` is a local name in `{func.name}`")
    replacement = _wrapped(facts, call, f"{asyncio_name}.to_thread")
    edits = [Edit.replace(call, replacement)]
    if import_edit is not None:
        edits.append(import_edit)
    callee = text_of(facts, call.func)
    title = f"Run `{callee}` in a worker thread with `{asyncio_name}.to_thread`"
    return single_file(title, REWRITE, path, facts, edits)


def _chosen_call(facts: ModuleFacts, line: int, column: int | None) -> ast.Call:
    on_line = [
        c
        for c in facts.calls
        if c.lineno <= line <= (c.end_lineno or c.lineno) and not _is_callee(facts, c)
    ]
    if not on_line:
        raise NothingHere(f"no call at line {line}")
    if column is not None:
        around = [c for c in on_line if node_start(c) <= Position(line, column) <= node_end(c)]
        if around:
            innermost = max(around, key=_innermost_first)
            reason = _reason_not_wrappable(facts, innermost)
            if reason is not None:
                raise _refusal(facts, innermost, reason)
            return innermost
    wrappable = [c for c in on_line if _reason_not_wrappable(facts, c) is None]
    if len(wrappable) == 1:
        return wrappable[0]
    if wrappable:
        raise NotOffered(f"several calls at line {line} can be wrapped; point at one")
    outermost = min(on_line, key=node_start)
    reason = _reason_not_wrappable(facts, outermost)
    raise _refusal(facts, outermost, reason or f"no call at line {line} can be wrapped")


def _refusal(facts: ModuleFacts, call: ast.Call, reason: str) -> NotOffered:
    """Calls outside ``async def`` are everywhere: nothing to report about them."""
    func = facts.function_of(call)
    return NotOffered(reason) if func is not None and func.is_async else NothingHere(reason)


def _innermost_first(call: ast.Call) -> tuple[int, int, int, int]:
    """Orders calls so that of two nested ones the inner wins (``f(x).g()`` and ``f(x)``
    start at the same column; the inner one ends first)."""
    end = node_end(call)
    return call.lineno, call.col_offset, -end.line, -end.col


def _is_callee(facts: ModuleFacts, call: ast.Call) -> bool:
    """``f()()``: the inner call produces the callee and is never wrapped alone."""
    parent = facts.parent(call)
    return isinstance(parent, ast.Call) and parent.func is call


def _reason_not_wrappable(facts: ModuleFacts, call: ast.Call) -> str | None:
    spelled = text_of(facts, call.func)
    func = facts.function_of(call)
    if func is None or not func.is_async:
        return f"`{spelled}(...)` is not in the body of an `async def`"
    parent = facts.parent(call)
    if isinstance(parent, ast.Await):
        return f"`{spelled}(...)` is already awaited"
    if called_coroutine_function(facts, call) is not None:
        return f"`{spelled}` is a coroutine function: await it instead"
    if isinstance(parent, ast.Call) and _runs_in_thread(facts, parent):
        return f"`{spelled}(...)` already runs in a worker thread"
    if facts.qualified_name(call.func) in THREAD_RUNNERS:
        return f"`{spelled}(...)` already hands its work to a worker thread"
    if isinstance(parent, ast.withitem):
        return f"`{spelled}(...)` is a `with` item, entered on the event loop either way"
    for ancestor in facts.ancestors(call):
        if ancestor is func.node:
            break
        if isinstance(ancestor, ast.GeneratorExp):
            return f"`{spelled}(...)` is in a generator expression, which `await` would make async"
        if isinstance(ancestor, ast.JoinedStr):
            return f"`{spelled}(...)` is inside an f-string, where positions are not exact"
    return None


def _runs_in_thread(facts: ModuleFacts, call: ast.Call) -> bool:
    if facts.qualified_name(call.func) in THREAD_RUNNERS:
        return True
    return isinstance(call.func, ast.Attribute) and call.func.attr == "run_in_executor"


def _wrapped(facts: ModuleFacts, call: ast.Call, runner: str) -> str:
    """``await runner(callee, <the call's arguments as written>)``, parenthesised where the
    call is the object of an attribute, a subscript or a call (``await`` binds looser)."""
    import libcst

    tree = parse_fragment(text_of(facts, call))
    if not isinstance(tree, libcst.Call):  # pragma: no cover - the text is an ast.Call
        raise NotOffered("the call cannot be rewritten")
    layout = tree.whitespace_before_args
    separator = layout if isinstance(layout, libcst.ParenthesizedWhitespace) else None
    first = libcst.Arg(
        value=tree.func.with_changes(lpar=tree.func.lpar, rpar=tree.func.rpar),
        comma=libcst.Comma(whitespace_after=separator or libcst.SimpleWhitespace(" "))
        if tree.args
        else libcst.MaybeSentinel.DEFAULT,
    )
    args = [_parenthesised_generator(arg) for arg in tree.args]
    new_call = tree.with_changes(
        func=libcst.parse_expression(runner), args=[first, *args], lpar=[], rpar=[]
    )
    text = f"await {code_of(new_call)}"
    parent = facts.parent(call)
    is_primary = (isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is call) or (
        isinstance(parent, ast.Call) and parent.func is call
    )
    return f"({text})" if is_primary else text


def _parenthesised_generator(arg: libcst.Arg) -> libcst.Arg:
    """``f(x for x in xs)``: a generator expression is bare only as a sole argument."""
    import libcst

    value = arg.value
    if isinstance(value, libcst.GeneratorExp) and not value.lpar:
        value = value.with_changes(lpar=[libcst.LeftParen()], rpar=[libcst.RightParen()])
    return arg.with_changes(value=value)
