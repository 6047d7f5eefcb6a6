"""Fixes keep (or deliberately change) what a FastAPI application does.

Each test applies one rule's fix to a small application, imports the application before and
after the fix as two modules, and drives both through ``fastapi.testclient.TestClient``.
"""

from __future__ import annotations

import copy
import gc
import importlib.util
import inspect
import itertools
import json
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.exceptions import FastAPIError

from fastapi_lint.engine import fix_text
from fastapi_lint.rules import get_rule

with warnings.catch_warnings():
    # Starlette's test client warns about the `httpx` package it is built on
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

_module_numbers = itertools.count()

Loader = Callable[[str, str], ModuleType]


def fix(source: str, code: str, *, unsafe: bool = False, actions: bool = False) -> str:
    """The source after applying ``code``'s fixes; the rule must have fixed something."""
    rule = get_rule(code)
    assert rule is not None
    result = fix_text(source, "app.py", [rule], unsafe=unsafe, actions=actions)
    assert result.fixed[code] > 0, f"{code} fixed nothing"
    assert result.text != source
    return result.text


@pytest.fixture
def load(tmp_path: Path) -> Iterator[Loader]:
    """Import a source string as a new module with a unique name (removed afterwards)."""
    names: list[str] = []

    def load_module(source: str, label: str) -> ModuleType:
        name = f"fix_behaviour_{label}_{next(_module_numbers)}"
        path = tmp_path / f"{name}.py"
        path.write_text(source, "utf-8")
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module

    yield load_module
    for name in names:
        sys.modules.pop(name, None)


def exchange(client: TestClient, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
    response = client.request(method, url, **kwargs)
    return response.status_code, response.json()


# --- FAS401 non-annotated-dependency ---------------------------------------------------------

FAS401_APP = """
from fastapi import Depends, FastAPI, Header, Path, Query
from pydantic import BaseModel

app = FastAPI()


class User(BaseModel):
    name: str


def get_current_user(x_user: str = Header(default="anonymous")) -> User:
    return User(name=x_user)


@app.get("/items/{item_id}")
def read_item(
    item_id: int = Path(ge=1, description="The item"),
    user: User = Depends(get_current_user),
    q: str | None = Query(default=None, max_length=5),
    limit: int = Query(10, le=100),
):
    return {"id": item_id, "user": user.name, "q": q, "limit": limit}


@app.get("/search")
def search(term: str = Query(..., min_length=2), x_trace: str = Header("none")):
    return {"term": term, "trace": x_trace}
"""

FAS401_REORDER_APP = """
from fastapi import Depends, FastAPI, Header, Query
from pydantic import BaseModel

app = FastAPI()


class User(BaseModel):
    name: str


def get_current_user(x_user: str = Header(default="anonymous")) -> User:
    return User(name=x_user)


@app.get("/reports")
def reports(
    skip: int = 0,
    limit: int = Query(10, le=50),
    user: User = Depends(get_current_user),
    kind: str = Query(..., pattern="^(daily|weekly)$"),
):
    return {"skip": skip, "limit": limit, "user": user.name, "kind": kind}
"""

FAS401_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/items/3", {}),
    ("/items/3", {"params": {"q": "abc", "limit": 7}}),
    ("/items/3", {"params": {"q": "abcdefgh"}}),  # too long: 422
    ("/items/3", {"params": {"limit": 1000}}),  # too large: 422
    ("/items/0", {}),  # below `ge=1`: 422
    ("/items/3", {"headers": {"x-user": "alice"}}),
    ("/search", {"params": {"term": "fastapi"}}),
    ("/search", {"params": {"term": "fastapi"}, "headers": {"x-trace": "t-1"}}),
    ("/search", {}),  # missing required: 422
    ("/search", {"params": {"term": "x"}}),  # too short: 422
]

FAS401_REORDER_REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("/reports", {"params": {"kind": "daily"}}),
    ("/reports", {"params": {"kind": "weekly", "skip": 5, "limit": 3}}),
    ("/reports", {"params": {"kind": "daily"}, "headers": {"x-user": "bob"}}),
    ("/reports", {"params": {"skip": 5}}),  # missing required: 422
    ("/reports", {"params": {"kind": "yearly"}}),  # pattern: 422
    ("/reports", {"params": {"kind": "daily", "limit": 51}}),  # too large: 422
]


