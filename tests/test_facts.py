"""ModuleFacts: what one module contains, asked by every rule."""

from __future__ import annotations

import ast
import sys
import textwrap

import pytest

from fastapi_lint.facts import FunctionInfo, ModuleFacts
from fastapi_lint.rules import Options, all_rules
from fastapi_lint.source import SourceText


def facts_of(source: str, module_name: str | None = None) -> ModuleFacts:
    text = textwrap.dedent(source)
    return ModuleFacts(ast.parse(text), SourceText(text), "module.py", module_name)


def calls_named(facts: ModuleFacts, spelled: str) -> list[ast.Call]:
    """Calls whose callee is spelled ``spelled`` in the source, in source order."""
    found = [c for c in facts.calls if ast.unparse(c.func) == spelled]
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def qualified_calls(facts: ModuleFacts, spelled: str) -> list[str | None]:
    return [facts.qualified_name(c.func) for c in calls_named(facts, spelled)]


def function(facts: ModuleFacts, qualname: str) -> FunctionInfo:
    return next(f for f in facts.functions if f.qualname == qualname)


def names_in(nodes: list[ast.AST]) -> set[str]:
    return {n.id for n in nodes if isinstance(n, ast.Name)}


# --- qualified names -----------------------------------------------------------------------


def test_qualified_names_through_every_import_spelling() -> None:
    facts = facts_of(
        """
        import requests as r
        from time import sleep
        from fastapi import APIRouter as R
        import os.path
        import xml.etree.ElementTree as ET

        r.get("https://example.com")
        sleep(1)
        R()
        os.path.join("a", "b")
        os.getcwd()
        ET.parse("f.xml").getroot()
        """
    )
    assert qualified_calls(facts, "r.get") == ["requests.get"]
    assert qualified_calls(facts, "sleep") == ["time.sleep"]
    assert qualified_calls(facts, "R") == ["fastapi.APIRouter"]
    assert qualified_calls(facts, "os.path.join") == ["os.path.join"]
    assert qualified_calls(facts, "os.getcwd") == ["os.getcwd"]
    assert qualified_calls(facts, "ET.parse") == ["xml.etree.ElementTree.parse"]
    # an attribute of a call's result is not a dotted name
    assert qualified_calls(facts, "ET.parse('f.xml').getroot") == [None]


def test_nested_attribute_chains() -> None:
    facts = facts_of(
        """
        import google.cloud
        from app import settings

        google.cloud.storage.Client.from_service_account_json("key.json")
        settings.database.engine.connect()
        unknown.a.b()
        """
    )
    assert qualified_calls(facts, "google.cloud.storage.Client.from_service_account_json") == [
        "google.cloud.storage.Client.from_service_account_json"
    ]
    assert qualified_calls(facts, "settings.database.engine.connect") == [
        "app.settings.database.engine.connect"
    ]
    assert qualified_calls(facts, "unknown.a.b") == [None]


def test_canonical_names_for_reexported_classes() -> None:
    facts = facts_of(
        """
        from fastapi.param_functions import Depends
        from fastapi.routing import APIRouter
        from typing_extensions import Annotated
        import fastapi

        Depends()
        APIRouter()
        fastapi.params.Depends()
        Annotated[int, 1]
        """
    )
    assert qualified_calls(facts, "Depends") == ["fastapi.Depends"]
    assert qualified_calls(facts, "APIRouter") == ["fastapi.APIRouter"]
    assert qualified_calls(facts, "fastapi.params.Depends") == ["fastapi.Depends"]
    subscript = next(n for n in facts.all_nodes if isinstance(n, ast.Subscript))
    assert facts.qualified_name(subscript.value) == "typing.Annotated"


def test_function_level_imports_stay_in_their_function() -> None:
    facts = facts_of(
        """
        def load():
            import json as j
            from time import sleep
            sleep(1)
            return j.loads("{}")

        def other():
            sleep(2)
            return j.loads("{}")
        """
    )
    assert qualified_calls(facts, "j.loads") == ["json.loads", None]
    assert qualified_calls(facts, "sleep") == ["time.sleep", None]


def test_parameters_and_local_assignments_shadow_imports() -> None:
    facts = facts_of(
        """
        import requests
        from time import sleep

        def by_parameter(requests):
            requests.get("a")

        def by_assignment():
            sleep = print
            sleep(1)

        def by_loop(items):
            for requests in items:
                requests.get("b")

        def keyword_only(*, requests):
            requests.get("c")

        def untouched():
            requests.get("d")
            sleep(2)

        handler = lambda requests: requests.get("e")
        """
    )
    assert qualified_calls(facts, "requests.get") == [None, None, None, "requests.get", None]
    assert qualified_calls(facts, "sleep") == [None, "time.sleep"]


