"""An open document's summary from version to version, in proportion to the edit.

While typing, an edit mostly stays inside one function's body. The summary of the new text
is then the old one with that function's part made again (its ``FunctionSummary``, those of
the functions nested in it, and their ``CallSite``s) and the positions below it moved: the
module is neither parsed nor summarised whole again (on a 22,000-line module that costs over
a second; the part of one function a few milliseconds).

The part is summarised on a *mini-module*: the module-level statements that are not
definitions (imports, assignments, ``if``/``try`` blocks: what names resolve through), a stub
binding each other module-level ``def``/``class`` at its line, and the function itself, for a
method inside its class (whose other statements are kept and other methods stubbed). A name
in a body resolves through the body's own scopes and the module's, never through another
function's body, so the part equals the one a fresh summary makes
(``tests/test_document_summary.py`` compares whole summaries after random edits).

The nodes of the last whole parse are kept with the positions they had then: each top-level
statement (and each member of a top-level class) records how many lines it has moved since,
so an edit moves the positions of what follows it by updating those counts, not the nodes.

A whole summary is made instead when the edit is not inside one function's body (imports,
module-level code, decorators and signatures, class bodies, the lines between statements),
when the function's new text does not parse alone as one definition of the same name, and
when the old or the new body touches what module-wide facts read (FastAPI wiring:
``FastAPI()``/``APIRouter()``, ``Depends``/``Security``, ``include_router``/``mount``/
``add_api_route``; nested classes; decorated nested functions).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from fastapi_lint.diagnostics import Edit, Fix, Position
from fastapi_lint.engine import ParseError, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import module_name_for
from fastapi_lint.project.build import ProjectScope
from fastapi_lint.project.summary import (
    CallSite,
    FunctionSummary,
    ModuleSummary,
    Span,
    content_digest,
    function_parts,
    without_positions,
)
from fastapi_lint.source import SourceText

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
# Names whose mention in a body may change module-wide facts: apps and routers built or
# annotated (``facts.apps``, by name), dependencies declared (``dependency_uses``), routes and
# routers registered (``find_routes``, includes).
_WIRING_NAMES = frozenset({"FastAPI", "APIRouter", "Depends", "Security"})
_WIRING_ATTRIBUTES = _WIRING_NAMES | {
    "include_router",
    "mount",
    "add_api_route",
    "add_api_websocket_route",
}


@dataclass(frozen=True)
class Summarised:
    """A document's summary (None: its text does not parse), the facts of a whole parse
    when one was made, and whether only positions changed since the last summary (None:
    not known, the summary was made whole)."""

    summary: ModuleSummary | None
    facts: ModuleFacts | None
    positions_only: bool | None = None


@dataclass
class _Unit:
    """A top-level statement, or a statement of a top-level class's body."""

    node: ast.stmt  # with the positions of the last whole parse ("stored")
    first: int  # its first line now (decorators included)
    last: int  # its last line now
    offset: int = 0  # lines it moved since the last whole parse
    members: list[_Unit] | None = None  # a class's statements
    stub: ast.stmt | None = None  # what stands for it in a mini-module (None: itself)
    skipped: bool = False  # left out of mini-modules (binds nothing)


@dataclass
class _State:
    text: str
    summary: ModuleSummary
    units: list[_Unit]
    wiring_aliases: frozenset[str]  # module-level names imported for FastAPI wiring
    module_name: str | None


@dataclass
class _Edit:
    start: int  # first changed character (same in both texts)
    old_end: int  # end of the replaced characters in the old text
    delta_chars: int
    line: int  # line of ``start``
    old_last: int  # last old line the edit touches
    delta: int  # lines added (negative: removed)


