"""Incremental re-checking gives exactly what a full check gives.

A differential test: random one-line edits (a line inserted, deleted or changed inside a
function body, at statement boundaries, in imports and decorators, lines duplicated) are
applied one after the other to the fixtures, the examples and real modules, and after each
the ``IncrementalChecker``'s findings (codes, positions, messages, fixes, related locations)
must equal ``check_text`` of the same text, or both must fail to parse. The tree the checker
keeps after splicing an edit must equal the tree ``ast.parse`` builds from the new text.
"""

from __future__ import annotations

import ast
import os
import random
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.workspace import PositionCodec

from fastapi_lint import incremental as incremental_module
from fastapi_lint.config import Settings
from fastapi_lint.engine import ParseError, check_text, run_rules
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.incremental import IncrementalChecker, _diff, _split_lines
from fastapi_lint.rules import all_rules
from fastapi_lint.source import SourceText
from fastapi_lsp.analysis import analyse, forget
from fastapi_lsp.convert import to_lsp_diagnostics
from fastapi_lsp.settings import DocumentSettings
from fastapi_lsp.text_document import Document, split_lines

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p
    for p in (ROOT / "tests" / "fixtures").rglob("*.py")
    if not p.name.endswith((".fixed.py", ".actions.py"))
)
EXAMPLES = sorted((ROOT / "examples").rglob("*.py"))
CORPUS = ROOT / "benchmarks" / ".cache" / "src" / "litellm-1.109.1" / "litellm" / "proxy"
REAL_MODULES = ["proxy_server.py", "management_endpoints/key_management_endpoints.py"]
SCALE = max(float(os.environ.get("FASTAPI_LINT_FUZZ_SCALE", "1") or 1), 0.01)
RULES = all_rules()

# Lines an edit inserts into a function body, at the indentation of the line it goes before.
BODY_LINES = [
    "x_edit = 1",
    "print('edited')",
    "time.sleep(1)",
    "requests.get('https://example.com')",
    "await asyncio.sleep(0)",
    "asyncio.create_task(work())",
    "return {'ok': True}",
    "yield None",
    "global STATE",
    "raise HTTPException(status_code=404, detail=str(error))",
    "session = Session()",
    "data = open('f').read()",
    "helper()",
    "db.query(User).all()",
    "# noqa: FAS101",
    "",
    "pass  # noqa",
    "router.add_api_route('/x', handler)",
    "app.include_router(router)",
    "client = httpx.AsyncClient()",
    "print(",
]
# Lines inserted between top-level statements.
TOP_LINES = [
    "import time",
    "import asyncio",
    "from fastapi import Depends",
    "logger = logging.getLogger(__name__)",
    "x_top = 1",
    "# a comment",
    "",
    "def helper():\n    return 1",
    "async def work():\n    pass",
    "app = FastAPI()",
    "@app.get('/items')\nasync def items():\n    return []",
    "STATE = []",
]
NAME = re.compile(r"\b[A-Za-z_]\w*\b")


def functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def edit(text: str, rng: random.Random) -> str:
    """One random edit of ``text``, most of them inside function bodies."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return rng.choice(TOP_LINES) + "\n"
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        tree = None
    kind = rng.random()
    if tree is not None and kind < 0.55:
        bodies = [f for f in functions(tree) if f.body]
        if bodies:
            func = rng.choice(bodies)
            statement = rng.choice(func.body)
            at = min([statement.lineno, *(d.lineno for d in _decorators(statement))]) - 1
            end = statement.end_lineno or statement.lineno
            indent = " " * statement.col_offset
            choice = rng.random()
            if choice < 0.45:  # insert a line before the statement (or after the function)
                where = at if rng.random() < 0.8 else end
                new = indent + rng.choice(BODY_LINES) + "\n"
                return "".join([*lines[:where], new, *lines[where:]])
            if choice < 0.65:  # delete one line of the statement
                where = rng.randrange(at, end)
                return "".join([*lines[:where], *lines[where + 1 :]])
            if choice < 0.85:  # change a name on one line
                where = rng.randrange(at, end)
                return "".join([*lines[:where], rename(lines[where], rng), *lines[where + 1 :]])
            where = rng.randrange(at, end)  # duplicate a line
            return "".join([*lines[: where + 1], lines[where], *lines[where + 1 :]])
    if tree is not None and kind < 0.75 and tree.body:
        statement = rng.choice(tree.body)
        first = min([statement.lineno, *(d.lineno for d in _decorators(statement))])
        choice = rng.random()
        if choice < 0.5:  # a new top-level statement before or after this one
            where = first - 1 if rng.random() < 0.5 else statement.end_lineno or first
            new = "\n" + rng.choice(TOP_LINES) + "\n"
            return "".join([*lines[:where], new, *lines[where:]])
        where = first - 1  # change the first line: an import, a decorator, a def line
        if choice < 0.75:
            return "".join([*lines[:where], rename(lines[where], rng), *lines[where + 1 :]])
        return "".join([*lines[:where], *lines[where + 1 :]])
    where = rng.randrange(len(lines))  # anywhere: delete, duplicate or change a line
    choice = rng.random()
    if choice < 0.4:
        return "".join([*lines[:where], *lines[where + 1 :]])
    if choice < 0.7:
        return "".join([*lines[: where + 1], lines[where], *lines[where + 1 :]])
    return "".join([*lines[:where], rename(lines[where], rng), *lines[where + 1 :]])


def _decorators(node: ast.stmt) -> list[ast.expr]:
    return list(getattr(node, "decorator_list", []))


def rename(line: str, rng: random.Random) -> str:
    """The line with one name replaced by another name, or by a call."""
    names = list(NAME.finditer(line))
    if not names:
        return line + "\n" if not line.endswith("\n") else line
    match = rng.choice(names)
    replacement = rng.choice(["other", "get_db", "asyncio", "time", "helper()", "async_fn", "x"])
    return line[: match.start()] + replacement + line[match.end() :]


def full(text: str, path: str) -> list[object] | str:
    try:
        return list(check_text(text, path, RULES).diagnostics)
    except ParseError as error:
        return f"ParseError: {error}"


def incremental(checker: IncrementalChecker, text: str) -> list[object] | str:
    try:
        return list(checker.check(text).diagnostics)
    except ParseError as error:
        return f"ParseError: {error}"


def run_edits(
    text: str, path: str, seed: int, edits: int, *, body_edits: bool = False
) -> Counter[str]:
    """Apply ``edits`` random edits in sequence (every other one a line inserted in a function
    body with ``body_edits``); assert that every incremental result equals the full one.
    Returns how often each mode (full, incremental, unchanged) ran."""
    rng = random.Random(seed)
    checker = IncrementalChecker(path, RULES)
    modes: Counter[str] = Counter()
    assert incremental(checker, text) == full(text, path)
    for step in range(edits):
        text = body_edit(text, rng) if body_edits and step % 2 == 0 else edit(text, rng)
        expected = full(text, path)
        got = incremental(checker, text)
        modes[checker.last_mode] += 1
        assert not checker.last_reason.startswith("error"), checker.last_reason
        assert got == expected, f"{path}: edit {step} (seed {seed}), {checker.last_mode}\n{text}"
        if checker.last_mode == "incremental":
            assert_tree_matches(checker, text)
    return modes


def assert_tree_matches(checker: IncrementalChecker, text: str) -> None:
    state = checker._state
    assert state is not None
    for top in state.tops:
        top.current()
    kept = ast.dump(state.tree, include_attributes=True)
    assert kept == ast.dump(ast.parse(text), include_attributes=True)


def scaled(n: int) -> int:
    return max(1, round(n * SCALE))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_edits(path: Path) -> None:
    run_edits(
        path.read_text("utf-8"),
        str(path),
        seed=zlib.crc32(path.stem.encode()) % 1000,
        edits=scaled(6),
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_edits(path: Path) -> None:
    run_edits(path.read_text("utf-8"), str(path), seed=7, edits=scaled(12))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="benchmark corpus not downloaded")
@pytest.mark.parametrize("name", REAL_MODULES)
def test_real_module_edits(name: str) -> None:
    path = CORPUS / name
    modes = run_edits(path.read_text("utf-8"), str(path), seed=3, edits=scaled(4), body_edits=True)
    assert modes["incremental"] >= 1


def body_edit(text: str, rng: random.Random) -> str:
    """A line that parses, inserted before a statement of a function body."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return edit(text, rng)
    lines = text.splitlines(keepends=True)
    statements = [
        s
        for f in functions(tree)
        for s in f.body
        if not lines[s.lineno - 1][: s.col_offset].strip() and not _decorators(s)
    ]
    if not statements:
        return edit(text, rng)
    statement = rng.choice(statements)
    new = " " * statement.col_offset + rng.choice(BODY_LINES[:14]) + "\n"
    at = statement.lineno - 1
    return "".join([*lines[:at], new, *lines[at:]])