def test_a_later_module_level_def_shadows_an_import() -> None:
    facts = facts_of(
        """
        from time import sleep

        def sleep(seconds):
            return seconds

        async def handler():
            sleep(1)
        """
    )
    assert qualified_calls(facts, "sleep") == [None]
    assert facts.is_local_name("sleep", calls_named(facts, "sleep")[0])
    assert facts.module_function("sleep") is not None


def test_an_import_after_a_def_wins() -> None:
    facts = facts_of(
        """
        def sleep(seconds):
            return seconds

        from time import sleep

        async def handler():
            sleep(1)
        """
    )
    assert qualified_calls(facts, "sleep") == ["time.sleep"]


def test_builtins_unless_shadowed() -> None:
    facts = facts_of(
        """
        async def read():
            return open("a.txt").read()

        async def own():
            def open(path):
                return path
            return open("b.txt")

        async def assigned():
            open = None
            return open("c.txt")
        """
    )
    assert qualified_calls(facts, "open") == ["builtins.open", None, None]

    module_level = facts_of(
        """
        def open(path):
            return path

        async def read():
            return open("a.txt")
        """
    )
    assert qualified_calls(module_level, "open") == [None]


def test_class_bodies_do_not_leak_into_methods() -> None:
    facts = facts_of(
        """
        import requests

        class Client:
            requests = None

            def fetch(self):
                return requests.get("x")
        """
    )
    assert qualified_calls(facts, "requests.get") == ["requests.get"]


def test_comprehension_variables_bind_in_the_comprehension_only() -> None:
    facts = facts_of(
        """
        import requests

        def names(items):
            found = [requests.get(x) for requests in items]
            return requests.get(found)

        def nested(groups):
            return [requests for requests in requests.get(groups)]
        """
    )
    # inside the comprehension the target wins; after it, and in the first iterable, the import
    assert qualified_calls(facts, "requests.get") == [None, "requests.get", "requests.get"]


def test_relative_imports_with_and_without_a_module_name() -> None:
    source = """
        from .models import User
        from .. import deps
        from . import schemas as s

        User()
        deps.get_db()
        s.Item()
        """
    named = facts_of(source, module_name="app.api.routes")
    assert qualified_calls(named, "User") == ["app.api.models.User"]
    assert qualified_calls(named, "deps.get_db") == ["app.deps.get_db"]
    assert qualified_calls(named, "s.Item") == ["app.api.schemas.Item"]

    anonymous = facts_of(source)
    assert qualified_calls(anonymous, "User") == [".models.User"]


def test_local_name_for() -> None:
    facts = facts_of(
        """
        import asyncio
        from anyio import to_thread
        """
    )
    assert facts.local_name_for("asyncio.sleep") == "asyncio.sleep"
    assert facts.local_name_for("anyio.to_thread.run_sync") == "to_thread.run_sync"
    assert facts.local_name_for("time.sleep") is None
    assert [type(n).__name__ for n in facts.import_nodes] == ["Import", "ImportFrom"]


# --- apps and routes -----------------------------------------------------------------------

ROUTES = """
import fastapi
from typing import Annotated
from fastapi import APIRouter, Depends, FastAPI, Security

app = FastAPI(title="shop")
router: APIRouter = APIRouter(prefix="/items")
admin = fastapi.APIRouter()
maybe: FastAPI


def get_db():
    yield "db"


async def get_user(db: Annotated[str, Depends(get_db)]):
    return "user"


class Service:
    pass


@app.get("/items/{item_id:int}", status_code=201, response_model=None)
async def read_item(item_id: int, user=Depends(get_user)):
    return item_id


@router.post("/")
def create_item(service: Annotated[Service, Depends()]):
    return service


@router.api_route("/files/{name}/{rest:path}", methods=["GET", "post"])
def files(name: str, rest: str, user: Annotated[str, Security(get_user, scopes=["read"])]):
    return name


@admin.api_route("/default")
def default_method():
    return None


@admin.websocket("/ws")
async def socket(websocket):
    await websocket.accept()


@app.put("/p", dependencies=[Depends(get_db), Depends(dependency=get_user)])
def put_item():
    return None


@app.delete(path="/items/{ item_id }")
def delete_item(item_id: int, service: Service = Depends()):
    return item_id


@app.middleware("http")
async def middleware(request, call_next):
    return await call_next(request)


@app.get(PATH)
def dynamic():
    return None


def list_items():
    return []


app.add_api_route("/list", list_items, methods=["GET", "HEAD"])
router.add_api_route(path="/all", endpoint=list_items)


def configure(api: FastAPI):
    @api.get("/health")
    def health():
        return "ok"
"""