@dataclass
class DocumentSummaries:
    """The summaries of the documents an editor holds open, by absolute path."""

    _states: dict[str, _State] = field(default_factory=dict)
    incremental: int = 0  # summaries made from the last one (for tests and measurements)
    whole: int = 0

    def summarise(self, path: Path, text: str, scope: ProjectScope) -> Summarised:
        key = path.resolve().as_posix()
        state = self._states.get(key)
        if state is not None:
            found = _after_edit(state, path, text, scope)
            if found is not None:
                self.incremental += 1
                return found
        self.whole += 1
        return self._whole(key, path, text, scope)

    def last_digest(self, path: str) -> str | None:
        """The digest of the last summary made of the document (None: none kept)."""
        state = self._states.get(path)
        return state.summary.digest if state is not None else None

    def current_tree(self, path: str, text: str) -> ast.Module | None:
        """The syntax tree of ``text`` (the document's last summarised text) made from the
        kept nodes, without parsing it again: the statements that moved since the last whole
        parse get their positions; None when the document's state is not that of ``text``."""
        state = self._states.get(path)
        if state is None or state.text != text:
            return None
        for unit in state.units:
            _settle(unit)
        return ast.Module(body=[u.node for u in state.units], type_ignores=[])

    def forget(self, path: str) -> None:
        self._states.pop(path, None)

    def keep_only(self, paths: set[str]) -> None:
        for path in [p for p in self._states if p not in paths]:
            del self._states[path]

    def _whole(self, key: str, path: Path, text: str, scope: ProjectScope) -> Summarised:
        try:
            tree = parse_module(text, str(path))
        except ParseError:
            return Summarised(None, None)  # the state stays that of the last text that parsed
        module_name = module_name_for(path)
        facts = ModuleFacts(tree, SourceText(text), str(path), module_name)
        summary = scope.summary_from_facts(path, text, facts)
        if summary is None or "\r" in text:  # lines ending in \r alone: always whole
            self._states.pop(key, None)
        else:
            state = _state(text, tree, summary, module_name)
            if state is None:
                self._states.pop(key, None)
            else:
                self._states[key] = state
        return Summarised(summary, facts)


def _state(
    text: str, tree: ast.Module, summary: ModuleSummary, module_name: str | None
) -> _State | None:
    units = _units(tree.body)
    for unit in _all_units(units):
        if isinstance(unit.node, (*_DEFS, ast.ClassDef)):
            header = _header_nodes(unit.node)
            if any(isinstance(n, ast.NamedExpr) for h in header for n in ast.walk(h)):
                return None  # ``(x := ...)`` in a header binds at module level: no stub
    aliases = set()
    for unit in _all_units(units):
        for node in ast.walk(unit.node) if unit.members is None and unit.stub is None else ():
            if isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if alias.name.rsplit(".", 1)[-1] in _WIRING_NAMES and alias.asname:
                        aliases.add(alias.asname)
    return _State(text, summary, units, frozenset(aliases), module_name)


def _units(statements: list[ast.stmt]) -> list[_Unit]:
    units = []
    for statement in statements:
        decorators = getattr(statement, "decorator_list", ())
        first = min([statement.lineno, *(d.lineno for d in decorators)])
        unit = _Unit(statement, first, statement.end_lineno or statement.lineno)
        if isinstance(statement, ast.ClassDef):
            unit.members = _units(statement.body)
            unit.stub = _class_stub(statement, [])
        elif isinstance(statement, _DEFS):
            unit.stub = _function_stub(statement)
        elif isinstance(statement, ast.Expr) and not any(
            isinstance(n, ast.NamedExpr) for n in ast.walk(statement)
        ):
            unit.skipped = True
        units.append(unit)
    return units


def _settle(unit: _Unit) -> None:
    """Give a unit's nodes the positions of the current text (its stub too)."""
    node = unit.node
    if unit.members is None:
        if unit.offset:
            ast.increment_lineno(node, unit.offset)
            if isinstance(node, _DEFS):
                unit.stub = _function_stub(node)
        unit.offset = 0
        return
    assert isinstance(node, ast.ClassDef)
    if unit.offset:
        for part in _header_nodes(node):
            ast.increment_lineno(part, unit.offset)
        node.lineno += unit.offset
    for member in unit.members:
        _settle(member)
    node.body = [m.node for m in unit.members]
    node.end_lineno, node.end_col_offset = node.body[-1].end_lineno, node.body[-1].end_col_offset
    if unit.offset:
        unit.stub = _class_stub(node, [])
    unit.offset = 0


