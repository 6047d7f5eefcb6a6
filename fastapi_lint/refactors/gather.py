"""Rewrite sequential awaits as ``asyncio.gather`` (FAS105): consecutive statements
``a = await f()`` and ``b = await g()`` in an ``async def`` become
``a, b = await asyncio.gather(f(), g())``.

Offered only when nothing but comments stands between the statements, no later call reads a
name an earlier statement assigns, no two statements assign the same name, and the calls
share no object that may be a session or a connection (the same name as a receiver or an
argument, unless it provably holds plain data). With a selection the selected statements are
rewritten; at a cursor, the run of such statements around it.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass, field

from fastapi_lint.diagnostics import Edit, node_span
from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.facts.coroutines import is_bound_in_function, is_name_read
from fastapi_lint.fixes import ensure_module_import
from fastapi_lint.refactors import NotOffered, Refactoring
from fastapi_lint.refactors._cst import (
    REWRITE,
    NothingHere,
    function_at,
    module_facts,
    single_file,
    text_of,
)
from fastapi_lint.rules.async_.sequential_awaits import ORDERING_CALLS
from fastapi_lint.rules.async_.sequential_awaits import _possible_resources as possible_resources

MAX_LINE = 88


@dataclass
class Awaited:
    """``await call(...)`` or ``name = await call(...)``."""

    statement: ast.Expr | ast.Assign
    call: ast.Call
    target: str  # "" for a bare ``await``
    reads: set[str] = field(default_factory=set)
    shared: set[str] = field(default_factory=set)  # names that may hold a session or client

    def conflict(self, earlier: Awaited) -> str | None:
        """Why this statement cannot run alongside an earlier one; None when it can."""
        first, second = earlier.statement.lineno, self.statement.lineno
        if earlier.target and earlier.target in self.reads:
            return f"line {second} reads `{earlier.target}`, which line {first} assigns"
        if self.target and self.target == earlier.target:
            return f"lines {first} and {second} both assign `{self.target}`"
        if both := sorted(self.shared & earlier.shared):
            return (
                f"lines {first} and {second} both use `{both[0]}`, "
                "which may be a session or connection that serves one call at a time"
            )
        return None


def rewrite_as_gather_available(source: str, line: int) -> bool:
    lines = source.splitlines()
    return 0 < line <= len(lines) and "await" in lines[line - 1]


def rewrite_as_gather(
    path: str, source: str, line: int, end_line: int | None = None
) -> Refactoring:
    """Rewrite the awaits from ``line`` to ``end_line`` (1-based, inclusive), or the run of
    independent awaits around ``line`` when no ``end_line`` (or the same line) is given."""
    facts = module_facts(path, source)
    func = function_at(facts, line)
    if func is None or not func.is_async:
        raise NothingHere(f"line {line} is not in an `async def`")
    block, first = _statement_at(func.node.body, line)
    if end_line is not None and end_line != line:
        end_block, last = _statement_at(func.node.body, end_line)
        if end_block is not block:
            raise NotOffered("the selection is not one run of statements of one block")
        run = [_awaited_or_reason(facts, func, s) for s in block[first : last + 1]]
        awaits = _checked_selection(run)
    else:
        awaits = _run_around(facts, func, block, first)
    _check_only_comments_between(facts, awaits)
    return _gather(path, facts, func, awaits)


# --- the statements -------------------------------------------------------------------------


def _statement_at(body: list[ast.stmt], line: int) -> tuple[list[ast.stmt], int]:
    """The innermost statement list holding a simple statement at ``line``, and its index."""
    for index, statement in enumerate(body):
        if statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                break
            for inner in _inner_blocks(statement):
                if inner and inner[0].lineno <= line <= (inner[-1].end_lineno or 0):
                    return _statement_at(inner, line)
            return body, index
    raise NothingHere(f"no statement of the function at line {line}")


def _inner_blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    blocks = [getattr(statement, name, None) for name in ("body", "orelse", "finalbody")]
    for part in [*getattr(statement, "handlers", []), *getattr(statement, "cases", [])]:
        blocks.append(part.body)
    return [b for b in blocks if isinstance(b, list) and b and isinstance(b[0], ast.stmt)]


def _awaited_or_reason(
    facts: ModuleFacts, func: FunctionInfo, statement: ast.stmt
) -> Awaited | str:
    where = f"line {statement.lineno}"
    if isinstance(statement, ast.Assign) and (
        len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name)
    ):
        return f"{where} assigns to something other than one name"
    if not isinstance(statement, ast.Expr | ast.Assign):
        return f"{where} is not `await call(...)` or `name = await call(...)`"
    value = statement.value
    if not isinstance(value, ast.Await) or not isinstance(value.value, ast.Call):
        return f"{where} is not `await call(...)` or `name = await call(...)`"
    call = value.value
    nodes = list(ast.walk(statement))
    if sum(isinstance(n, ast.Await | ast.Yield | ast.YieldFrom) for n in nodes) > 1:
        return f"{where} suspends more than once"
    if any(isinstance(n, ast.Lambda | ast.NamedExpr) for n in nodes):
        return f"{where} has a lambda or an assignment expression"
    if facts.qualified_name(call.func) in ORDERING_CALLS:
        callee = text_of(facts, call.func)
        return f"{where} awaits `{callee}`, which is about timing or waiting for other work"
    target = ""
    if isinstance(statement, ast.Assign):
        assert isinstance(statement.targets[0], ast.Name)  # checked above
        target = statement.targets[0].id
    found = Awaited(statement, call, target)
    found.reads = {
        n.id for n in ast.walk(call) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    found.shared = _shared_names(facts, func, statement, call)
    return found


def _shared_names(
    facts: ModuleFacts, func: FunctionInfo, statement: ast.stmt, call: ast.Call
) -> set[str]:
    """What FAS105 counts as a possible session or client shared by two awaits, except the
    names bound by ``import module`` (a module holds no connection of its own)."""
    names = possible_resources(facts, func, statement, call)
    return {name for name in names if not _is_module_import(facts, name)}


def _is_module_import(facts: ModuleFacts, name: str) -> bool:
    """``import services`` binds a module, which holds no connection of its own."""
    return any(
        isinstance(node, ast.Import) and any((a.asname or a.name) == name for a in node.names)
        for node in facts.import_nodes
    )


def _checked_selection(run: list[Awaited | str]) -> list[Awaited]:
    awaits: list[Awaited] = []
    for item in run:
        if isinstance(item, str):
            raise NotOffered(item)
        for earlier in awaits:
            reason = item.conflict(earlier)
            if reason is not None:
                raise NotOffered(reason)
        awaits.append(item)
    if len(awaits) < 2:
        raise NotOffered("select at least two awaits")
    return awaits


def _run_around(
    facts: ModuleFacts, func: FunctionInfo, block: list[ast.stmt], index: int
) -> list[Awaited]:
    """The statement at ``index`` with the independent awaits right after it, else right
    before it."""
    here = _awaited_or_reason(facts, func, block[index])
    if isinstance(here, str) and not any(isinstance(n, ast.Await) for n in ast.walk(block[index])):
        raise NothingHere(here)
    if isinstance(here, str):
        raise NotOffered(here)
    run: list[Awaited] = [here]
    why_not: str | None = "no statement follows"
    for statement in block[index + 1 :]:
        item = _awaited_or_reason(facts, func, statement)
        why_not = item if isinstance(item, str) else _first_conflict(item, run)
        if why_not is not None:
            break
        assert isinstance(item, Awaited)
        run.append(item)
    for statement in reversed(block[:index]):
        item = _awaited_or_reason(facts, func, statement)
        reason = item if isinstance(item, str) else _first_conflict(item, run, before=True)
        if reason is not None:
            break
        assert isinstance(item, Awaited)
        run.insert(0, item)
    if len(run) < 2:
        raise NotOffered(
            f"no independent await to run alongside line {here.statement.lineno}: {why_not}"
        )
    return run


def _first_conflict(item: Awaited, run: list[Awaited], *, before: bool = False) -> str | None:
    for other in run:
        reason = other.conflict(item) if before else item.conflict(other)
        if reason is not None:
            return reason
    return None


def _check_only_comments_between(facts: ModuleFacts, awaits: list[Awaited]) -> None:
    for earlier, later in itertools.pairwise(awaits):
        _, end = node_span(earlier.statement)
        start, _ = node_span(later.statement)
        for text in facts.source.segment(end, start).splitlines():
            if text.strip() and not text.strip().startswith("#"):
                raise NotOffered(
                    f"something other than comments stands before line {later.statement.lineno}"
                )


# --- the rewrite ----------------------------------------------------------------------------


def _gather(
    path: str, facts: ModuleFacts, func: FunctionInfo, awaits: list[Awaited]
) -> Refactoring:
    targets = [a.target for a in awaits]
    named = any(targets)
    if named and not all(targets) and (is_name_read(func, "_") or "_" in targets):
        raise NotOffered("`_` would receive the results nobody keeps, but the function uses it")
    asyncio_name, import_edit = ensure_module_import(facts, "asyncio")
    if is_bound_in_function(func, asyncio_name.split(".")[0]):
        raise NotOffered(f"`{asyncio_name}` is a local name in `{func.name}`")
    start, _ = node_span(awaits[0].statement)
    _, end = node_span(awaits[-1].statement)
    indentation = facts.source.indentation(start.line)
    newline = facts.source.newline
    assigned = ", ".join(t or "_" for t in targets) + " = " if named else ""
    calls = [text_of(facts, a.call) for a in awaits]
    rewrite = f"{assigned}await {asyncio_name}.gather({', '.join(calls)})"
    if len(indentation) + len(rewrite) > MAX_LINE or "\n" in rewrite:
        inner = "".join(f"{newline}{indentation}    {call}," for call in calls)
        rewrite = f"{assigned}await {asyncio_name}.gather({inner}{newline}{indentation})"
    comments = [
        text.strip()
        for earlier, later in itertools.pairwise(awaits)
        for text in facts.source.segment(
            node_span(earlier.statement)[1], node_span(later.statement)[0]
        ).splitlines()
        if text.strip()
    ]
    edits = [Edit(start, end, (newline + indentation).join([*comments, rewrite]))]
    if import_edit is not None:
        edits.append(import_edit)
    title = f"Run the {len(awaits)} awaits concurrently with `{asyncio_name}.gather`"
    return single_file(title, REWRITE, path, facts, edits)