@pytest.fixture(scope="module")
def routes_facts() -> ModuleFacts:
    return facts_of(ROUTES)


def test_apps_and_routers(routes_facts: ModuleFacts) -> None:
    apps = routes_facts.apps
    assert {name: a.kind for name, a in apps.items()} == {
        "app": "app",
        "router": "router",
        "admin": "router",
        "maybe": "app",
        "api": "app",
    }
    assert isinstance(apps["app"].node, ast.Assign)
    assert apps["app"].call is not None
    assert isinstance(apps["router"].node, ast.AnnAssign)
    assert apps["router"].call is not None
    assert apps["maybe"].call is None
    assert isinstance(apps["api"].node, ast.arg)
    assert apps["api"].call is None


def test_routes_in_registration_order(routes_facts: ModuleFacts) -> None:
    table = [
        (r.owner.name, r.methods, r.path.raw if r.path else None, r.handler.qualname, r.is_async)
        for r in routes_facts.routes
    ]
    assert table == [
        ("app", ("GET",), "/items/{item_id:int}", "read_item", True),
        ("router", ("POST",), "/", "create_item", False),
        ("router", ("GET", "POST"), "/files/{name}/{rest:path}", "files", False),
        ("admin", ("GET",), "/default", "default_method", False),
        ("admin", ("WEBSOCKET",), "/ws", "socket", True),
        ("app", ("PUT",), "/p", "put_item", False),
        ("app", ("DELETE",), "/items/{ item_id }", "delete_item", False),
        ("app", ("GET",), None, "dynamic", False),
        ("app", ("GET", "HEAD"), "/list", "list_items", False),
        ("router", ("GET",), "/all", "list_items", False),
        ("api", ("GET",), "/health", "configure.<locals>.health", False),
    ]


def test_route_details(routes_facts: ModuleFacts) -> None:
    read_item, *_ = routes_facts.routes
    assert read_item.path is not None
    assert [(p.name, p.converter) for p in read_item.path.params] == [("item_id", "int")]
    assert read_item.path.param_names == ("item_id",)
    assert read_item.path.pattern_key == "/items/{:int}"
    assert sorted(read_item.keywords) == ["response_model", "status_code"]
    status = read_item.keyword("status_code")
    assert isinstance(status, ast.Constant) and status.value == 201
    assert read_item.keyword("tags") is None
    assert isinstance(read_item.registration, ast.Call)
    assert read_item.registration in read_item.handler.node.decorator_list

    by_handler = {r.handler.qualname: r for r in routes_facts.routes}
    files = by_handler["files"]
    assert files.path is not None
    assert [(p.name, p.converter) for p in files.path.params] == [("name", None), ("rest", "path")]
    assert by_handler["socket"].is_websocket
    assert not files.is_websocket
    delete = by_handler["delete_item"]
    # Starlette matches only `{name}` or `{name:converter}`: spaces make it literal text
    assert delete.path is not None and delete.path.param_names == ()

    # add_api_route registers the module function named by the endpoint argument
    list_items = routes_facts.module_function("list_items")
    assert list_items is not None
    assert len(routes_facts.routes_of(list_items)) == 2
    assert routes_facts.is_path_operation(list_items)
    assert not routes_facts.is_path_operation(function(routes_facts, "middleware"))
    assert "middleware" not in [f.name for f in routes_facts.path_operations]


def test_no_app_means_no_routes() -> None:
    facts = facts_of(
        """
        from flask import Flask

        app = Flask(__name__)

        @app.get("/")
        def index():
            return "hi"
        """
    )
    assert facts.apps == {}
    assert facts.routes == []


# --- dependencies --------------------------------------------------------------------------


