"""End-to-end tests of the refactor code actions: the real server over stdio (pytest-lsp),
a UTF-16 and a UTF-8 client, lazy (``codeAction/resolve``) and eager clients, clients with and
without ``documentChanges`` and the ``create`` resource operation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from fastapi_lint.refactors import FileEdit, NewFile, Refactoring
from fastapi_lint.refactors._cst import applied
from fastapi_lint.refactors.extract_service import extract_service
from fastapi_lint.refactors.to_thread import wrap_in_to_thread
from tests.test_server import (
    SERVER,
    RecordingClient,
    apply_edits,
    capabilities,
    edits_of,
    make_client,
    open_document,
    units,
)

pytestmark = pytest.mark.asyncio

APPS = Path(__file__).parent / "refactor_apps"
# the blocking call sits after non-ASCII text on its line: columns differ per encoding
DASHBOARD = (
    (APPS / "dashboard_single_file" / "app.py")
    .read_text("utf-8")
    .replace(
        "    value = checksum(text, rounds=rounds)\n",
        '    value = {"é🎉": checksum(text, rounds=rounds)}["é🎉"]\n',
    )
)
SELECT = ["FAS101", "FAS105", "FAS401", "FAS408", "FAS601", "FAS602"]
REFACTOR_KINDS = {types.CodeActionKind.RefactorExtract, types.CodeActionKind.RefactorRewrite}


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


async def initialize(
    client: RecordingClient,
    root: Path,
    *,
    lazy: bool = True,
    document_changes: bool = True,
    create: bool = True,
    options: dict[str, Any] | None = None,
) -> types.InitializeResult:
    caps = capabilities(client.encoding)
    assert caps.workspace is not None and caps.text_document is not None
    caps.workspace.workspace_edit = types.WorkspaceEditClientCapabilities(
        document_changes=document_changes,
        resource_operations=[types.ResourceOperationKind.Create] if create else None,
    )
    code_action = caps.text_document.code_action
    assert code_action is not None
    if lazy:
        code_action.resolve_support = types.ClientCodeActionResolveOptions(properties=["edit"])
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options={"select": SELECT, **(options or {})},
        )
    )


def cursor(text: str, needle: str, encoding: str, *, occurrence: int = 0) -> types.Range:
    """An empty range right at ``needle`` (computed here, never by the server)."""
    lines = text.splitlines()
    found = [(n, line) for n, line in enumerate(lines) if needle in line][occurrence]
    number, line = found
    position = types.Position(line=number, character=units(line[: line.index(needle)], encoding))
    return types.Range(start=position, end=position)


async def actions_at(
    client: RecordingClient,
    uri: str,
    range_: types.Range,
    *,
    only: list[str] | None = None,
    diagnostics: list[types.Diagnostic] | None = None,
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=range_,
            context=types.CodeActionContext(diagnostics=diagnostics or [], only=only),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def by_title(actions: list[types.CodeAction], start: str) -> types.CodeAction:
    found = [a for a in actions if a.title.startswith(start)]
    assert len(found) == 1, [a.title for a in actions]
    return found[0]


def core_result(text: str, refactoring: Refactoring) -> str:
    (change,) = refactoring.changes
    assert isinstance(change, FileEdit)
    return applied(text, change.edits)


async def test_the_server_offers_refactor_kinds(client: RecordingClient, tmp_path: Path) -> None:
    result = await initialize(client, tmp_path)
    options = result.capabilities.code_action_provider
    assert isinstance(options, types.CodeActionOptions)
    assert set(options.code_action_kinds or []) >= REFACTOR_KINDS
    assert options.resolve_provider


async def test_lazy_refactor_is_resolved_to_the_core_edit(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path, lazy=True)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, DASHBOARD)
    actions = await actions_at(
        client, uri, cursor(DASHBOARD, "checksum(text, rounds", client.encoding), only=["refactor"]
    )
    action = by_title(actions, "Run `checksum` in a worker thread")
    assert action.kind == types.CodeActionKind.RefactorRewrite
    assert action.edit is None and action.data is not None
    resolved = await client.code_action_resolve_async(action)
    after = apply_edits(DASHBOARD, edits_of(resolved.edit, uri), client.encoding)
    line = next(n for n, t in enumerate(DASHBOARD.splitlines(), 1) if "checksum(text, rounds" in t)
    column = DASHBOARD.splitlines()[line - 1].encode().index(b"checksum(text, rounds")
    expected = core_result(DASHBOARD, wrap_in_to_thread("app.py", DASHBOARD, line, column))
    assert after == expected
    assert '{"é🎉": await asyncio.to_thread(checksum, text, rounds=rounds)}["é🎉"]' in after


async def test_eager_client_gets_the_edit_at_once(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path, lazy=False, document_changes=False)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, DASHBOARD)
    range_ = cursor(DASHBOARD, "async def list_rows", client.encoding)
    actions = await actions_at(client, uri, range_, only=["refactor.extract"])
    action = by_title(actions, "Extract named dependency `DatabaseDep`")
    assert action.kind == types.CodeActionKind.RefactorExtract
    assert action.edit is not None and action.edit.changes and not action.edit.document_changes
    after = apply_edits(DASHBOARD, edits_of(action.edit, uri), client.encoding)
    assert "DatabaseDep = Annotated[Database, Depends(get_db)]" in after
    assert "async def list_rows(db: DatabaseDep, " in after


async def test_only_the_requested_kinds(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, DASHBOARD)
    range_ = cursor(DASHBOARD, "async def list_rows", client.encoding)
    extract = await actions_at(client, uri, range_, only=["refactor.extract"])
    assert extract and {a.kind for a in extract} == {types.CodeActionKind.RefactorExtract}
    rewrite = await actions_at(client, uri, range_, only=["refactor.rewrite"])
    assert {a.kind for a in rewrite} == {types.CodeActionKind.RefactorRewrite}
    assert [a.title for a in rewrite] == [
        "Convert `list_rows` to `Annotated`",
        "Convert the module to `Annotated`",
    ]
    assert await actions_at(client, uri, range_, only=["quickfix"]) == []
    everything = await actions_at(client, uri, range_)
    assert {a.title for a in extract + rewrite} <= {a.title for a in everything}


async def test_a_rule_fix_is_not_repeated_as_a_refactoring(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    diagnostics = await open_document(client, uri, DASHBOARD)
    on_event = [d for d in diagnostics if d.code == "FAS408"][:1]
    assert on_event, [d.code for d in diagnostics]
    actions = await actions_at(client, uri, on_event[0].range, diagnostics=on_event)
    quick_fix = by_title(actions, "Convert to a lifespan context manager (FAS408)")
    assert quick_fix.kind == types.CodeActionKind.QuickFix
    assert not [a for a in actions if a.kind in REFACTOR_KINDS and "lifespan" in a.title]
    # asked for refactorings only, the conversion comes as one, tied to its finding
    refactors = await actions_at(
        client, uri, on_event[0].range, only=["refactor"], diagnostics=on_event
    )
    lifespan = by_title(refactors, "Convert `app`'s startup/shutdown handlers to a lifespan")
    assert lifespan.diagnostics and lifespan.diagnostics[0].code == "FAS408"
    resolved = await client.code_action_resolve_async(lifespan)
    after = apply_edits(DASHBOARD, edits_of(resolved.edit, uri), client.encoding)
    assert 'app = FastAPI(title="dashboard", lifespan=lifespan)' in after


BLOCKING = """\
import requests
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root() -> str:
    return requests.get("https://example.com", timeout=1).text
