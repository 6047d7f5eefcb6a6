"""One document version checked by the core, and the LSP diagnostics made from it."""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import ParseError, RuleFailure, check_text, fix_text
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import SourceLookup, to_lsp_diagnostics
from fastapi_lsp.settings import DocumentSettings


@dataclass
class Analysis:
    uri: str
    version: int | None
    source: SourceText
    settings: DocumentSettings
    diagnostics: tuple[Diagnostic, ...] = ()
    failures: tuple[RuleFailure, ...] = ()
    parse_error: str | None = None
    _lsp: dict[tuple[str, str | None], list[types.Diagnostic]] = field(
        default_factory=dict, repr=False
    )

    def lsp_diagnostics(
        self, encoding: str, lookup: SourceLookup, docs_url: str | None = None
    ) -> list[types.Diagnostic]:
        key = (encoding, docs_url)
        if key not in self._lsp:
            self._lsp[key] = to_lsp_diagnostics(
                self.diagnostics, self.source, self.uri, encoding, self.version, lookup, docs_url
            )
        return self._lsp[key]

    @property
    def result_id(self) -> str:
        return f"{self.version}:{id(self.settings.settings)}"


def analyse(
    uri: str, version: int | None, text: str, path: str, settings: DocumentSettings
) -> Analysis:
    """Check one document version. A document that does not parse has no findings (the
    user is typing); a rule that raises is recorded in ``failures``, the others still run."""
    source = SourceText(text)
    analysis = Analysis(uri, version, source, settings)
    if settings.excluded or not settings.rules:
        return analysis
    try:
        result = check_text(text, path, settings.rules, settings.settings)
    except ParseError as error:
        analysis.parse_error = str(error)
        return analysis
    analysis.diagnostics = tuple(result.diagnostics)
    analysis.failures = tuple(result.failures)
    return analysis


def fixed_text(text: str, path: str, settings: DocumentSettings) -> str:
    """The text with every safe fix applied; unchanged when it does not parse."""
    if settings.excluded or not settings.rules:
        return text
    try:
        return fix_text(text, path, settings.rules, settings.settings).text
    except ParseError:
        return text
