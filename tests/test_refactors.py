"""The refactorings, proven by behaviour: each one is applied to a sample app under
``tests/refactor_apps/``; the app before and the app after are imported and every route is
asked the same requests through ``TestClient`` (inside the app's lifespan, so startup and
shutdown run) — same status, body and headers, same side effects. The result parses and
re-linting it finds nothing the original did not have. Cases where a refactoring cannot prove
itself raise ``NotOffered`` with a reason."""

from __future__ import annotations

import ast
import copy
import importlib.util
import itertools
import shutil
import sys
import textwrap
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from fastapi_lint.engine import check_text
from fastapi_lint.refactors import FileEdit, NotOffered, Refactoring
from fastapi_lint.refactors._cst import applied
from fastapi_lint.refactors.annotated import convert_to_annotated, convert_to_annotated_available
from fastapi_lint.refactors.gather import rewrite_as_gather, rewrite_as_gather_available
from fastapi_lint.refactors.lifespan import convert_to_lifespan, convert_to_lifespan_available
from fastapi_lint.refactors.named_dependency import (
    extract_named_dependency,
    extract_named_dependency_available,
)
from fastapi_lint.refactors.to_thread import wrap_in_to_thread, wrap_in_to_thread_available
from fastapi_lint.rules import all_rules
from tests.cli_support import run

APPS = Path(__file__).parent / "refactor_apps"
# Module-level state the sample apps change: compared between before and after too.
SIDE_EFFECTS = ("EVENTS", "STATE", "CLOSED", "ITEMS")
_modules = itertools.count()


@dataclass(frozen=True)
class Request:
    method: str
    route: str  # the route's path template, to prove every route is asked
    url: str
    options: tuple[tuple[str, Any], ...] = ()


def get(route: str, url: str | None = None, **options: Any) -> Request:
    return Request("GET", route, url or route, tuple(options.items()))


REQUESTS: dict[str, list[Request]] = {
    "dashboard_single_file": [
        get("/health"),
        get("/rows/{key}", "/rows/1", headers={"user-agent": "probe", "cookie": "session=abc"}),
        get("/rows/{key}", "/rows/2?verbose=true"),
        get("/rows/{key}", "/rows/9"),
        get("/rows/{key}", "/rows/0"),
        get("/rows", "/rows?limit=2"),
        get("/rows", "/rows?limit=500"),
        get("/checksum/{text}", "/checksum/hello?rounds=3"),
        get("/checksum/{text}", "/checksum/x"),
        get("/dashboard/{user_id}", "/dashboard/7"),
        get("/dashboard/{user_id}", "/dashboard/abc"),
    ],
    "items_router_prefix": [
        get("/items/", headers={"x-token": "t-alice"}),
        get("/items/", "/items/?q=ham", headers={"x-token": "t-bob"}),
        get("/items/", "/items/?q=saw", headers={"x-token": "t-bob"}),
        get("/items/", "/items/?q=a-very-long-query", headers={"x-token": "t-alice"}),
        get("/items/", headers={"x-token": "nobody"}),
        get("/items/"),
        get("/items/{item_id}", "/items/1", headers={"x-token": "t-bob"}),
        get("/items/{item_id}", "/items/2", headers={"x-token": "t-bob"}),
        Request(
            "POST",
            "/items/{item_id}/rename",
            "/items/2/rename",
            (("json", {"name": "jigsaw"}), ("headers", {"x-token": "t-alice"})),
        ),
        Request(
            "POST",
            "/items/{item_id}/rename",
            "/items/1/rename",
            (("json", {"name": "x"}), ("headers", {"x-token": "t-alice"})),
        ),
        Request(
            "POST",
            "/items/{item_id}/rename",
            "/items/1/rename",
            (("json", {"name": "mallet"}), ("headers", {"x-token": "t-bob"})),
        ),
        get("/items/{item_id}", "/items/2", headers={"x-token": "t-alice"}),
        get("/me", headers={"x-token": "t-bob"}),
        get("/me"),
    ],
    "notes_sync_handlers": [
        get("/notes"),
        get("/notes", "/notes?q=bob&tags=a&tags=b"),
        get("/notes/{note_id}", "/notes/2", headers={"x-key": "k", "accept-language": "fr"}),
        get("/notes/{note_id}", "/notes/5"),
        Request("DELETE", "/notes/{note_id}", "/notes/1"),
        get("/notes/{note_id}", "/notes/1"),
    ],
}
# Routes every app has; /openapi.json is compared with its parameter lists sorted (see below).
FRAMEWORK_REQUESTS = [get("/openapi.json"), get("/docs"), get("/redoc")]


