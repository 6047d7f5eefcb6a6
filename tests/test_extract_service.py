"""Extract to service, proven by behaviour: each sample app under
``tests/refactor_apps/extract_service`` is copied twice, one copy is refactored, both apps are
imported and every request gets the same status, body and headers from both; the refactored
files parse and re-linting them introduces no finding."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.config import Settings
from fastapi_lint.engine import check_text
from fastapi_lint.refactor_cli import applied, write_results
from fastapi_lint.refactors import FileEdit, NewFile, NotOffered
from fastapi_lint.refactors.extract_service import (
    extract_service,
    extract_service_available,
    read_from_disk,
)

APPS = Path(__file__).parent / "refactor_apps" / "extract_service"


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    json: Any = None
    headers: dict[str, str] | None = None


@dataclass(frozen=True)
class Case:
    app: str  # directory under APPS
    module: str  # the module holding `app`
    refactor: tuple[tuple[str, str], ...]  # (file, handler), applied in order
    calls: tuple[Call, ...]


CASES = [
    Case(
        "vertical",
        "shop.main",
        (
            ("shop/users/router.py", "read_user"),
            ("shop/users/router.py", "create_user"),
            ("shop/users/router.py", "list_users"),
        ),
        (
            Call("POST", "/users/", {"name": "  ada lovelace ", "email": "ada@example.com"}),
            Call("POST", "/users/", {"name": "alan turing", "email": "alan@example.com"}),
            Call("POST", "/users/", {"name": "x"}),
            Call("GET", "/users/1"),
            Call("GET", "/users/99"),
            Call("GET", "/users/abc"),
            Call("GET", "/users/?q=ada"),
            Call("GET", "/users/?limit=1"),
            Call("GET", "/users/", headers={"x-token": "wrong"}),
        ),
    ),
    Case(
        "layered",
        "proj.main",
        (
            ("proj/api/routes/items.py", "read_item"),
            ("proj/api/routes/items.py", "restock_item"),
        ),
        (
            Call("GET", "/api/items/1"),
            Call("GET", "/api/items/1?currency=USD", headers={"x-client": "member"}),
            Call("GET", "/api/items/7"),
            Call("GET", "/api/items/1?currency=EURO"),
            Call("POST", "/api/items/2/restock", {"quantity": 4}),
            Call("POST", "/api/items/2/restock", {"quantity": 0}),
            Call("POST", "/api/items/9/restock", {"quantity": 1}),
            Call("GET", "/api/items/2"),
        ),
    ),
    Case(
        "existing",
        "store.main",
        (("store/orders/router.py", "cancel_order"),),
        (
            Call("GET", "/orders/1/total"),
            Call("POST", "/orders/1/cancel?reason=late"),
            Call("POST", "/orders/1/cancel"),
            Call("POST", "/orders/2/cancel"),
            Call("POST", "/orders/5/cancel"),
        ),
    ),
    Case(
        "domain",
        "library.main",
        (("library/books/router.py", "borrow_book"),),
        (
            Call("POST", "/books/1/borrow?member=ann"),
            Call("POST", "/books/1/borrow?member=bob"),
            Call("POST", "/books/2/borrow?member=ann"),
            Call("POST", "/books/2/borrow?member=staff-cy"),
            Call("POST", "/books/3/borrow?member=ann"),
            Call("POST", "/books/3/borrow"),
        ),
    ),
    Case(
        "single",
        "main",
        (("main.py", "product_price"), ("main.py", "put_product")),
        (
            Call("GET", "/products/apple/price"),
            Call("GET", "/products/apple/price?currency=USD"),
            Call("GET", "/products/apple/price?currency=JPY"),
            Call("GET", "/products/pear/price"),
            Call("PUT", "/products/pear", {"sku": "pear", "price": 3.5, "tags": ["fruit"]}),
            Call("PUT", "/products/apple", {"sku": "apple", "price": 2.5, "tags": ["red"]}),
            Call("PUT", "/products/kiwi", {"sku": "kiwi", "price": 1, "tags": ["2nd"]}),
            Call("PUT", "/products/gold", {"sku": "gold", "price": 1000}),
            Call("GET", "/products/apple/price"),
            Call("GET", "/health"),
        ),
    ),
]


def handler_line(path: Path, name: str) -> int:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node.body[-1].lineno  # any line of the path operation will do
    raise AssertionError(f"no handler {name} in {path}")


def refactor(root: Path, file: str, handler: str) -> list[Path]:
    path = root / file
    refactoring = extract_service(
        path, path.read_text(encoding="utf-8"), handler_line(path, handler), project_root=root
    )
    results = applied(refactoring, read_from_disk)
    write_results(results)
    return [result.path for result in results]


@contextmanager
def imported_app(root: Path, module: str) -> Iterator[Any]:
    """Import ``module`` from ``root`` and yield its ``app``; afterwards the modules it loaded
    are forgotten, so that a second copy of the same package can be imported."""
    before = set(sys.modules)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(module).app
    finally:
        sys.path.remove(str(root))
        for name in set(sys.modules) - before:
            del sys.modules[name]


def responses(app: Any, calls: tuple[Call, ...]) -> list[tuple[int, bytes, dict[str, str]]]:
    with TestClient(app) as client:
        found = []
        for call in calls:
            headers = {"x-token": "secret", **(call.headers or {})}
            response = client.request(call.method, call.url, json=call.json, headers=headers)
            found.append((response.status_code, response.content, dict(response.headers)))
        return found


def findings(root: Path) -> Counter[str]:
    rules = Settings(root=root).enabled_rules
    codes: Counter[str] = Counter()
    for path in sorted(root.rglob("*.py")):
        result = check_text(path.read_text(encoding="utf-8"), str(path), rules)
        codes.update(d.code for d in result.diagnostics)
    return codes


@pytest.mark.parametrize("case", CASES, ids=[case.app for case in CASES])
def test_routes_answer_the_same_after_extraction(case: Case, tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(APPS / case.app, before)
    shutil.copytree(APPS / case.app, after)
    changed: set[Path] = set()
    for file, handler in case.refactor:
        changed.update(refactor(after, file, handler))
    for path in changed:
        ast.parse(path.read_text(encoding="utf-8"))  # every written file parses
    with imported_app(before, case.module) as app:
        expected = responses(app, case.calls)
        schema_before = app.openapi()
    with imported_app(after, case.module) as app:
        got = responses(app, case.calls)
        schema_after = app.openapi()
    assert got == expected
    assert _public_parameters(schema_after) == _public_parameters(schema_before)
    assert not findings(after) - findings(before), "the refactoring introduced findings"


def _public_parameters(schema: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Each operation's parameters and request body as clients see them."""
    return {
        (path, method): (
            sorted(
                (p["name"], p["in"], p.get("required", False)) for p in op.get("parameters", [])
            ),
            op.get("requestBody", {}).get("required"),
            sorted(op.get("responses", {})),
        )
        for path, operations in schema["paths"].items()
        for method, op in operations.items()
    }