def openapi_parameters(app: Any) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Each operation's parameters, in a canonical order."""
    found = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            found[path, method] = sorted(parameters, key=lambda p: (p["in"], p["name"]))
    return found


def openapi_without_parameters(app: Any) -> dict[str, Any]:
    schema = copy.deepcopy(app.openapi())
    for operations in schema["paths"].values():
        for operation in operations.values():
            operation.pop("parameters", None)
    return schema


@pytest.mark.parametrize(
    ("source", "unsafe", "requests"),
    [
        pytest.param(FAS401_APP, False, FAS401_REQUESTS, id="safe"),
        pytest.param(FAS401_REORDER_APP, True, FAS401_REORDER_REQUESTS, id="unsafe-reorder"),
    ],
)
def test_fas401_annotated_parameters_behave_the_same(
    load: Loader, source: str, unsafe: bool, requests: list[tuple[str, dict[str, Any]]]
) -> None:
    fixed = fix(source, "FAS401", unsafe=unsafe)
    assert "= Query(" not in fixed and "= Depends(" not in fixed
    before, after = load(source, "fas401_before"), load(fixed, "fas401_after")
    statuses = set()
    with TestClient(before.app) as old, TestClient(after.app) as new:
        for url, kwargs in requests:
            expected = exchange(old, "GET", url, **kwargs)
            assert exchange(new, "GET", url, **kwargs) == expected, (url, kwargs)
            statuses.add(expected[0])
    assert statuses == {200, 422}
    assert openapi_parameters(after.app) == openapi_parameters(before.app)
    assert openapi_without_parameters(after.app) == openapi_without_parameters(before.app)
    if not unsafe:
        assert after.app.openapi() == before.app.openapi()
    # else: the reordering moves required parameters first, and they are listed in that order


# --- FAS402 dependency-called ----------------------------------------------------------------

FAS402_GENERATOR_APP = """
from fastapi import Depends, FastAPI

app = FastAPI()
opened: list[str] = []


def get_db():
    opened.append("db")
    yield {"items": ["apple", "pear"]}


@app.get("/items")
def read_items(db: dict = Depends(get_db())):
    return db["items"]
"""

FAS402_PLAIN_APP = """
from typing import Annotated

from fastapi import Depends, FastAPI, Header

app = FastAPI()


def get_locale(accept_language: Annotated[str, Header()] = "en") -> str:
    return accept_language.split(",")[0]


@app.get("/hello")
def hello(locale: Annotated[str, Depends(get_locale())]):
    return {"greeting": "bonjour" if locale == "fr" else "hello"}


@app.get("/locale")
def locale(locale: Annotated[str, Depends(get_locale)]):
    return {"locale": locale}
"""


def test_fas402_generator_dependency_works_only_after_the_fix(load: Loader) -> None:
    fixed = fix(FAS402_GENERATOR_APP, "FAS402")
    assert "Depends(get_db)" in fixed
    # before: `Depends()` gets the generator object, which FastAPI cannot call
    with pytest.raises(TypeError, match=r"generator object get_db .* is not a callable object"):
        load(FAS402_GENERATOR_APP, "fas402_generator_before")
    after = load(fixed, "fas402_generator_after")
    assert after.opened == []  # nothing runs at import time any more
    with TestClient(after.app) as client:
        assert exchange(client, "GET", "/items") == (200, ["apple", "pear"])
        assert exchange(client, "GET", "/items") == (200, ["apple", "pear"])
    assert after.opened == ["db", "db"]  # once per request