def _all_units(units: list[_Unit]) -> list[_Unit]:
    found = []
    for unit in units:
        found.append(unit)
        if unit.members is not None:
            found.extend(_all_units(unit.members))
    return found


def _header_nodes(node: ast.stmt) -> list[ast.AST]:
    """What a stub leaves out of a definition's first line: decorators, bases, parameters
    with their annotations and defaults, the return annotation."""
    found: list[ast.AST] = list(getattr(node, "decorator_list", ()))
    if isinstance(node, ast.ClassDef):
        found.extend(node.bases)
        found.extend(node.keywords)
    elif isinstance(node, _DEFS):
        found.append(node.args)
        if node.returns is not None:
            found.append(node.returns)
    return found


def _function_stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    arguments = ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
    )
    stub = ast.FunctionDef(name=node.name, args=arguments, body=[], decorator_list=[])
    stub.returns = None
    stub.type_comment = None
    if "type_params" in ast.FunctionDef._fields:  # Python 3.12+
        stub.type_params = []  # type: ignore[attr-defined]
    stub.body = [_placed(ast.Pass(), node)]
    return _placed(stub, node)


def _class_stub(node: ast.ClassDef, body: list[ast.stmt]) -> ast.ClassDef:
    stub = ast.ClassDef(name=node.name, bases=[], keywords=[], body=[], decorator_list=[])
    if "type_params" in ast.ClassDef._fields:  # Python 3.12+
        stub.type_params = []  # type: ignore[attr-defined]
    stub.body = body or [_placed(ast.Pass(), node)]
    _placed(stub, node)
    return stub


def _placed(stub: ast.stmt, node: ast.stmt) -> ast.stmt:
    stub.lineno, stub.col_offset = node.lineno, node.col_offset
    stub.end_lineno, stub.end_col_offset = node.lineno, node.col_offset
    return stub


# --- an edit ----------------------------------------------------------------------------------


def _after_edit(state: _State, path: Path, text: str, scope: ProjectScope) -> Summarised | None:
    """The summary of ``text`` from the state of the last one; None when it takes a whole
    summary."""
    edit = _edit(state.text, text)
    if edit is None:
        return None
    found = _function_at(state.units, edit.line)
    if found is None:
        return None
    unit, owner = found
    function = unit.node
    assert isinstance(function, _DEFS)
    body_start = function.body[0].lineno + unit.offset
    header_end = max(
        [
            function.lineno,
            *(
                getattr(n, "end_lineno", 0) or 0
                for h in _header_nodes(function)
                for n in ast.walk(h)
            ),
        ]
    )
    if not (header_end + unit.offset < body_start <= edit.line and edit.old_last <= unit.last):
        return None
    parsed = _parsed_function(state.text, text, edit, unit, owner is not None)
    if parsed is None:
        return None
    new_function, snippet = parsed
    aliases = state.wiring_aliases | _class_aliases(owner)
    if _touches_wiring(function, aliases) or _touches_wiring(new_function, aliases):
        return None
    stored_first = unit.first - unit.offset
    ast.increment_lineno(new_function, stored_first - _first_line(new_function))
    part = _part(state, path, scope, unit, owner, new_function, stored_first, snippet)
    if part is None:
        return None
    functions, calls = part
    digest = content_digest(text)
    composed = _composed(state.summary, unit, body_start, edit.delta, functions, calls, digest)
    if composed is None:
        return None
    summary, positions_only = composed
    _moved(state, unit, owner, edit.delta, new_function)
    state.text, state.summary = text, summary
    return Summarised(summary, None, positions_only)


def _edit(old: str, new: str) -> _Edit | None:
    if "\r" in new:
        return None
    start = _common_prefix(old, new)
    limit = min(len(old), len(new)) - start
    suffix = _common_suffix(old, new, limit)
    old_end, new_end = len(old) - suffix, len(new) - suffix
    line = old.count("\n", 0, start) + 1
    old_last = old.count("\n", 0, max(start, old_end - 1)) + 1
    delta = new.count("\n", start, new_end) - old.count("\n", start, old_end)
    return _Edit(start, old_end, len(new) - len(old), line, old_last, delta)


