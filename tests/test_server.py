"""End-to-end tests of the language server: the real `python -m fastapi_lsp` process over
stdio, driven by pytest-lsp, once as a UTF-16 client and once as a UTF-8 client."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[1]
SERVER = [sys.executable, "-m", "fastapi_lsp"]
FIXED = (ROOT / "tests/fixtures/di/FAS402_dependency_called.fixed.py").read_text("utf-8")
FIXTURE = (ROOT / "tests/fixtures/di/FAS402_dependency_called.py").read_text("utf-8")

SOURCE = """\
from fastapi import Depends, FastAPI

app = FastAPI()


def get_db():
    db = object()
    yield db


@app.get("/a")
def a(label="é🎉", db=Depends(get_db())):  # café 🎉
    return db
"""
FLAGGED_LINE = 11  # 0-based
ORIGIN = types.Position(line=0, character=0)


class RecordingClient(LanguageClient):
    """A test client that also keeps every publishDiagnostics it receives, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.encoding = "utf-16"


def _record(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
    client.published.append(params)
    client.diagnostics[params.uri] = params.diagnostics


def make_client() -> RecordingClient:
    client = RecordingClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record
    register_lsp_features(client, features)
    return client


def capabilities(encoding: str, *, pull: bool = False) -> types.ClientCapabilities:
    """A UTF-8 client offers UTF-8 second, to show the server prefers it; a UTF-16 client
    offers nothing (UTF-16 is the protocol's default)."""
    general = types.GeneralClientCapabilities(
        position_encodings=[types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8]
        if encoding == "utf-8"
        else None
    )
    return types.ClientCapabilities(
        general=general,
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=encoding == "utf-8"
            ),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
            if pull
            else None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(
                did_save=True, will_save_wait_until=True
            ),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                related_information=True, version_support=True, data_support=True
            ),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]
                    )
                ),
                data_support=True,
            ),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
        ),
    )


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER, client_factory=make_client),
    params=["utf-16", "utf-8"],
)
async def client(
    lsp_client: RecordingClient, request: pytest.FixtureRequest
) -> AsyncIterator[None]:
    """A started server, not yet initialized, and the encoding the client will offer."""
    lsp_client.encoding = request.param
    yield
    await lsp_client.shutdown_session()


async def initialize(
    client: RecordingClient,
    root: Path,
    options: Any = None,
    *,
    pull: bool = False,
) -> types.InitializeResult:
    if options is None:
        options = {"select": ["FAS402"]}
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(client.encoding, pull=pull),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options=options,
        )
    )


# -- helpers that do their own position arithmetic (never the server's) -----------------


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def position_of(text: str, line: int, needle: str, encoding: str) -> types.Position:
    content = text.splitlines()[line]
    return types.Position(line=line, character=units(content[: content.index(needle)], encoding))


def span_of(text: str, line: int, needle: str, encoding: str) -> types.Range:
    start = position_of(text, line, needle, encoding)
    end = types.Position(line=line, character=start.character + units(needle, encoding))
    return types.Range(start=start, end=end)


def apply_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)

    def offset(pos: types.Position) -> int:
        if pos.line >= len(lines):
            return len(text)
        content = lines[pos.line].rstrip("\r\n")
        count = index = 0
        while index < len(content) and count < pos.character:
            count += units(content[index], encoding)
            index += 1
        return sum(len(line) for line in lines[: pos.line]) + index

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def edits_of(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    assert edit is not None
    if edit.document_changes:
        return [
            e
            for change in edit.document_changes
            if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
            for e in change.edits
            if isinstance(e, types.TextEdit)
        ]
    return list((edit.changes or {}).get(uri, []))


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.01)


def published_for(client: RecordingClient, uri: str) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published if p.uri == uri]


async def open_document(
    client: RecordingClient, uri: str, text: str, version: int = 1
) -> list[types.Diagnostic]:
    before = len(published_for(client, uri))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    await wait_for(lambda: len(published_for(client, uri)) > before)
    return list(published_for(client, uri)[-1].diagnostics)