"""


async def test_the_to_thread_fix_of_fas101_is_offered_once(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    diagnostics = await open_document(client, uri, BLOCKING)
    blocking = [d for d in diagnostics if d.code == "FAS101"]
    assert len(blocking) == 1
    actions = await actions_at(client, uri, blocking[0].range, diagnostics=blocking)
    in_thread = [a for a in actions if "in a worker thread" in a.title]
    assert [a.kind for a in in_thread] == [types.CodeActionKind.QuickFix]
    refactors = await actions_at(
        client, uri, blocking[0].range, only=["refactor"], diagnostics=blocking
    )
    refactor = by_title(refactors, "Run `requests.get` in a worker thread")
    assert list(refactor.diagnostics or []) == blocking


async def test_finding_gets_its_refactoring_away_from_the_cursor(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    diagnostics = await open_document(client, uri, DASHBOARD)
    sequential = [d for d in diagnostics if d.code == "FAS105"]
    assert sequential
    origin = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
    )
    actions = await actions_at(client, uri, origin, only=["refactor"], diagnostics=sequential)
    gather = by_title(actions, "Run the 2 awaits concurrently")
    resolved = await client.code_action_resolve_async(gather)
    after = apply_edits(DASHBOARD, edits_of(resolved.edit, uri), client.encoding)
    assert "profile, orders = await asyncio.gather(" in after


async def test_not_offered_is_logged_not_shown(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, DASHBOARD)
    range_ = cursor(DASHBOARD, "fetch_profile(user_id)", client.encoding)
    actions = await actions_at(client, uri, range_, only=["refactor.rewrite"])
    assert not [a for a in actions if "worker thread" in a.title]
    logged = [m for m in client.log_messages if "already awaited" in m.message]
    assert logged and all(m.type == types.MessageType.Log for m in logged)
    assert client.messages == []


async def test_stale_refactor_action_resolves_to_nothing(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, DASHBOARD)
    range_ = cursor(DASHBOARD, "checksum(text, rounds", client.encoding)
    action = by_title(await actions_at(client, uri, range_, only=["refactor"]), "Run `checksum`")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="\n" + DASHBOARD)],
        )
    )
    assert (await client.code_action_resolve_async(action)).edit is None


# -- Extract to service: a refactoring that creates a file ------------------------------------

SLICE_ROUTER = """\
from fastapi import APIRouter, Depends, HTTPException