def _common_prefix(a: str, b: str) -> int:
    size = min(len(a), len(b))
    low = 0
    step = 4096
    while low + step <= size and a[low : low + step] == b[low : low + step]:
        low += step
    while low < size and a[low] == b[low]:
        low += 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Characters ``a`` and ``b`` end with, at most ``limit``."""
    count = 0
    step = 4096
    la, lb = len(a), len(b)
    while (
        count + step <= limit
        and a[la - count - step : la - count] == b[lb - count - step : lb - count]
    ):
        count += step
    while count < limit and a[la - count - 1] == b[lb - count - 1]:
        count += 1
    return count


def _function_at(units: list[_Unit], line: int) -> tuple[_Unit, _Unit | None] | None:
    """The module-level function, or method of a module-level class, whose lines hold
    ``line``, with its class."""
    for unit in units:
        if unit.first <= line <= unit.last:
            if isinstance(unit.node, _DEFS):
                return unit, None
            if unit.members is not None:
                for member in unit.members:
                    if member.first <= line <= member.last and isinstance(member.node, _DEFS):
                        return member, unit
            return None
    return None


def _parsed_function(
    old: str, new: str, edit: _Edit, unit: _Unit, in_class: bool
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, str] | None:
    """The function's new text parsed alone (inside a class for a method), with the
    positions it has in that text; and that text."""
    start = _line_start(old, edit.start, edit.line - unit.first)
    end = _line_end(old, edit.start, unit.last - edit.line)
    if edit.old_end > end:
        return None  # the edit takes the function's last line break
    snippet = new[start : end + 1 + edit.delta_chars]
    try:
        tree = parse_module(("class _:\n" if in_class else "") + snippet)
    except ParseError:
        return None
    body = tree.body
    if in_class:
        if len(body) != 1 or not isinstance(body[0], ast.ClassDef):
            return None
        body = body[0].body
    old_node = unit.node
    if (
        len(body) != 1
        or type(body[0]) is not type(old_node)
        or not isinstance(body[0], _DEFS)
        or body[0].name != getattr(old_node, "name", None)
        or _first_line(body[0]) != (2 if in_class else 1)
    ):
        return None
    return body[0], snippet


def _line_start(text: str, index: int, lines_back: int) -> int:
    start = text.rfind("\n", 0, index) + 1
    for _ in range(lines_back):
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _line_end(text: str, index: int, lines_on: int) -> int:
    """Index of the line break ending the line ``lines_on`` below that of ``index`` (the
    text's length when there is none)."""
    end = text.find("\n", index)
    for _ in range(lines_on):
        if end < 0:
            break
        end = text.find("\n", end + 1)
    return len(text) if end < 0 else end


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _class_aliases(owner: _Unit | None) -> frozenset[str]:
    if owner is None or owner.members is None:
        return frozenset()
    found = set()
    for member in owner.members:
        for node in ast.walk(member.node) if member.stub is None else ():
            if isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    if alias.name.rsplit(".", 1)[-1] in _WIRING_NAMES and alias.asname:
                        found.add(alias.asname)
    return frozenset(found)


def _touches_wiring(
    function: ast.FunctionDef | ast.AsyncFunctionDef, aliases: frozenset[str]
) -> bool:
    """Whether the body holds what module-wide facts read (see the module's docstring)."""
    for statement in function.body:
        for node in ast.walk(statement):
            kind = type(node)
            if kind is ast.Name:
                if node.id in _WIRING_NAMES or node.id in aliases:  # type: ignore[attr-defined]
                    return True
            elif kind is ast.Attribute:
                if node.attr in _WIRING_ATTRIBUTES:  # type: ignore[attr-defined]
                    return True
            elif kind is ast.ClassDef:
                return True
            elif kind in _DEFS:
                if node.decorator_list:  # type: ignore[attr-defined]
                    return True
            elif kind is ast.Import or kind is ast.ImportFrom:
                for alias in node.names:  # type: ignore[attr-defined]
                    if alias.name.rsplit(".", 1)[-1] in _WIRING_NAMES:
                        return True
    return False


def _part(
    state: _State,
    path: Path,
    scope: ProjectScope,
    unit: _Unit,
    owner: _Unit | None,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    stored_first: int,
    snippet: str,
) -> tuple[tuple[FunctionSummary, ...], tuple[CallSite, ...]] | None:
    """The summaries and call sites of ``function`` (whose text is ``snippet``) and of the
    functions nested in it, with the positions of the document's text."""
    body: list[ast.stmt] = []
    for top in state.units:
        if top is unit:
            body.append(function)
        elif top is owner:
            assert top.members is not None
            members = [function if m is unit else (m.stub or m.node) for m in top.members]
            assert isinstance(top.node, ast.ClassDef)
            body.append(_class_stub(top.node, members))
        elif not top.skipped:
            body.append(top.stub or top.node)
    mini = ast.Module(body=body, type_ignores=[])
    source = SourceText("\n" * (stored_first - 1) + snippet)
    facts = ModuleFacts(mini, source, str(path), state.module_name)
    summary = state.summary
    try:
        functions, calls = function_parts(
            facts, function, summary.module, summary.is_package, scope.packages
        )
    except RecursionError:
        return None
    # the part's positions are those of the last whole parse: in the function, moved as it
    # moved; elsewhere (a module-level ``Annotated`` alias's ``Depends()``), as their statement
    stored_last = stored_first + snippet.count("\n")
    context = [u for u in state.units if u.stub is None]
    if owner is not None and owner.members is not None:
        context.extend(m for m in owner.members if m.stub is None)
    offsets: dict[int, int] = {}

    def moved(span: Span) -> Span | None:
        line = span[0]
        if stored_first <= line <= stored_last:
            offset = unit.offset
        elif line in offsets:
            offset = offsets[line]
        else:
            owner_unit = next(
                (u for u in context if u.first - u.offset <= line <= u.last - u.offset), None
            )
            if owner_unit is None:
                return None
            offset = offsets[line] = owner_unit.offset
        return (line + offset, span[1], span[2] + offset, span[3])

    try:
        return (
            tuple(_placed_function(f, moved) for f in functions),
            tuple(replace(c, span=_required(moved(c.span))) for c in calls),
        )
    except _Unplaced:
        return None


class _Unplaced(Exception):
    """A position of a part in no statement of the module."""


def _required(span: Span | None) -> Span:
    if span is None:
        raise _Unplaced
    return span


def _placed_function(
    func: FunctionSummary, moved: Callable[[Span], Span | None]
) -> FunctionSummary:
    return replace(
        func,
        span=_required(moved(func.span)),
        blocking=tuple((n, _required(moved(s))) for n, s in func.blocking),
        dependencies=tuple((r, _required(moved(s))) for r, s in func.dependencies),
        alias_uses=tuple((r, _required(moved(s))) for r, s in func.alias_uses),
    )


# --- the summary put together ---------------------------------------------------------------


def _composed(
    old: ModuleSummary,
    unit: _Unit,
    body_start: int,
    delta: int,
    functions: tuple[FunctionSummary, ...],
    calls: tuple[CallSite, ...],
    digest: str,
) -> tuple[ModuleSummary, bool] | None:
    """The old summary with the function's part replaced and what follows it moved; and
    whether anything but positions changed. None when the old summary does not hold the
    part where expected."""
    first, last = unit.first, unit.last
    old_functions = _split(old.functions, first, last)
    old_calls = _split(old.calls, first, last)
    if old_functions is None or old_calls is None:
        return None
    for elements in (old.instances, old.routes, old.includes, old.called_dependencies):
        if any(body_start <= e.span[0] <= last for e in elements):
            return None  # wiring inside the body that the syntax check let through
    positions_only = without_positions(old_functions[1]) == without_positions(
        functions
    ) and without_positions(old_calls[1]) == without_positions(calls)
    summary = replace(
        old,
        digest=digest,
        functions=(
            *(_moved_function(f, last, delta) for f in old_functions[0]),
            *functions,
            *(_moved_function(f, last, delta) for f in old_functions[2]),
        ),
        calls=(*old_calls[0], *calls, *(_moved_call(c, last, delta) for c in old_calls[2])),
    )
    if delta:
        summary = _moved_summary(summary, last, delta)
    return summary, positions_only


def _split(
    elements: tuple[FunctionSummary, ...] | tuple[CallSite, ...], first: int, last: int
) -> tuple[tuple, tuple, tuple] | None:  # type: ignore[type-arg]
    """The elements before line ``first``, within ``first``-``last`` and after, when they
    come in that order."""
    before = 0
    size = len(elements)
    while before < size and elements[before].span[0] < first:
        before += 1
    inside = before
    while inside < size and elements[inside].span[0] <= last:
        inside += 1
    if any(e.span[0] <= last for e in elements[inside:]):
        return None
    return elements[:before], elements[before:inside], elements[inside:]


def _moved_span(span: Span, after: int, delta: int) -> Span:
    if span[0] > after:
        return (span[0] + delta, span[1], span[2] + delta, span[3])
    return span


def _moved_position(position: Position, after: int, delta: int) -> Position:
    if position.line > after:
        return Position(position.line + delta, position.col)
    return position


def _moved_function(func: FunctionSummary, after: int, delta: int) -> FunctionSummary:
    if func.span[0] <= after and all(s[0] <= after for _, s in func.dependencies):
        return func  # a function above the edit, its dependencies too
    return replace(
        func,
        span=_moved_span(func.span, after, delta),
        blocking=tuple((n, _moved_span(s, after, delta)) for n, s in func.blocking),
        dependencies=tuple((r, _moved_span(s, after, delta)) for r, s in func.dependencies),
        alias_uses=tuple((r, _moved_span(s, after, delta)) for r, s in func.alias_uses),
    )


def _moved_call(call: CallSite, after: int, delta: int) -> CallSite:
    # built directly: ``replace`` costs several times more, for every call below the edit
    return CallSite(
        call.caller,
        call.target,
        _moved_span(call.span, after, delta),
        call.usage,
        call.offloaded,
        call.requires,
        call.positional,
        call.keywords,
    )


def _moved_summary(summary: ModuleSummary, after: int, delta: int) -> ModuleSummary:
    """Every position below line ``after`` moved by ``delta`` lines, the functions and call
    sites apart."""

    def span(s: Span) -> Span:
        return _moved_span(s, after, delta)

    def fix(f: Fix | None) -> Fix | None:
        if f is None:
            return None
        edits = tuple(
            Edit(
                _moved_position(e.start, after, delta),
                _moved_position(e.end, after, delta),
                e.new_text,
            )
            for e in f.edits
        )
        return replace(f, edits=edits)

    return replace(
        summary,
        import_lines={k: v + delta if v > after else v for k, v in summary.import_lines.items()},
        instances=tuple(replace(i, span=span(i.span)) for i in summary.instances),
        routes=tuple(
            replace(r, span=span(r.span), handler_span=span(r.handler_span)) for r in summary.routes
        ),
        includes=tuple(replace(i, span=span(i.span)) for i in summary.includes),
        model_refs=tuple(
            replace(m, span=span(m.span), create_fix=fix(m.create_fix)) for m in summary.model_refs
        ),
        called_dependencies=tuple(
            replace(c, span=span(c.span)) for c in summary.called_dependencies
        ),
        open_path_routes=tuple(
            replace(o, params=tuple((n, span(s)) for n, s in o.params))
            for o in summary.open_path_routes
        ),
    )


def _moved(
    state: _State,
    unit: _Unit,
    owner: _Unit | None,
    delta: int,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> None:
    """The units after the edited function move by ``delta`` lines; it gets its new node."""
    unit.node = function
    unit.stub = _function_stub(function)
    unit.last += delta
    if owner is not None:
        assert owner.members is not None
        owner.last += delta
        _move_after(owner.members, unit, delta)
        _move_after(state.units, owner, delta)
    else:
        _move_after(state.units, unit, delta)


def _move_after(units: list[_Unit], unit: _Unit, delta: int) -> None:
    if not delta:
        return
    index = next(i for i, u in enumerate(units) if u is unit)
    for later in units[index + 1 :]:
        later.first += delta
        later.last += delta
        later.offset += delta
        if later.members is not None:
            for member in _all_units(later.members):
                member.first += delta
                member.last += delta
                member.offset += delta