def test_dependency_uses(routes_facts: ModuleFacts) -> None:
    def show(expr: ast.expr | None) -> str | None:
        return ast.unparse(expr) if expr is not None else None

    table = [
        (
            use.kind,
            use.style,
            show(use.target),
            use.owner.name if use.owner else None,
            use.parameter.arg if use.parameter else None,
            show(use.annotation),
            show(use.callable_expr),
        )
        for use in routes_facts.dependency_uses
    ]
    assert sorted(table, key=str) == sorted(
        [
            ("Depends", "annotated", "get_db", "get_user", "db", "str", "get_db"),
            ("Depends", "default", "get_user", "read_item", "user", None, "get_user"),
            # Depends() with no argument: FastAPI calls the annotation
            ("Depends", "annotated", None, "create_item", "service", "Service", "Service"),
            ("Security", "annotated", "get_user", "files", "user", "str", "get_user"),
            ("Depends", "list", "get_db", None, None, None, "get_db"),
            ("Depends", "list", "get_user", None, None, None, "get_user"),
            ("Depends", "default", None, "delete_item", "service", "Service", "Service"),
        ],
        key=str,
    )


def test_dependency_functions(routes_facts: ModuleFacts) -> None:
    assert [f.name for f in routes_facts.dependency_functions] == ["get_db", "get_user"]
    get_user = routes_facts.module_function("get_user")
    assert get_user is not None and routes_facts.is_dependency(get_user)
    assert not routes_facts.is_dependency(function(routes_facts, "read_item"))
    read_item = function(routes_facts, "read_item")
    assert [ast.unparse(u.call) for u in routes_facts.dependencies_of(read_item)] == [
        "Depends(get_user)"
    ]


def test_annotated_parts() -> None:
    facts = facts_of(
        """
        from typing import Annotated, Optional
        from fastapi import Depends

        def f(a: Annotated[int, Depends(g), "doc"], b: Optional[int], c: list[int]):
            pass
        """
    )
    a, b, c = function(facts, "f").parameters
    parts = facts.annotated_parts(a.annotation)
    assert parts is not None
    inner, metadata = parts
    assert ast.unparse(inner) == "int"
    assert [ast.unparse(m) for m in metadata] == ["Depends(g)", "'doc'"]
    assert facts.annotated_parts(b.annotation) is None
    assert facts.annotated_parts(c.annotation) is None
    assert facts.annotated_parts(None) is None


# --- Pydantic ------------------------------------------------------------------------------


def test_pydantic_classes_follow_bases_within_the_file() -> None:
    facts = facts_of(
        """
        from typing import Generic, TypeVar
        import pydantic
        from pydantic import BaseModel
        from pydantic_settings import BaseSettings

        T = TypeVar("T")

        class Base(BaseModel):
            pass

        class Child(Base):
            pass

        class GrandChild(Child):
            pass

        class Page(pydantic.BaseModel, Generic[T]):
            pass

        class Settings(BaseSettings):
            debug: bool = False

        class ProdSettings(Settings):
            pass

        class Early(Late):
            pass

        class Late(BaseModel):
            pass

        class Plain:
            pass

        class Mixin(Plain):
            pass
        """
    )
    kinds = {name: kind for name, (_, kind) in facts.pydantic_classes.items()}
    assert kinds == {
        "Base": "model",
        "Child": "model",
        "GrandChild": "model",
        "Page": "model",
        "Settings": "settings",
        "ProdSettings": "settings",
        "Early": "model",
        "Late": "model",
    }
    node, _ = facts.pydantic_classes["GrandChild"]
    assert isinstance(node, ast.ClassDef) and node.name == "GrandChild"

    module_names = {
        n.id: n for n in facts.all_nodes if isinstance(n, ast.Name) and n.id in ("Base", "Plain")
    }
    assert facts.is_pydantic_class(module_names["Base"])
    assert not facts.is_pydantic_class(module_names["Plain"])
    settings_name = next(
        n for n in facts.all_nodes if isinstance(n, ast.Name) and n.id == "Settings"
    )
    assert facts.is_settings_class(settings_name)


def test_pydantic_v1_settings() -> None:
    facts = facts_of(
        """
        from pydantic import BaseSettings

        class Settings(BaseSettings):
            pass
        """
    )
    assert facts.pydantic_classes["Settings"][1] == "settings"


# --- the function table --------------------------------------------------------------------

FUNCTIONS = """
import asyncio


async def fetch(client):
    response = await client.get("/")
    return response


async def no_await():
    return 1


async def agen():
    yield 1


def gen():
    yield from range(3)


async def streams(source):
    async for chunk in source:
        pass
    async with source:
        pass


async def comprehension(source):
    return [x async for x in source]


async def outer():
    def inner():
        yield 1

    async def inner_async():
        await asyncio.sleep(1)

    callback = lambda: asyncio.sleep(2)
    return inner, inner_async, callback


class Repository:
    async def get(self, key):
        return key

    @staticmethod
    def build():
        class Local:
            def method(self):
                return 1

        return Local
"""


