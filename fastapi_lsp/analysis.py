"""One document version checked by the core, and the LSP diagnostics made from it.

Each open document keeps an ``IncrementalChecker``: after an edit inside a function body only
that function is parsed and checked again, with the same findings a full check would give.
The LSP form of a finding is kept too: a finding the edit left as it was is reused, one it
moved by whole lines is shifted, and only the others are converted again.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass, field

from lsprotocol import types

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import ParseError, RuleFailure, fix_text
from fastapi_lint.incremental import IncrementalChecker, LineChange, collection_paused
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import SourceLookup, moved_lsp_diagnostic, to_lsp_diagnostic
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
    # id of a finding → the finding of the version before that it is, moved by whole lines
    moved_from: dict[int, Diagnostic] = field(default_factory=dict, repr=False)
    _lsp: dict[tuple[str, str | None], list[types.Diagnostic]] = field(
        default_factory=dict, repr=False
    )

    def lsp_diagnostics(
        self, encoding: str, lookup: SourceLookup, docs_url: str | None = None
    ) -> list[types.Diagnostic]:
        key = (encoding, docs_url)
        if key not in self._lsp:
            self._lsp[key] = self._converted(encoding, lookup, docs_url)
        return self._lsp[key]

    def _converted(
        self, encoding: str, lookup: SourceLookup, docs_url: str | None
    ) -> list[types.Diagnostic]:
        """The findings in LSP form, from the document's last conversion where it can."""
        with _CONVERTED_LOCK:
            earlier = _CONVERTED.get(self.uri, {}).get((encoding, docs_url), {})
        converted: list[types.Diagnostic] = []
        table: _Conversion = {}
        for diagnostic in self.diagnostics:
            old = self.moved_from.get(id(diagnostic), diagnostic)
            known = earlier.get(id(old))
            lsp = None
            if known is not None and known[0] is old:
                lsp = moved_lsp_diagnostic(known[1], old, diagnostic, self.version)
            if lsp is None:
                lsp = to_lsp_diagnostic(
                    diagnostic, self.source, self.uri, encoding, self.version, lookup, docs_url
                )
            converted.append(lsp)
            table[id(diagnostic)] = (diagnostic, lsp)
        with _CONVERTED_LOCK:
            _CONVERTED.setdefault(self.uri, {})[(encoding, docs_url)] = table
        return converted

    @property
    def result_id(self) -> str:
        return f"{self.version}:{id(self.settings.settings)}"


def analyse(
    uri: str,
    version: int | None,
    text: str,
    path: str,
    settings: DocumentSettings,
    change: LineChange | None = None,
) -> Analysis:
    """Check one document version (``change``: the lines changed since the text of the
    analysis before, when the document knows them). A document that does not parse has no
    findings (the user is typing); a rule that raises is recorded in ``failures``, the
    others still run."""
    analysis = Analysis(uri, version, SourceText(text), settings)
    if settings.excluded or not settings.rules:
        return analysis
    # no collection until what the check keeps is frozen (below): a collection right after
    # the check would walk it first
    with _checker_lock(uri), collection_paused():
        checker = _checker(uri, path, settings)
        try:
            result = checker.check(text, change)
        except ParseError as error:
            analysis.parse_error = str(error)
            return analysis
        if checker.source is not None:
            analysis.source = checker.source  # already split into lines
        analysis.moved_from = checker.last_moves
        if len(analysis.source.lines) > LARGE_MODULE_LINES:
            # the kept tree and findings of a large module live as long as the document,
            # and what an incremental check keeps (stubs, the facts of the statements it
            # put in a mini-module) as long as they serve: frozen, the cyclic garbage
            # collector no longer walks them (a full collection over them paused later
            # edits by 50-200 ms); they hold no reference cycles, so reference counting
            # still frees them. The young objects are collected first: cycles among them
            # are garbage, never frozen.
            gc.collect(1)
            gc.freeze()
    analysis.diagnostics = tuple(result.diagnostics)
    analysis.failures = tuple(result.failures)
    return analysis


# uri → (the settings and path it was made for, the checker); analyses of one document run
# one at a time (they run in worker threads, and a checker holds the last version)
_CHECKERS: dict[str, tuple[DocumentSettings, str, IncrementalChecker]] = {}
LARGE_MODULE_LINES = 1000
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()
# uri → (encoding, docs-url) → the last conversion: id of a finding → (it, its LSP form). A
# finding's LSP form depends on the finding alone (and the lines it names, which an edit
# that keeps the finding leaves as they were), so it is reused whatever version holds it.
_Conversion = dict[int, tuple[Diagnostic, types.Diagnostic]]
_CONVERTED: dict[str, dict[tuple[str, str | None], _Conversion]] = {}
_CONVERTED_LOCK = threading.Lock()


def _checker_lock(uri: str) -> threading.Lock:
    with _LOCKS_LOCK:
        return _LOCKS.setdefault(uri, threading.Lock())


def _checker(uri: str, path: str, settings: DocumentSettings) -> IncrementalChecker:
    """The document's checker, new when its settings or path changed."""
    kept = _CHECKERS.get(uri)
    if kept is not None and kept[0] == settings and kept[1] == path:
        return kept[2]
    checker = IncrementalChecker(path, settings.rules, settings.settings)
    _CHECKERS[uri] = (settings, path, checker)
    return checker


def forget(uri: str) -> None:
    """The document was closed: its last version is no longer needed."""
    with _checker_lock(uri):
        _CHECKERS.pop(uri, None)
    with _CONVERTED_LOCK:
        _CONVERTED.pop(uri, None)
    gc.unfreeze()  # what was frozen and is garbage now is collected again


def fixed_text(text: str, path: str, settings: DocumentSettings) -> str:
    """The text with every safe fix applied; unchanged when it does not parse."""
    if settings.excluded or not settings.rules:
        return text
    try:
        return fix_text(text, path, settings.rules, settings.settings).text
    except ParseError:
        return text
