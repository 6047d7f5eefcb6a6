"""The project index's findings in the editor, end to end over stdio (pytest-lsp): FAS9xx and
the cross-module forms of module rules published with each open document's module findings,
kept current as other files change in the editor or on disk, under the document's settings,
with ``$/progress`` while the first index builds. UTF-16 and UTF-8 clients.

The sample project (tests/projects/editor_findings): ``app/routes.py`` drops a coroutine of
``app/audit.py`` (FAS904), calls a helper of ``app/helpers.py`` that sleeps (FAS903) and
calls a dependency of ``app/deps.py`` in ``Depends()`` (FAS402 across modules).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from fastapi_lsp.convert import stored_fix
from tests.test_server import SERVER, _record, capabilities, span_of, wait_for
from tests.test_server_workspace import WorkspaceClient, _register

pytestmark = pytest.mark.asyncio

SAMPLE = Path(__file__).parent / "projects" / "editor_findings"
PROJECT_CODES = {"FAS402", "FAS903", "FAS904"}
CALL_LINE = 11  # 0-based: `audit.record("é🎉")`


class ProjectClient(WorkspaceClient):
    """A client that accepts dynamic registrations and counts pull refreshes."""

    refreshes = 0


def _refresh(client: ProjectClient, params: None) -> None:
    client.refreshes += 1


def make_client() -> ProjectClient:
    client = ProjectClient(converter_factory=default_converter)
    features: dict[str, Any] = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record
    features[types.CLIENT_REGISTER_CAPABILITY] = _register
    features[types.WORKSPACE_DIAGNOSTIC_REFRESH] = _refresh
    register_lsp_features(client, features)
    return client


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER, client_factory=make_client),
    params=["utf-16", "utf-8"],
)
async def client(lsp_client: ProjectClient, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    lsp_client.encoding = request.param
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "editor_findings"
    shutil.copytree(SAMPLE, root)
    return root


async def start(
    client: ProjectClient,
    root: Path,
    options: Any = None,
    *,
    progress: bool = True,
    pull: bool = False,
) -> None:
    caps = capabilities(client.encoding, pull=pull)
    assert caps.workspace is not None
    caps.window = types.WindowClientCapabilities(work_done_progress=progress)
    caps.workspace.did_change_watched_files = types.DidChangeWatchedFilesClientCapabilities(
        dynamic_registration=True
    )
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="editor_findings")],
            initialization_options={"debounce-ms": 50} if options is None else options,
        )
    )


def open_file(client: ProjectClient, path: Path, text: str | None = None) -> str:
    uri = path.resolve().as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id="python",
                version=1,
                text=path.read_text("utf-8") if text is None else text,
            )
        )
    )
    return uri


def change(client: ProjectClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def codes(client: ProjectClient, uri: str) -> list[str]:
    return sorted(str(d.code) for d in client.diagnostics.get(uri, []))


async def settle(
    client: ProjectClient, uri: str, predicate: Callable[[list[str]], bool], timeout: float = 60
) -> list[types.Diagnostic]:
    """The document's diagnostics once they satisfy ``predicate`` (the first index build of
    a busy machine may take a while)."""
    await wait_for(lambda: predicate(codes(client, uri)), timeout)
    return list(client.diagnostics[uri])


async def open_routes(client: ProjectClient, project: Path) -> tuple[str, str]:
    """``app/routes.py`` opened, once its project findings are shown: its uri and text."""
    routes = project / "app/routes.py"
    uri = open_file(client, routes)
    await settle(client, uri, lambda c: set(c) >= PROJECT_CODES)
    return uri, routes.read_text("utf-8")


def by_code(diagnostics: Sequence[types.Diagnostic], code: str) -> types.Diagnostic:
    (found,) = [d for d in diagnostics if d.code == code]
    return found


def cli_findings(root: Path, relative: str) -> list[tuple[str, int, int, str]]:
    """What ``fastapi-lint check`` (a directory run: module and project rules) reports for
    the file, as (code, 0-based line, UTF-8 column, message)."""
    result = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "check", "--output-format", "json", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return sorted(
        (d["code"], d["location"]["row"] - 1, d["location"]["column"] - 1, d["message"])
        for d in json.loads(result.stdout)
        if Path(d["filename"]).as_posix().endswith(relative)
    )


def utf8_column(text: str, position: types.Position, encoding: str) -> int:
    line = text.splitlines()[position.line]
    if encoding == "utf-8":
        return position.character
    units = line.encode("utf-16-le")[: position.character * 2].decode("utf-16-le")
    return len(units.encode("utf-8"))


# -- published with the module findings ------------------------------------------------------


async def test_project_findings_join_the_module_findings(
    client: ProjectClient, project: Path
) -> None:
    await start(client, project, {"docs-url": "https://example.org/rules/{code}.md"})
    routes = project / "app/routes.py"
    text = routes.read_text("utf-8")
    uri = open_file(client, routes)
    diagnostics = await settle(client, uri, lambda c: set(c) >= PROJECT_CODES)

    unawaited = by_code(diagnostics, "FAS904")
    assert unawaited.source == "fastapi-lint"
    assert unawaited.range == span_of(text, CALL_LINE, 'audit.record("é🎉")', client.encoding)
    assert unawaited.code_description is not None
    assert unawaited.code_description.href == "https://example.org/rules/FAS904.md"
    assert unawaited.related_information is not None
    (where,) = unawaited.related_information
    assert where.location.uri == (project / "app/audit.py").resolve().as_uri()
    assert where.location.range.start.line == 0
    assert "async def record" in where.message
    assert "FAS903" in codes(client, uri) and "FAS401" in codes(client, uri)  # module rule too

    # the editor action of FAS904 inserts `await` before the call
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=unawaited.range,
            context=types.CodeActionContext(diagnostics=[unawaited]),
        )
    )
    assert actions is not None
    (fix,) = [a for a in actions if isinstance(a, types.CodeAction) and "Await" in a.title]
    assert fix.edit is not None
    edits = [
        e
        for change_ in fix.edit.document_changes or []
        if isinstance(change_, types.TextDocumentEdit)
        for e in change_.edits
    ] or list((fix.edit.changes or {}).get(uri, []))
    assert [(e.range.start, getattr(e, "new_text", None)) for e in edits] == [
        (unawaited.range.start, "await ")
    ]


async def test_every_finding_once_and_the_same_as_the_command_line(
    client: ProjectClient, project: Path
) -> None:
    await start(client, project)
    uri, text = await open_routes(client, project)
    await asyncio.sleep(0.5)  # anything published later would show here
    diagnostics = list(client.diagnostics[uri])
    shown = sorted(
        (
            str(d.code),
            d.range.start.line,
            utf8_column(text, d.range.start, client.encoding),
            d.message,
        )
        for d in diagnostics
    )
    assert len(set(shown)) == len(shown)
    assert shown == cli_findings(project, "app/routes.py")


async def test_pulled_diagnostics_hold_the_project_findings(
    client: ProjectClient, project: Path
) -> None:
    await start(client, project, pull=True)
    routes = project / "app/routes.py"
    uri = open_file(client, routes)

    async def pulled() -> list[str]:
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return sorted(str(d.code) for d in report.items)

    for _ in range(600):
        if set(await pulled()) >= PROJECT_CODES:
            break
        await asyncio.sleep(0.1)
    assert set(await pulled()) >= PROJECT_CODES
    assert client.published == []  # a pulling client gets nothing pushed

    # audit.record becomes a plain def in the editor: the client is asked to pull again
    audit = project / "app/audit.py"
    audit_uri = open_file(client, audit)
    refreshes = client.refreshes
    change(client, audit_uri, 2, audit.read_text("utf-8").replace("async def", "def"))
    await wait_for(lambda: client.refreshes > refreshes, 30)
    assert "FAS904" not in await pulled()


# -- kept current --------------------------------------------------------------------------


async def test_a_dependency_changed_in_the_editor_updates_its_dependents(
    client: ProjectClient, project: Path
) -> None:
    await start(client, project)
    uri, _ = await open_routes(client, project)
    published = len([p for p in client.published if p.uri == uri])

    audit = project / "app/audit.py"
    audit_uri = open_file(client, audit)
    change(client, audit_uri, 2, audit.read_text("utf-8").replace("async def", "def"))
    after = await settle(client, uri, lambda c: "FAS904" not in c)
    assert {"FAS402", "FAS903"} <= {str(d.code) for d in after}
    republished = [p for p in client.published if p.uri == uri][published:]
    assert {p.version for p in republished} == {1}  # routes.py itself never changed

    # and back: the finding returns
    change(client, audit_uri, 3, audit.read_text("utf-8"))
    await settle(client, uri, lambda c: "FAS904" in c)


async def test_a_file_changed_on_disk_updates_the_open_documents(
    client: ProjectClient, project: Path
) -> None:
    await start(client, project)
    await wait_for(lambda: bool(client.registrations))
    (registration,) = client.registrations
    options = default_converter().structure(
        registration.register_options, types.DidChangeWatchedFilesRegistrationOptions
    )
    assert "**/*.py" in [w.glob_pattern for w in options.watchers]
    uri = open_file(client, project / "app/routes.py")
    await settle(client, uri, lambda c: "FAS903" in c)

    helpers = project / "app/helpers.py"
    helpers.write_text(helpers.read_text("utf-8").replace("    time.sleep(1)\n", ""), "utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=helpers.resolve().as_uri(), type=types.FileChangeType.Changed)
            ]
        )
    )
    after = await settle(client, uri, lambda c: "FAS903" not in c)
    assert {"FAS402", "FAS904"} <= {str(d.code) for d in after}


async def test_the_edited_document_gets_its_new_project_findings(
    client: ProjectClient, project: Path
) -> None:
    """Typing in the open document: its project findings follow its latest text, at the
    latest positions, never those of an older version."""
    await start(client, project)
    uri, text = await open_routes(client, project)
    edited = text
    for version in range(2, 7):
        edited = edited.replace("router = APIRouter", f"X{version} = {version}\nrouter = APIRouter")
        change(client, uri, version, edited)
        await asyncio.sleep(0.01)
    await wait_for(
        lambda: (
            bool(client.published)
            and client.published[-1].uri == uri
            and client.published[-1].version == 6
            and set(codes(client, uri)) >= PROJECT_CODES
        ),
        30,
    )
    unawaited = by_code(client.diagnostics[uri], "FAS904")
    assert unawaited.range == span_of(edited, CALL_LINE + 5, 'audit.record("é🎉")', client.encoding)
    for params in [p for p in client.published if p.uri == uri]:
        flagged = [d for d in params.diagnostics if d.code == "FAS904"]
        if flagged:  # whatever version it is for, at that version's place
            assert params.version is not None
            assert flagged[0].range.start.line == CALL_LINE + params.version - 1


async def test_a_line_typed_in_a_body_keeps_the_findings_and_their_actions_follow(
    client: ProjectClient, project: Path
) -> None:
    """A line typed in a handler's body: the document's summary is made from the last one
    (no whole parse), its project findings move with the text at once, and the editor action
    of FAS903 (which needs the whole parse) comes with the thorough check after the pause,
    published again."""
    await start(client, project)
    uri, text = await open_routes(client, project)
    typed = text.replace('    audit.record("é🎉")\n', '    note = key\n    audit.record("é🎉")\n')
    change(client, uri, 2, typed)

    def blocking_call() -> types.Diagnostic | None:
        published = [p for p in client.published if p.uri == uri and p.version == 2]
        found = [d for p in published[-1:] for d in p.diagnostics if d.code == "FAS903"]
        return found[0] if found else None

    await wait_for(
        lambda: (found := blocking_call()) is not None and stored_fix(found.data) is not None, 30
    )
    finding = blocking_call()
    assert finding is not None and finding.range.start.line == CALL_LINE + 2
    fix = stored_fix(finding.data)
    assert fix is not None and "to_thread" in fix.title
    assert fix.edits[0].range.start.line == CALL_LINE + 2


async def test_a_document_that_does_not_parse_keeps_no_project_findings(
    client: ProjectClient, project: Path
) -> None:
    await start(client, project)
    uri, text = await open_routes(client, project)
    change(client, uri, 2, text.replace("async def read_item(", "async def read_item(("))
    await wait_for(lambda: client.published[-1].uri == uri and client.published[-1].version == 2)
    await asyncio.sleep(0.5)  # a later project check publishes nothing stale either
    assert codes(client, uri) == []
    change(client, uri, 3, text)
    await settle(client, uri, lambda c: set(c) >= PROJECT_CODES)


async def test_closing_clears_and_nothing_comes_back(client: ProjectClient, project: Path) -> None:
    await start(client, project)
    uri, _ = await open_routes(client, project)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_for(lambda: client.published[-1].uri == uri and not client.published[-1].diagnostics)
    count = len(client.published)
    audit = project / "app/audit.py"
    audit_uri = open_file(client, audit)
    change(client, audit_uri, 2, audit.read_text("utf-8").replace("async def", "def"))
    await wait_for(lambda: any(p.uri == audit_uri for p in client.published[count:]))
    await asyncio.sleep(0.5)
    assert all(p.uri != uri for p in client.published[count:])


# -- settings --------------------------------------------------------------------------------


async def test_the_documents_settings_apply(client: ProjectClient, project: Path) -> None:
    (project / "pyproject.toml").write_text(
        (project / "pyproject.toml").read_text("utf-8")
        + '\n[tool.fastapi-lint.per-file-ignores]\n"app/routes.py" = ["FAS903"]\n',
        "utf-8",
    )
    await start(client, project, {"ignore": ["FAS402"], "debounce-ms": 50})
    routes = project / "app/routes.py"
    text = routes.read_text("utf-8")
    uri = open_file(client, routes)
    await settle(client, uri, lambda c: "FAS904" in c)
    await asyncio.sleep(0.5)
    assert "FAS402" not in codes(client, uri)  # ignored by the client's settings
    assert "FAS903" not in codes(client, uri)  # per-file-ignores of pyproject.toml
    noqa = text.replace('audit.record("é🎉")', 'audit.record("é🎉")  # noqa: FAS904')
    change(client, uri, 2, noqa)
    await wait_for(lambda: client.published[-1].uri == uri and client.published[-1].version == 2)
    await asyncio.sleep(0.5)
    assert "FAS904" not in codes(client, uri)


# -- progress --------------------------------------------------------------------------------


async def test_progress_while_the_first_index_builds(client: ProjectClient, project: Path) -> None:
    await start(client, project)
    await wait_for(
        lambda: any(
            isinstance(r, types.WorkDoneProgressEnd)
            for reports in client.progress_reports.values()
            for r in reports
        ),
        60,
    )
    (reports,) = client.progress_reports.values()
    begin, *middle, end = reports
    assert isinstance(begin, types.WorkDoneProgressBegin)
    assert begin.title == "Indexing editor_findings"
    assert isinstance(end, types.WorkDoneProgressEnd)
    assert middle and all(isinstance(r, types.WorkDoneProgressReport) for r in middle)
    percentages = [r.percentage for r in middle if isinstance(r, types.WorkDoneProgressReport)]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    uri = open_file(client, project / "app/routes.py")
    await settle(client, uri, lambda c: set(c) >= PROJECT_CODES)
    assert len(client.progress_reports) == 1  # later checks report no progress


async def test_no_progress_without_the_capability(client: ProjectClient, project: Path) -> None:
    await start(client, project, progress=False)
    uri = open_file(client, project / "app/routes.py")
    await settle(client, uri, lambda c: set(c) >= PROJECT_CODES)
    assert client.progress_reports == {}


async def test_a_broken_pyproject_keeps_the_module_findings(
    client: ProjectClient, project: Path
) -> None:
    """Invalid project settings give no index features (as for routes), never a failed
    publish: the module findings come under the default settings, the error shown once."""
    config = project / "pyproject.toml"
    config.write_text(config.read_text("utf-8") + "\n[tool.fastapi-lint]\nunknown-key = 1\n")
    await start(client, project)
    uri = open_file(client, project / "app/routes.py")
    await settle(client, uri, lambda c: "FAS401" in c)
    await asyncio.sleep(0.5)
    assert not PROJECT_CODES & set(codes(client, uri))
    assert len([m for m in client.messages if "unknown-key" in m.message]) == 1