def test_incremental_path_is_taken() -> None:
    """Edits inside function bodies are checked incrementally (else the differential tests
    above would prove little), and still give what a full check gives."""
    modes: Counter[str] = Counter()
    for index, path in enumerate(FIXTURES[::3]):
        text = path.read_text("utf-8")
        if not any(f.body for f in functions(ast.parse(text))):
            continue
        checker = IncrementalChecker(str(path), RULES)
        checker.check(text)
        rng = random.Random(index)
        for _ in range(3):
            text = body_edit(text, rng)
            assert incremental(checker, text) == full(text, str(path))
            assert not checker.last_reason.startswith("error"), checker.last_reason
            modes[checker.last_mode] += 1
    assert modes["incremental"] >= 0.7 * sum(modes.values()), modes


SCENARIOS = {
    # where and under which prefix a router is included (read by FAS304)
    "router included": (
        "from fastapi import APIRouter, FastAPI, Path\n"
        "router = APIRouter()\n"
        "@router.get('/items')\n"
        "async def items(item_id: int = Path()):\n"
        "    return {}  # EDIT\n"
        "main = FastAPI()\n"
        "main.include_router(router)\n",
        "    x = 1\n",
    ),
    "router prefix in a function": (
        "from fastapi import APIRouter, FastAPI, Path\n"
        "router = APIRouter()\n"
        "@router.get('/items')\n"
        "async def items(item_id: int = Path()):\n"
        "    return {}  # EDIT\n"
        "main = FastAPI()\n"
        "main.include_router(router)\n"
        "def build() -> FastAPI:\n"
        "    app = FastAPI()\n"
        "    app.include_router(router, prefix='/{item_id}')\n"
        "    return app\n",
        "    x = 1\n",
    ),
    # a dependency turned into a generator: the route using it reads its body
    "dependency body": (
        "from fastapi import Depends, FastAPI\n"
        "from sqlalchemy.orm import Session\n"
        "app = FastAPI()\n"
        "def get_db():\n"
        "    db = Session()\n"
        "    return db  # EDIT\n"
        "@app.get('/')\n"
        "async def read(db: Session = Depends(get_db)):\n"
        "    return db.query(object).all()\n",
        "    yield db\n",
    ),
    # a method's sibling coroutine, called without await
    "method calling a sibling": (
        "import asyncio\n"
        "class Service:\n"
        "    async def fetch(self):\n"
        "        await asyncio.sleep(0)\n"
        "    async def run(self):\n"
        "        await self.fetch()  # EDIT\n",
        "        self.fetch()\n",
    ),
    # print in a route, with the module's logger defined far from it
    "logger": (
        "import logging\n"
        "from fastapi import FastAPI\n"
        "app = FastAPI()\n"
        "@app.get('/')\n"
        "async def index():\n"
        "    return {}  # EDIT\n"
        "log = logging.getLogger(__name__)\n",
        "    print('hello')\n",
    ),
    # a class dependency's __init__ read at the route using it
    "class dependency init": (
        "from fastapi import Depends, FastAPI\n"
        "app = FastAPI()\n"
        "class Pager:\n"
        "    def __init__(self, page: int = 1):\n"
        "        self.page = page  # EDIT\n"
        "@app.get('/{page}')\n"
        "async def pages(pager: Pager = Depends()):\n"
        "    return pager.page\n",
        "        self.size = 10\n",
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenarios(name: str) -> None:
    """Edits whose effect reaches statements other than the edited function."""
    text, inserted = SCENARIOS[name]
    checker = IncrementalChecker("scenario.py", RULES)
    assert incremental(checker, text) == full(text, "scenario.py")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "# EDIT" in line)
    for where in (at, at + 1):
        edited = "".join([*lines[:where], inserted, *lines[where:]])
        checker = IncrementalChecker("scenario.py", RULES)
        checker.check(text)
        assert incremental(checker, edited) == full(edited, "scenario.py")
        assert checker.last_mode == "incremental", checker.last_reason


def test_diff_splits_only_the_change() -> None:
    """The changed line range ``_diff`` finds, and the new lines it builds from the old
    ones, agree with splitting the whole new text."""
    rng = random.Random(0)
    pieces = ["a", "b", "\n", "  ", "x = 1\n", "\n\n", "def f():\n", "é", "\r\n"]
    for _ in range(scaled(4000)):
        old = "".join(rng.choice(pieces) for _ in range(rng.randrange(12)))
        new = old
        for _ in range(rng.randrange(1, 3)):
            start = rng.randrange(len(new) + 1)
            end = min(len(new), start + rng.randrange(5))
            inserted = "".join(rng.choice(pieces) for _ in range(rng.randrange(3)))
            new = new[:start] + inserted + new[end:]
        old_lines = _split_lines(old)
        new_lines, first, old_last, new_last = _diff(old, old_lines, new)
        assert new_lines == _split_lines(new), (old, new)
        assert old_lines[:first] == new_lines[:first]
        assert old_lines[old_last:] == new_lines[new_last:], (old, new)
        assert new_last - old_last == len(new_lines) - len(old_lines)


def lsp_conversions(path: Path, seed: int, edits: int) -> int:
    """Random edits through the server's analysis: after each, the LSP diagnostics made
    from the last conversion (findings reused or shifted) must equal a fresh conversion of
    every finding. Returns how many findings were shifted rather than converted."""
    settings = DocumentSettings(Settings(), tuple(RULES), excluded=False)
    uri = f"file:///conversion/{seed}/{path.name}"
    text = path.read_text("utf-8")
    rng = random.Random(seed)
    shifted = 0

    def lookup(_: str) -> SourceText | None:
        return None

    try:
        for version in range(edits + 1):
            if version:
                text = body_edit(text, rng) if version % 2 else edit(text, rng)
            analysis = analyse(uri, version, text, str(path), settings)
            shifted += len(analysis.moved_from)
            for encoding, docs in (("utf-16", None), ("utf-8", "https://docs/{code}")):
                got = analysis.lsp_diagnostics(encoding, lookup, docs)
                source = SourceText(text)
                fresh = to_lsp_diagnostics(
                    analysis.diagnostics, source, uri, encoding, version, lookup, docs
                )
                assert got == fresh, f"{path}: version {version} ({encoding})"
    finally:
        forget(uri)
    return shifted


def test_lsp_conversion_reuses_findings() -> None:
    """The server converts again only the findings an edit changed; the others are reused
    or shifted by the lines the edit added, with the same LSP form as a fresh conversion
    (non-ASCII text, fixes, related locations: the fixtures)."""
    shifted = sum(
        lsp_conversions(path, index, scaled(6)) for index, path in enumerate(FIXTURES[::4])
    )
    assert shifted > 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="benchmark corpus not downloaded")