def change(
    client: RecordingClient, uri: str, version: int, range_: types.Range | None, text: str
) -> None:
    event: types.TextDocumentContentChangeEvent = (
        types.TextDocumentContentChangeWholeDocument(text=text)
        if range_ is None
        else types.TextDocumentContentChangePartial(range=range_, text=text)
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[event],
        )
    )


async def diagnostics_at_version(
    client: RecordingClient, uri: str, version: int
) -> list[types.Diagnostic]:
    await wait_for(lambda: any(p.version == version for p in published_for(client, uri)))
    return list(published_for(client, uri)[-1].diagnostics)


# -- 1. lifecycle -------------------------------------------------------------------------


async def test_initialize_negotiates_encoding_and_reports_version(
    client: RecordingClient, tmp_path: Path
) -> None:
    from fastapi_lint import __version__

    result = await initialize(client, tmp_path)
    assert result.server_info is not None
    assert result.server_info.name == "fastapi-lint"
    assert result.server_info.version == __version__
    assert result.capabilities.position_encoding == client.encoding
    sync = result.capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert sync.open_close and sync.save
    assert result.capabilities.hover_provider
    assert result.capabilities.diagnostic_provider is not None
    actions = result.capabilities.code_action_provider
    assert isinstance(actions, types.CodeActionOptions)
    assert list(actions.code_action_kinds or []) == [
        "quickfix",
        "source.fixAll.fastapi-lint",
        "refactor.extract",
        "refactor.rewrite",
    ]


# -- 2. and 3. text sync and diagnostics ---------------------------------------------------


async def test_diagnostic_positions_are_exact_after_non_ascii(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    (diagnostic,) = await open_document(client, uri, SOURCE)
    assert diagnostic.range == span_of(SOURCE, FLAGGED_LINE, "get_db()", client.encoding)
    assert diagnostic.code == "FAS402"
    assert diagnostic.source == "fastapi-lint"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert "Depends(get_db())" in diagnostic.message
    assert diagnostic.tags is None
    assert diagnostic.data["version"] == 1
    fix = diagnostic.data["fix"]
    assert fix["applicability"] == "safe"
    assert apply_edits(SOURCE, [types.TextEdit(**_edit(e)) for e in fix["edits"]], "x") != ""
    fixed = apply_edits(
        SOURCE,
        [
            types.TextEdit(
                range=default_converter().structure(e["range"], types.Range), new_text=e["newText"]
            )
            for e in fix["edits"]
        ],
        client.encoding,
    )
    assert "db=Depends(get_db)):" in fixed


def _edit(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "range": default_converter().structure(data["range"], types.Range),
        "new_text": data["newText"],
    }


async def test_incremental_changes_after_non_ascii(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, SOURCE)
    call = span_of(SOURCE, FLAGGED_LINE, "get_db()", client.encoding)
    parens = types.Range(
        start=types.Position(line=FLAGGED_LINE, character=call.end.character - 2), end=call.end
    )
    change(client, uri, 2, parens, "")
    assert await diagnostics_at_version(client, uri, 2) == []
    insert_at = types.Range(start=parens.start, end=parens.start)
    change(client, uri, 3, insert_at, "()")
    (diagnostic,) = await diagnostics_at_version(client, uri, 3)
    assert diagnostic.range == call


async def test_a_burst_of_changes_costs_one_analysis_of_the_latest_version(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, SOURCE)
    comment_end = types.Position(
        line=FLAGGED_LINE, character=units(SOURCE.splitlines()[FLAGGED_LINE], client.encoding)
    )
    for version in range(2, 22):
        at = types.Position(line=FLAGGED_LINE, character=comment_end.character + version - 2)
        change(client, uri, version, types.Range(start=at, end=at), "x")
    (diagnostic,) = await diagnostics_at_version(client, uri, 21)
    await asyncio.sleep(0.4)  # anything late would have arrived by now
    assert [p.version for p in published_for(client, uri)] == [1, 21]
    assert diagnostic.range == span_of(SOURCE, FLAGGED_LINE, "get_db()", client.encoding)


async def test_a_document_that_does_not_parse_keeps_no_findings(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    assert len(await open_document(client, uri, SOURCE)) == 1
    change(client, uri, 2, None, SOURCE + "\ndef broken(:\n")
    assert await diagnostics_at_version(client, uri, 2) == []


async def test_save_publishes_and_close_clears(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, SOURCE)
    count = len(published_for(client, uri))
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_for(lambda: len(published_for(client, uri)) > count)
    assert len(published_for(client, uri)[-1].diagnostics) == 1
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_for(lambda: not published_for(client, uri)[-1].diagnostics)


async def test_every_open_document_gets_diagnostics(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    first, second = (tmp_path / "a.py").as_uri(), (tmp_path / "b.py").as_uri()
    assert len(await open_document(client, first, SOURCE)) == 1
    assert len(await open_document(client, second, FIXTURE)) == FIXTURE.count("# error: FAS402")


async def test_pull_diagnostics(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path, pull=True)
    uri = (tmp_path / "app.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=SOURCE
            )
        )
    )
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    (diagnostic,) = report.items
    assert diagnostic.range == span_of(SOURCE, FLAGGED_LINE, "get_db()", client.encoding)
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            previous_result_id=report.result_id,
        )
    )
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    # a client that pulls is not also pushed to (it would show every finding twice)
    assert not published_for(client, uri)
    unopened = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=(tmp_path / "other.py").as_uri())
        )
    )
    assert isinstance(unopened, types.RelatedFullDocumentDiagnosticReport)
    assert not unopened.items