def test_vertical_slice_creates_the_service_next_to_the_router_then_extends_it(
    tmp_path: Path,
) -> None:
    shutil.copytree(APPS / "vertical", tmp_path, dirs_exist_ok=True)
    router = tmp_path / "shop/users/router.py"
    first = extract_service(router, router.read_text(), handler_line(router, "read_user"))
    new = [c for c in first.changes if isinstance(c, NewFile)]
    assert [c.path for c in new] == [tmp_path / "shop/users/service.py"]
    assert "class UserService:" in new[0].text
    assert "def get_user_service(db: Annotated[FakeSession, Depends(get_db)])" in new[0].text
    assert "from ..db import FakeSession, get_db" in new[0].text
    assert first.kind == "refactor.extract"
    write_results(applied(first, read_from_disk))
    second = extract_service(router, router.read_text(), handler_line(router, "create_user"))
    assert not second.creates_files
    assert {c.path for c in second.changes} == {router, tmp_path / "shop/users/service.py"}
    write_results(applied(second, read_from_disk))
    service = (tmp_path / "shop/users/service.py").read_text()
    assert service.count("class UserService") == 1
    assert "    def create_user(self, payload: UserIn):" in service
    assert "# names are stored title-cased" in service  # comments move with the code
    text = router.read_text()
    assert 'response.headers["X-Created-By"] = "users"' in text  # HTTP concerns stay
    assert "return service.create_user(payload)" in text