@pytest.fixture(scope="module")
def function_facts() -> ModuleFacts:
    return facts_of(FUNCTIONS)


def test_function_table(function_facts: ModuleFacts) -> None:
    table = {
        f.qualname: (f.name, f.is_async, f.is_generator, f.awaits, f.is_method)
        for f in function_facts.functions
    }
    assert table == {
        "fetch": ("fetch", True, False, True, False),
        "no_await": ("no_await", True, False, False, False),
        "agen": ("agen", True, True, False, False),
        "gen": ("gen", False, True, False, False),
        "streams": ("streams", True, False, True, False),
        "comprehension": ("comprehension", True, False, True, False),
        "outer": ("outer", True, False, False, False),
        "outer.<locals>.inner": ("inner", False, True, False, False),
        "outer.<locals>.inner_async": ("inner_async", True, False, True, False),
        "Repository.get": ("get", True, False, False, True),
        "Repository.build": ("build", False, False, False, True),
        "Repository.build.<locals>.Local.method": ("method", False, False, False, True),
    }
    outer = function(function_facts, "outer")
    inner = function(function_facts, "outer.<locals>.inner")
    assert inner.parent_function is outer
    assert inner.class_name is None
    assert function(function_facts, "Repository.get").class_name == "Repository"
    assert function_facts.function_info(inner.node) is inner
    assert [f.name for f in function_facts.async_functions()] == [
        "fetch",
        "no_await",
        "agen",
        "streams",
        "comprehension",
        "outer",
        "inner_async",
        "get",
    ]


def test_own_nodes_exclude_nested_defs_and_lambdas(function_facts: ModuleFacts) -> None:
    outer = function(function_facts, "outer")
    inner = function(function_facts, "outer.<locals>.inner")
    inner_async = function(function_facts, "outer.<locals>.inner_async")
    # the def statements belong to outer; their bodies do not
    assert inner.node in outer.own_nodes
    assert not any(n in outer.own_nodes for n in ast.walk(inner.node.body[0]))
    assert outer.calls == []  # the asyncio.sleep calls are in inner_async and in the lambda
    assert not outer.is_generator  # inner's yield is inner's
    assert not outer.awaits  # inner_async's await is inner_async's
    assert [ast.unparse(c) for c in inner_async.calls] == ["asyncio.sleep(1)"]
    [in_lambda] = [c for c in function_facts.calls if ast.unparse(c) == "asyncio.sleep(2)"]
    assert in_lambda not in outer.own_nodes
    lambda_node = next(n for n in outer.own_nodes if isinstance(n, ast.Lambda))
    assert lambda_node.body not in outer.own_nodes
    fetch = function(function_facts, "fetch")
    assert {"response", "client"} <= names_in(fetch.own_nodes)
    assert [ast.unparse(y) for y in function(function_facts, "agen").yields] == ["(yield 1)"]


def test_decorators_and_defaults_run_in_the_enclosing_scope() -> None:
    facts = facts_of(
        """
        import functools

        def outer():
            @functools.lru_cache(maxsize=None)
            def cached(limit=len("abc")) -> int:
                return limit
            return cached
        """
    )
    outer = function(facts, "outer")
    cached = function(facts, "outer.<locals>.cached")
    assert [ast.unparse(c) for c in outer.calls] == [
        "functools.lru_cache(maxsize=None)",
        "len('abc')",
    ]
    assert cached.calls == []


def test_calls_in_async_bodies(function_facts: ModuleFacts) -> None:
    found = [(ast.unparse(c), f.qualname) for c, f in function_facts.calls_in_async_bodies()]
    assert ("client.get('/')", "fetch") in found
    assert ("asyncio.sleep(1)", "outer.<locals>.inner_async") in found
    assert all(call != "asyncio.sleep(2)" for call, _ in found)  # in a lambda
    assert all(owner != "gen" for _, owner in found)


def test_function_of(function_facts: ModuleFacts) -> None:
    def owner(spelled: str) -> str | None:
        [call] = [c for c in function_facts.calls if ast.unparse(c) == spelled]
        info = function_facts.function_of(call)
        return info.qualname if info else None

    assert owner("client.get('/')") == "fetch"
    assert owner("asyncio.sleep(1)") == "outer.<locals>.inner_async"
    assert owner("asyncio.sleep(2)") is None  # inside a lambda
    assert owner("range(3)") == "gen"
    module_level = facts_of("import time\ntime.sleep(1)\nclass C:\n    x = time.time()\n")
    assert [module_level.function_of(c) for c in module_level.calls] == [None, None]
    assert len(module_level.module_nodes) > 0


