"""Re-checking a module after an edit by analysing again only what the edit can change.

An editor sends one small edit at a time; a full check of a 22,000-line module costs over a
second, most of it spent on statements the edit did not touch. ``IncrementalChecker`` keeps
the tree and the findings of the last version and, when an edit stays inside the body of one
function (a module-level ``def`` or a method of module-level classes), re-parses only that
function and re-checks it on a *mini-module*: the function, the statements that name it, the
statements binding what it names (classes and anything further away by their headers),
every import, the registering calls (``include_router`` and the like) wherever they are, and
stubs keeping every other module-level name bound. Its findings replace the old ones inside
the re-checked statements; the other findings are kept, moved by the lines the edit added.

The findings must be exactly those of ``check_text`` on the new text (``tests/
test_incremental.py`` compares them on random edits). Whatever the mini-module cannot answer
is a full check:

- edits outside a function body (imports, module-level code, decorators and signatures,
  class bodies, blank lines between statements), and text that does not re-parse as the one
  function with the same header;
- edits that change what module-wide facts read from the function: ``global`` statements,
  nested definitions, calls building or registering with an application, ``Depends``
  (``MODULE_RULES`` keep their findings only while this summary is unchanged, and never when
  one of their findings touches the function);
- a mini-module above ``MAX_SHARE`` of a large module, and a previous check where a rule
  failed.

Statements the edited function names in a changed way (a call added, a keyword changed) and
statements naming it are re-checked with it: findings in them read its body (a dependency's
``yield``, a helper's return value) or how it uses them (a coroutine never awaited).
"""

from __future__ import annotations

import ast
import contextlib
import copy
import gc
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Diagnostic, Edit, Fix, Position, Related
from fastapi_lint.engine import CheckResult, ParseError, parse_module, run_rules
from fastapi_lint.facts import ModuleFacts, StatementFacts, statement_facts
from fastapi_lint.rules import Options, Rule
from fastapi_lint.source import SourceText

# Rules whose findings depend on statements far from where they are reported (every route of
# a router, every middleware of an app, every startup handler): never run on a mini-module.
MODULE_RULES = frozenset(
    {
        "FAS313",  # duplicate-route: all routes of a router
        "FAS314",  # shadowed-route: route order
        "FAS315",  # duplicate-operation-id: all routes of an app and its routers
        "FAS316",  # starlette-route-decorator: the routes and apps of the module
        "FAS408",  # on-event-handler: every startup/shutdown handler of an app
        "FAS501",  # cors-wildcard-with-credentials: the app's middleware
        "FAS508",  # cors-not-outermost: middleware order
        "FAS604",  # base-http-middleware: middleware classes and registrations
        "FAS701",  # httpx-app-shortcut: the module's apps
    }
)

# Calls that register routes, middleware, handlers or applications: when one of them changes
# inside the edited function, module-wide facts may change.
# Calls some rules read wherever they are (FAS304: a router included under a prefix with
# parameters anywhere in the module): every mini-module has them all.
_REGISTRATIONS = frozenset(
    {
        "include_router", "add_api_route", "add_api_websocket_route", "add_route",
        "add_websocket_route", "mount", "add_middleware", "add_exception_handler",
        "add_event_handler",
    }
)  # fmt: skip

_APP_CALLS = frozenset(
    {
        "FastAPI", "APIRouter", "Starlette", "Middleware", "Mount", "Route", "WebSocketRoute",
        "Depends", "Security", "include_router", "add_api_route", "add_api_websocket_route",
        "api_route", "add_route", "add_websocket_route", "route", "websocket", "mount",
        "add_middleware", "middleware", "add_exception_handler", "exception_handler",
        "add_event_handler", "on_event", "lifespan",
    }
)  # fmt: skip

# "at line 12" in a message moves with the line it names
_LINE_REFERENCE = re.compile(r"(\blines? )(\d+)\b")

MAX_SHARE = 0.5
SUMMARIES_KEPT = 64
MIN_LINES = 1000
SHORT_LINES = 5