def test_layered_tree_gets_a_services_package(tmp_path: Path) -> None:
    shutil.copytree(APPS / "layered", tmp_path, dirs_exist_ok=True)
    routes = tmp_path / "proj/api/routes/items.py"
    result = extract_service(routes, routes.read_text(), handler_line(routes, "read_item"))
    created = {c.path: c.text for c in result.changes if isinstance(c, NewFile)}
    assert set(created) == {
        tmp_path / "proj/services/item_service.py",
        tmp_path / "proj/services/__init__.py",
    }
    (route_edit,) = [c for c in result.changes if isinstance(c, FileEdit)]
    texts = [e.new_text for e in route_edit.edits]
    assert any(
        "from proj.services.item_service import ItemService, get_item_service\n" in t for t in texts
    )
    # the old-style `db: FakeSession = Depends(get_db)` becomes Annotated in the provider
    assert (
        "db: Annotated[FakeSession, Depends(get_db)]"
        in created[tmp_path / "proj/services/item_service.py"]
    )


def test_http_errors_become_domain_exceptions_the_app_already_handles(tmp_path: Path) -> None:
    shutil.copytree(APPS / "domain", tmp_path, dirs_exist_ok=True)
    router = tmp_path / "library/books/router.py"
    result = extract_service(router, router.read_text(), handler_line(router, "borrow_book"))
    (service,) = [c for c in result.changes if isinstance(c, NewFile)]
    assert 'raise NotFoundError(f"Book {book_id} not found")' in service.text
    assert 'raise ForbiddenError(f"{title} is for staff only")' in service.text
    assert "from ..errors import NotFoundError, ForbiddenError" in service.text
    # 409 has no handler of its own: the service returns None and the route raises it
    assert "HTTPException" not in service.text
    assert "            return None\n" in service.text


def test_a_handler_answering_differently_is_no_proof(tmp_path: Path) -> None:
    shutil.copytree(APPS / "domain", tmp_path, dirs_exist_ok=True)
    main = tmp_path / "library/main.py"
    main.write_text(
        main.read_text().replace(
            'content={"detail": str(exc)})\n\n\nasync', 'content={"error": str(exc)})\n\n\nasync'
        )
    )
    router = tmp_path / "library/books/router.py"
    with pytest.raises(NotOffered, match="several different HTTPExceptions"):
        extract_service(router, router.read_text(), handler_line(router, "borrow_book"))


UNICODE_APP = """\
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()
MENU = {"café": 3, "thé": 2}


def get_menu():
    yield MENU


@app.get("/prices/{name}")
def price(name: str, menu: Annotated[dict, Depends(get_menu)], note: str = "crème ☕"):
    # prix en euros — « toujours »
    found = menu.get(name)
    if found is None:
        raise HTTPException(404, detail="inconnu ☹")
    return {"name": name, "price": found, "note": note}
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_non_ascii_source_and_its_line_endings_survive(newline: str, tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    for root in (before, after):
        root.mkdir()
        (root / "menu_app.py").write_bytes(UNICODE_APP.replace("\n", newline).encode())
    path = after / "menu_app.py"
    text = path.read_bytes().decode()
    write_results(applied(extract_service(path, text, 15), read_from_disk))
    written = path.read_bytes().decode()
    assert ("\r" in written) == (newline == "\r\n")
    assert written.count("\n") == written.count(newline)  # one kind of line ending
    assert "# prix en euros — « toujours »" in written
    assert 'raise HTTPException(404, detail="inconnu ☹")' in written
    calls = (
        Call("GET", "/prices/caf%C3%A9"),
        Call("GET", "/prices/th%C3%A9?note=%C3%A0"),
        Call("GET", "/prices/eau"),
    )
    with imported_app(before, "menu_app") as app:
        expected = responses(app, calls)
    with imported_app(after, "menu_app") as app:
        assert responses(app, calls) == expected


def test_listing_the_action_does_not_load_libcst() -> None:
    code = (
        "import sys; from fastapi_lint.refactors.extract_service import "
        "extract_service_available as available; "
        "print(available('x = 1', 1), 'libcst' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.split() == ["False", "False"], proc.stderr


@pytest.mark.parametrize(
    ("route_file", "service_file", "class_name"),
    [
        ("app/users/router.py", "app/users/service.py", "UserService"),
        ("app/api/routes/categories.py", "app/services/category_service.py", "CategoryService"),
        ("app/routers/api_agents.py", "app/services/agent_service.py", "AgentService"),
        ("app/api/v1/endpoints/addresses.py", "app/services/address_service.py", "AddressService"),
        ("main.py", "main.py", "ItemService"),
    ],
)
def test_the_layout_names_the_service(
    route_file: str, service_file: str, class_name: str, tmp_path: Path
) -> None:
    path = tmp_path / route_file
    path.parent.mkdir(parents=True, exist_ok=True)
    for package in path.parent.relative_to(tmp_path).parents[:-1]:
        (tmp_path / package / "__init__.py").write_text("")  # a package all the way up
    if path.parent != tmp_path:
        (path.parent / "__init__.py").write_text("")
    text = dedent(
        """\
        from fastapi import APIRouter

        router = APIRouter(prefix="/items")


        @router.get("/{item_id}")
        def read(item_id: int):
            return {"id": item_id}
        """
    )
    path.write_text(text)
    result = extract_service(path, text, 7)
    assert result.title == f"Extract to service `{class_name}`"
    assert {c.path for c in result.changes} >= {path, tmp_path / service_file}


# --- not offered ----------------------------------------------------------------------------

SINGLE_FILE_HEAD = """\
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket

app = FastAPI()
COUNTER = 0


def get_db():
    yield {}


def helper(value):
    return value
"""

NOT_OFFERED = {
    "outside a path operation": (
        """
        def plain(db):
            return db  # here
        """,
        "not inside a path operation",
    ),
    "global": (
        """
        @app.get("/a")
        def a(db: Annotated[dict, Depends(get_db)]):
            global COUNTER
            COUNTER += 1  # here
            return {"n": COUNTER}
        """,
        "global COUNTER",
    ),
    "locals": (
        """
        @app.get("/a")
        def a(x: int, db: Annotated[dict, Depends(get_db)]):
            y = x + 1  # here
            return locals()
        """,
        "`locals()`",
    ),
    "yield": (
        """
        @app.get("/a")
        def a(db: Annotated[dict, Depends(get_db)]):
            yield db  # here
        """,
        "yields",
    ),
    "request after the business logic": (
        """
        @app.get("/a")
        async def a(request: Request, db: Annotated[dict, Depends(get_db)]):
            value = db.get("k")  # here
            return {"value": value, "path": request.url.path}
        """,
        "uses `request`",
    ),
    "mutated parameter read by the route's raise": (
        """
        @app.post("/a")
        def a(names: list[str], db: Annotated[dict, Depends(get_db)]):
            names.append("extra")  # here
            row = db.get(names[0])
            if row is None:
                raise HTTPException(404, detail=f"none of {names}")
            return row
        """,
        "which the body changes",
    ),
    "raise reading a local": (
        """
        @app.get("/a/{key}")
        def a(key: str, db: Annotated[dict, Depends(get_db)]):
            wanted = key.upper()  # here
            row = db.get(wanted)
            if row is None:
                raise HTTPException(404, detail=f"no {wanted}")
            return row
        """,
        "reads `wanted`, which the body computes",
    ),
    "two different HTTP errors": (
        """
        @app.get("/a/{key}")
        def a(key: str, db: Annotated[dict, Depends(get_db)]):
            row = db.get(key)  # here
            if row is None:
                raise HTTPException(404)
            if row.get("hidden"):
                raise HTTPException(403)
            return row
        """,
        "several different HTTPExceptions",
    ),
    "raise inside with": (
        """
        @app.get("/a/{key}")
        def a(key: str, db: Annotated[dict, Depends(get_db)]):
            with open("/dev/null") as handle:  # here
                row = db.get(key)
                if row is None:
                    raise HTTPException(404)
            return row
        """,
        "inside `with`",
    ),
    "a return that may be None": (
        """
        @app.get("/a/{key}")
        def a(key: str, db: Annotated[dict, Depends(get_db)]):
            row = db.get(key)  # here
            if key == "none":
                raise HTTPException(404)
            return row
        """,
        "may give None",
    ),
    "falls off the end": (
        """
        @app.get("/a/{key}")
        def a(key: str, db: Annotated[dict, Depends(get_db)]):
            row = db.get(key)  # here
            if row is None:
                raise HTTPException(404)
            db[key] = row
        """,
        "can end without a return",
    ),
    "websocket": (
        """
        @app.websocket("/ws")
        async def ws(socket: WebSocket):
            await socket.accept()  # here
        """,
        "websocket",
    ),
    "rebinds the resource": (
        """
        @app.get("/a")
        def a(db: Annotated[dict, Depends(get_db)]):
            db = dict(db)  # here
            return db
        """,
        "rebinds `db`",
    ),
    "exec": (
        """
        @app.get("/a")
        def a(db: Annotated[dict, Depends(get_db)]):
            exec("x = 1")  # here
            return {}
        """,
        "`exec()`",
    ),
    "module name": (
        """
        @app.get("/a")
        def a(db: Annotated[dict, Depends(get_db)]):
            return {"module": __name__}  # here
        """,
        "`__name__`",
    ),
    "caught HTTPException": (
        """
        @app.get("/a")
        def a(db: Annotated[dict, Depends(get_db)]):
            try:  # here
                return helper(db)
            except HTTPException:
                return {}
        """,
        "other than raising it",
    ),
}


@pytest.mark.parametrize("name", list(NOT_OFFERED))
def test_not_offered_with_a_reason(name: str, tmp_path: Path) -> None:
    body, reason = NOT_OFFERED[name]
    text = SINGLE_FILE_HEAD + "\n\n" + dedent(body).lstrip("\n")
    path = tmp_path / "main.py"
    path.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.endswith("# here"))
    with pytest.raises(NotOffered, match=_escaped(reason)):
        extract_service(path, text, line)


def _escaped(text: str) -> str:
    import re

    return re.escape(text)


def test_a_module_level_helper_cannot_move_to_another_module(tmp_path: Path) -> None:
    package = tmp_path / "shop" / "users"
    package.mkdir(parents=True)
    (tmp_path / "shop" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    text = SINGLE_FILE_HEAD.replace("FastAPI()", "FastAPI()  # a router would do") + dedent(
        """

        @app.get("/a")
        def a(db: Annotated[dict, Depends(get_db)]):
            return helper(db)
        """
    )
    path = package / "router.py"
    path.write_text(text)
    with pytest.raises(NotOffered, match="defines itself"):
        extract_service(path, text, len(text.splitlines()))


def test_existing_class_without_a_provider_is_not_guessed(tmp_path: Path) -> None:
    shutil.copytree(APPS / "existing", tmp_path, dirs_exist_ok=True)
    service = tmp_path / "store/orders/service.py"
    text = service.read_text()
    service.write_text(text[: text.index("def get_order_service")])
    router = tmp_path / "store/orders/router.py"
    with pytest.raises(NotOffered, match="no provider function"):
        extract_service(router, router.read_text(), handler_line(router, "cancel_order"))


def test_an_existing_provider_must_not_add_dependencies(tmp_path: Path) -> None:
    shutil.copytree(APPS / "existing", tmp_path, dirs_exist_ok=True)
    service = tmp_path / "store/orders/service.py"
    service.write_text(
        service.read_text()
        .replace("import FakeSession, get_session", "import FakeSession, get_clock, get_session")
        .replace(
            "(session: Annotated[FakeSession, Depends(get_session)])",
            "(session: Annotated[FakeSession, Depends(get_session)], "
            "clock: Annotated[str, Depends(get_clock)])",
        )
    )
    router = tmp_path / "store/orders/router.py"
    text = router.read_text()
    # without the clock, the route would now resolve a dependency it did not before
    text = text.replace("    now: Annotated[str, Depends(get_clock)],\n", "").replace(
        "cancelled_at=now", "cancelled_at=None"
    )
    with pytest.raises(NotOffered, match="which dependencies the route resolves"):
        extract_service(router, text, handler_line_in(text, "cancel_order"))


def handler_line_in(text: str, name: str) -> int:
    return next(i for i, t in enumerate(text.splitlines(), 1) if f"def {name}(" in t) + 1


def test_existing_method_name_is_not_overwritten(tmp_path: Path) -> None:
    shutil.copytree(APPS / "existing", tmp_path, dirs_exist_ok=True)
    service = tmp_path / "store/orders/service.py"
    service.write_text(service.read_text().replace("def describe", "def cancel_order"))
    router = tmp_path / "store/orders/router.py"
    with pytest.raises(NotOffered, match="already has a method `cancel_order`"):
        extract_service(router, router.read_text(), handler_line(router, "cancel_order"))


def test_availability_is_a_cheap_check_of_the_line() -> None:
    text = SINGLE_FILE_HEAD + dedent(
        """

        @app.get("/a")
        def a():
            return {}


        @app.websocket("/ws")
        async def ws(socket: WebSocket):
            await socket.accept()
        """
    )
    lines = text.splitlines()
    decorator = lines.index('@app.get("/a")') + 1
    assert extract_service_available(text, decorator)
    assert extract_service_available(text, decorator + 2)
    assert not extract_service_available(text, decorator - 2)  # blank line before
    assert not extract_service_available(text, len(lines))  # websocket
    assert not extract_service_available("def broken(:\n", 1)


def test_editor_buffers_are_read_instead_of_the_disk(tmp_path: Path) -> None:
    shutil.copytree(APPS / "existing", tmp_path, dirs_exist_ok=True)
    router = tmp_path / "store/orders/router.py"
    service = tmp_path / "store/orders/service.py"
    unsaved = service.read_text().replace("def describe", "def cancel_order")

    def read(path: Path) -> str | None:
        return unsaved if path == service else read_from_disk(path)

    with pytest.raises(NotOffered, match="already has a method"):
        extract_service(
            router, router.read_text(), handler_line(router, "cancel_order"), read_file=read
        )


# --- the command line -----------------------------------------------------------------------


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "refactor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_diff_prints_the_change_and_writes_nothing(tmp_path: Path) -> None:
    shutil.copytree(APPS / "vertical", tmp_path, dirs_exist_ok=True)
    router = tmp_path / "shop/users/router.py"
    original = router.read_text()
    line = handler_line(router, "read_user")
    proc = _cli(tmp_path, "extract-service", f"shop/users/router.py:{line}", "--diff")
    assert proc.returncode == 0, proc.stderr
    assert "--- a/shop/users/router.py\n+++ b/shop/users/router.py\n" in proc.stdout
    assert "--- /dev/null\n+++ b/shop/users/service.py\n" in proc.stdout
    assert "+class UserService:" in proc.stdout
    assert router.read_text() == original
    assert not (tmp_path / "shop/users/service.py").exists()


def test_cli_writes_the_files(tmp_path: Path) -> None:
    shutil.copytree(APPS / "vertical", tmp_path, dirs_exist_ok=True)
    line = handler_line(tmp_path / "shop/users/router.py", "read_user")
    proc = _cli(tmp_path, "extract-service", f"shop/users/router.py:{line}")
    assert proc.returncode == 0, proc.stderr
    assert "created shop/users/service.py" in proc.stderr
    service = tmp_path / "shop/users/service.py"
    assert "def read_user(self, user_id: int):" in service.read_text()
    with imported_app(tmp_path, "shop.main") as app:
        (status, _, _) = responses(app, (Call("GET", "/users/1"),))[0]
    assert status == 404


def test_cli_places_the_service_above_the_current_directory(tmp_path: Path) -> None:
    shutil.copytree(APPS / "layered", tmp_path, dirs_exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    routes = tmp_path / "proj/api/routes"
    line = handler_line(routes / "items.py", "read_item")
    proc = _cli(routes, "extract-service", f"items.py:{line}")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "proj/services/item_service.py").is_file()


def test_cli_not_offered_is_one_line_and_exit_1(tmp_path: Path) -> None:
    shutil.copytree(APPS / "vertical", tmp_path, dirs_exist_ok=True)
    proc = _cli(tmp_path, "extract-service", "shop/users/router.py:1")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "not inside a path operation" in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("extract-service", "shop/users/router.py"),
        ("extract-service", "shop/users/router.py:0"),
        ("extract-service", "missing.py:3"),
        ("extract-service",),
        ("rename", "x.py:1"),
        (),
    ],
)
def test_cli_bad_arguments_exit_2(args: tuple[str, ...], tmp_path: Path) -> None:
    shutil.copytree(APPS / "vertical", tmp_path, dirs_exist_ok=True)
    proc = _cli(tmp_path, *args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr


def test_cli_help_documents_the_exit_codes(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "extract-service", "--help")
    assert proc.returncode == 0
    assert "1 not offered" in " ".join(proc.stdout.split())
