"""End-to-end tests of the language server's workspace handling (several folders, the
``pyproject.toml`` watcher), lazy code actions (``codeAction/resolve``), unsafe fixes, related
locations and rule documentation links, once as a UTF-16 client and once as a UTF-8 client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.test_server import (
    FIXED,
    FIXTURE,
    FLAGGED_LINE,
    SERVER,
    SOURCE,
    RecordingClient,
    _record,
    apply_edits,
    capabilities,
    change,
    code_actions,
    diagnostics_at_version,
    edits_of,
    open_document,
    published_for,
    span_of,
    wait_for,
)

pytestmark = pytest.mark.asyncio

BLOCKING = """\
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def home(label="é🎉"):  # café 🎉
    time.sleep(1)
    name = "🎉"; time.sleep(2)
    return {"label": label, "name": name}
"""
HOME_LINE, FIRST_SLEEP_LINE, SECOND_SLEEP_LINE = 8, 9, 10


class WorkspaceClient(RecordingClient):
    """A recording client that also accepts the server's dynamic registrations."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.registrations: list[types.Registration] = []


def _register(client: WorkspaceClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def make_client() -> WorkspaceClient:
    client = WorkspaceClient(converter_factory=default_converter)
    features: dict[str, Any] = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record
    features[types.CLIENT_REGISTER_CAPABILITY] = _register
    register_lsp_features(client, features)
    return client


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER, client_factory=make_client),
    params=["utf-16", "utf-8"],
)
async def client(
    lsp_client: WorkspaceClient, request: pytest.FixtureRequest
) -> AsyncIterator[None]:
    lsp_client.encoding = request.param
    yield
    await lsp_client.shutdown_session()


def full_capabilities(encoding: str, *, resolve: bool = False) -> types.ClientCapabilities:
    """The test suite's client capabilities, plus a file watcher the server may register
    and, with ``resolve``, lazy code action edits."""
    caps = capabilities(encoding)
    assert caps.workspace is not None and caps.text_document is not None
    caps.workspace.did_change_watched_files = types.DidChangeWatchedFilesClientCapabilities(
        dynamic_registration=True
    )
    caps.workspace.workspace_folders = True
    if resolve:
        code_action = caps.text_document.code_action
        assert code_action is not None
        code_action.resolve_support = types.ClientCodeActionResolveOptions(properties=["edit"])
    return caps


async def initialize(
    client: WorkspaceClient,
    folders: list[Path],
    options: Any = None,
    *,
    resolve: bool = False,
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=full_capabilities(client.encoding, resolve=resolve),
            root_uri=folders[0].as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders],
            initialization_options=options,
        )
    )