def source_of(app: str) -> str:
    return (APPS / app / "app.py").read_text("utf-8")


def line_of(text: str, fragment: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in the app")


def apply(text: str, refactoring: Refactoring) -> str:
    (change,) = refactoring.changes
    assert isinstance(change, FileEdit)
    return applied(text, change.edits)


# --- importing and asking the apps ------------------------------------------------------------


def load(text: str, directory: Path) -> ModuleType:
    """Import an app from its text as a module of its own (the before and after apps each
    keep their own module state)."""
    name = f"refactor_app_{next(_modules)}"
    path = directory / f"{name}.py"
    path.write_text(text, "utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # on_event
        spec.loader.exec_module(module)
    return module


@dataclass
class Observed:
    responses: list[tuple[int, Any, dict[str, str]]]
    side_effects: dict[str, Any]


def observe(module: ModuleType, requests: list[Request]) -> Observed:
    app = module.app
    responses = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with TestClient(app) as client:
            for request in [*requests, *FRAMEWORK_REQUESTS]:
                response = client.request(request.method, request.url, **dict(request.options))
                body: Any = response.content
                if request.url == "/openapi.json":
                    body = sorted_parameters(response.json())
                headers = {k: v for k, v in response.headers.items() if k != "content-length"}
                responses.append((response.status_code, body, headers))
    effects = {name: copy.deepcopy(getattr(module, name, None)) for name in SIDE_EFFECTS}
    return Observed(responses, {k: v for k, v in effects.items() if v is not None})


def sorted_parameters(schema: Any) -> Any:
    """The OpenAPI document with each operation's parameters sorted: a signature converted to
    ``Annotated`` may list required parameters first, which only reorders this list."""
    if isinstance(schema, dict):
        result = {k: sorted_parameters(v) for k, v in schema.items()}
        if isinstance(result.get("parameters"), list):
            result["parameters"] = sorted(
                result["parameters"], key=lambda p: (p.get("in", ""), p.get("name", ""))
            )
        return result
    if isinstance(schema, list):
        return [sorted_parameters(item) for item in schema]
    return schema


def every_route_asked(module: ModuleType, requests: list[Request]) -> None:
    asked = {(r.method, r.route) for r in requests}
    for route in module.app.routes:
        if isinstance(route, APIRoute):
            for method in route.methods or ():
                assert (method, route.path) in asked, f"no request for {method} {route.path}"


def findings(text: str) -> Counter[str]:
    return Counter(d.code for d in check_text(text, "app.py", all_rules()).diagnostics)


# --- the behaviour cases --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    app: str
    rewrite: Callable[[str], str]
    expected: tuple[str, ...]  # fragments of the rewritten app
    unchanged: tuple[str, ...] = ()  # fragments it still has


def annotated_module(text: str) -> str:
    assert convert_to_annotated_available(text)
    return apply(text, convert_to_annotated("app.py", text))


def annotated_function(marker: str) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        return apply(text, convert_to_annotated("app.py", text, line_of(text, marker)))

    return rewrite


def named_dependency(marker: str) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        line = line_of(text, marker)
        assert extract_named_dependency_available(text, line)
        return apply(text, extract_named_dependency("app.py", text, line))

    return rewrite


def lifespan(text: str) -> str:
    assert convert_to_lifespan_available(text)
    return apply(text, convert_to_lifespan("app.py", text))


def to_thread(marker: str) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        line = line_of(text, marker)
        assert wrap_in_to_thread_available(text, line)
        return apply(text, wrap_in_to_thread("app.py", text, line))

    return rewrite


def gather(marker: str) -> Callable[[str], str]:
    def rewrite(text: str) -> str:
        line = line_of(text, marker)
        assert rewrite_as_gather_available(text, line)
        return apply(text, rewrite_as_gather("app.py", text, line))

    return rewrite


def annotated_then_named(marker: str) -> Callable[[str], str]:
    return lambda text: named_dependency(marker)(annotated_module(text))


CASES = {
    "annotated-module-dashboard": Case(
        "dashboard_single_file",
        annotated_module,
        (
            "db: Annotated[Database, Depends(get_db)]",
            "key: Annotated[int, Path(ge=1)]",
            'session: Annotated[str, Cookie()] = "anonymous"',
            "verbose: Annotated[bool, Query()] = False",
            "limit: Annotated[int, Query(le=100)] = 10",
        ),
    ),
    "annotated-signature-dashboard": Case(
        "dashboard_single_file",
        annotated_function("async def read_row("),
        ("db: Annotated[Database, Depends(get_db)]", "user_agent: Annotated[str | None, Header()]"),
        ("async def list_rows(db: Database = Depends(get_db)",),
    ),
    "annotated-module-router": Case(
        "items_router_prefix",
        annotated_module,
        (
            "def verify_token(x_token: Annotated[str, Header()]) -> str:",
            "token: Annotated[str, Depends(verify_token)]",
            "q: Annotated[str | None, Query(max_length=10)] = None",
            "name: Annotated[str, Body(embed=True, min_length=2)]",
        ),
    ),
    "annotated-module-sync": Case(
        "notes_sync_handlers",
        annotated_module,
        (
            "session: Annotated[Session, Depends(get_session)]",
            'contains: Annotated[str, Query(alias="q")] = ""',
            "key: Annotated[str | None, Security(api_key)]",
        ),
    ),
    "named-dependency-dashboard": Case(
        "dashboard_single_file",
        named_dependency("async def list_rows("),
        (
            "DatabaseDep = Annotated[Database, Depends(get_db)]",
            "async def list_rows(db: DatabaseDep, ",
        ),
        ("    db: Database = Depends(get_db),",),  # after a default: not replaced
    ),
    "named-dependency-after-annotated": Case(
        "dashboard_single_file",
        annotated_then_named("async def list_rows("),
        ("DatabaseDep = Annotated[Database, Depends(get_db)]", "    db: DatabaseDep,"),
    ),
    "named-dependency-router": Case(
        "items_router_prefix",
        named_dependency("async def me("),
        (
            "UserDep = Annotated[User, Depends(get_current_user)]",
            "def read_item(item_id: int, user: UserDep)",
            "async def me(user: UserDep)",
        ),
    ),
    "named-dependency-sync": Case(
        "notes_sync_handlers",
        named_dependency("def delete_note("),
        (
            "SessionDep = Annotated[Session, Depends(get_session)]",
            "    session: SessionDep,",
            "def delete_note(note_id: int, session: SessionDep)",
        ),
    ),
    "lifespan-dashboard": Case(
        "dashboard_single_file",
        lifespan,
        ("@asynccontextmanager", 'app = FastAPI(title="dashboard", lifespan=lifespan)'),
        (),
    ),
    "to-thread-dashboard": Case(
        "dashboard_single_file",
        to_thread("value = checksum("),
        ("value = await asyncio.to_thread(checksum, text, rounds=rounds)",),
    ),
    "gather-dashboard": Case(
        "dashboard_single_file",
        gather("profile = await fetch_profile"),
        (
            "    # the orders are independent of the profile",
            "profile, orders = await asyncio.gather(",
        ),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_refactoring_keeps_behaviour(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    before = source_of(case.app)
    after = case.rewrite(before)
    for fragment in case.expected:
        assert fragment in after, f"{fragment!r} not in\n{after}"
    for fragment in case.unchanged:
        assert fragment in after
    ast.parse(after)
    assert not findings(after) - findings(before), "the refactoring introduced findings"
    requests = REQUESTS[case.app]
    original, rewritten = load(before, tmp_path), load(after, tmp_path)
    every_route_asked(original, requests)
    every_route_asked(rewritten, requests)
    assert observe(rewritten, requests) == observe(original, requests)


def test_lifespan_runs_startup_and_shutdown(tmp_path: Path) -> None:
    before = source_of("dashboard_single_file")
    module = load(lifespan(before), tmp_path)
    assert "on_event" not in lifespan(before)
    with TestClient(module.app) as client:
        assert module.EVENTS == ["startup"]
        assert client.get("/health").json() == {"ready": True}
    assert module.EVENTS == ["startup", "shutdown"]
    assert module.STATE == {}


def test_to_thread_runs_the_call_in_a_worker_thread(tmp_path: Path) -> None:
    text = source_of("dashboard_single_file") + textwrap.dedent(
        """

        import threading


        def thread_id() -> int:
            return threading.get_ident()


        @app.get("/thread")
        async def which_thread() -> dict[str, bool]:
            ident = thread_id()
            return {"on_loop": ident == threading.get_ident()}
        """
    )
    before, after = load(text, tmp_path), load(to_thread("ident = thread_id()")(text), tmp_path)
    with TestClient(before.app) as client:
        assert client.get("/thread").json() == {"on_loop": True}
    with TestClient(after.app) as client:
        assert client.get("/thread").json() == {"on_loop": False}


def test_gather_runs_the_awaits_concurrently() -> None:
    text = source_of("dashboard_single_file")
    after = gather("profile = await fetch_profile")(text)
    tree = ast.parse(after)
    gathers = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "asyncio.gather"
    ]
    assert [ast.unparse(a) for a in gathers[0].args] == [
        "fetch_profile(user_id)",
        "fetch_orders(user_id)",
    ]


# --- not offered ----------------------------------------------------------------------------

APP_HEADER = """\
import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query

app = FastAPI()
router = APIRouter()


class Session:
    async def execute(self, n: int) -> int:
        return n


def get_db() -> Session:
    return Session()


async def fetch(n: int) -> int:
    return n


def work(n: int) -> int:
    return n
"""


@dataclass(frozen=True)
class Refusal:
    body: str
    call: Callable[[str, int], Refactoring]  # (text, line of the marker) -> Refactoring
    marker: str
    reason: str


def _annotated(text: str, line: int) -> Refactoring:
    return convert_to_annotated("app.py", text, line)


def _named(text: str, line: int) -> Refactoring:
    return extract_named_dependency("app.py", text, line)


def _lifespan(text: str, line: int) -> Refactoring:
    return convert_to_lifespan("app.py", text, line)


def _to_thread(text: str, line: int) -> Refactoring:
    return wrap_in_to_thread("app.py", text, line)


def _gather(text: str, line: int) -> Refactoring:
    return rewrite_as_gather("app.py", text, line)


REFUSALS = {
    "annotated-nothing": Refusal(
        "@app.get('/')\ndef root(q: str = 'x'):\n    return q\n",
        _annotated,
        "def root",
        "no parameter",
    ),
    "annotated-outside-function": Refusal(
        "X = 1  # here\n", _annotated, "# here", "not in a function"
    ),
    "named-untyped": Refusal(
        "@app.get('/')\ndef root(db=Depends(get_db)):\n    return 1\n",
        _named,
        "def root",
        "no type",
    ),
    "named-after-default": Refusal(
        "@app.get('/')\ndef root(q: str = 'x', db: Session = Depends(get_db)):\n    return 1\n",
        _named,
        "def root",
        "lose its default",
    ),
    "named-defined-after-use": Refusal(
        "@app.get('/')\ndef root(db: Annotated[Late, Depends(get_db)]):\n    return 1\n\n\n"
        "class Late:\n    pass\n",
        _named,
        "def root",
        "defined after its first use",
    ),
    "named-nested": Refusal(
        "def outer():\n    class Local:\n        pass\n\n"
        "    def inner(db: Local = Depends(get_db)):\n        return db\n    return inner\n",
        _named,
        "def inner",
        "nested",
    ),
    "lifespan-already": Refusal(
        "other = FastAPI(lifespan=None)\n\n\n@other.on_event('startup')\nasync def up():\n"
        "    pass\n",
        _lifespan,
        "async def up",
        "already has `lifespan=`",
    ),
    "lifespan-router": Refusal(
        "@router.on_event('startup')\nasync def up():\n    pass\n",
        _lifespan,
        "async def up",
        "router",
    ),
    "lifespan-add-event-handler": Refusal(
        "async def up():\n    pass\n\n\napp.add_event_handler('startup', up)\n",
        _lifespan,
        "add_event_handler",
        "add_event_handler",
    ),
    "lifespan-two-startups": Refusal(
        "@app.on_event('startup')\nasync def up():\n    pass\n\n\n"
        "@app.on_event('startup')\nasync def up2():\n    pass\n",
        _lifespan,
        "async def up2",
        "several startup handlers",
    ),
    "lifespan-parameters": Refusal(
        "@app.on_event('shutdown')\nasync def down(n=1):\n    pass\n",
        _lifespan,
        "async def down",
        "takes parameters",
    ),
    "lifespan-nothing": Refusal("X = 1\n", _lifespan, "X = 1", "no startup or shutdown"),
    "to-thread-sync-def": Refusal(
        "def handler():\n    return work(1)\n", _to_thread, "return work", "not in the body"
    ),
    "to-thread-awaited": Refusal(
        "async def handler():\n    return await fetch(1)\n",
        _to_thread,
        "return await",
        "already awaited",
    ),
    "to-thread-coroutine": Refusal(
        "async def handler():\n    coro = fetch(1)\n    return await coro\n",
        _to_thread,
        "coro = fetch",
        "coroutine function",
    ),
    "to-thread-already": Refusal(
        "async def handler():\n    return await asyncio.to_thread(work, 1)\n",
        _to_thread,
        "return await",
        "already",
    ),
    "to-thread-f-string": Refusal(
        "async def handler():\n    return f'{work(1)}'\n", _to_thread, "return f", "f-string"
    ),
    "to-thread-generator": Refusal(
        "async def handler():\n    items = (work(n) for n in range(3))\n    return items\n",
        _to_thread,
        "items = (",
        "generator expression",
    ),
    "to-thread-lambda": Refusal(
        "async def handler():\n    f = lambda: work(1)\n    return f\n",
        _to_thread,
        "lambda",
        "not in the body",
    ),
    "gather-dependent": Refusal(
        "async def handler():\n    a = await fetch(1)\n    b = await fetch(a)\n    return b\n",
        _gather,
        "a = await",
        "reads `a`",
    ),
    "gather-statement-between": Refusal(
        "async def handler():\n    a = await fetch(1)\n    print(a)\n    b = await fetch(2)\n",
        _gather,
        "a = await",
        "not `await call",
    ),
    "gather-same-session": Refusal(
        "async def handler(db: Session):\n    a = await db.execute(1)\n"
        "    b = await db.execute(2)\n    return a + b\n",
        _gather,
        "a = await",
        "both use `db`",
    ),
    "gather-sleep": Refusal(
        "async def handler():\n    await asyncio.sleep(1)\n    b = await fetch(2)\n",
        _gather,
        "await asyncio.sleep",
        "timing",
    ),
    "gather-same-target": Refusal(
        "async def handler():\n    a = await fetch(1)\n    a = await fetch(2)\n    return a\n",
        _gather,
        "a = await fetch(1)",
        "both assign `a`",
    ),
    "gather-sync": Refusal(
        "def handler():\n    a = 1\n", _gather, "a = 1", "not in an `async def`"
    ),
    "does-not-parse": Refusal("def broken(:\n", _to_thread, "def broken", "does not parse"),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_not_offered_with_a_reason(name: str) -> None:
    refusal = REFUSALS[name]
    text = APP_HEADER + "\n\n" + refusal.body
    with pytest.raises(NotOffered, match=refusal.reason.replace("`", ".").replace("(", ".")):
        refusal.call(text, line_of(text, refusal.marker))


def test_gather_with_a_selection_takes_exactly_the_selected_statements() -> None:
    text = APP_HEADER + textwrap.dedent(
        """

        async def handler():
            a = await fetch(1)
            b = await fetch(2)
            c = await fetch(3)
            return a + b + c
        """
    )
    first, second = line_of(text, "a = await"), line_of(text, "b = await")
    after = apply(text, rewrite_as_gather("app.py", text, first, second))
    assert "a, b = await asyncio.gather(fetch(1), fetch(2))" in after
    assert "    c = await fetch(3)" in after
    around = apply(text, rewrite_as_gather("app.py", text, second))
    assert "a, b, c = await asyncio.gather(fetch(1), fetch(2), fetch(3))" in around


def test_to_thread_keeps_comments_and_layout_of_the_arguments() -> None:
    text = APP_HEADER + textwrap.dedent(
        """

        async def handler():
            value = work(
                1,  # the answer
            )
            return (value, work(2).bit_length())
        """
    )
    after = apply(text, wrap_in_to_thread("app.py", text, line_of(text, "value = work(")))
    assert (
        "value = await asyncio.to_thread(\n        work,\n        1,  # the answer\n    )" in after
    )
    line = line_of(text, "return (value")
    column = text.splitlines()[line - 1].index("work(2)")
    after = apply(text, wrap_in_to_thread("app.py", text, line, column))
    assert "return (value, (await asyncio.to_thread(work, 2)).bit_length())" in after


def test_to_thread_keeps_a_generator_argument_a_generator() -> None:
    text = APP_HEADER + "\n\nasync def handler():\n    return list(work(n) for n in range(3))\n"
    after = apply(text, wrap_in_to_thread("app.py", text, line_of(text, "return list")))
    assert "return await asyncio.to_thread(list, (work(n) for n in range(3)))" in after


def test_named_dependency_picks_a_free_name() -> None:
    text = APP_HEADER + textwrap.dedent(
        """

        SessionDep = None


        async def handler(db: Session = Depends(get_db)):
            return db


        async def other(db: Annotated[Session, Depends(get_db)], q: str = Query("")):
            return db
        """
    )
    after = apply(text, extract_named_dependency("app.py", text, line_of(text, "def handler")))
    assert "SessionDep2 = Annotated[Session, Depends(get_db)]" in after
    assert "async def handler(db: SessionDep2)" in after
    assert "async def other(db: SessionDep2, q" in after


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refactoring", "marker", "expected"),
    [
        ("annotated", None, "db: Annotated[Database, Depends(get_db)]"),
        ("annotated", "async def read_row(", "key: Annotated[int, Path(ge=1)]"),
        ("named-dependency", "async def list_rows(", "DatabaseDep = Annotated["),
        ("lifespan", None, 'app = FastAPI(title="dashboard", lifespan=lifespan)'),
        ("to-thread", "value = checksum(", "await asyncio.to_thread(checksum, text, "),
        ("gather", "profile = await fetch_profile", "profile, orders = await asyncio.gather("),
    ],
)
def test_cli_applies_each_refactoring(
    refactoring: str, marker: str | None, expected: str, tmp_path: Path
) -> None:
    before = source_of("dashboard_single_file")
    app = tmp_path / "app.py"
    app.write_text(before, "utf-8")
    location = f"app.py:{line_of(before, marker)}" if marker else "app.py"
    shown = run(tmp_path, "refactor", refactoring, location, "--diff")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("--- a/app.py\n+++ b/app.py\n")
    assert any(line.startswith("+") and expected in line for line in shown.stdout.splitlines())
    assert app.read_text("utf-8") == before  # --diff writes nothing
    written = run(tmp_path, "refactor", refactoring, location)
    assert written.returncode == 0, written.stderr
    assert written.stderr == "changed app.py\n"
    assert expected in app.read_text("utf-8")


def test_cli_to_thread_column_and_gather_range(tmp_path: Path) -> None:
    text = APP_HEADER + textwrap.dedent(
        """

        async def handler():
            a = await fetch(1)
            b = await fetch(2)
            c = await fetch(3)
            return (a + b + c, work(1) + work(2))
        """
    )
    app = tmp_path / "app.py"
    app.write_text(text, "utf-8")
    first = line_of(text, "a = await")
    assert run(tmp_path, "refactor", "gather", f"app.py:{first}:{first + 1}").returncode == 0
    assert "a, b = await asyncio.gather(fetch(1), fetch(2))" in app.read_text("utf-8")
    line = line_of(app.read_text("utf-8"), "return (a")
    several = run(tmp_path, "refactor", "to-thread", f"app.py:{line}")
    assert several.returncode == 1
    assert "several calls" in several.stderr
    column = app.read_text("utf-8").splitlines()[line - 1].index("work(2)") + 1
    assert run(tmp_path, "refactor", "to-thread", f"app.py:{line}:{column}").returncode == 0
    assert "work(1) + await asyncio.to_thread(work, 2))" in app.read_text("utf-8")


def test_cli_reports_not_offered_and_bad_locations(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP_HEADER, "utf-8")
    refused = run(tmp_path, "refactor", "lifespan", "app.py")
    assert refused.returncode == 1
    assert "lifespan not offered: no startup or shutdown handler" in refused.stderr
    for bad in ("app.py:0", "app.py", "app.py:x"):
        result = run(tmp_path, "refactor", "named-dependency", bad)
        assert result.returncode == 2, (bad, result.stderr)
        assert "expected PATH:LINE" in result.stderr
    assert run(tmp_path, "refactor", "gather", "missing.py:3").returncode == 2


# --- the Extract to service sample projects (vertical slice, layered, single module, ...) ----


def service_cases() -> list[Any]:
    """The sample projects of the Extract to service tests, with their requests."""
    from tests import test_extract_service

    return list(test_extract_service.CASES)


def offered(refactor: Callable[[], Refactoring]) -> Refactoring | None:
    try:
        return refactor()
    except NotOffered:
        return None


def every_offered_refactoring(path: Path) -> int:
    """Apply to one module, one after the other, Convert to Annotated, then each named
    dependency, lifespan and gather wherever offered; the number applied."""
    count = 0
    attempts: list[Callable[[str, int], Refactoring]] = [
        lambda text, line: convert_to_annotated(str(path), text, line),
        lambda text, line: extract_named_dependency(str(path), text, line),
        lambda text, line: convert_to_lifespan(str(path), text, line),
        lambda text, line: rewrite_as_gather(str(path), text, line),
    ]
    for attempt in attempts:
        line = 1
        while line <= len(path.read_text("utf-8").splitlines()):
            text = path.read_text("utf-8")
            refactoring = offered(lambda: attempt(text, line))  # noqa: B023
            if refactoring is not None:
                new_text = apply(text, refactoring)
                if new_text != text:
                    path.write_text(new_text, "utf-8")
                    count += 1
                    continue  # the same line again: the text changed
            line += 1
    return count


@pytest.mark.parametrize("case", service_cases(), ids=lambda case: case.app)
def test_refactorings_keep_behaviour_on_project_layouts(case: Any, tmp_path: Path) -> None:
    from tests import test_extract_service as projects

    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(projects.APPS / case.app, before)
    shutil.copytree(projects.APPS / case.app, after)
    applied_count = sum(every_offered_refactoring(p) for p in sorted(after.rglob("*.py")))
    assert applied_count > 0
    for path in after.rglob("*.py"):
        ast.parse(path.read_text("utf-8"))
    with projects.imported_app(before, case.module) as app:
        expected = projects.responses(app, case.calls)
        schema_before = sorted_parameters(app.openapi())
    with projects.imported_app(after, case.module) as app:
        got = projects.responses(app, case.calls)
        schema_after = sorted_parameters(app.openapi())
    assert got == expected
    assert schema_after == schema_before
    assert not projects.findings(after) - projects.findings(before)


# --- every refactoring at every line of the rule fixtures ------------------------------------

FIXTURES = sorted(
    path
    for path in (Path(__file__).parent / "fixtures").rglob("*.py")
    if not path.name.endswith((".fixed.py", ".actions.py"))
)
AT_A_LINE: dict[str, Callable[[str, str, int], Refactoring]] = {
    "annotated": convert_to_annotated,
    "named-dependency": extract_named_dependency,
    "lifespan": convert_to_lifespan,
    "to-thread": wrap_in_to_thread,
    "gather": rewrite_as_gather,
}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_line_of_real_looking_code_gets_a_refactoring_or_a_reason(path: Path) -> None:
    """Nothing raises but NotOffered, and whatever is offered parses."""
    text = path.read_text("utf-8")
    for line in range(1, len(text.splitlines()) + 1):
        for name, refactor in AT_A_LINE.items():
            try:
                refactoring = refactor(str(path), text, line)
            except NotOffered as reason:
                assert str(reason), (name, line)
                continue
            assert refactoring.kind in ("refactor.extract", "refactor.rewrite")
            ast.parse(apply(text, refactoring))


def test_large_modules_parse_only_the_changed_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint.diagnostics import Edit, Position
    from fastapi_lint.refactors import _cst

    monkeypatch.setattr(_cst, "WHOLE_PARSE_LINES", 0)
    text = source_of("dashboard_single_file")
    for name, case in CASES.items():
        if case.app == "dashboard_single_file" and "after-annotated" not in name:
            ast.parse(case.rewrite(text))  # offered, and parses as a whole
    facts = _cst.module_facts("app.py", text)
    inside_a_def = line_of(text, "    value = checksum(")
    for broken in ("(", "return )"):
        edit = Edit(Position(inside_a_def, 4), Position(inside_a_def, 4), broken)
        with pytest.raises(NotOffered, match="would not parse"):
            _cst.single_file("broken", "refactor.rewrite", "app.py", facts, [edit])