# -- 4. code actions ----------------------------------------------------------------------


async def code_actions(
    client: RecordingClient,
    uri: str,
    diagnostics: list[types.Diagnostic],
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    range_ = diagnostics[0].range if diagnostics else types.Range(start=ORIGIN, end=ORIGIN)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=range_,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),  # type: ignore[arg-type]
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_quick_fix_and_ignore_actions(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    diagnostics = await open_document(client, uri, SOURCE)
    fix, ignore = await code_actions(client, uri, diagnostics, only=["quickfix"])
    assert fix.title == "Pass `get_db` without calling it (FAS402)"
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred
    fixed = apply_edits(SOURCE, edits_of(fix.edit, uri), client.encoding)
    assert "db=Depends(get_db)):  # café 🎉" in fixed
    assert ignore.title == "Ignore FAS402 for this line"
    ignored = apply_edits(SOURCE, edits_of(ignore.edit, uri), client.encoding)
    assert ignored.splitlines()[FLAGGED_LINE].endswith("# café 🎉  # noqa: FAS402")
    # the ignored text really silences the finding
    change(client, uri, 2, None, ignored)
    assert await diagnostics_at_version(client, uri, 2) == []


async def test_ignore_extends_an_existing_noqa(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    text = SOURCE.replace("# café 🎉", "# noqa: FAS401")
    diagnostics = await open_document(client, uri, text)
    _, ignore = await code_actions(client, uri, diagnostics, only=["quickfix"])
    ignored = apply_edits(text, edits_of(ignore.edit, uri), client.encoding)
    assert ignored.splitlines()[FLAGGED_LINE].endswith("# noqa: FAS401, FAS402")


async def test_stale_diagnostics_get_no_actions(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    diagnostics = await open_document(client, uri, SOURCE)
    change(client, uri, 2, None, "\n" + SOURCE)
    await diagnostics_at_version(client, uri, 2)
    assert await code_actions(client, uri, diagnostics, only=["quickfix"]) == []


async def test_fix_all(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, FIXTURE)
    (action,) = await code_actions(client, uri, [], only=["source.fixAll"])
    assert action.kind == "source.fixAll.fastapi-lint"
    assert apply_edits(FIXTURE, edits_of(action.edit, uri), client.encoding) == FIXED
    assert await code_actions(client, uri, [], only=["refactor"]) == []


async def test_fix_on_save(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path, {"select": ["FAS402"], "fix-on-save": True})
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, SOURCE)
    edits = await client.text_document_will_save_wait_until_async(
        types.WillSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            reason=types.TextDocumentSaveReason.Manual,
        )
    )
    assert "db=Depends(get_db))" in apply_edits(SOURCE, edits or [], client.encoding)


async def test_no_fix_on_save_by_default(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    await open_document(client, uri, SOURCE)
    edits = await client.text_document_will_save_wait_until_async(
        types.WillSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            reason=types.TextDocumentSaveReason.Manual,
        )
    )
    assert not edits


# -- 5. hover -----------------------------------------------------------------------------


async def hover(client: RecordingClient, uri: str, position: types.Position) -> str | None:
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    if result is None:
        return None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


async def test_hover_on_flagged_range_and_noqa_code(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    text = SOURCE.replace("    return db", "    return db  # noqa: FAS101, FAS402  é🎉")
    await open_document(client, uri, text)
    inside_call = position_of(text, FLAGGED_LINE, "db())", client.encoding)
    page = await hover(client, uri, inside_call)
    assert page is not None and page.startswith("# FAS402 dependency-called")
    assert "## What it does" in page
    on_code = position_of(text, FLAGGED_LINE + 1, "FAS402", client.encoding)
    on_code.character += 2
    page = await hover(client, uri, on_code)
    assert page is not None and page.startswith("# FAS402 dependency-called")
    assert await hover(client, uri, types.Position(line=0, character=1)) is None


# -- 6. configuration ---------------------------------------------------------------------


async def test_project_configuration_and_client_overrides(
    client: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FAS402"]\n', "utf-8")
    await initialize(client, tmp_path, {})
    uri = (tmp_path / "app.py").as_uri()
    assert len(await open_document(client, uri, SOURCE)) == 1
    count = len(published_for(client, uri))
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"fastapi-lint": {"ignore": ["FAS402"]}})
    )
    await wait_for(lambda: len(published_for(client, uri)) > count)
    assert not published_for(client, uri)[-1].diagnostics


