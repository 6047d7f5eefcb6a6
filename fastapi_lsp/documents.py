"""Text synchronisation and diagnostics: pushed after open, change (debounced) and save;
pulled with ``textDocument/diagnostic``; cleared on close; fix-on-save."""

from __future__ import annotations

from lsprotocol import types

from fastapi_lint.source import SourceText
from fastapi_lsp import analysis as checkers
from fastapi_lsp import project_findings as project
from fastapi_lsp.analysis import fixed_text
from fastapi_lsp.convert import text_replacement
from fastapi_lsp.server import FastAPILintServer


def register(server: FastAPILintServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: FastAPILintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, debounce=False)
        project.document_changed(ls, debounce=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: FastAPILintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, debounce=True)
        project.document_changed(ls, debounce=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: FastAPILintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, debounce=False)
        project.document_saved(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: FastAPILintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)
        checkers.forget(params.text_document.uri)
        project.document_closed(ls, params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier="fastapi-lint", inter_file_dependencies=False, workspace_diagnostics=False
        ),
    )
    async def diagnostic(
        ls: FastAPILintServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        document = ls.document(params.text_document.uri)
        if document is None:  # not open: nothing to say about it
            return types.RelatedFullDocumentDiagnosticReport(items=[])
        analysis = await ls.analysis(document)
        result_id = ls.result_id(analysis)
        if params.previous_result_id == result_id:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
        return types.RelatedFullDocumentDiagnosticReport(
            items=ls.lsp_diagnostics(analysis), result_id=result_id
        )

    @server.feature(types.TEXT_DOCUMENT_WILL_SAVE_WAIT_UNTIL)
    def will_save_wait_until(
        ls: FastAPILintServer, params: types.WillSaveTextDocumentParams
    ) -> list[types.TextEdit]:
        document = ls.document(params.text_document.uri)
        if document is None or not ls.resolver.client.fix_on_save:
            return []
        settings = ls.settings_for(document)
        new_text = fixed_text(document.source, document.path or document.uri, settings)
        return text_replacement(SourceText(document.source), new_text, ls.encoding)