def test_parameters_and_defaults() -> None:
    facts = facts_of(
        """
        def f(a, /, b, c=1, *args, d, e=2, **kwargs):
            pass
        """
    )
    info = function(facts, "f")
    params = info.parameters
    assert [p.arg for p in params] == ["a", "b", "c", "args", "d", "e", "kwargs"]
    defaults = {p.arg: info.parameter_default(p) for p in params}
    assert {k: ast.unparse(v) if v else None for k, v in defaults.items()} == {
        "a": None,
        "b": None,
        "c": "1",
        "args": None,
        "d": None,
        "e": "2",
        "kwargs": None,
    }
    assert info.docstring_node is None
    documented = facts_of('def g():\n    """Doc."""\n    return 1\n')
    assert function(documented, "g").docstring_node is not None


# --- types of bindings ---------------------------------------------------------------------

TYPES = """
from typing import Annotated, Optional

import httpx
from fastapi import Depends
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = sessionmaker(bind=None)
shared = httpx.Client()


async def handler(
    client: httpx.Client,
    session: Optional[Session],
    annotated: Annotated[Session, Depends(object)],
    maybe: httpx.AsyncClient | None,
    untyped,
):
    own = httpx.Client()
    with httpx.Client() as managed:
        managed.get("a")
    db = SessionLocal()
    db.query()
    own.get("b")
    client.get("c")
    session.query()
    annotated.query()
    maybe.get("d")
    untyped.get("e")
    shared.get("f")


async def loops(clients):
    for shared in clients:
        shared.get("g")
    [shared.get("h") for shared in clients]


def reassigned():
    value = httpx.Client()
    value = make()
    value.get("i")
"""


@pytest.fixture(scope="module")
def type_facts() -> ModuleFacts:
    return facts_of(TYPES)


def receiver_type(facts: ModuleFacts, spelled: str) -> str | None:
    [call] = [c for c in facts.calls if ast.unparse(c) == spelled]
    assert isinstance(call.func, ast.Attribute)
    return facts.type_of(call.func.value)


def test_type_of_names(type_facts: ModuleFacts) -> None:
    assert receiver_type(type_facts, "managed.get('a')") == "httpx.Client"
    assert receiver_type(type_facts, "db.query()") == "sqlalchemy.orm.sessionmaker()"
    assert receiver_type(type_facts, "own.get('b')") == "httpx.Client"
    assert receiver_type(type_facts, "client.get('c')") == "httpx.Client"
    assert receiver_type(type_facts, "session.query()") == "sqlalchemy.orm.Session"
    assert receiver_type(type_facts, "annotated.query()") == "sqlalchemy.orm.Session"
    assert receiver_type(type_facts, "maybe.get('d')") == "httpx.AsyncClient"
    assert receiver_type(type_facts, "untyped.get('e')") is None
    assert receiver_type(type_facts, "shared.get('f')") == "httpx.Client"  # module level
    # bound in the function by a loop or a comprehension: not the module's `shared`
    assert receiver_type(type_facts, "shared.get('g')") is None
    assert receiver_type(type_facts, "shared.get('h')") is None
    # the assignment in force is the last one before the use
    assert receiver_type(type_facts, "value.get('i')") is None


def test_type_of_calls(type_facts: ModuleFacts) -> None:
    [factory_call] = [c for c in type_facts.calls if ast.unparse(c) == "SessionLocal()"]
    assert type_facts.type_of(factory_call) == "sqlalchemy.orm.sessionmaker()"
    [client_call] = [c for c in type_facts.calls if ast.unparse(c) == "httpx.Client()"][:1]
    assert type_facts.type_of(client_call) == "httpx.Client"
    [unknown] = [c for c in type_facts.calls if ast.unparse(c) == "make()"]
    assert type_facts.type_of(unknown) is None


def test_binding_origin(type_facts: ModuleFacts) -> None:
    [use] = [c for c in type_facts.calls if ast.unparse(c) == "db.query()"]
    origin = type_facts.binding_origin("db", use)
    assert origin is not None and ast.unparse(origin) == "SessionLocal()"
    origin = type_facts.binding_origin("SessionLocal", use)
    assert origin is not None and ast.unparse(origin) == "sessionmaker(bind=None)"
    origin = type_facts.binding_origin("session", use)
    assert origin is not None and ast.unparse(origin) == "Session"  # Optional stripped
    origin = type_facts.binding_origin("annotated", use)
    assert origin is not None and ast.unparse(origin) == "Session"  # Annotated stripped
    [managed] = [c for c in type_facts.calls if ast.unparse(c) == "managed.get('a')"]
    origin = type_facts.binding_origin("managed", managed)
    assert origin is not None and ast.unparse(origin) == "httpx.Client()"
    assert type_facts.binding_origin("untyped", use) is None
    assert type_facts.binding_origin("nowhere", use) is None


