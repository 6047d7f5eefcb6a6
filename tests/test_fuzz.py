"""Robustness under damaged input: every fixture cut short as if still being typed, and
fixtures mutated at random (lines deleted, duplicated or swapped, odd characters inserted,
deep nesting injected), and programs generated from Python's grammar by ``hypothesmith``.

For every input: no exception but ``ParseError`` leaves ``check_text`` / ``fix_text``, none
leaves the flake8 plugin, no rule reports an internal error, every finding (and every edit of
its fix) lies inside the document, and applying every fix, unsafe ones and editor actions
included, leaves text that parses.

The budget fits CI (well under a minute on two cores); ``FASTAPI_LINT_FUZZ_SCALE=10`` multiplies
it for a longer local run. Run with ``-s`` to see how many inputs each test tried.
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Position
from fastapi_lint.engine import ParseError, applicable, check_text, fix_text
from fastapi_lint.fixes.apply import apply_fixes
from fastapi_lint.rules import all_rules
from fastapi_lint.source import SourceText
from flake8_fastapi import Plugin

pytestmark = pytest.mark.fuzz

SCALE = max(float(os.environ.get("FASTAPI_LINT_FUZZ_SCALE", "1") or 1), 0.01)
FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = sorted(
    p for p in FIXTURES.rglob("*.py") if not p.name.endswith((".fixed.py", ".actions.py"))
)
RULES = all_rules()
PREFIXES = 80  # lines a fixture is cut before (all of them in a shorter fixture)
CUTS = 2  # cuts inside each of those lines (at most 3)
STRIDE = 8  # prefixes that also go through fix_text and flake8: one in STRIDE
MUTATIONS = 300  # hypothesis examples of mutated fixtures
PROGRAMS = 5  # hypothesmith programs (slow to generate), each alone and after imports


def scaled(n: int) -> int:
    return max(1, round(n * SCALE))


class Tally:
    """Inputs tried by one test: how many, how many parsed, how long it took."""

    def __init__(self) -> None:
        self.inputs = 0
        self.parsed = 0
        self.started = time.perf_counter()

    def summary(self, name: str) -> str:
        seconds = time.perf_counter() - self.started
        return f"{name}: {self.inputs} inputs ({self.parsed} parsed) in {seconds:.1f} s"


@pytest.fixture
def tally(
    request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> Iterator[Tally]:
    counter = Tally()
    yield counter
    record_property("fuzz_inputs", counter.inputs)
    record_property("fuzz_parsed", counter.parsed)
    print(f"\n[fuzz] {counter.summary(request.node.name)}")


# --- the properties -----------------------------------------------------------------------


def assert_inside(
    source: SourceText, start: Position, end: Position, what: str, *, edit: bool = False
) -> None:
    """``start`` and ``end`` within the text. The position of an edit may also count its line's
    terminator, or be the start of the line after the last one: both are how a fix reaches
    the end of the module (``SourceText.offset`` reads them so)."""
    lines = source.lines
    if edit and Position(len(lines) + 1, 0) in (start, end):
        lines = [*lines, ""]
    assert 1 <= start.line <= len(lines), f"{what}: start line {start.line} of {len(lines)}"
    assert 1 <= end.line <= len(lines), f"{what}: end line {end.line} of {len(lines)}"
    for pos in (start, end):
        text = lines[pos.line - 1]
        if not edit:
            text = text.rstrip("\r\n")
        width = len(text.encode("utf-8", errors="surrogatepass"))
        assert 0 <= pos.col <= width, f"{what}: column {pos.col} of {width} on line {pos.line}"
    assert (start.line, start.col) <= (end.line, end.col), f"{what}: {start} after {end}"


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def check_input(text: str, tally: Tally, *, fix: bool = True, flake8: bool = True) -> None:
    """Every property on one input; ``fix`` / ``flake8`` also run the slower front ends."""
    tally.inputs += 1
    try:
        result = check_text(text, "fuzz.py", RULES, Settings())
    except ParseError as error:
        assert str(error)
        return
    tally.parsed += 1
    assert result.failures == [], result.failures
    source = SourceText(text)
    for d in result.diagnostics:
        assert_inside(source, d.start, d.end, f"{d.code} {d.message}")
        if d.fix is not None:
            for edit in d.fix.edits:
                assert_inside(source, edit.start, edit.end, f"{d.code} fix edit", edit=True)
    if fix:
        fixes = [d.fix for d in result.diagnostics if applicable(d.fix, True, True) and d.fix]
        if fixes:
            once, _ = apply_fixes(source, fixes)
            assert parses(once), f"one round of fixes broke the module:\n{once}"
            fixed = fix_text(text, "fuzz.py", RULES, Settings(), unsafe=True, actions=True)
            assert parses(fixed.text)
            assert fixed.remaining.failures == []
    if flake8:
        tree = ast.parse(text)
        lines = source.lines if text else []
        found = list(Plugin(tree, lines, "fuzz.py").run())
        for line, col, message, _ in found:
            assert "internal error" not in message, message
            assert 1 <= line <= len(source.lines), (line, message)
            width = len(source.lines[line - 1].rstrip("\r\n"))
            assert 0 <= col <= width, (line, col, message)


# --- (1) a user typing: every prefix -----------------------------------------------------


def cut_lines(count: int, budget: int) -> list[int]:
    """Which of ``count`` lines to cut after: all of them, or ``budget`` spread evenly."""
    if count <= budget:
        return list(range(count))
    return sorted({round(k * (count - 1) / (budget - 1)) for k in range(budget)})


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_every_prefix_of_a_fixture(path: Path, tally: Tally) -> None:
    """The fixture cut before each line (before ``PREFIXES`` lines spread evenly over a longer
    fixture), and inside that line at up to three character offsets. One prefix in ``STRIDE``
    also goes through fix_text and flake8."""
    text = path.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for n, i in enumerate(cut_lines(len(lines), scaled(PREFIXES))):
        slow = n % max(1, round(STRIDE / SCALE)) == 0
        check_input(text[: starts[i]], tally, fix=slow, flake8=slow)
        body = lines[i].rstrip("\r\n")
        # cut inside the line: after the first word, in the middle, just before the end
        cuts = {body.find(" ", len(body) - len(body.lstrip())) + 1, len(body) // 2, len(body) - 1}
        for cut in sorted(c for c in cuts if 0 < c < len(body))[: scaled(CUTS)]:
            check_input(text[: starts[i] + cut], tally, fix=False, flake8=False)
    check_input(text, tally)


# --- (2) random mutations ----------------------------------------------------------------

ODD = [
    "\x00",
    "\ud800",
    "\udfff",
    "\r",
    "\r\n",
    "\x0c",
    "\t",
    "\ufeff",
    "\u00a0",
    "\u2028",
    "\U0001f600",
    "é",
    "\\",
    "(",
    ")",
    "[",
    "]",
    ":",
    '"',
    "'",
    '"""',
    "#",
    "@",
    "\n",
    "    ",
    "lambda",
    "await ",
    "async ",
    "yield ",
    "# noqa",
    "# noqa: FAS402",
]