def test_lsp_conversion_on_a_real_module() -> None:
    assert lsp_conversions(CORPUS / "proxy_server.py", 5, scaled(4)) > 0


@pytest.mark.parametrize("path", FIXTURES[::2], ids=lambda p: p.stem)
def test_focus_keeps_the_findings_inside_it(path: Path) -> None:
    """Rules given a focus (the statements an incremental check re-checks) report inside it
    exactly what they report there without one."""
    text = path.read_text("utf-8")
    tree = ast.parse(text)
    if not tree.body:
        return
    rng = random.Random(path.stem)
    for _ in range(2):
        chosen = rng.sample(tree.body, min(len(tree.body), rng.randrange(1, 3)))
        spans = [(s.lineno, s.end_lineno or s.lineno) for s in chosen]
        spans += [(d.lineno, s.end_lineno or s.lineno) for s in chosen for d in _decorators(s)]
        facts = ModuleFacts(ast.parse(text), SourceText(text), str(path))
        expected = [
            d
            for d in run_rules(facts, RULES).diagnostics
            if any(start <= d.start.line <= end for start, end in spans)
        ]
        focused = ModuleFacts(tree, SourceText(text), str(path))
        focused.focus = frozenset(chosen)
        got = [
            d
            for d in run_rules(focused, RULES).diagnostics
            if any(start <= d.start.line <= end for start, end in spans)
        ]
        assert got == expected