def test_fas402_plain_dependency_works_only_after_the_fix(load: Loader) -> None:
    fixed = fix(FAS402_PLAIN_APP, "FAS402")
    assert "Depends(get_locale())" not in fixed
    # before: `get_locale()` runs once at import time and `Depends()` gets its return value
    with pytest.raises(TypeError, match="'en' is not a callable object"):
        load(FAS402_PLAIN_APP, "fas402_plain_before")
    after = load(fixed, "fas402_plain_after")
    with TestClient(after.app) as client:
        assert exchange(client, "GET", "/hello") == (200, {"greeting": "hello"})
        french = {"accept-language": "fr,en;q=0.5"}
        assert exchange(client, "GET", "/hello", headers=french) == (200, {"greeting": "bonjour"})
        assert exchange(client, "GET", "/locale", headers=french) == (200, {"locale": "fr"})


# --- FAS408 on-event-handler -----------------------------------------------------------------

FAS408_APP = """
from fastapi import FastAPI

events: list[str] = []
app = FastAPI(title="Shop")


@app.on_event("startup")
async def open_pool() -> None:
    events.append("startup")
    app.state.pool = {"size": 4}


@app.on_event("shutdown")
def close_pool() -> None:
    events.append("shutdown")
    app.state.pool = None


@app.get("/pool")
async def pool() -> dict[str, object]:
    return {"pool": app.state.pool, "events": list(events)}
"""


def test_fas408_lifespan_runs_the_same_startup_and_shutdown(load: Loader) -> None:
    fixed = fix(FAS408_APP, "FAS408", actions=True)
    assert "on_event" not in fixed and "lifespan=lifespan" in fixed
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):
        before = load(FAS408_APP, "fas408_before")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        after = load(fixed, "fas408_after")
    observed = []
    for module in (before, after):
        assert module.events == []
        with TestClient(module.app) as client:
            during = list(module.events)
            responses = [exchange(client, "GET", "/pool") for _ in range(2)]
        observed.append((during, responses, list(module.events)))
    assert observed[1] == observed[0]
    during, responses, final = observed[0]
    assert during == ["startup"]
    assert responses[0] == (200, {"pool": {"size": 4}, "events": ["startup"]})
    assert final == ["startup", "shutdown"]


# --- FAS101 blocking-call-in-async -----------------------------------------------------------

FAS101_APP = """
import os
import time
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
DATA_FILE = os.environ["FIX_BEHAVIOUR_DATA"]


@app.get("/report")
async def report(lines: int = 1):
    time.sleep(0)
    text = open(DATA_FILE, encoding="utf-8").read()
    return {"lines": text.splitlines()[:lines]}


@app.get("/raw")
async def raw():
    path: Path = Path(DATA_FILE)
    with open(DATA_FILE, encoding="utf-8") as handle:
        first = handle.readline()
    return {"text": path.read_text(encoding="utf-8"), "first": first.strip()}
"""