def write_config(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "pyproject.toml"
    config.write_text(f"[tool.fastapi-lint]\n{body}\n", "utf-8")
    return config


# -- 7. workspace folders and the pyproject.toml watcher ------------------------------------


async def test_each_folder_has_its_own_settings(client: WorkspaceClient, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_config(first, 'select = ["FAS402"]')
    write_config(second, 'select = ["FAS401"]')
    await initialize(client, [first, second], {})
    in_first = await open_document(client, (first / "app.py").as_uri(), SOURCE)
    in_second = await open_document(client, (second / "app.py").as_uri(), SOURCE)
    assert [d.code for d in in_first] == ["FAS402"]
    assert [d.code for d in in_second] == ["FAS401"]


async def test_added_workspace_folder_becomes_the_project_root(
    client: WorkspaceClient, tmp_path: Path
) -> None:
    """Without a pyproject.toml, paths in the settings are relative to the document's
    workspace folder: adding the folder changes which per-file-ignores apply."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    options = {"select": ["FAS402"], "per-file-ignores": {"api/*.py": ["FAS402"]}}
    await initialize(client, [first], options)
    uri = (second / "api" / "app.py").as_uri()
    assert len(await open_document(client, uri, SOURCE)) == 1  # its root is api/ itself
    count = len(published_for(client, uri))
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=second.as_uri(), name="second")], removed=[]
            )
        )
    )
    await wait_for(lambda: len(published_for(client, uri)) > count)
    assert not published_for(client, uri)[-1].diagnostics  # api/app.py is now ignored
    count = len(published_for(client, uri))
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[], removed=[types.WorkspaceFolder(uri=second.as_uri(), name="second")]
            )
        )
    )
    await wait_for(lambda: len(published_for(client, uri)) > count)
    assert len(published_for(client, uri)[-1].diagnostics) == 1


async def test_pyproject_changes_reload_settings_and_republish_that_project(
    client: WorkspaceClient, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    config = write_config(first, 'select = ["FAS402"]')
    write_config(second, 'select = ["FAS402"]')
    await initialize(client, [first, second], {})
    await wait_for(lambda: bool(client.registrations))
    (registration,) = client.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    options = default_converter().structure(
        registration.register_options, types.DidChangeWatchedFilesRegistrationOptions
    )
    assert [w.glob_pattern for w in options.watchers] == ["**/pyproject.toml", "**/*.py"]

    inside, outside = (first / "app.py").as_uri(), (second / "app.py").as_uri()
    assert len(await open_document(client, inside, SOURCE)) == 1
    assert len(await open_document(client, outside, SOURCE)) == 1
    before_outside = len(published_for(client, outside))
    count = len(published_for(client, inside))
    config.write_text('[tool.fastapi-lint]\nselect = ["FAS402"]\nignore = ["FAS402"]\n', "utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await wait_for(lambda: len(published_for(client, inside)) > count)
    assert not published_for(client, inside)[-1].diagnostics
    # the other project's document is not re-checked
    assert len(published_for(client, outside)) == before_outside

    count = len(published_for(client, inside))
    config.unlink()  # back to the defaults, which include FAS402
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Deleted)]
        )
    )
    await wait_for(lambda: len(published_for(client, inside)) > count)
    assert "FAS402" in [d.code for d in published_for(client, inside)[-1].diagnostics]


async def test_no_watcher_without_dynamic_registration(
    client: WorkspaceClient, tmp_path: Path
) -> None:
    caps = capabilities(client.encoding)
    await client.initialize_session(
        types.InitializeParams(capabilities=caps, root_uri=tmp_path.as_uri())
    )
    assert len(await open_document(client, (tmp_path / "app.py").as_uri(), SOURCE)) >= 1
    assert client.registrations == []


# -- 3. documentation links, related locations, deprecated tags ----------------------------


async def test_docs_url_template(client: WorkspaceClient, tmp_path: Path) -> None:
    options = {"select": ["FAS402"], "docs-url": "https://example.org/rules/{code}-{name}.md"}
    await initialize(client, [tmp_path], options)
    (diagnostic,) = await open_document(client, (tmp_path / "app.py").as_uri(), SOURCE)
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href == (
        "https://example.org/rules/FAS402-dependency-called.md"
    )


async def test_no_docs_url_no_code_description(client: WorkspaceClient, tmp_path: Path) -> None:
    await initialize(client, [tmp_path], {"select": ["FAS402"]})
    (diagnostic,) = await open_document(client, (tmp_path / "app.py").as_uri(), SOURCE)
    assert diagnostic.code_description is None


async def test_invalid_docs_url_is_shown_and_ignored(
    client: WorkspaceClient, tmp_path: Path
) -> None:
    await initialize(client, [tmp_path], {"select": ["FAS402"], "docs-url": "https://x.org"})
    (diagnostic,) = await open_document(client, (tmp_path / "app.py").as_uri(), SOURCE)
    assert diagnostic.code_description is None
    assert len(client.messages) == 1 and "docs-url" in client.messages[0].message


async def test_unsafe_fix_and_related_locations(client: WorkspaceClient, tmp_path: Path) -> None:
    await initialize(client, [tmp_path], {"select": ["FAS101", "FAS102"]})
    uri = (tmp_path / "app.py").as_uri()
    diagnostics = await open_document(client, uri, BLOCKING)
    by_code = {d.code: [x for x in diagnostics if x.code == d.code] for d in diagnostics}
    (without_await,) = by_code["FAS102"]
    assert without_await.range == span_of(BLOCKING, HOME_LINE, "async def home", client.encoding)
    related = without_await.related_information or []
    assert [r.location.range for r in related] == [
        span_of(BLOCKING, FIRST_SLEEP_LINE, "time.sleep(1)", client.encoding),
        span_of(BLOCKING, SECOND_SLEEP_LINE, "time.sleep(2)", client.encoding),
    ]
    assert all(r.location.uri == uri and "time.sleep" in r.message for r in related)
    first_sleep = by_code["FAS101"][0]
    actions = await code_actions(client, uri, [first_sleep], only=["quickfix"])
    fix = actions[0]
    assert fix.title.endswith("(FAS101) (unsafe)")
    assert not fix.is_preferred
    fixed = apply_edits(BLOCKING, edits_of(fix.edit, uri), client.encoding)
    assert "    await asyncio.sleep(1)\n" in fixed and "import asyncio" in fixed
    # fix-all applies safe fixes only: nothing here
    assert await code_actions(client, uri, [], only=["source.fixAll"]) == []


# -- 4. lazy code actions --------------------------------------------------------------------


async def test_quick_fix_and_ignore_resolve_lazily(client: WorkspaceClient, tmp_path: Path) -> None:
    await initialize(client, [tmp_path], {"select": ["FAS402"]}, resolve=True)
    uri = (tmp_path / "app.py").as_uri()
    diagnostics = await open_document(client, uri, SOURCE)
    fix, ignore = await code_actions(client, uri, diagnostics, only=["quickfix"])
    assert fix.edit is None and ignore.edit is None
    assert fix.is_preferred and fix.title == "Pass `get_db` without calling it (FAS402)"
    resolved = await client.code_action_resolve_async(fix)
    fixed = apply_edits(SOURCE, edits_of(resolved.edit, uri), client.encoding)
    assert "db=Depends(get_db)):  # café 🎉" in fixed
    resolved = await client.code_action_resolve_async(ignore)
    ignored = apply_edits(SOURCE, edits_of(resolved.edit, uri), client.encoding)
    assert ignored.splitlines()[FLAGGED_LINE].endswith("# café 🎉  # noqa: FAS402")
    # once the document has changed, the old action resolves to no edit
    change(client, uri, 2, None, "\n" + SOURCE)
    await diagnostics_at_version(client, uri, 2)
    assert (await client.code_action_resolve_async(fix)).edit is None


async def test_fix_all_resolves_lazily(client: WorkspaceClient, tmp_path: Path) -> None:
    await initialize(client, [tmp_path], {"select": ["FAS402"]}, resolve=True)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, FIXTURE)
    (action,) = await code_actions(client, uri, [], only=["source.fixAll"])
    assert action.kind == "source.fixAll.fastapi-lint" and action.edit is None
    resolved = await client.code_action_resolve_async(action)
    assert apply_edits(FIXTURE, edits_of(resolved.edit, uri), client.encoding) == FIXED
    # nothing to fix: no action at all
    other = (tmp_path / "fixed.py").as_uri()
    await open_document(client, other, FIXED)
    assert await code_actions(client, other, [], only=["source.fixAll"]) == []


async def test_resolve_for_a_closed_document(client: WorkspaceClient, tmp_path: Path) -> None:
    await initialize(client, [tmp_path], {"select": ["FAS402"]}, resolve=True)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, FIXTURE)
    (action,) = await code_actions(client, uri, [], only=["source.fixAll"])
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is None and resolved.title == action.title
