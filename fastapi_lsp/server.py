"""The language server: its state, the lifecycle, and the scheduling of analyses.

Features live in their own modules (``documents``, ``code_actions``, ``hover``,
``configuration``); each registers its handlers on the server in ``create_server``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.exceptions import (
    FeatureRequestError,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument, Workspace

from fastapi_lint import __version__
from fastapi_lint.rules import all_rules
from fastapi_lint.source import SourceText, decode_source
from fastapi_lsp.analysis import Analysis, analyse
from fastapi_lsp.convert import UTF8, UTF16
from fastapi_lsp.settings import DocumentSettings, SettingsResolver
from fastapi_lsp.text_document import Document
from fastapi_lsp.transport import serve

logger = logging.getLogger(__name__)

NAME = "fastapi-lint"


class DocumentWorkspace(Workspace):
    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return Document(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=types.TextDocumentSyncKind.Incremental,
            position_codec=self.position_codec,
        )


class FastAPILintProtocol(LanguageServerProtocol):
    """pygls' protocol with the parts of the lifecycle it leaves out: UTF-8 preferred whenever
    the client offers it, ``ServerNotInitialized`` before ``initialize`` and
    ``InvalidRequest`` after ``shutdown``."""

    _initialize_seen = False

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(
        self, params: types.InitializeParams
    ) -> Generator[Any, Any, types.InitializeResult]:
        self._initialize_seen = True
        general = params.capabilities.general
        if general is not None and general.position_encodings:
            offered = list(general.position_encodings)
            if UTF8 in offered:  # prefer UTF-8: ast columns are UTF-8 already
                general.position_encodings = [UTF8, *(e for e in offered if e != UTF8)]
        result: types.InitializeResult = yield from super().lsp_initialize(params)
        old = self.workspace
        self._workspace = DocumentWorkspace(
            old.root_uri,
            types.TextDocumentSyncKind.Incremental,
            list(old.folders.values()),
            old.position_encoding,
        )
        return result

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        """A change to a document the client never opened is ignored (and logged)."""
        if self.workspace.text_documents.get(unquote(params.text_document.uri)) is None:
            logger.warning("didChange for %s, which is not open", params.text_document.uri)
            return
        yield from super().lsp_text_document__did_change(params)

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        if not self._initialize_seen and method not in (None, types.INITIALIZE, types.EXIT):
            if is_request:
                not_initialized = JsonRpcServerNotInitialized("the server is not initialized")
                self._send_response(message.id, None, not_initialized.to_response_error())
            return  # notifications before initialize are dropped
        if self._shutdown and is_request and method != types.EXIT:
            shutting_down = JsonRpcInvalidRequest("the server is shutting down")
            self._send_response(message.id, None, shutting_down.to_response_error())
            return
        super().handle_message(message)


class FastAPILintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME,
            __version__,
            protocol_cls=FastAPILintProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.resolver = SettingsResolver(self.show_error_once)
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.shutdown_requested = False
        # more findings of an analysed document (the project's), and a count that grows
        # whenever they change without a new document version
        self.extra_diagnostics: list[Callable[[Analysis], list[types.Diagnostic]]] = []
        self.diagnostics_generation = 0
        self._shown: set[str] = set()
        self._logged: set[tuple[str, str, str]] = set()
        all_rules()  # load every rule before analyses run in worker threads

    # -- transport ----------------------------------------------------------------------

    def _start_io_async(
        self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
    ) -> None:
        """pygls' stdio server with our message loop (see ``fastapi_lsp.transport``)."""
        self._stop_event = stop_event = threading.Event()
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(serve(stop_event, reader, self.protocol))
        except BrokenPipeError:
            logger.error("the connection to the client is lost")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()  # type: ignore[no-untyped-call]

    def start_tcp(self, host: str, port: int) -> None:
        """pygls' TCP server (one client) with our message loop."""
        self._stop_event = stop_event = threading.Event()

        async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.protocol.set_writer(writer)
            await serve(stop_event, reader, self.protocol)
            self.shutdown()  # type: ignore[no-untyped-call]

        async def listen() -> None:
            self._server = await asyncio.start_server(connection, host, port)
            async with self._server:
                await self._server.serve_forever()

        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(listen())

    def report_server_error(self, error: Exception, source: Any) -> None:
        """An internal error outside a request goes to the client's log, not a pop-up."""
        logger.error("%s", error)
        if source is FeatureRequestError:
            return  # the request's answer already carries it
        self.log(f"fastapi-lint: internal error: {error}", types.MessageType.Error)

    # -- the client ---------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        encoding = self.workspace.position_encoding
        return str(
            encoding.value
            if isinstance(encoding, types.PositionEncodingKind)
            else encoding or UTF16
        )

    @property
    def pull_diagnostics(self) -> bool:
        """The client asks for diagnostics itself (``textDocument/diagnostic``): then the
        server does not push them too, which would show every finding twice."""
        text_document = self.client_capabilities.text_document
        return text_document is not None and text_document.diagnostic is not None

    def show_error_once(self, message: str) -> None:
        if message in self._shown:
            return
        self._shown.add(message)
        logger.warning("%s", message)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Error, message=message)
        )

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    # -- documents ----------------------------------------------------------------------

    def document(self, uri: str) -> TextDocument | None:
        """The open document at ``uri``; None for documents the client has not opened."""
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return document

    def source_of(self, uri: str) -> SourceText | None:
        """An open document's text, else the file's, for related locations in other files."""
        document = self.document(uri)
        if document is not None:
            return SourceText(document.source)
        try:
            return SourceText(decode_source(Path(to_fs_path(uri) or uri).read_bytes()).text)
        except OSError:
            return None

    def settings_for(self, document: TextDocument) -> DocumentSettings:
        return self.resolver.for_path(document.path if _is_file(document.uri) else None)

    def cached_analysis(self, document: TextDocument) -> Analysis | None:
        analysis = self.analyses.get(document.uri)
        if analysis is None or analysis.version != document.version:
            return None
        if analysis.settings != self.settings_for(document):
            return None
        return analysis

    async def analysis(self, document: TextDocument) -> Analysis:
        """The analysis of the document's current version (cached, or run now)."""
        cached = self.cached_analysis(document)
        if cached is not None:
            return cached
        return await self._run(document)

    async def _run(self, document: TextDocument) -> Analysis:
        uri, version, text = document.uri, document.version, document.source
        # the lines changed since the last analysis: the checker need not compare the texts
        change = document.take_change() if isinstance(document, Document) else None
        settings = self.settings_for(document)
        started = time.perf_counter()
        path = document.path or uri
        analysis = await asyncio.to_thread(analyse, uri, version, text, path, settings, change)
        logger.debug(
            "%s v%s analysed in %.1f ms", uri, version, (time.perf_counter() - started) * 1000
        )
        self._report_failures(analysis)
        current = self.document(uri)
        if current is not None and current.version == version:
            self.analyses[uri] = analysis
        return analysis

    def _report_failures(self, analysis: Analysis) -> None:
        for failure in analysis.failures:
            key = (analysis.uri, failure.code, failure.error)
            if key in self._logged:
                continue
            self._logged.add(key)
            self.log(
                f"fastapi-lint: rule {failure.code} failed on {analysis.uri} and was skipped: "
                f"{failure.error}",
                types.MessageType.Error,
            )

    def lsp_diagnostics(self, analysis: Analysis) -> list[types.Diagnostic]:
        """An analysis' findings as this client's diagnostics."""
        found = analysis.lsp_diagnostics(
            self.encoding, self.source_of, self.resolver.client.docs_url
        )
        for more in self.extra_diagnostics:
            found = [*found, *more(analysis)]
        return found

    def result_id(self, analysis: Analysis) -> str:
        """Identifies the diagnostics of a pull: the document version, the settings, and
        the state of the project findings."""
        return f"{analysis.result_id}:{self.diagnostics_generation}"

    # -- publishing ---------------------------------------------------------------------

    def schedule(self, uri: str, *, debounce: bool) -> None:
        """Analyse and publish a document: after a quiet ``debounce-ms`` when it changed, at
        once when it was opened or saved. A newer request cancels the pending one."""
        if self.pull_diagnostics:
            return
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        delay = self.resolver.client.debounce_ms / 1000 if debounce else 0.0
        self.pending[uri] = asyncio.ensure_future(self._analyse_and_publish(uri, delay))

    def schedule_all(self) -> None:
        """Re-check every open document (after a configuration change)."""
        self.schedule_many(list(self.workspace.text_documents))

    def schedule_many(self, uris: list[str]) -> None:
        """Re-check these open documents now; a pulling client is asked to pull again."""
        for uri in uris:
            self.schedule(uri, debounce=False)
        if uris and self.pull_diagnostics and _refresh_support(self.client_capabilities):
            self.workspace_diagnostic_refresh(None)

    async def _analyse_and_publish(self, uri: str, delay: float) -> None:
        task = asyncio.current_task()
        try:
            if delay:
                await asyncio.sleep(delay)
            document = self.document(uri)
            if document is None:
                return
            version = document.version
            analysis = await self.analysis(document)
            current = self.document(uri)
            if current is None or current.version != version:
                return  # a late result for an old version is never published
            self.publish(uri, version, self.lsp_diagnostics(analysis))
        except asyncio.CancelledError:
            pass
        except Exception:  # never let one document take the server down
            logger.exception("analysing %s failed", uri)
        finally:
            if self.pending.get(uri) is task:
                del self.pending[uri]

    def publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
        )

    def forget(self, uri: str) -> None:
        """A document was closed: nothing pending, nothing cached, no diagnostics left."""
        pending = self.pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.analyses.pop(uri, None)
        self.publish(uri, None, [])


def _is_file(uri: str) -> bool:
    return uri.startswith("file:")


def _refresh_support(capabilities: types.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    return bool(workspace and workspace.diagnostics and workspace.diagnostics.refresh_support)


def create_server() -> FastAPILintServer:
    from fastapi_lsp import (
        code_actions,
        configuration,
        documents,
        hover,
        navigation,
        project_findings,
        route_lens,
        routes,
    )

    server = FastAPILintServer()
    features = (configuration, documents, code_actions, hover, routes, project_findings)
    for feature_module in (*features, route_lens, navigation):
        feature_module.register(server)
    return server