FIXTURE_TEXTS = [p.read_text("utf-8") for p in SOURCES]


def deep(kind: str, depth: int, indent: str) -> str:
    if kind == "parens":
        return f"{indent}x = {'(' * depth}1{')' * depth}\n"
    if kind == "calls":
        return f"{indent}x = {'Depends(' * depth}get_db{')' * depth}\n"
    if kind == "lists":
        return f"{indent}x = {'[' * depth}{']' * depth}\n"
    if kind == "attributes":
        return f"{indent}x = app{'.a' * depth * 5}\n"
    if kind == "binops":
        return f"{indent}x = {' + '.join(['y'] * depth * 5)}\n"
    blocks = "".join(f"{indent}{'    ' * i}if x{i}:\n" for i in range(depth))
    return blocks + f"{indent}{'    ' * depth}pass\n"


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(FIXTURE_TEXTS))
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "nest", "dedent"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "delete" and len(lines) > 1:
            del lines[i : i + draw(st.integers(1, 5))]
        elif op == "duplicate":
            lines[i:i] = lines[i : i + draw(st.integers(1, 5))]
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            odd = draw(st.sampled_from(ODD) | st.text(min_size=1, max_size=3))
            lines[i] = line[:at] + odd + line[at:]
        elif op == "nest":
            line = lines[i]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            kind = draw(st.sampled_from(["parens", "calls", "lists", "attributes", "ifs"]))
            lines.insert(i, deep(kind, draw(st.integers(1, 220)), indent))
        elif op == "dedent":
            lines[i] = lines[i].lstrip(" \t")
        if not lines:
            lines = [""]
    return "".join(lines)