# --- main guard ----------------------------------------------------------------------------


def test_in_main_guard() -> None:
    facts = facts_of(
        """
        import uvicorn

        def serve():
            uvicorn.run("in-function")

        if __name__ == "__main__":
            if True:
                uvicorn.run("nested")
        else:
            uvicorn.run("else-branch")

        if "__main__" == __name__:
            uvicorn.run("reversed")

        if __name__ != "__main__":
            uvicorn.run("not-main")

        if __name__ == "__main__" and uvicorn.run("test"):
            pass
        """
    )
    guarded = {ast.literal_eval(c.args[0]): facts.in_main_guard(c) for c in facts.calls}
    assert guarded == {
        "in-function": False,
        "nested": True,
        "else-branch": False,
        "reversed": True,
        "not-main": False,
        "test": False,
    }


# --- deep nesting ----------------------------------------------------------------------------


def stack_depth() -> int:
    frame = sys._getframe()
    depth = 0
    while frame is not None:
        depth += 1
        frame = frame.f_back  # type: ignore[assignment]
    return depth


DEPTH = 300


def deep_source() -> str:
    terms = " + ".join(["time.sleep(1)"] * DEPTH)
    return (
        "import time\n"
        "from fastapi import Depends, FastAPI\n\n"
        "app = FastAPI()\n\n"
        "@app.get('/')\n"
        f"async def handler(db=Depends(get_db)):\n    return {terms}\n\n"
        f"value = time{'.attr' * DEPTH}\n"
        f"flag = {'not ' * DEPTH}True\n"
        "if __name__ == '__main__':\n"
        f"    total = {terms}\n"
    )


def test_deep_nesting_does_not_overflow() -> None:
    source = deep_source()
    tree = ast.parse(source)  # with the normal limit: the parser is not under test
    facts = ModuleFacts(tree, SourceText(source), "deep.py")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(stack_depth() + 80)
    try:
        calls = facts.calls
        functions = facts.functions
        async_calls = list(facts.calls_in_async_bodies())
        qualified = [facts.qualified_name(c.func) for c in calls]
        in_handler = [c for c, _ in async_calls]
        deepest = max(in_handler, key=lambda c: sum(1 for _ in facts.ancestors(c)))
        depth = sum(1 for _ in facts.ancestors(deepest))
        owner = facts.function_of(deepest)
        owner_args = facts.function_of(deepest.args[0])
        guarded = [facts.in_main_guard(c) for c in calls]
        routes = facts.routes
        uses = facts.dependency_uses
        models = facts.pydantic_classes
        chain = next(
            n for n in facts.all_nodes if isinstance(n, ast.Attribute) and n.attr == "attr"
        )
        chain_name = facts.qualified_name(chain)
        value = next(n for n in facts.all_nodes if isinstance(n, ast.Name) and n.id == "value")
        value_type = facts.type_of(value)
    finally:
        sys.setrecursionlimit(limit)

    assert len(calls) == 2 * DEPTH + 3  # the sleeps, Depends(), FastAPI(), app.get()
    assert [f.name for f in functions] == ["handler"]
    assert len(async_calls) == DEPTH
    assert qualified.count("time.sleep") == 2 * DEPTH
    assert depth >= DEPTH
    assert owner is functions[0]
    assert owner_args is functions[0]
    assert guarded.count(True) == DEPTH
    assert [r.handler.name for r in routes] == ["handler"]
    assert len(uses) == 1
    assert models == {}
    assert chain_name == "time" + ".attr" * DEPTH
    assert value_type == chain_name


def test_a_final_binding_takes_its_type_from_the_value() -> None:
    facts = ModuleFacts.from_text(
        "from typing import Final\nimport httpx\n\n"
        "def f():\n    client: Final = httpx.Client()\n    client.get('x')\n"
        "    other: Final[httpx.AsyncClient] = make()\n    other.get('y')\n"
    )
    names = [
        n
        for n in ast.walk(facts.tree)
        if isinstance(n, ast.Name) and n.id in ("client", "other") and isinstance(n.ctx, ast.Load)
    ]
    assert [facts.type_of(n) for n in names] == ["httpx.Client", "httpx.AsyncClient"]