def lsp_change(old: str, new: str) -> types.TextDocumentContentChangePartial:
    """The LSP change (positions in code points) replacing what differs between the texts."""
    shortest = min(len(old), len(new))
    prefix = 0
    while prefix < shortest and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < shortest - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    if 0 < prefix < len(old) and old[prefix - 1] == "\r" and old[prefix] == "\n":
        prefix -= 1  # never between the two characters of a line end
    end = len(old) - suffix
    if 0 < end < len(old) and old[end - 1] == "\r" and old[end] == "\n":
        end += 1
        suffix -= 1
    inserted = new[prefix : len(new) - suffix]
    return types.TextDocumentContentChangePartial(
        range=types.Range(start=_position(old, prefix), end=_position(old, end)), text=inserted
    )


def _position(text: str, offset: int) -> types.Position:
    start = 0
    for number, line in enumerate(split_lines(text)):
        if offset < start + len(line):
            return types.Position(line=number, character=offset - start)
        start += len(line)
    return types.Position(line=len(split_lines(text)), character=0)


def run_document_edits(
    text: str, path: str, seed: int, edits: int, monkeypatch: pytest.MonkeyPatch
) -> Counter[str]:
    """Random edits sent to the server's document as LSP changes (one or two edits between
    two checks), the checker given the lines the document says changed: its findings must
    equal a full check's. Returns the modes; asserts the texts were compared only when the
    change could not be used."""
    rng = random.Random(seed)
    codec = PositionCodec(types.PositionEncodingKind.Utf32)
    document = Document(
        "file:///edited.py",
        source=text,
        sync_kind=types.TextDocumentSyncKind.Incremental,
        position_codec=codec,
    )
    compared = 0
    diff = incremental_module._diff

    def counted(*args: object) -> tuple[list[str], int, int, int]:
        nonlocal compared
        compared += 1
        return diff(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(incremental_module, "_diff", counted)
    checker = IncrementalChecker(path, RULES)
    assert incremental(checker, text) == full(text, path)
    document.take_change()
    modes: Counter[str] = Counter()
    usable = 0
    for step in range(edits):
        for _ in range(1 if rng.random() < 0.7 else 2):
            new = body_edit(text, rng) if step % 2 == 0 else edit(text, rng)
            document.apply_change(lsp_change(text, new))
            text = new
            assert document.source == text
        change = document.take_change()
        state = checker._state
        usable += change is not None and state is not None and change.before is state.text
        try:
            got: list[object] | str = list(checker.check(text, change).diagnostics)
        except ParseError as error:
            got = f"ParseError: {error}"
        modes[checker.last_mode] += 1
        assert not checker.last_reason.startswith("error"), checker.last_reason
        assert got == full(text, path), f"{path}: edit {step} (seed {seed})\n{text}"
        if checker.last_mode == "incremental":
            assert_tree_matches(checker, text)
    assert compared <= edits - usable
    return modes


@pytest.mark.parametrize("path", FIXTURES[::3], ids=lambda p: p.stem)
def test_edits_with_the_document_changes(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's document gives the checker the changed lines instead of the texts
    being compared; the findings stay a full check's."""
    seed = zlib.crc32(path.stem.encode()) % 1000
    run_document_edits(path.read_text("utf-8"), str(path), seed, scaled(6), monkeypatch)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="benchmark corpus not downloaded")
def test_real_module_with_the_document_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    path = CORPUS / "proxy_server.py"
    modes = run_document_edits(path.read_text("utf-8"), str(path), 11, scaled(6), monkeypatch)
    assert modes["incremental"] >= 1
