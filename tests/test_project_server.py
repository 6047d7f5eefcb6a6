"""The server's `fastapi-lint/routes` request, end to end over stdio (pytest-lsp): the route
table of the workspace, kept up to date from open documents and from the disk."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from tests.test_server import SERVER, RecordingClient, initialize, make_client

pytestmark = pytest.mark.asyncio

PROJECTS = Path(__file__).parent / "projects"
UNICODE_ROUTES = """\
from fastapi import APIRouter

router = APIRouter(prefix="/ünï")


@router.get("/çafé")
async def ünïcode_çafé() -> str:
    return "é"
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER, client_factory=make_client),
    params=["utf-16", "utf-8"],
)
async def client(
    lsp_client: RecordingClient, request: pytest.FixtureRequest
) -> AsyncIterator[None]:
    lsp_client.encoding = request.param
    yield
    await lsp_client.shutdown_session()


async def routes(client: RecordingClient) -> list[dict[str, Any]]:
    result = await client.protocol.send_request_async("fastapi-lint/routes", {})
    return [_plain(item) for item in result]


def _plain(item: Any) -> dict[str, Any]:
    """The response as plain data, whatever object the client's converter made of it."""
    if isinstance(item, dict):
        return {key: _plain(value) for key, value in item.items()}
    if hasattr(item, "_asdict"):
        return _plain(item._asdict())
    if hasattr(item, "__dict__") and not isinstance(item, str | int):
        return _plain(vars(item))
    return item  # type: ignore[no-any-return]


def text_at(path: Path, range_: dict[str, Any], encoding: str) -> str:
    line = path.read_text("utf-8").splitlines()[range_["start"]["line"]]
    units = line.encode("utf-16-le" if encoding == "utf-16" else "utf-8")
    width = 2 if encoding == "utf-16" else 1
    start, end = range_["start"]["character"] * width, range_["end"]["character"] * width
    return units[start:end].decode("utf-16-le" if encoding == "utf-16" else "utf-8")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    project = tmp_path / "shop"
    shutil.copytree(PROJECTS / "src_layout", project)
    return project


async def test_routes_request_lists_the_resolved_route_table(
    client: RecordingClient, shop: Path
) -> None:
    await initialize(client, shop)
    items = await routes(client)
    assert [(i["method"], i["path"]) for i in items] == [
        ("GET", "/api/v1/orders/"),
        ("GET", "/api/v1/orders/{order_id}"),
        ("PATCH", "/api/v1/orders/{order_id}"),
        ("GET", "/api/v1/products/{sku}"),
        ("HEAD", "/api/v1/products/{sku}"),
        ("GET", "/api/status"),
        ("GET", "/"),
    ]
    patch = items[2]
    assert patch["name"] == "update_order"
    orders = shop / "src/shop/api/v1/orders.py"
    assert patch["uri"] == orders.resolve().as_uri()
    assert text_at(orders, patch["range"], client.encoding) == "async def update_order"
    assert items[-1]["name"] == "create_app.root"


async def test_routes_follow_open_documents_and_the_disk(
    client: RecordingClient, shop: Path
) -> None:
    await initialize(client, shop)
    assert len(await routes(client)) == 7
    orders = shop / "src/shop/api/v1/orders.py"
    edited = orders.read_text("utf-8").replace(
        '@router.patch("/{order_id}")', '@router.put("/{order_id}")'
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=orders.resolve().as_uri(), language_id="python", version=1, text=edited
            )
        )
    )
    items = await routes(client)
    assert ("PUT", "/api/v1/orders/{order_id}") in [(i["method"], i["path"]) for i in items]
    assert "PATCH" not in [i["method"] for i in items]

    # a new router on disk, included from the v1 package: found without reopening anything
    (shop / "src/shop/api/v1/unicode.py").write_text(UNICODE_ROUTES, "utf-8")
    v1 = shop / "src/shop/api/v1/__init__.py"
    v1.write_text(
        v1.read_text("utf-8")
        + "from .unicode import router as unicode_router\n"
        + "router.include_router(unicode_router)\n",
        "utf-8",
    )
    items = await routes(client)
    (new,) = [i for i in items if i["name"] == "ünïcode_çafé"]
    assert new["path"] == "/api/v1/ünï/çafé"
    unicode = shop / "src/shop/api/v1/unicode.py"
    assert text_at(unicode, new["range"], client.encoding) == "async def ünïcode_çafé"


async def test_routes_of_a_workspace_without_apps(client: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / "util.py").write_text("def f():\n    return 1\n", "utf-8")
    (tmp_path / "broken.py").write_text("def (:\n", "utf-8")
    await initialize(client, tmp_path)
    assert await routes(client) == []


async def test_routes_are_workspace_and_document_symbols(
    client: RecordingClient, shop: Path
) -> None:
    await initialize(client, shop)
    symbols = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="orders"))
    assert symbols is not None
    names = [s.name for s in symbols]
    assert names == [
        "GET /api/v1/orders/",
        "GET /api/v1/orders/{order_id}",
        "PATCH /api/v1/orders/{order_id}",
    ]
    everything = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query=""))
    assert everything is not None and len(everything) == 7

    products = shop / "src/shop/api/v1/products.py"
    document = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(
            text_document=types.TextDocumentIdentifier(uri=products.resolve().as_uri())
        )
    )
    assert document is not None
    assert [(s.name, getattr(s, "detail", None)) for s in document] == [
        ("GET /api/v1/products/{sku}", "product_detail"),
        ("HEAD /api/v1/products/{sku}", "product_detail"),
    ]
    first = document[0]
    assert isinstance(first, types.DocumentSymbol)
    assert first.range.start.line == 5