# --- named dependencies (module-level `Annotated` aliases) -----------------------------------

ALIASES = """
    from typing import Annotated, TypeAlias
    from fastapi import Depends
    from elsewhere import ImportedDep

    def get_db(): ...

    DbDep = Annotated[str, Depends(get_db)]
    TypedDep: TypeAlias = Annotated[int, Depends(get_db)]
    Rebound = Annotated[str, Depends(get_db)]
    Rebound = Annotated[str, Depends(get_db)]
    Unused = Annotated[str, Depends(get_db)]
    NotAnnotated = list[int]

    def read(a: DbDep, b: DbDep, c: TypedDep, d: Rebound, e: ImportedDep, f: NotAnnotated): ...

    def outer():
        DbDep = int

        def inner(g: DbDep): ...

    def comprehension(h: DbDep):
        return [DbDep for DbDep in range(3)]
"""


def test_annotated_alias_stands_for_its_annotated_expression() -> None:
    facts = facts_of(ALIASES)
    a, b, c, d, e, f = function(facts, "read").parameters
    for param, expected in ((a, "str"), (b, "str"), (c, "int")):
        parts = facts.annotated_parts(param.annotation)
        assert parts is not None
        assert ast.unparse(parts[0]) == expected
        assert [ast.unparse(m) for m in parts[1]] == ["Depends(get_db)"]
    # bound twice, imported, or not `Annotated`: not followed
    for param in (d, e, f):
        assert facts.annotated_parts(param.annotation) is None
    # a local binding shadows the module's alias
    (g,) = function(facts, "outer.<locals>.inner").parameters
    assert facts.annotated_parts(g.annotation) is None
    (h,) = function(facts, "comprehension").parameters
    assert facts.annotated_parts(h.annotation) is not None


def test_dependency_uses_through_an_alias_share_its_call() -> None:
    facts = facts_of(ALIASES)
    read = function(facts, "read")
    uses = facts.dependencies_of(read)
    assert [(u.parameter.arg if u.parameter else None, u.style) for u in uses] == [
        ("a", "annotated"),
        ("b", "annotated"),
        ("c", "annotated"),
    ]
    assert [ast.unparse(u.annotation) for u in uses if u.annotation] == ["str", "str", "int"]
    assert uses[0].call is uses[1].call
    # the alias no parameter reads stays a use outside signatures, as do the rebound ones
    outside = [u for u in facts.dependency_uses if u.owner is None]
    assert [u.call.lineno for u in outside] == [10, 11, 12]
    # an alias says what its `Depends()` calls even when no parameter uses it
    assert [ast.unparse(u.annotation) if u.annotation else None for u in outside] == [
        None,
        None,
        "str",
    ]
    # one use per call node: DbDep, TypedDep (shared), Rebound twice, Unused
    calls = facts.dependency_calls
    assert len(calls) == len({id(u.call) for u in facts.dependency_uses}) == 5
    # a name bound by such a parameter has the alias's type
    origin = facts.binding_origin("a", read.node.body[0])
    assert origin is not None and ast.unparse(origin) == "str"


def test_rules_reporting_at_a_shared_call_report_it_once() -> None:
    facts = facts_of(
        """
        from typing import Annotated
        from fastapi import Depends, FastAPI

        app = FastAPI()

        def get_user():
            yield object()

        UserDep = Annotated[object, Depends(get_user())]

        @app.get("/a")
        def a(user: UserDep, again: UserDep): ...

        @app.get("/b")
        def b(user: UserDep): ...
        """
    )
    rule = next(r for r in all_rules() if r.code == "FAS402")
    found = list(rule.check(facts, Options({})))
    assert [(d.code, d.start.line) for d in found] == [("FAS402", 10)]


@pytest.mark.skipif(sys.version_info < (3, 12), reason="`type X = ...` needs Python 3.12")
def test_type_statement_alias() -> None:
    facts = facts_of(
        """
        from typing import Annotated
        from fastapi import Depends

        def get_db(): ...

        type DbDep = Annotated[str, Depends(get_db)]
        type Generic[T] = Annotated[T, Depends(get_db)]

        def read(a: DbDep, b: Generic): ...
        """
    )
    a, b = function(facts, "read").parameters
    parts = facts.annotated_parts(a.annotation)
    assert parts is not None and ast.unparse(parts[0]) == "str"
    assert facts.annotated_parts(b.annotation) is None
