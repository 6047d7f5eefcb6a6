"""An open document's summary made from the last one after an edit inside a function body
(``fastapi_lint/project/document_summary.py``) equals the summary of a fresh parse of the new
text: random edits, one after another, on the fixtures, the examples, the sample projects and
(when the benchmark corpus is downloaded) litellm's ``proxy_server.py``."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from fastapi_lint.engine import ParseError, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import module_name_for
from fastapi_lint.project.build import ProjectScope, scope_for
from fastapi_lint.project.document_summary import DocumentSummaries
from fastapi_lint.project.summary import ModuleSummary
from fastapi_lint.source import SourceText

REPO = Path(__file__).parent.parent
SAMPLES = sorted(
    p
    for folder in ("tests/fixtures", "tests/projects", "examples")
    for p in (REPO / folder).rglob("*.py")
)
PROXY_SERVER = REPO / "benchmarks/.cache/src/litellm-1.109.1/litellm/proxy/proxy_server.py"

# Lines typed into a body: plain code, blocking calls, calls of the module's functions
# ({other}), guards, yields, nested functions, and wiring (which takes a whole summary).
STATEMENTS = [
    "x_new = 1",
    "time.sleep(1)",
    "requests.get('https://example.com')",
    "result = {other}()",
    "{other}(None)",
    "await {other}()",
    "return {other}(1)",
    "yield 1",
    "if value is None:\n{indent}    raise ValueError('missing')",
    "open('data.txt').read()",
    "self.{other}()",
    "os.system('ls')",
    "global _cache",
    "handler = lambda: {other}()",
    "def inner():\n{indent}    return requests.get('x')",
    "async def inner_async():\n{indent}    await {other}()",
    "with open('f') as fh:\n{indent}    fh.read()",
    "asyncio.to_thread({other})",
    "router = APIRouter()",
    "extra = Depends({other})",
    "app.include_router(router)",
    "(",
    "'''",
]


def fresh_summary(path: Path, text: str, scope: ProjectScope) -> ModuleSummary | None:
    try:
        tree = parse_module(text, str(path))
    except ParseError:
        return None
    facts = ModuleFacts(tree, SourceText(text), str(path), module_name_for(path))
    return scope.summary_from_facts(path, text, facts)


def functions_of(text: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for statement in tree.body:
        members = statement.body if isinstance(statement, ast.ClassDef) else [statement]
        found.extend(m for m in members if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef))
    return found


def random_edit(text: str, rng: random.Random) -> str:
    """One edit inside a function body (or, now and then, anywhere)."""
    lines = text.splitlines(keepends=True)
    functions = functions_of(text)
    if not functions or rng.random() < 0.05:
        at = rng.randrange(len(lines) + 1)
        return "".join([*lines[:at], "x_top = 1\n", *lines[at:]])
    function = rng.choice(functions)
    names = [f.name for f in functions] or ["helper"]
    line = rng.randint(function.body[0].lineno, function.end_lineno or function.lineno)
    current = lines[line - 1]
    indent = current[: len(current) - len(current.lstrip())] or " " * (function.col_offset + 4)
    kind = rng.random()
    if kind < 0.45:
        statement = rng.choice(STATEMENTS).format(other=rng.choice(names), indent=indent)
        new = [f"{indent}{statement}\n"]
        return "".join([*lines[: line - 1], *new, *lines[line - 1 :]])
    if kind < 0.65:
        end = current.rstrip("\n")
        return "".join([*lines[: line - 1], f"{end}  # note\n", *lines[line:]])
    if kind < 0.8:
        return "".join([*lines[: line - 1], *lines[line:]])
    words = [w for w in current.replace("(", " ").replace(")", " ").split() if w.isidentifier()]
    if not words:
        return "".join([*lines[: line - 1], f"{indent}pass\n", *lines[line:]])
    word = rng.choice(words)
    replaced = current.replace(word, rng.choice([*names, "time", "other_name"]), 1)
    return "".join([*lines[: line - 1], replaced, *lines[line:]])


def check_edits(
    path: Path, rounds: int, edits: int, seed: int, *, trees: bool = True
) -> DocumentSummaries:
    """Random edits, each compared with a fresh summary (and, with ``trees``, the syntax
    tree made from the kept nodes with a fresh parse, positions included)."""
    scope = scope_for(path.parent, [path])
    rng = random.Random(seed)
    tracker = DocumentSummaries()
    original = path.read_text("utf-8")
    key = path.resolve().as_posix()
    for _ in range(rounds):
        text = original
        tracker.summarise(path, text, scope)
        for _ in range(edits):
            text = random_edit(text, rng)
            made = tracker.summarise(path, text, scope).summary
            expected = fresh_summary(path, text, scope)
            assert made == expected, f"{path} after edits:\n{text}"
            if trees:
                check_tree(tracker, key, text)
    if not trees:
        check_tree(tracker, key, text)
    return tracker


def check_tree(tracker: DocumentSummaries, key: str, text: str) -> None:
    tree = tracker.current_tree(key, text)
    if tree is not None:
        fresh = ast.dump(ast.parse(text), include_attributes=True)
        assert ast.dump(tree, include_attributes=True) == fresh


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_random_edits_give_the_fresh_summary(path: Path) -> None:
    check_edits(path, rounds=3, edits=4, seed=len(path.name))


def test_lines_typed_in_bodies_are_summarised_from_the_last_summary() -> None:
    """A statement typed above a statement of a body (no FastAPI wiring in it) takes the
    path from the last summary, not a whole one, wherever the function is."""
    made = whole = 0
    for path in SAMPLES:
        text = path.read_text("utf-8")
        scope = scope_for(path.parent, [path])
        for function in functions_of(text)[:4]:
            tracker = DocumentSummaries()
            tracker.summarise(path, text, scope)
            statement = function.body[-1]
            lines = text.splitlines(keepends=True)
            indent = " " * statement.col_offset
            typed = "".join(
                [
                    *lines[: statement.lineno - 1],
                    f"{indent}x_new = 1\n",
                    *lines[statement.lineno - 1 :],
                ]
            )
            found = tracker.summarise(path, typed, scope)
            assert found.summary == fresh_summary(path, typed, scope)
            made += tracker.incremental
            whole += tracker.whole - 1
    assert made > 100 and whole < made / 10


def test_a_line_typed_and_an_edit_within_a_line_of_a_method(tmp_path: Path) -> None:
    path = tmp_path / "app" / "service.py"
    path.parent.mkdir()
    text = (
        "import requests\n\n\nclass Service:\n    limit = 3\n\n"
        "    def load(self, url):\n        return requests.get(url)\n\n"
        "    def other(self):\n        return 1\n\n\n"
        "async def handler(service: Service):\n    return service.load('x')\n"
    )
    scope = scope_for(tmp_path, [path])
    tracker = DocumentSummaries()
    first = tracker.summarise(path, text, scope)
    assert first.facts is not None and first.positions_only is None
    typed = text.replace(
        "        return requests.get(url)\n", "        x = 1\n        return requests.get(url)\n"
    )
    found = tracker.summarise(path, typed, scope)
    assert found.facts is None and found.positions_only is True
    assert found.summary == fresh_summary(path, typed, scope)
    assert found.summary is not None and found.summary.functions[-1].span[0] == 15
    blocking = typed.replace("        return 1\n", "        return requests.post('y')\n")
    found = tracker.summarise(path, blocking, scope)
    assert found.positions_only is False
    assert found.summary == fresh_summary(path, blocking, scope)
    assert tracker.incremental == 2 and tracker.whole == 1


def test_edits_outside_bodies_and_wiring_take_a_whole_summary(tmp_path: Path) -> None:
    path = tmp_path / "main.py"
    text = "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\ndef build():\n    return 1\n"
    scope = scope_for(tmp_path, [path])
    tracker = DocumentSummaries()
    tracker.summarise(path, text, scope)
    for new in (
        text.replace("router = APIRouter()", "router = APIRouter(prefix='/x')"),
        text.replace("    return 1\n", "    inner = APIRouter()\n    return 1\n"),
        text.replace("def build():", "def build(x=1):"),
    ):
        found = tracker.summarise(path, new, scope)
        assert found.facts is not None
        assert found.summary == fresh_summary(path, new, scope)
        tracker.summarise(path, text, scope)


@pytest.mark.skipif(not PROXY_SERVER.exists(), reason="benchmark corpus not downloaded")
def test_random_edits_of_litellm_proxy_server() -> None:
    tracker = check_edits(PROXY_SERVER, rounds=2, edits=6, seed=3, trees=False)
    assert tracker.incremental >= 3
