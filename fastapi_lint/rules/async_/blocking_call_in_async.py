"""FAS101 blocking-call-in-async

## What it does
Finds known blocking calls made directly in the body of an `async def`: `time.sleep`, sync
HTTP clients (`requests`, `httpx.get`, `httpx.Client`, `urllib`, `urllib3`, `http.client`),
subprocesses and process waits, file and console I/O (`open`, `input`, `pathlib.Path`
reads and writes, `shutil`), sync database drivers (`sqlite3`, `psycopg2`, `pymysql`, `redis.Redis`)
and sync SQLAlchemy `Session` calls.

## Why is this bad?
An `async def` path operation runs on the event loop. While a blocking call waits, the loop
cannot run anything else: every other request served by the worker stalls until the call
returns. FastAPI only moves `def` functions to a threadpool, never the blocking calls inside an
`async def`. See [Concurrency and async / await](https://fastapi.tiangolo.com/async/).

## Example
```python
import time

import requests


@app.get("/weather")
async def weather(city: str):
    time.sleep(1)
    return requests.get(f"https://api.example.com/{city}", timeout=5).json()
```

## Use instead
```python
import asyncio

import httpx


@app.get("/weather")
async def weather(city: str):
    await asyncio.sleep(1)
    async with httpx.AsyncClient() as client:
        response = await client.get(f"https://api.example.com/{city}", timeout=5)
    return response.json()
```
or run the sync call in a worker thread: `await asyncio.to_thread(requests.get, url, timeout=5)`.

## Options
- `blocking-call.filesystem-queries` = `false`: also report filesystem queries such as
  `os.path.exists`, `os.path.getsize`, `os.stat` and `Path.exists()`. Each is one short system
  call, so they are off by default.

## Fix safety
Both fixes are unsafe. `time.sleep(x)` becomes `await asyncio.sleep(x)`, which lets other
tasks run during the pause (code relying on nothing else running in between changes
behaviour). Any other call whose callee is a plain name becomes
`await asyncio.to_thread(f, *args, **kwargs)`: the call then runs in another thread, which
matters for objects that are not thread-safe (a SQLAlchemy `Session`, a `sqlite3` connection
used across threads). No fix is offered for a call used as a `with` item (`with open(p) as f:`),
inside a generator expression, for calls whose result does the I/O later (`session.query(...)`
runs in the chained `.all()`, `Path.iterdir()` is a generator), or whose callee is not a plain
dotted name (`Path(p).read_text()`). The fix adds an `await`, so the opt-in FAS105 may then
report it together with a neighbouring independent `await`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, node_end, node_start
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.fixes import ensure_module_import
from fastapi_lint.rules import Options, RuleOption, rule
from fastapi_lint.rules.async_._blocking import BlockingCall, blocking_calls

FILESYSTEM_QUERIES = "filesystem-queries"
# Calls whose result does the I/O later: `session.query(...)` builds a query that the chained
# `.all()` runs, `Path.iterdir()`/`glob()` are generators. Moving them to a thread fixes nothing.
LAZY_RESULTS = frozenset(
    {
        "sqlalchemy.orm.Session.query",
        "sqlmodel.Session.query",
        "pathlib.Path.iterdir",
        "pathlib.Path.glob",
        "pathlib.Path.rglob",
    }
)


@rule(
    code="FAS101",
    name="blocking-call-in-async",
    default=True,
    fix="unsafe",
    options=(
        RuleOption(
            FILESYSTEM_QUERIES,
            False,
            "also report filesystem queries (os.path.exists, os.stat, Path.exists(), ...)",
        ),
    ),
    options_table="blocking-call",
)
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    within = None if facts.focus is None else facts.focused_functions  # reported at the call
    queries = bool(options[FILESYSTEM_QUERIES])
    found_calls = list(blocking_calls(facts, filesystem_queries=queries, within=within))
    enclosing = _calls_enclosing_others(facts, found_calls)
    for found in found_calls:
        fixable = found.call not in enclosing and found.qualified not in LAZY_RESULTS
        yield Diagnostic.at(
            found.call,
            "FAS101",
            f"`{found.name}` blocks the event loop in `async def {found.function.name}`",
            fix=_fix(facts, found) if fixable else None,
        )


def _calls_enclosing_others(facts: ModuleFacts, found_calls: list[BlockingCall]) -> set[ast.Call]:
    """Blocking calls with another one inside them. Moving the outer call to a thread first
    would hide the inner one in the thread's arguments, where it still runs on the loop; the
    inner one is fixed first and the outer one in the next round."""
    calls = {found.call for found in found_calls}
    enclosing: set[ast.Call] = set()
    for found in found_calls:
        for ancestor in facts.ancestors(found.call):
            if ancestor is found.function.node:
                break
            if isinstance(ancestor, ast.Call) and ancestor in calls:
                enclosing.add(ancestor)
    return enclosing


def _fix(facts: ModuleFacts, found: BlockingCall) -> Fix | None:
    call = found.call
    if not _is_dotted_name(call.func) or not _can_await_here(facts, found):
        return None
    asyncio_name, import_edit = ensure_module_import(facts, "asyncio")
    if found.qualified == "time.sleep":
        if not _has_one_plain_argument(call):
            return None
        title = f"Replace with `await {asyncio_name}.sleep(...)`"
        replacement = _rewritten_call(facts, call, f"{asyncio_name}.sleep", leading_argument=None)
    else:
        title = f"Run `{found.name}` in a worker thread with `{asyncio_name}.to_thread`"
        callee = facts.source.segment(node_start(call.func), node_end(call.func))
        replacement = _rewritten_call(facts, call, f"{asyncio_name}.to_thread", callee)
    if replacement is None:
        return None
    edits = [Edit.replace(call, _awaited(facts, call, replacement))]
    if import_edit is not None:
        edits.append(import_edit)
    return Fix(title, Applicability.UNSAFE, tuple(edits))


def _is_dotted_name(expr: ast.expr) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)


def _can_await_here(facts: ModuleFacts, found: BlockingCall) -> bool:
    """``await`` is valid anywhere in an ``async def`` body, but inside a generator expression
    it turns the generator async, and a ``with`` item would hold the thread's result instead of
    being entered the same way: both are left alone."""
    parent = facts.parent(found.call)
    if isinstance(parent, ast.withitem):
        return False
    for ancestor in facts.ancestors(found.call):
        if ancestor is found.function.node:
            return True
        if isinstance(ancestor, ast.GeneratorExp):
            return False
    return True


def _has_one_plain_argument(call: ast.Call) -> bool:
    return len(call.args) == 1 and not isinstance(call.args[0], ast.Starred) and not call.keywords


def _rewritten_call(
    facts: ModuleFacts, call: ast.Call, new_callee: str, leading_argument: str | None
) -> str | None:
    """``new_callee(leading_argument, <the call's own arguments, as written>)``; None when the
    callee is parenthesised and the argument list cannot be found right after it."""
    after_callee = facts.source.segment(node_end(call.func), node_end(call)).lstrip(" \t")
    if not after_callee.startswith("("):
        return None
    arguments = after_callee[1:]
    if leading_argument is None:
        return f"{new_callee}({arguments}"
    if not (call.args or call.keywords):
        return f"{new_callee}({leading_argument}{arguments}"
    separator = "," if arguments[:1].isspace() else ", "
    return f"{new_callee}({leading_argument}{separator}{arguments}"


def _awaited(facts: ModuleFacts, call: ast.Call, replacement: str) -> str:
    parent = facts.parent(call)
    if isinstance(parent, ast.Await) and parent.value is call:
        return replacement  # `await time.sleep(1)` only needs its callee changed
    # `await` binds looser than attribute access, subscription and calls
    is_primary = (isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is call) or (
        isinstance(parent, ast.Call) and parent.func is call
    )
    return f"(await {replacement})" if is_primary else f"await {replacement}"