FUZZ_SETTINGS = settings(
    max_examples=scaled(MUTATIONS),
    deadline=None,
    database=None,
    derandomize=SCALE == 1,  # the same inputs on every CI run; fresh ones on longer runs
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # the tally is meant to count every example
    ],
)


@FUZZ_SETTINGS
@given(text=mutated())
def test_mutated_fixtures(text: str, tally: Tally) -> None:
    check_input(text, tally)


# --- (3) generated programs ----------------------------------------------------------------

HEADER = (
    "import time\n"
    "from fastapi import APIRouter, Depends, FastAPI\n"
    "app = FastAPI()\n"
    "router = APIRouter()\n"
)


@settings(FUZZ_SETTINGS, max_examples=scaled(PROGRAMS))
@given(data=st.data())
def test_generated_programs(data: st.DataObject, tally: Tally) -> None:
    """Programs from ``hypothesmith``'s Python grammar, alone and after FastAPI imports (so the
    names the rules look for resolve)."""
    hypothesmith = pytest.importorskip("hypothesmith")
    program = data.draw(hypothesmith.from_grammar(), label="program")
    check_input(program, tally)
    check_input(HEADER + program, tally)


# --- regressions found by the fuzzing above --------------------------------------------------

REGRESSIONS: dict[str, str] = {
    # ast shares one Load (Store, Del) object between every node: a walk keyed by node must
    # not assume each node occurs once (an attribute's value and the attribute share a Load)
    "shared context objects": (
        "import httpx\n"
        "client = httpx.Client()\n"
        "items = data[key].value\n"
        "a, *b = c.d\n"
        "del e.f[g]\n"
        "async def h():\n"
        "    return client.get(items[0].url)\n"
    ),
    # a fix deleting down to the end of a module without a final newline ends its edit at
    # the start of the line after the last one
    "edit to the end of a module without a final newline": (
        "from fastapi import FastAPI\n"
        "\n"
        "app = FastAPI()\n"
        "\n"
        "\n"
        '@app.on_event("startup")\n'
        "async def open_clients() -> None:\n"
        '    """Open the shared HTTP client."""'
    ),
    "a lone surrogate": "x = 1\n\ud800\n",
    "a lone surrogate in a string": "x = '\ud800'\n",
    "carriage returns only": "from fastapi import FastAPI\rapp = FastAPI()\r@app.get('/')\r"
    "def root(): return {}\r",
    "form feed before a route": "from fastapi import FastAPI\napp = FastAPI()\n\x0c\n"
    "@app.get('/x')\ndef x():\n\x0c    return 1\n",
    "emoji before a finding": "import time\nasync def f():\n    s = '\U0001f600'; time.sleep(1)\n",
}


@pytest.mark.parametrize("text", list(REGRESSIONS.values()), ids=list(REGRESSIONS))
def test_regression(text: str, tally: Tally) -> None:
    check_input(text, tally)