async def test_configuration_pulled_when_the_client_sends_none(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    assert len(await open_document(client, uri, SOURCE)) == 1
    client.set_configuration({"select": ["FAS402"], "ignore": ["FAS402"]}, section="fastapi-lint")
    count = len(published_for(client, uri))
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: len(published_for(client, uri)) > count)
    assert not published_for(client, uri)[-1].diagnostics


async def test_an_empty_settings_push_keeps_the_initialization_options(
    client: RecordingClient, tmp_path: Path
) -> None:
    # Eglot announces its (empty) workspace configuration right after connecting.
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FAS402"]\n', "utf-8")
    await initialize(client, tmp_path, {"ignore": ["FAS402"]})
    uri = (tmp_path / "app.py").as_uri()
    assert not await open_document(client, uri, SOURCE)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))
    change(client, uri, 2, None, SOURCE + "\n")
    assert not await diagnostics_at_version(client, uri, 2)


async def test_invalid_settings_are_shown_once(client: RecordingClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint]\nselect = ["FAS402"]\nunknown-key = 1\n', "utf-8"
    )
    await initialize(client, tmp_path, {"select": ["FAS402"], "debounce-ms": "fast"})
    uri = (tmp_path / "app.py").as_uri()
    assert len(await open_document(client, uri, SOURCE)) == 1  # still works
    change(client, uri, 2, None, SOURCE + "\n")
    await diagnostics_at_version(client, uri, 2)
    messages = [m.message for m in client.messages]
    assert len(messages) == 2, messages
    assert any("debounce-ms" in m for m in messages)
    assert any("unknown-key" in m for m in messages)
    assert all(m.type == types.MessageType.Error for m in client.messages)


async def test_unknown_code_in_client_settings(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path, {"select": ["FAS402"], "ignore": ["NOPE1"]})
    uri = (tmp_path / "app.py").as_uri()
    assert len(await open_document(client, uri, SOURCE)) >= 1
    assert len(client.messages) == 1 and "NOPE1" in client.messages[0].message


# -- 8. robustness ------------------------------------------------------------------------


async def test_requests_for_unopened_documents(client: RecordingClient, tmp_path: Path) -> None:
    await initialize(client, tmp_path)
    uri = (tmp_path / "never_opened.py").as_uri()
    assert await hover(client, uri, types.Position(line=0, character=0)) is None
    assert await code_actions(client, uri, []) == []
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    # the server is still alive and well
    other = (tmp_path / "app.py").as_uri()
    assert len(await open_document(client, other, SOURCE)) == 1