_Node = TypeVar("_Node", bound=ast.AST)

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_IMPORTS = (ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class LineChange:
    """What an editor knows of the edits since an earlier text of the module: old lines
    ``first+1 .. old_last`` (1-based) became new lines ``first+1 .. new_last``, the lines
    around them are equal (a wider range than the edits is safe, only slower), and
    ``lines`` are the new text's, split as ``SourceText.lines`` splits them. ``before`` is
    the earlier text; the change is used only when it is the very text last checked
    (compared by identity), else the texts are compared."""

    before: str
    lines: list[str]
    first: int
    old_last: int
    new_last: int


@dataclass(eq=False)
class _Top:
    """A top-level statement of the current tree. ``shift`` lines are still to be added to
    its node's positions: statements after an edit move lazily, when a mini-module needs
    them whole; their stubs are small copies that move cheaply.

    A class's members move lazily too (an edit in a method of a large class moves the
    members after it): member ``i`` lies ``owed[i]`` lines further than its nodes say, on
    top of ``shift``; stubs and contexts are built from copies of the members, moved."""

    node: ast.stmt
    refs: frozenset[str]  # every name it mentions
    header_refs: frozenset[str]  # the names its stub keeps (a definition's header)
    bound: frozenset[str]  # module-level names it binds (imports excluded)
    has_import: bool
    globals_: tuple[ast.Global, ...]  # `global` statements anywhere inside
    registrations: tuple[ast.Call, ...]  # `include_router(...)` and the like, anywhere inside
    shift: int = 0
    _stubs: dict[str, tuple[list[ast.stmt], int]] = field(default_factory=dict)
    # a class's: lines owed by each member, and each member's globals and registering calls
    owed: list[int] = field(default_factory=list)
    member_globals: list[tuple[ast.Global, ...]] = field(default_factory=list)
    member_calls: list[tuple[ast.Call, ...]] = field(default_factory=list)
    _always_whole: bool | None = None
    _member_stubs: dict[int, ast.stmt] = field(default_factory=dict)  # see ``member_stub``

    @property
    def start(self) -> int:
        return _first_line(self.node) + self.shift

    @property
    def end(self) -> int:
        return (self.node.end_lineno or self.node.lineno) + self.shift

    def current(self) -> ast.stmt:
        if self.shift:
            _shift(self.node, self.shift)
            self.shift = 0
            self._stubs.clear()
        if any(self.owed):
            assert isinstance(self.node, ast.ClassDef)
            for member, owed in zip(self.node.body, self.owed, strict=True):
                _shift(member, owed)
            self.owed = [0] * len(self.owed)
        return self.node

    def always_whole(self, index: int) -> bool:
        """``_always_whole``, asked once (its answer does not change while the statement
        lies inside no edited function)."""
        if self._always_whole is None:
            self._always_whole = _always_whole(index, self)
        return self._always_whole

    def member_span(self, index: int) -> tuple[int, int]:
        """The lines of a class's member ``index``."""
        assert isinstance(self.node, ast.ClassDef)
        member = self.node.body[index]
        moved = self.shift + self.owed[index]
        return _first_line(member) + moved, _last_line(member) + moved

    def member(self, index: int) -> ast.stmt:
        """A class's member ``index`` at its place (the class's other nodes may lag)."""
        assert isinstance(self.node, ast.ClassDef)
        member = self.node.body[index]
        moved = self.shift + self.owed[index]
        if moved:
            _shift(member, moved)
            self.owed[index] -= moved
        return member

    def settle_shell(self) -> None:
        """Move a class's own nodes (decorators, bases, its lines) to their place; its
        members keep lagging, by ``owed``."""
        assert isinstance(self.node, ast.ClassDef)
        if not self.shift:
            return
        node = self.node
        for part in [*node.decorator_list, *node.bases, *node.keywords]:
            _shift(part, self.shift)
        node.lineno += self.shift
        node.end_lineno = (node.end_lineno or node.lineno) + self.shift
        self.owed = [owed + self.shift for owed in self.owed]
        self.shift = 0
        self._stubs.clear()

    def member_stub(self, index: int) -> ast.stmt:
        """``_member_stub`` of a class's member ``index`` at its place: made once, moved to
        the member's line whenever asked (it keeps its shape while the member is not
        edited)."""
        assert isinstance(self.node, ast.ClassDef)
        member = self.node.body[index]
        line = member.lineno + self.shift + self.owed[index]
        stub = self._member_stubs.get(index)
        if stub is None:
            stub = self._member_stubs[index] = _member_stub(member, self.member_globals[index])
        if stub.lineno != line:
            _shift(stub, line - stub.lineno)
        return stub

    def member_copy(self, index: int, nodes: list[_Node]) -> list[_Node]:
        """Copies made from member ``index`` (new nodes only), moved by what it owes."""
        owed = self.owed[index] if self.owed else 0
        for node in nodes:
            _shift(node, owed)
        return nodes

    def registration_stubs(self, leave_out: tuple[int, ast.stmt] | None = None) -> list[ast.stmt]:
        """The registering calls as module-level expressions, but those inside
        ``leave_out``: (the index of a class's member at its place, a node inside it)."""
        if not isinstance(self.node, ast.ClassDef):
            return _registration_stubs(self.registrations)
        stubs = _registration_stubs(self._shell_calls())
        for index, calls in enumerate(self.member_calls):
            if leave_out is not None and index == leave_out[0]:
                calls = tuple(c for c in calls if not _within(c, leave_out[1]))
            stubs += self.member_copy(index, _registration_stubs(calls))
        return stubs

    def _shell_calls(self) -> tuple[ast.Call, ...]:
        inside = {id(c) for calls in self.member_calls for c in calls}
        return tuple(c for c in self.registrations if id(c) not in inside)

    def stub(self, kind: str) -> list[ast.stmt]:
        """``"names"``: statements binding the same names at the same places, with the
        imports and ``global`` statements inside; ``"header"``: a definition with its
        decorators, signature and bases, and nothing of its body but ``global`` statements
        (and a class's statements other than methods). Built once, moved cheaply."""
        built = self._stubs.get(kind)
        if built is None:
            if kind == "registrations":
                built = (self.registration_stubs(), 0)
            elif isinstance(self.node, ast.ClassDef) and kind == "header":
                return [_class_header(self)]  # its members' stubs move on their own
            elif isinstance(self.node, ast.ClassDef):
                built = ([_class_stub(self)], 0)
            elif kind == "block":
                copied = [copy.deepcopy(self.node)]
                inner = _in_definitions(self.node, self.registrations)
                built = (_name_stubs(copied, keep_simple=True) + _registration_stubs(inner), 0)
            elif isinstance(self.node, _DEFINITIONS):
                stub = _header_copy if kind == "header" else _definition_name_stub
                built = ([stub(self.node, self.globals_)], 0)
            else:
                copied = [copy.deepcopy(self.node)]
                built = (_name_stubs(copied, keep_simple=kind == "block"), 0)
        nodes, moved = built
        if moved != self.shift:
            for node in nodes:
                _shift(node, self.shift - moved)
        self._stubs[kind] = (nodes, self.shift)
        return nodes


@dataclass
class _State:
    text: str
    lines: list[str]
    tree: ast.Module
    tops: list[_Top]
    diagnostics: list[Diagnostic]
    app_names: frozenset[str]
    binders: dict[str, list[int]] = field(default_factory=dict)  # name → indices of tops
    imported: frozenset[str] = frozenset()  # names some module-level import binds
    anchors: set[int] | None = None  # see ``_anchors``
    edited_refs: frozenset[str] = frozenset()  # the names the last edited method mentions


@dataclass(frozen=True)
class _Target:
    """The function an edit falls in: its top-level statement and the classes around it."""

    top: int
    chain: tuple[ast.ClassDef, ...]  # enclosing classes, outermost first (empty: module def)
    node: ast.FunctionDef | ast.AsyncFunctionDef


class _Fallback(Exception):
    """The edit needs a full check."""


class IncrementalChecker:
    """Checks successive versions of one module; ``check`` returns what ``check_text`` would."""

    def __init__(
        self,
        path: str,
        rules: Sequence[Rule],
        settings: Settings | None = None,
        *,
        module_name: str | None = None,
    ) -> None:
        self.path = path
        self.rules = tuple(rules)
        self.settings = settings
        self.module_name = module_name
        self.options: dict[str, Options] | None = (
            {r.code: settings.options_for(r) for r in self.rules} if settings else None
        )
        self._local_rules = [r for r in self.rules if r.code not in MODULE_RULES]
        # a mini-module above this share of a module's lines is not worth it (small modules
        # are always re-checked incrementally, which the tests rely on)
        self.max_share = MAX_SHARE
        self.min_lines = MIN_LINES
        self._state: _State | None = None
        # function text → its summaries (see ``_summaries``); emptied by a full check
        self._summaries_of: dict[str, tuple[Counter[str], Counter[tuple[str, str]]]] = {}
        self.source: SourceText | None = None  # of the last version checked
        # "full", "incremental" or "unchanged", and why the last check was full: for tests
        # and benchmarks
        self.last_mode = "none"
        self.last_reason = ""
        # the last check's findings that are an earlier version's moved by lines the edit
        # added or removed: id of the new finding → the earlier one (findings kept as they
        # were are the same objects); the server shifts their LSP form instead of converting
        self.last_moves: dict[int, Diagnostic] = {}
        # the mini-modules are this one tree, its body changed for each: the walk and name
        # tables of each statement put in it are made once, on it, and joined for the next
        # mini-modules holding the same statement (the imports, the stubs, the statements
        # nothing edited): id → (statement, its facts, the number of the check last using it)
        self._tree = ast.Module(body=[], type_ignores=[])
        self._parts: dict[int, tuple[ast.stmt, StatementFacts, int]] = {}
        self._checks = 0
        self._pooled: tuple[tuple[frozenset[str], frozenset[str]], list[ast.stmt]] | None
        self._pooled = None

    def check(self, text: str, change: LineChange | None = None) -> CheckResult:
        """Check ``text``, the next version of the module (``change``: how it differs from
        an earlier one, if known). Raises ``ParseError`` like ``check_text`` when it does
        not parse (the last good version is kept)."""
        with collection_paused():
            return self._check(text, change)

    def _check(self, text: str, change: LineChange | None) -> CheckResult:
        state = self._state
        self.last_reason = "no earlier version" if state is None else ""
        self.last_moves = {}
        if state is not None and text == state.text:
            self.last_mode = "unchanged"
            self.source = _source(text, state.lines)
            return CheckResult(list(state.diagnostics))
        if state is not None:
            try:
                result = self._incremental(state, text, change)
                self.last_mode = "incremental"
                return result
            except _Fallback as reason:
                self.last_reason = str(reason)
            except Exception as error:  # a bug here must not cost the user the findings
                self._state = None
                self.last_reason = f"error: {type(error).__name__}: {error}"
        self.last_mode = "full"
        return self._full(text)

    # --- full check -------------------------------------------------------------------------

    def _full(self, text: str) -> CheckResult:
        self._summaries_of.clear()  # the module's names and apps may change
        lines = _split_lines(text)
        tree = parse_module(text, self.path)
        source = _source(text, lines)
        facts = ModuleFacts(tree, source, self.path, self.module_name)
        result = run_rules(facts, self.rules, self.options)
        self.source = source
        if result.failures or _changes_parsing(tree):
            self._state = None  # nothing to build on: the next version is checked in full
            return result
        tops = [_top(node) for node in tree.body]
        self._state = _State(
            text, lines, tree, tops, list(result.diagnostics), frozenset(facts.apps)
        )
        self._index(self._state)
        return result

    @staticmethod
    def _index(state: _State) -> None:
        binders: dict[str, list[int]] = {}
        for index, top in enumerate(state.tops):
            for name in top.bound:
                binders.setdefault(name, []).append(index)
        state.binders = binders
        state.imported = frozenset(
            alias.asname or alias.name.split(".")[0]
            for top in state.tops
            if top.has_import
            for node in ast.walk(top.node)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        )

    # --- incremental check ------------------------------------------------------------------

    def _incremental(self, state: _State, text: str, change: LineChange | None) -> CheckResult:
        if change is not None and change.before is state.text and change.lines:
            lines, first = change.lines, change.first
            old_last, new_last = change.old_last, change.new_last
        else:
            lines, first, old_last, new_last = _diff(state.text, state.lines, text)
        delta = new_last - old_last
        target = _find_target(state, first, max(old_last, first))
        old_node = target.node
        old_end = old_node.end_lineno or old_node.lineno
        new_node, new_text = _reparse(lines, old_node, old_end, delta)
        if _header(new_node) != _header(old_node):
            raise _Fallback("the function's header changed")
        names = frozenset(state.binders)
        old_text = "".join(state.lines[_first_line(old_node) - 1 : old_end])
        old_summary = self._summaries(old_node, old_text, state.app_names, names)
        new_summary = self._summaries(new_node, new_text, state.app_names, names)
        if old_summary[0] != new_summary[0]:
            raise _Fallback("a module-wide summary of the function changed")
        before, after = old_summary[1], new_summary[1]
        changed = {name for name, _ in (before - after) + (after - before)}
        group = _group(state, target, changed)
        old_span = (_first_line(old_node), old_node.end_lineno or old_node.lineno)
        dropped = [old_span] + [(state.tops[i].start, state.tops[i].end) for i in group]
        if target.chain:
            dropped.remove((state.tops[target.top].start, state.tops[target.top].end))
        moves: dict[int, Diagnostic] = {}
        kept = _kept_diagnostics(
            state.diagnostics, old_span, dropped, first, old_last, delta, moves
        )

        # from here on the tree is the new text's: a fallback must forget it
        self._state = None
        if target.chain:  # the class is changed in place: its joined facts are stale
            self._parts.pop(id(state.tops[target.top].node), None)
        _splice(state, target, new_node, delta)
        assert isinstance(new_node, _FUNCTIONS)
        target = _Target(target.top, target.chain, new_node)
        source = _source(text, lines)
        body, focus = self._mini_module(state, target, group, len(lines))
        facts = self._composed(body, source)
        facts.focus = focus
        result = run_rules(facts, self._local_rules, self.options)
        if result.failures:
            raise _Fallback("a rule failed on the mini-module")
        spans = [(_first_line(new_node), new_node.end_lineno or new_node.lineno)]
        spans += [(state.tops[i].start, state.tops[i].end) for i in group if i != target.top]
        fresh = [d for d in result.diagnostics if _inside(d.start.line, spans)]

        state.text, state.lines, state.diagnostics = text, lines, _sorted_unique([*kept, *fresh])
        self._state = state
        self.last_moves = moves
        self.source = source
        return CheckResult(list(state.diagnostics))

    def _summaries(
        self, node: ast.stmt, text: str, app_names: frozenset[str], names: frozenset[str]
    ) -> tuple[Counter[str], Counter[tuple[str, str]]]:
        """What module-wide facts read from a function, and how it uses module-level names.
        They depend on its text alone while the module's names stay those of the last full
        check: kept by text for the functions edited lately (the next edit of one starts
        from its text)."""
        memo = self._summaries_of
        found = memo.get(text)
        if found is None:
            found = memo[text] = (_app_summary(node, app_names), _reference_keys(node, names))
            if len(memo) > SUMMARIES_KEPT:
                del memo[next(iter(memo))]
        return found

    def _composed(self, body: list[ast.stmt], source: SourceText) -> ModuleFacts:
        """The facts of the mini-module ``body``, joined from those of its statements (made
        for the statements no earlier mini-module held)."""
        self._checks += 1
        checks, cache, tree = self._checks, self._parts, self._tree
        parts: list[StatementFacts] = []
        for statement in body:
            entry = cache.get(id(statement))
            part = entry[1] if entry is not None and entry[0] is statement else None
            if part is None:
                part = statement_facts(tree, statement, self.module_name)
            cache[id(statement)] = (statement, part, checks)
            parts.append(part)
        if len(cache) > 2 * len(body) + 100:  # forget what recent mini-modules did not use
            for key in [k for k, entry in cache.items() if entry[2] < checks - 8]:
                del cache[key]
        tree.body = body
        return ModuleFacts.composed(tree, source, self.path, self.module_name, parts)

    def _pooled_stub(self, names: set[str], globals_: set[str], line: int) -> list[ast.stmt]:
        """``_pooled_stub``, the same statements (moved to the new last line) while the
        pooled names stay the same."""
        key = (frozenset(names), frozenset(globals_))
        if self._pooled is None or self._pooled[0] != key:
            self._pooled = (key, _pooled_stub(names, globals_, line))
        stubs = self._pooled[1]
        for stub in stubs:
            _shift(stub, max(line, 1) - stub.lineno)
        return stubs

    def _mini_module(
        self, state: _State, target: _Target, group: list[int], module_lines: int
    ) -> tuple[list[ast.stmt], frozenset[ast.stmt]]:
        """The statements of ``group``, what they need, and stubs for the rest; and the
        statements standing for ``group`` (the focus of its rules)."""
        kinds = _context(state, target, group)
        total = sum(
            state.tops[i].end - state.tops[i].start + 1
            for i, kind in kinds.items()
            if kind == "full" and i != target.top
        )
        total += _last_line(target.node) - _first_line(target.node) + 1
        if module_lines > self.min_lines and total > self.max_share * module_lines:
            raise _Fallback("the mini-module would be too large")
        if state.anchors is None:
            state.anchors = _anchors(state.tops)
        precise = state.anchors
        body: list[ast.stmt] = []
        pooled: set[str] = set()
        pooled_globals: set[str] = set()
        group_set = set(group)
        focus: list[ast.stmt] = []
        for index, top in enumerate(state.tops):
            kind = kinds.get(index)
            if index in group_set:
                focus.append(top.node)
            if index == target.top and target.chain:
                focus[-1] = _class_context(top, target.chain, target.node)
                body.append(focus[-1])
                outer = target.chain[1] if len(target.chain) > 1 else target.node
                at = next(i for i, m in enumerate(target.chain[0].body) if m is outer)
                body += top.registration_stubs(leave_out=(at, target.node))
            elif kind == "full" and _is_block(top.node) and index not in group:
                body += top.stub("block")
            elif kind == "full" or top.always_whole(index):
                body.append(top.current())
            elif kind == "header":
                body += top.stub("header")
                body += top.stub("registrations") if top.registrations else []
            elif index in precise or top.has_import or top.bound & state.imported:
                body += top.stub("names")
                body += top.stub("registrations") if top.registrations else []
            else:
                pooled |= top.bound
                pooled_globals.update(n for g in top.globals_ for n in g.names)
                body += top.stub("registrations") if top.registrations else []
        body += self._pooled_stub(pooled, pooled_globals, module_lines)
        return body, frozenset(focus)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a check runs: it makes tens of thousands of
    objects (walks, tables, stubs) that reference counting frees when it ends, and
    collections in the middle walk them again and again (a tenth of an edit's time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _always_whole(index: int, top: _Top) -> bool:
    """Imports, the docstring, and the module's logger (FAS603's fix uses it whatever
    function it is in)."""
    if isinstance(top.node, _IMPORTS):
        return True
    return _is_short_simple(index, top) and (index == 0 or _is_logger(top.node))


def _anchors(tops: list[_Top]) -> set[int]:
    """The statements that keep their place although nothing names them: the one ending the
    first run of imports and the one after the last import, where fixes add an import or
    a logger."""
    anchors: set[int] = set()
    in_first_run = True
    last_import = -1
    for index, top in enumerate(tops):
        is_import = isinstance(top.node, _IMPORTS)
        if is_import:
            last_import = index
        elif in_first_run and last_import >= 0:
            anchors.add(index)
            in_first_run = False
    anchors.add(last_import + 1)
    return anchors


def _in_definitions(node: ast.stmt, calls: Sequence[ast.Call]) -> list[ast.Call]:
    """The calls that lie inside a definition nested in a block (a block's stub keeps its
    other statements whole)."""
    definitions = [n for n in ast.walk(node) if isinstance(n, _DEFINITIONS)]
    return [c for c in calls if any(_within(c, d) for d in definitions)]


def _registration_stubs(calls: Sequence[ast.Call]) -> list[ast.stmt]:
    """The registering calls of a statement, copied as module-level expressions."""
    stubs: list[ast.stmt] = []
    for call in calls:
        expression = ast.Expr(value=copy.deepcopy(call))
        stubs.append(_placed(expression, call.lineno, call.col_offset))
    return stubs


def _is_logger(node: ast.stmt) -> bool:
    """``name = logging.getLogger(...)``: the module's logger, which FAS603's fix uses
    whatever function it is in."""
    value = getattr(node, "value", None)
    return isinstance(value, ast.Call) and _terminal(value.func) == "getLogger"


def _pooled_stub(names: set[str], globals_: set[str], line: int) -> list[ast.stmt]:
    """One ``for a, b, ... in (): pass`` (and one ``global``) at the end of the module for the
    names of statements nothing in the mini-module mentions: they only need to stay bound. A
    loop binds them without an assigned value that rules would read (a thousand names in one
    assignment cost FAS502 more than the rest of the mini-module)."""
    line = max(line, 1)
    stubs: list[ast.stmt] = []
    if names:
        targets: list[ast.expr] = [
            _placed(ast.Name(name, ast.Store()), line, 0) for name in sorted(names)
        ]
        target = _placed(ast.Tuple(elts=targets, ctx=ast.Store()), line, 0)
        empty = _placed(ast.Tuple(elts=[], ctx=ast.Load()), line, 0)
        body: list[ast.stmt] = [_placed(ast.Pass(), line, 0)]
        loop = ast.For(target=target, iter=empty, body=body, orelse=[])
        stubs.append(_placed(loop, line, 0))
    if globals_:
        declaration = _placed(ast.Global(names=sorted(globals_)), line, 0)
        test = _placed(ast.Constant(True), line, 0)
        stubs.append(_placed(ast.If(test=test, body=[declaration], orelse=[]), line, 0))
    return stubs


def _context(state: _State, target: _Target, group: list[int]) -> dict[int, str]:
    """How each statement the mini-module needs goes in: ``"full"`` or ``"header"``.

    The re-checked statements go in whole, with the statements naming them; the statements
    binding a name they mention go in whole too (rules read a helper's body, a dependency's
    ``yield``, a module variable's value), except classes, which keep their headers and
    non-method statements. From there on, definitions keep only their headers: what rules
    follow further is a signature (a ``Depends`` chain), never a body."""
    kinds: dict[int, str] = {i: "full" for i in group}
    for index in group:
        for name in _owned_names(state.tops[index], target, index):
            for referrer in _referrers(state, name):
                kinds.setdefault(referrer, "full")
    frontier: list[tuple[int, Iterable[str]]] = []
    for index in kinds:
        if index == target.top and target.chain:
            refs: Iterable[str] = state.edited_refs | state.tops[index].header_refs
        else:
            refs = state.tops[index].refs
        frontier.append((index, refs))
    depth = 1
    while frontier:
        following: list[tuple[int, Iterable[str]]] = []
        for _, refs in frontier:
            for name in refs:
                for binder in state.binders.get(name, ()):
                    if binder in kinds:
                        continue
                    top = state.tops[binder]
                    whole = not isinstance(top.node, _DEFINITIONS) or (
                        depth == 1 and isinstance(top.node, _FUNCTIONS)
                    )
                    kinds[binder] = "full" if whole else "header"
                    following.append((binder, top.refs if whole else top.header_refs))
        frontier = following
        depth += 1
    return kinds


def _group(state: _State, target: _Target, changed_refs: set[str]) -> list[int]:
    """The top-level statements whose findings are found again: the one holding the
    function, those naming the function (its module-level name, or for ``__init__`` its
    class), and those the function names in a changed way."""
    group = {target.top}
    owner_name = target.chain[0].name if target.chain else target.node.name
    if not target.chain or target.node.name == "__init__":
        group.update(_referrers(state, owner_name))
    for name in changed_refs:
        group.update(state.binders.get(name, ()))
    return sorted(group)


def _kept_diagnostics(
    diagnostics: list[Diagnostic],
    function: tuple[int, int],
    dropped: list[tuple[int, int]],
    first: int,
    old_last: int,
    delta: int,
    moves: dict[int, Diagnostic],
) -> list[Diagnostic]:
    """The old findings that stay, moved (``moves``: id of a moved one → the old one);
    those inside re-checked statements go (they are found again). Raises ``_Fallback`` when
    a kept finding points into the edit, or a module-wide rule's finding into the
    function."""
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        if diagnostic.code in MODULE_RULES:
            if any(function[0] <= p.line <= function[1] for p in _positions(diagnostic)):
                raise _Fallback("a module-wide finding reads the function")
        elif _inside(diagnostic.start.line, dropped):
            continue
        moved = _moved(diagnostic, first, old_last, delta)
        if moved is None:
            raise _Fallback("a kept finding points into the edit")
        if moved is not diagnostic:
            moves[id(moved)] = diagnostic
        kept.append(moved)
    return kept


def _splice(state: _State, target: _Target, new_node: ast.stmt, delta: int) -> None:
    """Make the state's tree the new text's: the function replaced, what follows moved."""
    if not target.chain:
        state.tree.body[target.top] = new_node
        state.tops[target.top] = _top(new_node)
    else:
        top = state.tops[target.top]
        top.settle_shell()
        outer = target.chain[1] if len(target.chain) > 1 else target.node
        index = next(i for i, m in enumerate(target.chain[0].body) if m is outer)
        shell_calls = top._shell_calls()
        _replace_member(target.chain, target.node, new_node, delta, top.owed)
        member = target.chain[0].body[index]
        refs, top.member_globals[index], top.member_calls[index] = _member_facts(member)
        if member is not new_node:
            refs = _refs(new_node)
        state.edited_refs = refs
        top.refs = top.refs | refs  # a superset is safe: more gets re-checked
        top.globals_ = tuple(g for found in top.member_globals for g in found)
        top.registrations = (*shell_calls, *(c for found in top.member_calls for c in found))
        top._stubs.clear()
        top._member_stubs.pop(index, None)  # its shape changed
    for later in state.tops[target.top + 1 :]:
        later.shift += delta


# --- the edit -------------------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    """Lines with their terminators, as ``SourceText.lines`` splits them."""
    if "\r" in text:
        return SourceText(text).lines
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines or [""]


def _source(text: str, lines: list[str]) -> SourceText:
    source = SourceText(text)
    # already split: spares the regular expression and the loop over every line (the line
    # offsets stay lazy: few findings need them)
    source.__dict__["lines"] = lines
    return source


def _diff(old: str, old_lines: list[str], new: str) -> tuple[list[str], int, int, int]:
    """The new text's lines, and ``(first, old_last, new_last)``: old lines
    ``first+1 .. old_last`` (1-based) became new lines ``first+1 .. new_last``; the lines
    before and after are equal. Only the changed part of the new text is split."""
    if not old or not new or "\r" in old or "\r" in new:
        new_lines = _split_lines(new)
        return (new_lines, *_changed_lines(old_lines, new_lines))
    shortest = min(len(old), len(new))
    prefix = _common_length(old, new, shortest, backwards=False)
    suffix = _common_length(old, new, shortest - prefix, backwards=True)
    first = old.count("\n", 0, prefix)  # the line holding the first difference
    line_start = old.rfind("\n", 0, prefix) + 1
    new_count = new.count("\n") + (0 if new.endswith("\n") else 1)
    trailing = min(
        _lines_within(old, len(old) - suffix, len(old_lines)),
        _lines_within(new, len(new) - suffix, new_count),
        len(old_lines) - first,
        new_count - first,
    )
    kept_from = len(old_lines) - trailing  # the first old line of the unchanged end
    kept_chars = sum(len(line) for line in old_lines[kept_from:]) if trailing else 0
    middle = _split_lines(new[line_start : len(new) - kept_chars]) if new else []
    if middle == [""]:
        middle = []
    new_lines = [*old_lines[:first], *middle, *old_lines[kept_from:]] or [""]
    return new_lines, first, kept_from, first + len(middle)


def _common_length(a: str, b: str, limit: int, *, backwards: bool) -> int:
    """How many characters ``a`` and ``b`` share at their start (or end), at most ``limit``:
    blocks compared in C, then characters."""
    block = 4096
    length = 0
    while length < limit:
        size = min(block, limit - length)
        if backwards:
            same = (
                a[len(a) - length - size : len(a) - length]
                == b[len(b) - length - size : len(b) - length]
            )
        else:
            same = a[length : length + size] == b[length : length + size]
        if not same:
            break
        length += size
    while length < limit:
        if backwards:
            if a[len(a) - length - 1] != b[len(b) - length - 1]:
                break
        elif a[length] != b[length]:
            break
        length += 1
    return length


def _lines_within(text: str, start: int, count: int) -> int:
    """How many of the text's ``count`` lines begin at or after ``start``."""
    if start <= 0:
        return count
    begun_before = 1 + text.count("\n", 0, start - 1)
    return max(0, count - begun_before)


def _changed_lines(old: list[str], new: list[str]) -> tuple[int, int, int]:
    """``_diff`` on lists of lines."""
    shortest = min(len(old), len(new))
    first = 0
    while first < shortest and old[first] == new[first]:
        first += 1
    suffix = 0
    while suffix < shortest - first and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return first, len(old) - suffix, len(new) - suffix


def _find_target(state: _State, first: int, last: int) -> _Target:
    """The innermost function (module-level, or a method of module-level classes) whose body
    holds the edit: lines after ``first`` up to ``last`` (1-based) changed, or new lines were
    inserted after line ``first``."""
    for index, top in enumerate(state.tops):
        if top.start > first:
            break
        if last > top.end:
            continue
        chain: list[ast.ClassDef] = []
        if isinstance(top.node, ast.ClassDef):  # its members may lag: found by their lines
            chain.append(top.node)
            spans = [top.member_span(i) for i in range(len(top.node.body))]
            found = [i for i, (start, end) in enumerate(spans) if start <= first and last <= end]
            if not found:
                raise _Fallback("the edit is in a class body")
            node = top.member(found[0])
        else:
            node = top.current()
        while isinstance(node, ast.ClassDef):
            chain.append(node)
            member = next(
                (m for m in node.body if _first_line(m) <= first and last <= _last_line(m)),
                None,
            )
            if member is None:
                raise _Fallback("the edit is in a class body")
            node = member
        # the header must stay as it is: the edit starts after its last line
        if not isinstance(node, _FUNCTIONS) or first < _header_end(node):
            raise _Fallback("the edit is outside a function body")
        return _Target(index, tuple(chain), node)
    raise _Fallback("the edit is outside any function")


def _reparse(lines: list[str], old: ast.stmt, old_end: int, delta: int) -> tuple[ast.stmt, str]:
    """The function's new text parsed alone, with the positions it has in the module; and
    that text."""
    start = _first_line(old)
    end = old_end + delta
    if end < start:
        raise _Fallback("the function lost its lines")
    text = "".join(lines[start - 1 : end])
    # blank lines in front give the nodes their lines in the module (cheaper than moving them)
    prefix = "\n" * (start - 2) + "if 1:\n" if old.col_offset else "\n" * (start - 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(prefix + text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        raise _Fallback("the function does not parse alone") from None
    body = tree.body
    if old.col_offset:
        if len(body) != 1 or not isinstance(body[0], ast.If):
            raise _Fallback("the function does not parse alone")
        body = body[0].body
    if len(body) != 1 or type(body[0]) is not type(old) or body[0].col_offset != old.col_offset:
        raise _Fallback("the function does not parse alone as one statement")
    node = body[0]
    if (node.end_lineno or node.lineno) != end:
        raise _Fallback("the function's last lines changed")
    return node, text


# Contexts and operators are shared singletons without positions: never walked.
_SHARED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def _shift(node: ast.AST, lines: int) -> None:
    """``ast.increment_lineno``, without visiting the shared singletons or the fields that
    hold no node, and with less overhead per node (statements after an edit move on every
    edit)."""
    if not lines:
        return
    stack = [node]
    push, extend, fields_of = stack.append, stack.extend, _CHILD_FIELDS
    while stack:
        current = stack.pop()
        kind = type(current)
        fields = fields_of.get(kind)
        if fields is None:
            fields = fields_of[kind] = _child_fields(kind)
        line = getattr(current, "lineno", None)
        if line is not None:
            current.lineno = line + lines  # type: ignore[attr-defined]
            end = getattr(current, "end_lineno", None)
            if end is not None:
                current.end_lineno = end + lines  # type: ignore[attr-defined]
        for name in fields:
            value = getattr(current, name, None)
            if type(value) is list:
                extend(
                    item
                    for item in value
                    if isinstance(item, ast.AST) and not isinstance(item, _SHARED)
                )
            elif isinstance(value, ast.AST) and not isinstance(value, _SHARED):
                push(value)


# Fields that never hold a node: names, flags and the shared singletons (``ctx``, ``op``).
_SCALAR_FIELDS = frozenset(
    {
        "ctx", "op", "ops", "id", "attr", "arg", "kind", "type_comment", "asname", "module",
        "level", "conversion", "is_async", "simple",
    }
)  # fmt: skip
_CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}


def _child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node class that may hold nodes (``name`` is a string in definitions,
    handlers, aliases and patterns; ``Constant.value`` is the constant itself)."""
    skipped = set(_SCALAR_FIELDS)
    if kind in (*_DEFINITIONS, ast.ExceptHandler, ast.alias, ast.MatchAs, ast.MatchStar):
        skipped.add("name")
    if kind is ast.Constant:
        skipped.add("value")
    return tuple(name for name in kind._fields if name not in skipped)


def _replace_member(
    chain: tuple[ast.ClassDef, ...], old: ast.stmt, new: ast.stmt, delta: int, owed: list[int]
) -> None:
    """Put ``new`` in place of ``old`` in the innermost class; move what follows it in each
    class of the chain (in the outermost, by adding to the lines its members ``owed``)."""
    for depth in range(len(chain) - 1, -1, -1):
        cls = chain[depth]
        inner = old if depth == len(chain) - 1 else chain[depth + 1]
        after = False
        for position, member in enumerate(cls.body):
            if after:
                if depth:
                    _shift(member, delta)
                else:
                    owed[position] += delta
            elif member is inner:
                if inner is old:
                    cls.body[position] = new
                after = True
        # a class ends where its last statement ends
        last = cls.body[-1]
        cls.end_lineno = (last.end_lineno or last.lineno) + (0 if depth else owed[-1])
        cls.end_col_offset = last.end_col_offset


# --- what a statement names and binds ---------------------------------------------------------


def _top(node: ast.stmt) -> _Top:
    header = _header_parts(node) if isinstance(node, _DEFINITIONS) else [node]
    header_refs = frozenset().union(*(_refs(part) for part in header))
    refs: set[str] = set()
    globals_: list[ast.Global] = []
    registrations: list[ast.Call] = []
    for child in ast.walk(node):
        kind = type(child)
        if kind is ast.Name:
            refs.add(child.id)  # type: ignore[attr-defined]
        elif kind is ast.Global:
            globals_.append(child)  # type: ignore[arg-type]
        elif isinstance(child, ast.Call) and _terminal(child.func) in _REGISTRATIONS:
            registrations.append(child)
    top = _Top(
        node,
        frozenset(refs),
        header_refs,
        _bound(node),
        _contains_import(node),
        tuple(globals_),
        tuple(registrations),
    )
    if isinstance(node, ast.ClassDef):
        top.owed = [0] * len(node.body)
        for member in node.body:
            _, member_globals, member_calls = _member_facts(member)
            top.member_globals.append(member_globals)
            top.member_calls.append(member_calls)
    return top


def _member_facts(
    member: ast.stmt,
) -> tuple[frozenset[str], tuple[ast.Global, ...], tuple[ast.Call, ...]]:
    """The names a class member mentions, its ``global`` statements and registering calls
    (in source order), in one walk."""
    refs: set[str] = set()
    found_globals: list[ast.Global] = []
    calls: list[ast.Call] = []
    for child in ast.walk(member):
        if type(child) is ast.Name:
            refs.add(child.id)
        elif isinstance(child, ast.Global):
            found_globals.append(child)
        elif isinstance(child, ast.Call) and _terminal(child.func) in _REGISTRATIONS:
            calls.append(child)
    found_globals.sort(key=lambda g: (g.lineno, g.col_offset))
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    return frozenset(refs), tuple(found_globals), tuple(calls)


def _header_parts(node: ast.stmt) -> list[ast.AST]:
    """What a header stub keeps of a definition: decorators, signature, bases, and a class's
    statements other than methods (with the headers of its methods)."""
    parts: list[ast.AST] = [*getattr(node, "decorator_list", ())]
    if isinstance(node, _FUNCTIONS):
        parts.append(node.args)
        if node.returns is not None:
            parts.append(node.returns)
    elif isinstance(node, ast.ClassDef):
        parts += [*node.bases, *node.keywords]
        for member in node.body:
            parts += _header_parts(member) if isinstance(member, _DEFINITIONS) else [member]
    return parts


def _refs(node: ast.AST) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(node) if isinstance(n, ast.Name))


def _bound(node: ast.stmt) -> frozenset[str]:
    """Names a top-level statement binds at module level (imports excluded: they are always
    in the mini-module)."""
    if isinstance(node, _DEFINITIONS):
        return frozenset({node.name})
    if isinstance(node, _IMPORTS):
        return frozenset()
    names: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, _DEFINITIONS):
            names.add(current.name)
            continue  # their bodies bind their own names
        if isinstance(current, ast.Name) and not isinstance(current.ctx, ast.Load):
            names.add(current.id)
        elif isinstance(current, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and (
            current.name
        ):
            names.add(current.name)
        elif isinstance(current, _IMPORTS):
            for alias in current.names:
                names.add(alias.asname or alias.name.split(".")[0])
        stack.extend(ast.iter_child_nodes(current))
    return frozenset(names)


def _contains_import(node: ast.stmt) -> bool:
    if isinstance(node, _IMPORTS):
        return True
    if isinstance(node, _DEFINITIONS):
        return False
    return any(isinstance(n, _IMPORTS) for n in ast.walk(node))


def _is_short_simple(index: int, top: _Top) -> bool:
    """The module docstring, and short module-level calls and assignments of a call's
    value: rules read some of them whatever the function names (the module's logger, its
    apps, the routers it includes)."""
    node = top.node
    if index == 0 and isinstance(node, ast.Expr):
        return True
    if not isinstance(node, ast.Expr | ast.Assign | ast.AnnAssign):
        return False
    return isinstance(node.value, ast.Call) and top.end - top.start < SHORT_LINES


def _is_block(node: ast.stmt) -> bool:
    """``if``, ``try``, ``with``, loops: statements holding statements, not definitions."""
    return hasattr(node, "body") and not isinstance(node, _DEFINITIONS)


def _referrers(state: _State, name: str) -> list[int]:
    return [i for i, top in enumerate(state.tops) if name in top.refs and name not in top.bound]


def _owned_names(top: _Top, target: _Target, index: int) -> frozenset[str]:
    """The module-level names through which other statements reach this one (for a method,
    only ``__init__`` is reached through its class: ``Depends(Class)``)."""
    if index == target.top and target.chain:
        if target.node.name == "__init__":
            return frozenset({target.chain[0].name})
        return frozenset()
    if isinstance(top.node, _DEFINITIONS):
        return top.bound
    return frozenset()


def _last_line(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        lines: list[int] = [node.lineno, *(d.lineno for d in decorators)]
        return min(lines)
    return node.lineno


def _header_end(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The last line of the ``def`` header as far as nodes tell (the body starts after it)."""
    parts: list[ast.AST] = [*node.decorator_list]
    args = node.args
    parts += [*args.posonlyargs, *args.args, *args.kwonlyargs, *args.defaults]
    parts += [d for d in args.kw_defaults if d is not None]
    parts += [a for a in (args.vararg, args.kwarg, node.returns) if a is not None]
    ends: list[int] = [getattr(p, "end_lineno", None) or node.lineno for p in parts]
    return max([node.lineno, *ends])


def _header(node: ast.stmt) -> str:
    """Everything of a definition but its body."""
    assert isinstance(node, _FUNCTIONS)
    parts = [
        type(node).__name__,
        node.name,
        *(ast.dump(d) for d in node.decorator_list),
        ast.dump(node.args),
        ast.dump(node.returns) if node.returns is not None else "",
        *(ast.dump(p) for p in getattr(node, "type_params", ())),
    ]
    return "\x00".join(parts)


def _app_summary(node: ast.stmt, app_names: frozenset[str]) -> Counter[str]:
    """What module-wide facts read from a function's body: ``global`` statements, nested
    definitions, and calls that build or register with an application."""
    summary: Counter[str] = Counter()
    assert isinstance(node, _FUNCTIONS)
    local_apps = set(app_names)
    for child in _body_nodes(node):
        if isinstance(child, ast.Global | ast.Nonlocal):
            summary[ast.dump(child)] += 1
        elif isinstance(child, _DEFINITIONS):
            header = [*child.decorator_list, *getattr(child, "bases", ())]
            summary[f"{type(child).__name__} {child.name} {[ast.dump(h) for h in header]}"] += 1
        elif isinstance(child, ast.Call) and _is_app_call(child, local_apps):
            summary[ast.dump(child)] += 1
        elif isinstance(child, ast.Assign | ast.AnnAssign):
            value = child.value
            if isinstance(value, ast.Call) and _terminal(value.func) in _APP_CALLS:
                targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                local_apps.update(t.id for t in targets if isinstance(t, ast.Name))
        elif (
            isinstance(child, ast.Name)
            and not isinstance(child.ctx, ast.Load)
            and child.id in local_apps
        ):
            summary[f"bind {child.id}"] += 1
    return summary


def _body_nodes(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    for statement in node.body:
        yield from ast.walk(statement)


def _is_app_call(call: ast.Call, apps: set[str]) -> bool:
    if _terminal(call.func) in _APP_CALLS:
        return True
    root = call.func
    while isinstance(root, ast.Attribute | ast.Call | ast.Subscript):
        root = root.func if isinstance(root, ast.Call) else root.value
    if isinstance(root, ast.Name) and root.id in apps:
        return True
    arguments = [*call.args, *(k.value for k in call.keywords)]
    return any(isinstance(a, ast.Name) and a.id in apps for a in arguments)


def _terminal(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _reference_keys(node: ast.stmt, names: frozenset[str]) -> Counter[tuple[str, str]]:
    """How the function uses each module-level name: where each mention sits (the field of
    its parent, the parent's and grandparent's kinds, a call's keywords and argument count)."""
    keys: Counter[tuple[str, str]] = Counter()
    stack: list[tuple[ast.AST, str, ast.AST | None, ast.AST | None]] = [(node, "", None, None)]
    while stack:
        current, place, parent, grandparent = stack.pop()
        if type(current) is ast.Name:
            if current.id in names:
                keys[(current.id, _place(place, parent, grandparent))] += 1
            continue
        for name in current._fields:
            value = getattr(current, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST) and not isinstance(item, _SHARED):
                        stack.append((item, name, current, parent))
            elif isinstance(value, ast.AST) and not isinstance(value, _SHARED):
                stack.append((value, name, current, parent))
    return keys


def _place(field_name: str, parent: ast.AST | None, grandparent: ast.AST | None) -> str:
    parts = [field_name, type(parent).__name__, type(grandparent).__name__]
    if isinstance(parent, ast.Call):
        parts.append(f"{len(parent.args)}:{sorted(str(k.arg) for k in parent.keywords)}")
    return " ".join(parts)


# --- the mini-module ------------------------------------------------------------------------


def _name_stubs(statements: list[ast.stmt], *, keep_simple: bool = False) -> list[ast.stmt]:
    """Copied statements reduced to what binds names: imports and ``global`` statements
    stay, blocks keep their shape, definitions keep their headers, and any other statement
    becomes ``name = None`` at the place of each name it binds (or stays whole with
    ``keep_simple``)."""
    reduced: list[ast.stmt] = []
    for statement in statements:
        if keep_simple and not isinstance(statement, _DEFINITIONS) and not _is_block(statement):
            reduced.append(statement)
            continue
        if isinstance(statement, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal):
            reduced.append(statement)
        elif isinstance(statement, _DEFINITIONS):
            reduced.append(_header_stub(statement))
        elif isinstance(statement, ast.Match):
            reduced.append(statement)  # rare at module level: kept as it is
        elif hasattr(statement, "body"):
            for name in ("body", "orelse", "finalbody"):
                block = getattr(statement, name, None)
                if isinstance(block, list) and block:
                    stubs = _name_stubs(block, keep_simple=keep_simple)
                    setattr(statement, name, stubs or [_pass_at(block[0])])
            for handler in getattr(statement, "handlers", ()):
                stubs = _name_stubs(handler.body, keep_simple=keep_simple)
                handler.body = stubs or [_pass_at(handler.body[0])]
            reduced.append(statement)
        else:
            reduced += _binding_stubs(statement)
    return reduced


def _binding_stubs(statement: ast.stmt) -> list[ast.stmt]:
    """``name = None`` where the statement binds each name (comprehension variables and
    lambda parameters bind nothing at module level)."""
    stubs: list[ast.stmt] = []
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp):
            continue
        if isinstance(node, ast.GeneratorExp):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            target = _placed(ast.Name(node.id, ast.Store()), node.lineno, node.col_offset)
            value = _placed(ast.Constant(None), node.lineno, node.col_offset)
            assignment = ast.Assign(targets=[target], value=value)
            stubs.append(_placed(assignment, node.lineno, node.col_offset))
        stack.extend(ast.iter_child_nodes(node))
    stubs.sort(key=lambda n: (n.lineno, n.col_offset))
    return stubs


def _definition_name_stub(node: ast.stmt, globals_: Sequence[ast.Global]) -> ast.stmt:
    """A definition of the same kind and name at the same place, its decorators reduced to
    placeholders where they were, its body to its ``global`` statements."""
    assert isinstance(node, _DEFINITIONS)
    line, col = node.lineno, node.col_offset
    decorators: list[ast.expr] = [
        _placed(ast.Name("_", ast.Load()), d.lineno, d.col_offset) for d in node.decorator_list
    ]
    body: list[ast.stmt] = [copy.copy(g) for g in globals_ if _within(g, node)]
    body.append(_placed(ast.Pass(), line, col))
    if isinstance(node, ast.ClassDef):
        cls = ast.ClassDef(name=node.name, bases=[], keywords=[], body=body, decorator_list=[])
        cls.decorator_list = decorators
        return _placed(cls, line, col)
    arguments = ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
        defaults=[],
    )  # fmt: skip
    function = type(node)(
        name=node.name, args=arguments, body=body, decorator_list=decorators, returns=None
    )
    return _placed(function, line, col)


def _header_copy(node: ast.stmt, globals_: Sequence[ast.Global]) -> ast.stmt:
    """A copy of a definition's header (decorators, signature, bases; a class's statements
    other than methods), with copies of the ``global`` statements of its body."""
    stub = copy.copy(node)
    if isinstance(node, _FUNCTIONS) and isinstance(stub, _FUNCTIONS):
        stub.decorator_list = copy.deepcopy(node.decorator_list)
        stub.args = copy.deepcopy(node.args)
        stub.returns = copy.deepcopy(node.returns)
        inside: list[ast.stmt] = [copy.copy(g) for g in globals_ if _within(g, node)]
        stub.body = [*inside, _pass_at(node.body[0])]
    elif isinstance(node, ast.ClassDef) and isinstance(stub, ast.ClassDef):
        stub.decorator_list = copy.deepcopy(node.decorator_list)
        stub.bases = copy.deepcopy(node.bases)
        stub.keywords = copy.deepcopy(node.keywords)
        stub.body = [_member_stub(m, globals_) for m in node.body]
    return stub


def _sibling_stub(
    member: ast.FunctionDef | ast.AsyncFunctionDef, globals_: Sequence[ast.Global]
) -> ast.stmt:
    """Another method of the edited method's class: ``__init__`` by its header, the others
    by kind, name and decorators (their own, not copies: the mini-module is used once)."""
    inside = [g for g in globals_ if _within(g, member)]
    if member.name == "__init__":
        return _header_stub(copy.copy(member), inside)
    stub = _definition_name_stub(member, inside)
    assert isinstance(stub, _FUNCTIONS)
    stub.decorator_list = member.decorator_list
    return stub


def _member_stub(member: ast.stmt, globals_: Sequence[ast.Global]) -> ast.stmt:
    """A class member in a class's stub: ``__init__`` and nested classes by their headers,
    other methods by kind, name and decorators, other statements whole."""
    if isinstance(member, ast.ClassDef) or (
        isinstance(member, _FUNCTIONS) and member.name == "__init__"
    ):
        return _header_copy(member, globals_)
    if isinstance(member, _FUNCTIONS):
        stub = _definition_name_stub(member, globals_)
        assert isinstance(stub, _FUNCTIONS)
        stub.decorator_list = copy.deepcopy(member.decorator_list)
        return stub
    return copy.deepcopy(member)


def _pass_at(node: ast.stmt) -> ast.stmt:
    return _placed(ast.Pass(), node.lineno, node.col_offset)


def _header_stub(node: ast.stmt, globals_: Sequence[ast.stmt] | None = None) -> ast.stmt:
    """A definition reduced to its header (decorators, signature, bases; a class's
    statements other than methods) and the ``global`` statements of its body. Changes
    ``node`` in place: pass a copy, or a node whose body is replaced anyway."""
    if isinstance(node, _FUNCTIONS):
        first = node.body[0]
        if globals_ is None:
            globals_ = [n for n in ast.walk(node) if isinstance(n, ast.Global)]
        node.body = [*globals_, _pass_at(first)]
    elif isinstance(node, ast.ClassDef):
        members: list[ast.stmt] = []
        for member in node.body:
            members.append(_header_stub(member) if isinstance(member, _DEFINITIONS) else member)
        node.body = members
    return node


def _within(inner: ast.AST, outer: ast.stmt) -> bool:
    line = getattr(inner, "lineno", 0)
    return outer.lineno <= line <= _last_line(outer)


def _placed(node: _Node, line: int, col: int) -> _Node:
    node.lineno = line  # type: ignore[attr-defined]
    node.col_offset = col  # type: ignore[attr-defined]
    node.end_lineno = line  # type: ignore[attr-defined]
    node.end_col_offset = col  # type: ignore[attr-defined]
    return node


def _class_context(top: _Top, chain: tuple[ast.ClassDef, ...], function: ast.stmt) -> ast.ClassDef:
    """The outermost class around the function, its other methods reduced to their headers
    (their bodies keep only ``global`` statements). The class's own nodes are at their
    place (``settle_shell``); its members may lag."""

    def build(depth: int) -> ast.ClassDef:
        cls = chain[depth]
        inner: ast.stmt = chain[depth + 1] if depth + 1 < len(chain) else function
        members: list[ast.stmt] = []
        for index, member in enumerate(cls.body):
            if member is inner:
                members.append(build(depth + 1) if depth + 1 < len(chain) else function)
            elif isinstance(member, _FUNCTIONS) and depth == 0:
                members.append(top.member_stub(index))
            elif isinstance(member, _FUNCTIONS):
                members.append(_sibling_stub(member, top.globals_))
            else:
                members.append(top.member(index) if depth == 0 else member)
        clone = copy.copy(cls)
        clone.body = members
        return clone

    return build(0)


def _class_stub(top: _Top) -> ast.stmt:
    """A class's ``"names"`` stub (see ``_Top.stub``), its ``global`` statements copied and
    moved by what their members owe."""
    node = top.node
    assert isinstance(node, ast.ClassDef)
    inside = [
        moved
        for index, found in enumerate(top.member_globals)
        for moved in top.member_copy(index, [copy.copy(g) for g in found])
    ]
    return _definition_name_stub(node, inside)


def _class_header(top: _Top) -> ast.stmt:
    """A class's ``"header"`` stub (see ``_Top.stub``) at its place: its own nodes copied,
    its members' stubs (``_Top.member_stub``)."""
    node = top.node
    assert isinstance(node, ast.ClassDef)
    stub = copy.copy(node)
    stub.decorator_list = copy.deepcopy(node.decorator_list)
    stub.bases = copy.deepcopy(node.bases)
    stub.keywords = copy.deepcopy(node.keywords)
    for part in [*stub.decorator_list, *stub.bases, *stub.keywords]:
        _shift(part, top.shift)
    stub.lineno += top.shift
    stub.end_lineno = (stub.end_lineno or stub.lineno) + top.shift
    stub.body = [top.member_stub(index) for index in range(len(node.body))]
    return stub


# --- findings ---------------------------------------------------------------------------------


def _changes_parsing(tree: ast.Module) -> bool:
    """``from __future__ import barry_as_FLUFL`` changes how the rest parses."""
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(a.name == "barry_as_FLUFL" for a in node.names)
        for node in tree.body
    )


def _inside(line: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= line <= end for start, end in spans)


def _positions(diagnostic: Diagnostic) -> Iterator[Position]:
    yield diagnostic.start
    yield diagnostic.end
    for related in diagnostic.related:
        if related.path is None:
            yield related.start
            yield related.end
    if diagnostic.fix is not None:
        for edit in diagnostic.fix.edits:
            yield edit.start
            yield edit.end


def _moved(diagnostic: Diagnostic, first: int, old_last: int, delta: int) -> Diagnostic | None:
    """The finding with its positions after the edit; None when one lies in the changed lines
    (lines ``first+1 .. old_last``)."""

    def move(position: Position) -> Position | None:
        if position.line <= first:
            return position
        if position.line > old_last:
            return Position(position.line + delta, position.col) if delta else position
        return None

    if delta == 0 and all(p.line <= first or p.line > old_last for p in _positions(diagnostic)):
        return diagnostic
    start, end = move(diagnostic.start), move(diagnostic.end)
    if start is None or end is None:
        return None
    message = diagnostic.message
    if "line" in message:
        moved_message = _moved_message(message, move)
        if moved_message is None:
            return None
        message = moved_message
    if not diagnostic.related and diagnostic.fix is None:  # most findings: no copy by name
        if start is diagnostic.start and end is diagnostic.end and message == diagnostic.message:
            return diagnostic
        return Diagnostic(diagnostic.code, message, start, end, diagnostic.severity)
    related: list[Related] = []
    for item in diagnostic.related:
        if item.path is not None:
            related.append(item)
            continue
        item_start, item_end = move(item.start), move(item.end)
        if item_start is None or item_end is None:
            return None
        related.append(replace(item, start=item_start, end=item_end))
    fix = diagnostic.fix
    if fix is not None:
        edits: list[Edit] = []
        for edit in fix.edits:
            edit_start, edit_end = move(edit.start), move(edit.end)
            if edit_start is None or edit_end is None:
                return None
            edits.append(replace(edit, start=edit_start, end=edit_end))
        fix = Fix(fix.title, fix.applicability, tuple(edits))
    return replace(
        diagnostic, message=message, start=start, end=end, related=tuple(related), fix=fix
    )


def _moved_message(message: str, move: Callable[[Position], Position | None]) -> str | None:
    """The message with the lines it names (``registered at line 12``) moved too."""
    stale = False

    def renumber(match: re.Match[str]) -> str:
        nonlocal stale
        moved = move(Position(int(match.group(2)), 0))
        if moved is None:
            stale = True
            return match.group(0)
        return f"{match.group(1)}{moved.line}"

    renumbered = _LINE_REFERENCE.sub(renumber, message)
    return None if stale else renumbered


def _sorted_unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    diagnostics.sort(key=lambda d: (d.start, d.code, d.end))
    seen: set[tuple[object, ...]] = set()
    unique = []
    for d in diagnostics:
        key = (d.code, d.start, d.end, d.message)
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


__all__ = ["MODULE_RULES", "IncrementalChecker", "LineChange", "ParseError", "collection_paused"]
