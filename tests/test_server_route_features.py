"""Route-aware editor features on the project index, end to end over stdio (pytest-lsp), for a
UTF-16 and a UTF-8 client: the route card on hover, code lenses and inlay hints with full
paths, and definition/references through ``Depends()`` chains and ``Annotated`` aliases.

The sample project (tests/projects/dependency_graph) nests a router under ``/api`` and
``/notes``, declares dependencies through module-level aliases imported from other modules,
and has text that is not ASCII before its handlers."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from tests.test_project_routes import fastapi_table, imported_app
from tests.test_server import (
    SERVER,
    RecordingClient,
    hover,
    initialize,
    make_client,
    units,
)

pytestmark = pytest.mark.asyncio

PROJECTS = Path(__file__).parent / "projects"
OPTIONS = {"select": ["FAS301", "FAS303"]}


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


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    project = tmp_path / "notes"
    shutil.copytree(PROJECTS / "dependency_graph", project)
    return project


async def test_the_sample_project_is_the_app_fastapi_builds() -> None:
    app = imported_app(PROJECTS / "dependency_graph", ".", "notes.main")
    assert list(fastapi_table(list(app.routes)))[-4:] == [
        ("GET", "/api/notes/"),
        ("POST", "/api/notes/é🎉"),
        ("DELETE", "/api/notes/{note_id}"),
        ("GET", "/health"),
    ]


# -- helpers that do their own position arithmetic (never the server's) -------------------


def uri_of(path: Path) -> str:
    return path.resolve().as_uri()


def open_file(client: RecordingClient, path: Path, text: str | None = None) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri_of(path),
                language_id="python",
                version=1,
                text=path.read_text("utf-8") if text is None else text,
            )
        )
    )


def line_of(path: Path, needle: str) -> int:
    """The 0-based line of the first line containing ``needle``."""
    return next(n for n, line in enumerate(path.read_text("utf-8").splitlines()) if needle in line)


def at(client: RecordingClient, path: Path, line_needle: str, needle: str) -> types.Position:
    """The position of ``needle`` on the first line containing ``line_needle``."""
    line = line_of(path, line_needle)
    content = path.read_text("utf-8").splitlines()[line]
    return types.Position(line, units(content[: content.index(needle)], client.encoding))


def text_at(client: RecordingClient, uri: str, range_: types.Range) -> str:
    assert range_.start.line == range_.end.line
    content = Path(uri.removeprefix("file://")).read_text("utf-8").splitlines()[range_.start.line]
    codec = "utf-8" if client.encoding == "utf-8" else "utf-16-le"
    width = 1 if client.encoding == "utf-8" else 2
    data = content.encode(codec)
    return data[range_.start.character * width : range_.end.character * width].decode(codec)


def where(root: Path, client: RecordingClient, locations: object) -> list[tuple[str, int, str]]:
    """Locations as (file relative to the project, 0-based line, the text they span)."""
    assert isinstance(locations, list | tuple)
    found = []
    for location in locations:
        assert isinstance(location, types.Location)
        relative = Path(location.uri.removeprefix("file://")).relative_to(root.resolve())
        found.append(
            (
                relative.as_posix(),
                location.range.start.line,
                text_at(client, location.uri, location.range),
            )
        )
    return found


async def hover_text(client: RecordingClient, path: Path, position: types.Position) -> str | None:
    return await hover(client, uri_of(path), position)


# -- capabilities and hover --------------------------------------------------------------


async def test_capabilities_advertise_the_route_features(
    client: RecordingClient, notes: Path
) -> None:
    result = await initialize(client, notes, OPTIONS)
    capabilities = result.capabilities
    assert capabilities.hover_provider
    assert capabilities.definition_provider
    assert capabilities.references_provider
    assert isinstance(capabilities.code_lens_provider, types.CodeLensOptions)
    assert capabilities.inlay_hint_provider


async def test_hover_on_a_handler_name_shows_the_route_card(
    client: RecordingClient, notes: Path
) -> None:
    await initialize(client, notes, OPTIONS)
    handlers = notes / "notes/api/notes.py"
    open_file(client, handlers)
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(handlers)),
            position=at(client, handlers, "async def créer", "créer"),
        )
    )
    assert result is not None and result.range is not None
    assert text_at(client, uri_of(handlers), result.range) == "async def créer"
    assert isinstance(result.contents, types.MarkupContent)
    card = result.contents.value
    root = notes.resolve()
    line = line_of(handlers, "async def créer") + 1
    assert card.startswith("**POST** `/api/notes/é🎉`\n")
    assert f"Handler `créer` · [notes/api/notes.py:{line}]({uri_of(handlers)}#L{line})" in card
    assert "Response model `str`" in card
    assert "Status code `status.HTTP_201_CREATED`" in card
    served = card.split("**Served through**\n\n")[1].split("\n\n")[0]
    main = f"({(root / 'notes/main.py').as_uri()}"
    assert served.splitlines() == [
        f"1. `app = FastAPI()` · [notes/main.py:9]{main}#L9)",
        f"2. `include_router(api)` · [notes/main.py:10]{main}#L10)",
        f'3. `api = APIRouter(prefix="/api")` · [notes/main.py:6]{main}#L6)',
        f"4. `include_router(notes.router)` · [notes/main.py:7]{main}#L7)",
        f'5. `router = APIRouter(prefix="/notes")` · [notes/api/notes.py:9]({uri_of(handlers)}#L9)',
    ]
    dependencies = card.split("**Dependencies**\n\n")[1]
    shown = [line.split(" · ")[0] for line in dependencies.splitlines()]
    assert shown == [
        "- `notes.auth.verify_key` (include)",
        "- `notes.auth.current_user`",  # through UserDep, imported from notes.auth
        "  - `notes.db.get_db`",  # through DbDep, imported from notes.db
        "- `notes.auth.require_admin`",  # Security(require_admin)
        "  - `notes.auth.current_user`",
        "    - `notes.db.get_db`",
    ]
    assert "[notes/db.py:7]" in dependencies.splitlines()[2]
    assert "[notes/auth.py:15]" in dependencies.splitlines()[3]


async def test_hover_on_a_decorator_and_with_a_finding(
    client: RecordingClient, notes: Path
) -> None:
    await initialize(client, notes, OPTIONS)
    handlers = notes / "notes/api/notes.py"
    open_file(client, handlers)
    card = await hover_text(client, handlers, at(client, handlers, '@router.get("/"', "router"))
    assert card is not None and card.startswith("**GET** `/api/notes/`")
    assert "- `notes.auth.Pagination`" in card  # Annotated[Pagination, Depends()]
    assert "- `notes.db.get_db` · [notes/db.py:7]" in card

    # a finding on the decorator (FAS303 at response_model=): the card, then the rule's page
    both = await hover_text(
        client, handlers, at(client, handlers, '@router.get("/"', "response_model")
    )
    assert both is not None
    card_part, page = both.split("\n---\n\n", 1)
    assert card_part.startswith("**GET** `/api/notes/`")
    assert page.startswith("# FAS303")

    # a finding on a handler name (FAS301 on `async def health`)
    main = notes / "notes/main.py"
    open_file(client, main)
    both = await hover_text(client, main, at(client, main, "async def health", "health"))
    assert both is not None
    card_part, page = both.split("\n---\n\n", 1)
    assert card_part.startswith("**GET** `/health`")
    assert "Dependencies" not in card_part
    assert page.startswith("# FAS301")

    # inside a handler's body: nothing
    assert await hover_text(client, handlers, at(client, handlers, "return [db", "return")) is None


async def test_route_card_of_a_handler_registered_with_add_api_route(
    client: RecordingClient, tmp_path: Path
) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(PROJECTS / "src_layout", shop)
    await initialize(client, shop, OPTIONS)
    products = shop / "src/shop/api/v1/products.py"
    open_file(client, products)
    card = await hover_text(client, products, at(client, products, "async def", "product_detail"))
    assert card is not None
    assert card.startswith("**GET, HEAD** `/api/v1/products/{sku}`")
    served = card.split("**Served through**\n\n")[1].split("\n\n")[0]
    assert [line.split(" · ")[0] for line in served.splitlines()] == [
        "1. `application = FastAPI()`",  # inside create_app()
        "2. `include_router(api_router)`",
        '3. `api_router = APIRouter(prefix="/api")`',
        '4. `include_router(v1.router, prefix="/v1")`',
        "5. `router = APIRouter()`",
        "6. `include_router(products)`",
        '7. `products = APIRouter(prefix="/products")`',
    ]
    lenses = await code_lenses(client, products)
    call = at(client, products, "products.add_api_route", "products.add_api_route")
    assert [(lens.range.start, lens.command.title if lens.command else "") for lens in lenses] == [
        (call, "GET /api/v1/products/{sku}"),
        (call, "HEAD /api/v1/products/{sku}"),
    ]
    hints = await inlay_hints(client, products)
    assert [(h.label, h.position) for h in hints] == [
        ("→ /api/v1/products/{sku}", at(client, products, "add_api_route", ", product_detail")),
    ]


async def test_no_route_features_while_the_document_does_not_parse(
    client: RecordingClient, notes: Path
) -> None:
    await initialize(client, notes, OPTIONS)
    handlers = notes / "notes/api/notes.py"
    broken = handlers.read_text("utf-8").replace("async def list_notes(", "async def list_notes((")
    open_file(client, handlers, broken)
    assert await code_lenses(client, handlers) == []
    assert await inlay_hints(client, handlers) == []
    position = at(client, handlers, "async def créer", "créer")
    assert await hover_text(client, handlers, position) is None
    assert (
        await definition(client, handlers, at(client, handlers, "def créer", "require_admin"))
        is None
    )


async def test_no_route_features_with_invalid_project_settings(
    client: RecordingClient, notes: Path
) -> None:
    (notes / "pyproject.toml").write_text(
        '[project]\nname = "notes"\n\n[tool.fastapi-lint]\nunknown-key = 1\n', "utf-8"
    )
    await initialize(client, notes, OPTIONS)
    handlers = notes / "notes/api/notes.py"
    open_file(client, handlers)
    assert await code_lenses(client, handlers) == []
    assert await inlay_hints(client, handlers) == []
    assert await definition(client, handlers, at(client, handlers, "def créer", "user")) is None


# -- code lenses and inlay hints -----------------------------------------------------------


async def code_lenses(client: RecordingClient, path: Path) -> list[types.CodeLens]:
    result = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri_of(path)))
    )
    return list(result or [])


async def inlay_hints(
    client: RecordingClient, path: Path, range_: types.Range | None = None
) -> list[types.InlayHint]:
    whole = types.Range(types.Position(0, 0), types.Position(10_000, 0))
    result = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(path)), range=range_ or whole
        )
    )
    return list(result or [])


async def test_code_lens_above_each_route_with_its_full_path(
    client: RecordingClient, notes: Path
) -> None:
    await initialize(client, notes, OPTIONS)
    handlers = notes / "notes/api/notes.py"
    open_file(client, handlers)
    lenses = await code_lenses(client, handlers)
    assert [
        (lens.command.title if lens.command else None, lens.range.start) for lens in lenses
    ] == [
        ("GET /api/notes/", at(client, handlers, '@router.get("/"', "router")),
        ("POST /api/notes/é🎉", at(client, handlers, "@router.post", "router")),
        ("DELETE /api/notes/{note_id}", at(client, handlers, "@router.delete", "router")),
    ]
    assert {lens.command.command for lens in lenses if lens.command} == {"fastapi-lint.showRoutes"}

    # the lenses follow the open text: a new prefix shows at once
    renamed = handlers.read_text("utf-8").replace('prefix="/notes"', 'prefix="/mémos"')
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri_of(handlers), version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=renamed)],
        )
    )
    lenses = await code_lenses(client, handlers)
    assert lenses[0].command is not None
    assert lenses[0].command.title == "GET /api/mémos/"


async def test_code_lens_per_path_of_a_router_included_twice(
    client: RecordingClient, tmp_path: Path
) -> None:
    project = tmp_path / "multi"
    shutil.copytree(PROJECTS / "mounted_twice", project)
    await initialize(client, project, OPTIONS)
    items = project / "multi/items.py"
    open_file(client, items)
    lenses = await code_lenses(client, items)
    titles = [(lens.range.start.line, lens.command.title) for lens in lenses if lens.command]
    get, put = line_of(items, "@router.get"), line_of(items, "@router.put")
    assert sorted(titles) == [
        (get, "GET /v1/items/{item_id}"),
        (get, "GET /v2/items/{item_id}"),
        (put, "PUT /v1/items/{item_id}"),
        (put, "PUT /v2/items/{item_id}"),
    ]
    hints = await inlay_hints(client, items)
    assert [h.label for h in hints] == [
        "→ /v1/items/{item_id} | /v2/items/{item_id}",
        "→ /v1/items/{item_id} | /v2/items/{item_id}",
    ]


async def test_inlay_hints_where_the_decorator_path_is_under_a_prefix(
    client: RecordingClient, notes: Path
) -> None:
    await initialize(client, notes, OPTIONS)
    handlers = notes / "notes/api/notes.py"
    open_file(client, handlers)
    hints = await inlay_hints(client, handlers)
    assert [(h.label, h.position) for h in hints] == [
        ("→ /api/notes/", at(client, handlers, '@router.get("/"', ", response_model")),
        ("→ /api/notes/é🎉", at(client, handlers, "@router.post", ", status_code")),
        ("→ /api/notes/{note_id}", at(client, handlers, "@router.delete", ", status_code")),
    ]
    assert all(h.padding_left for h in hints)

    # only those in the range asked for
    post = line_of(handlers, "@router.post")
    only = await inlay_hints(
        client, handlers, types.Range(types.Position(post, 0), types.Position(post + 1, 0))
    )
    assert [h.label for h in only] == ["→ /api/notes/é🎉"]

    # none where the full path is what the decorator says
    main = notes / "notes/main.py"
    open_file(client, main)
    assert await inlay_hints(client, main) == []
    assert [lens.command.title for lens in await code_lenses(client, main) if lens.command] == [
        "GET /health"
    ]


# -- definition and references through Depends() chains -----------------------------------


async def definition(client: RecordingClient, path: Path, position: types.Position) -> object:
    return await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(path)), position=position
        )
    )


async def test_definition_through_depends_and_annotated_aliases(
    client: RecordingClient, notes: Path
) -> None:
    await initialize(client, notes, OPTIONS)
    handlers, auth = notes / "notes/api/notes.py", notes / "notes/auth.py"
    open_file(client, handlers)
    open_file(client, auth)
    get_db = [("notes/db.py", 6, "get_db")]

    # an alias imported from another module leads to the function it depends on
    assert (
        where(
            notes,
            client,
            await definition(client, handlers, at(client, handlers, "def list_notes", "DbDep")),
        )
        == get_db
    )
    assert (
        where(
            notes,
            client,
            await definition(client, auth, at(client, auth, "def current_user", "DbDep")),
        )
        == get_db
    )
    # Depends() names the parameter's type
    assert where(
        notes,
        client,
        await definition(client, handlers, at(client, handlers, "def list_notes", "Depends()")),
    ) == [("notes/auth.py", 22, "Pagination")]
    # Security(x) after text that is not ASCII on the same line
    assert where(
        notes,
        client,
        await definition(client, handlers, at(client, handlers, "def créer", "require_admin")),
    ) == [("notes/auth.py", 14, "require_admin")]
    # a parameter's name leads to what is injected into it
    assert where(
        notes, client, await definition(client, handlers, at(client, handlers, "def créer", "user"))
    ) == [("notes/auth.py", 7, "current_user")]
    # an attribute of an imported module
    assert (
        where(
            notes,
            client,
            await definition(client, handlers, at(client, handlers, "def delete_note", "get_db")),
        )
        == get_db
    )
    # a dependency of an include
    main = notes / "notes/main.py"
    open_file(client, main)
    on_include = at(client, main, "app.include_router", "verify_key")
    assert where(notes, client, await definition(client, main, on_include)) == [
        ("notes/auth.py", 18, "verify_key")
    ]
    # not a dependency: nothing (the type checker answers)
    assert await definition(client, handlers, at(client, handlers, "return [db", "page")) is None


async def references(
    client: RecordingClient, path: Path, position: types.Position, declaration: bool
) -> object:
    return await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=uri_of(path)),
            position=position,
            context=types.ReferenceContext(include_declaration=declaration),
        )
    )


async def test_references_list_every_site_of_a_dependency(
    client: RecordingClient, notes: Path
) -> None:
    await initialize(client, notes, OPTIONS)
    db, auth = notes / "notes/db.py", notes / "notes/auth.py"
    open_file(client, db)
    open_file(client, auth)
    sites = [
        ("notes/api/notes.py", 13, "DbDep"),  # list_notes(db: DbDep)
        ("notes/api/notes.py", 23, "database.get_db"),  # Depends(database.get_db)
        ("notes/auth.py", 7, "DbDep"),  # current_user(db: DbDep)
        ("notes/db.py", 10, "get_db"),  # DbDep = Annotated[..., Depends(get_db)]
    ]
    on_def = at(client, db, "def get_db", "get_db")
    assert where(notes, client, await references(client, db, on_def, False)) == sites
    assert where(notes, client, await references(client, db, on_def, True)) == [
        ("notes/db.py", 6, "get_db"),
        *sites,
    ]
    on_user = at(client, auth, "def current_user", "current_user")
    assert where(notes, client, await references(client, auth, on_user, False)) == [
        ("notes/api/notes.py", 18, "UserDep"),
        ("notes/auth.py", 11, "current_user"),
        ("notes/auth.py", 14, "UserDep"),
    ]
    on_key = at(client, auth, "def verify_key", "verify_key")
    assert where(notes, client, await references(client, auth, on_key, False)) == [
        ("notes/main.py", 9, "verify_key"),  # include_router(api, dependencies=[...])
    ]
    on_class = at(client, auth, "class Pagination", "Pagination")
    assert where(notes, client, await references(client, auth, on_class, False)) == [
        ("notes/api/notes.py", 13, "Depends()"),
    ]
    # a function no Depends() names: nothing
    handlers = notes / "notes/api/notes.py"
    open_file(client, handlers)
    on_handler = at(client, handlers, "def list_notes", "list_notes")
    assert await references(client, handlers, on_handler, True) is None