def test_fas101_blocking_calls_moved_off_the_loop_give_the_same_responses(
    load: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "report.txt"
    data.write_text("alpha\nbeta\ngamma\n", "utf-8")
    monkeypatch.setenv("FIX_BEHAVIOUR_DATA", str(data))
    fixed = fix(FAS101_APP, "FAS101", unsafe=True)
    assert "await asyncio.sleep(0)" in fixed
    assert "await asyncio.to_thread(open, DATA_FILE" in fixed
    assert "await asyncio.to_thread(handle.readline)" in fixed
    assert "time.sleep(" not in fixed
    before, after = load(FAS101_APP, "fas101_before"), load(fixed, "fas101_after")
    requests = [("/report", {}), ("/report", {"params": {"lines": 2}}), ("/raw", {})]
    with TestClient(before.app) as old, TestClient(after.app) as new:
        for url, kwargs in requests:
            expected = exchange(old, "GET", url, **kwargs)
            assert exchange(new, "GET", url, **kwargs) == expected
        assert exchange(new, "GET", "/report", params={"lines": 2}) == (
            200,
            {"lines": ["alpha", "beta"]},
        )
        assert exchange(new, "GET", "/report", params={"lines": "x"})[0] == 422


# --- FAS102 async-without-await --------------------------------------------------------------

FAS102_APP = """
import json
import os
import time
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()
PRICES_FILE = os.environ["FIX_BEHAVIOUR_DATA"]


async def load_prices() -> dict[str, int]:
    with open(PRICES_FILE, encoding="utf-8") as handle:
        return json.load(handle)


@app.get("/prices/{name}")
async def price(
    name: str, prices: Annotated[dict[str, int], Depends(load_prices)], quantity: int = 1
):
    time.sleep(0)
    if name not in prices:
        raise HTTPException(status_code=404, detail=f"no price for {name}")
    return {"name": name, "total": prices[name] * quantity}
"""


def test_fas102_dropping_async_gives_the_same_responses(
    load: Loader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "prices.json"
    data.write_text(json.dumps({"apple": 3, "pear": 5}), "utf-8")
    monkeypatch.setenv("FIX_BEHAVIOUR_DATA", str(data))
    fixed = fix(FAS102_APP, "FAS102", unsafe=True)
    assert "async def" not in fixed
    before, after = load(FAS102_APP, "fas102_before"), load(fixed, "fas102_after")
    assert inspect.iscoroutinefunction(before.price)
    assert inspect.iscoroutinefunction(before.load_prices)
    assert not inspect.iscoroutinefunction(after.price)  # now run in the threadpool
    assert not inspect.iscoroutinefunction(after.load_prices)
    requests = [
        ("/prices/apple", {}),
        ("/prices/pear", {"params": {"quantity": 4}}),
        ("/prices/plum", {}),  # 404
        ("/prices/apple", {"params": {"quantity": "many"}}),  # 422
    ]
    statuses = set()
    with TestClient(before.app) as old, TestClient(after.app) as new:
        for url, kwargs in requests:
            expected = exchange(old, "GET", url, **kwargs)
            assert exchange(new, "GET", url, **kwargs) == expected
            statuses.add(expected[0])
    assert statuses == {200, 404, 422}
    assert after.app.openapi() == before.app.openapi()


# --- FAS104 unawaited-coroutine --------------------------------------------------------------

FAS104_APP = """
import asyncio

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
audit_log: list[str] = []


class Item(BaseModel):
    name: str


async def audit(event: str) -> None:
    await asyncio.sleep(0)
    audit_log.append(event)


@app.post("/items")
async def create_item(item: Item):
    audit(f"created {item.name}")
    return {"name": item.name}
"""


def test_fas104_awaited_coroutine_now_runs(load: Loader) -> None:
    fixed = fix(FAS104_APP, "FAS104")
    assert '    await audit(f"created {item.name}")' in fixed
    before, after = load(FAS104_APP, "fas104_before"), load(fixed, "fas104_after")
    body = {"name": "apple"}
    with TestClient(before.app) as client:
        with pytest.warns(RuntimeWarning, match="coroutine 'audit' was never awaited"):
            old = exchange(client, "POST", "/items", json=body)
            gc.collect()
        invalid = exchange(client, "POST", "/items", json={})
    assert before.audit_log == []  # the coroutine was created and dropped, never run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with TestClient(after.app) as client:
            assert exchange(client, "POST", "/items", json=body) == old == (200, body)
            assert exchange(client, "POST", "/items", json={}) == invalid
            gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]
    assert invalid[0] == 422
    assert after.audit_log == ["created apple"]


# --- FAS105 sequential-awaits ----------------------------------------------------------------

FAS105_APP = """
import asyncio

from fastapi import FastAPI, HTTPException

app = FastAPI()
calls: list[str] = []


async def fetch_profile(user_id: int) -> dict[str, object]:
    calls.append("profile")
    await asyncio.sleep(0)
    if user_id == 0:
        raise HTTPException(status_code=404, detail="no such user")
    return {"id": user_id, "name": f"user{user_id}"}


async def fetch_orders(user_id: int) -> list[int]:
    calls.append("orders")
    await asyncio.sleep(0)
    return [user_id * 10, user_id * 10 + 1]


@app.get("/users/{user_id}/dashboard")
async def dashboard(user_id: int):
    profile = await fetch_profile(user_id)
    orders = await fetch_orders(user_id)
    return {"profile": profile, "orders": orders}
"""


def test_fas105_gather_gives_the_same_responses(load: Loader) -> None:
    fixed = fix(FAS105_APP, "FAS105", actions=True)
    assert "profile, orders = await asyncio.gather(" in fixed
    before, after = load(FAS105_APP, "fas105_before"), load(fixed, "fas105_after")
    with TestClient(before.app) as old, TestClient(after.app) as new:
        statuses = set()
        for user_id in ["7", "1", "0", "x"]:  # found, found, 404, 422
            url = f"/users/{user_id}/dashboard"
            expected = exchange(old, "GET", url)
            assert exchange(new, "GET", url) == expected
            statuses.add(expected[0])
        assert exchange(new, "GET", "/users/7/dashboard") == (
            200,
            {"profile": {"id": 7, "name": "user7"}, "orders": [70, 71]},
        )
    assert statuses == {200, 404, 422}
    # the visible difference: with `gather`, the orders are fetched even when the profile fails
    assert Counter(before.calls) == {"profile": 3, "orders": 2}
    assert Counter(after.calls) == {"profile": 4, "orders": 4}


# --- FAS106 fire-and-forget-task -------------------------------------------------------------

FAS106_APP = """
import asyncio

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
sent: list[str] = []


class User(BaseModel):
    email: str


async def send_welcome_email(email: str, *, template: str = "welcome") -> None:
    await asyncio.sleep(0)
    sent.append(f"{template}:{email}")


@app.post("/signup")
async def signup(user: User):
    asyncio.create_task(send_welcome_email(user.email, template="signup"))
    return {"email": user.email}
"""


def test_fas106_background_task_runs_once_the_response_is_returned(load: Loader) -> None:
    fixed = fix(FAS106_APP, "FAS106", actions=True)
    assert 'background_tasks.add_task(send_welcome_email, user.email, template="signup")' in fixed
    before, after = load(FAS106_APP, "fas106_before"), load(fixed, "fas106_after")
    body = {"email": "ada@example.com"}
    with TestClient(before.app) as old, TestClient(after.app) as new:
        expected = exchange(old, "POST", "/signup", json=body)
        assert expected == (200, body)
        assert exchange(new, "POST", "/signup", json=body) == expected
        # the test client runs background tasks before `post()` returns
        assert after.sent == ["signup:ada@example.com"]
        assert exchange(new, "POST", "/signup", json={}) == exchange(
            old, "POST", "/signup", json={}
        )
        assert after.sent == ["signup:ada@example.com"]  # a rejected request schedules nothing
    # the injected `BackgroundTasks` parameter does not show in the schema
    assert after.app.openapi() == before.app.openapi()


FAS106_OWN_BACKGROUND_APP = """
import asyncio

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.background import BackgroundTask

app = FastAPI()
sent: list[str] = []


async def send_welcome_email(email: str) -> None:
    sent.append(f"welcome:{email}")


async def log_signup(email: str) -> None:
    sent.append(f"log:{email}")


@app.post("/signup")
async def signup(email: str):
    asyncio.create_task(send_welcome_email(email))
    return JSONResponse({"email": email}, background=BackgroundTask(log_signup, email))
"""


def test_fas106_no_action_next_to_a_response_with_its_own_background(load: Loader) -> None:
    rule = get_rule("FAS106")
    assert rule is not None
    result = fix_text(FAS106_OWN_BACKGROUND_APP, "app.py", [rule], unsafe=True, actions=True)
    assert [d.code for d in result.remaining.diagnostics] == ["FAS106"]
    assert not result.fixed and result.text == FAS106_OWN_BACKGROUND_APP
    # why: the rewrite the action would make loses the task, because FastAPI attaches the
    # injected `BackgroundTasks` only to a response without a background of its own
    rewritten = FAS106_OWN_BACKGROUND_APP.replace(
        "async def signup(email: str):\n    asyncio.create_task(send_welcome_email(email))",
        "async def signup(background_tasks: BackgroundTasks, email: str):\n"
        "    background_tasks.add_task(send_welcome_email, email)",
    ).replace("from fastapi import FastAPI", "from fastapi import BackgroundTasks, FastAPI")
    assert rewritten.count("background_tasks") == 2
    before, lost = (
        load(FAS106_OWN_BACKGROUND_APP, "fas106_own_before"),
        load(rewritten, "fas106_own_lost"),
    )
    for module in (before, lost):
        with TestClient(module.app) as client:
            assert exchange(client, "POST", "/signup?email=ada") == (200, {"email": "ada"})
    assert sorted(before.sent) == ["log:ada", "welcome:ada"]
    assert lost.sent == ["log:ada"]


# --- FAS406 dependency-without-cleanup -------------------------------------------------------

FAS406_APP = """
from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()
closed: list[int] = []
ITEMS = {1: "apple"}


class Session:
    def __init__(self) -> None:
        self.items = ITEMS

    def close(self) -> None:
        closed.append(len(closed) + 1)


def get_session():
    session = Session()
    yield session
    session.close()


@app.get("/items/{item_id}")
def read_item(item_id: int, session: Session = Depends(get_session)):
    if item_id not in session.items:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"id": item_id, "name": session.items[item_id]}
"""


def test_fas406_cleanup_runs_when_the_route_raises(load: Loader) -> None:
    fixed = fix(FAS406_APP, "FAS406", unsafe=True)
    assert "    try:\n        yield session\n    finally:\n        session.close()\n" in fixed
    before, after = load(FAS406_APP, "fas406_before"), load(fixed, "fas406_after")
    observed = []
    for module in (before, after):
        with TestClient(module.app) as client:
            found = exchange(client, "GET", "/items/1")
            after_success = len(module.closed)
            missing = exchange(client, "GET", "/items/2")
            after_failure = len(module.closed)
        observed.append((found, missing, after_success, after_failure))
    assert observed[1][:2] == observed[0][:2]
    assert observed[0][:2] == (
        (200, {"id": 1, "name": "apple"}),
        (404, {"detail": "Item not found"}),
    )
    # before: FastAPI throws the HTTPException into the generator at `yield`, so the cleanup
    # after it is skipped for the failing request
    assert observed[0][2:] == (1, 1)
    # after: the cleanup runs for both requests
    assert observed[1][2:] == (1, 2)


# --- FAS410 yield-dependency-swallows-exception ----------------------------------------------

FAS410_APP = """
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()
rollbacks: list[str] = []


class OutOfStock(Exception):
    def __init__(self, sku: str) -> None:
        self.sku = sku


class Session:
    def rollback(self) -> None:
        rollbacks.append("rollback")


def get_session():
    session = Session()
    try:
        yield session
    except OutOfStock:
        session.rollback()


@app.exception_handler(OutOfStock)
async def out_of_stock(request: Request, exc: OutOfStock) -> JSONResponse:
    return JSONResponse(status_code=409, content={"detail": f"{exc.sku} is out of stock"})


@app.post("/orders/{sku}")
def place_order(sku: str, session: Session = Depends(get_session)):
    if sku == "gone":
        raise OutOfStock(sku)
    return {"ordered": sku}
"""


def test_fas410_reraised_exception_reaches_the_exception_handler(load: Loader) -> None:
    fixed = fix(FAS410_APP, "FAS410", unsafe=True)
    assert "        session.rollback()\n        raise\n" in fixed
    before, after = load(FAS410_APP, "fas410_before"), load(fixed, "fas410_after")
    with TestClient(before.app, raise_server_exceptions=False) as client:
        ok = exchange(client, "POST", "/orders/apple")
        # before: the swallowed exception leaves FastAPI without a response: a bare 500, and
        # the app's OutOfStock handler never runs
        response = client.post("/orders/gone")
        assert (response.status_code, response.text) == (500, "Internal Server Error")
    assert before.rollbacks == ["rollback"]
    with (
        TestClient(before.app) as client,
        pytest.raises(FastAPIError, match="Response not awaited"),
    ):
        client.post("/orders/gone")
    with TestClient(after.app) as client:
        assert exchange(client, "POST", "/orders/apple") == ok == (200, {"ordered": "apple"})
        # after: the exception reaches the handler, and the rollback still happens
        assert exchange(client, "POST", "/orders/gone") == (
            409,
            {"detail": "gone is out of stock"},
        )
    assert after.rollbacks == ["rollback"]