from users.db import Session, get_session

router = APIRouter(prefix="/users")


@router.get("/{user_id}")
def read_user(user_id: int, session: Session = Depends(get_session)) -> dict[str, object]:
    user = session.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="not found")
    return {"id": user_id, "name": user}
"""
SLICE_DB = """\
class Session:
    def get(self, user_id: int) -> str | None:
        return {1: "alice"}.get(user_id)


def get_session() -> Session:
    return Session()
"""


def vertical_slice(root: Path) -> Path:
    package = root / "users"
    package.mkdir()
    (package / "__init__.py").write_text("", "utf-8")
    (package / "db.py").write_text(SLICE_DB, "utf-8")
    router = package / "router.py"
    router.write_text(SLICE_ROUTER, "utf-8")
    return router


async def test_extract_service_creates_its_module_when_the_client_can(
    client: RecordingClient, tmp_path: Path
) -> None:
    router = vertical_slice(tmp_path)
    text = router.read_text("utf-8")
    line = 1 + text.splitlines().index("    user = session.get(user_id)")
    core = extract_service(router, text, line, project_root=tmp_path)
    assert any(isinstance(c, NewFile) for c in core.changes)
    await initialize(client, tmp_path, lazy=True, create=True)
    uri = router.as_uri()
    await open_document(client, uri, text)
    range_ = cursor(text, "user = session.get", client.encoding)
    action = by_title(await actions_at(client, uri, range_, only=["refactor.extract"]), "Extract")
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None and resolved.edit.document_changes
    created = [c for c in resolved.edit.document_changes if isinstance(c, types.CreateFile)]
    new_files = [c for c in core.changes if isinstance(c, NewFile)]
    assert [c.uri for c in created] == [f.path.as_uri() for f in new_files]
    for new_file in new_files:
        (inserted,) = edits_of(resolved.edit, new_file.path.as_uri())
        assert inserted.new_text == new_file.text
    routed = apply_edits(text, edits_of(resolved.edit, uri), client.encoding)
    assert routed == core_result_for(text, core, router)


async def test_fat_route_gets_extract_to_service(client: RecordingClient, tmp_path: Path) -> None:
    router = vertical_slice(tmp_path)
    text = router.read_text("utf-8")
    await initialize(client, tmp_path, options={"fat-route": {"max-statements": 2}})
    uri = router.as_uri()
    fat = [d for d in await open_document(client, uri, text) if d.code == "FAS601"]
    assert len(fat) == 1
    origin = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
    )
    actions = await actions_at(client, uri, origin, only=["refactor"], diagnostics=fat)
    extract = by_title(actions, "Extract to service")
    assert extract.kind == types.CodeActionKind.RefactorExtract
    assert list(extract.diagnostics or []) == fat
    resolved = await client.code_action_resolve_async(extract)
    assert resolved.edit is not None and resolved.edit.document_changes


def core_result_for(text: str, refactoring: Refactoring, path: Path) -> str:
    (change,) = [c for c in refactoring.changes if isinstance(c, FileEdit) and c.path == path]
    return applied(text, change.edits)


async def test_extract_service_is_withheld_when_the_client_cannot_create_files(
    client: RecordingClient, tmp_path: Path
) -> None:
    router = vertical_slice(tmp_path)
    text = router.read_text("utf-8")
    await initialize(client, tmp_path, lazy=True, create=False)
    uri = router.as_uri()
    await open_document(client, uri, text)
    range_ = cursor(text, "user = session.get", client.encoding)
    actions = await actions_at(client, uri, range_, only=["refactor.extract"])
    assert not [a for a in actions if a.title.startswith("Extract to service")]
    assert any("cannot create files" in m.message for m in client.log_messages)
