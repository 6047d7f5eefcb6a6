"""A project index kept up to date file by file, for long-running front ends (the server).

``refresh`` looks at the project's files again: a file whose size or modification time
changed, or whose open-editor text differs from what its summary describes, is summarised
again; deleted files leave the index. Only those files are parsed, so a one-file change costs
one summary. ``refresh`` answers which files' findings may have changed (the changed files and
the modules importing them).

``check`` refreshes and runs the project rules again. After a change to some modules, the
costly module-scoped rules look again only at those modules and, when the change touches what
other modules read of them (anything of its summary but positions), at the modules
importing them, directly or through others (a call chain or a re-export passes through
imports); the other project rules run whole. A change that only moves positions (a line
typed above) leaves the importers to a later thorough check. Files coming or going, or
other rules or settings, mean a whole run. An editor's change needs no look at the disk
(``disk=False``): only the open documents are summarised again.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import ParseError, RuleFailure, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import module_name_for
from fastapi_lint.project.build import ProjectScope, project_files, scope_for, summarise_file
from fastapi_lint.project.checking import IncrementalProjectRules
from fastapi_lint.project.document_summary import DocumentSummaries, Summarised
from fastapi_lint.project.index import ProjectIndex, import_prefixes
from fastapi_lint.project.sources import facts_for
from fastapi_lint.project.summary import ModuleSummary, content_digest, without_positions
from fastapi_lint.rules import Rule
from fastapi_lint.source import SourceText

logger = logging.getLogger(__name__)

Stamp = tuple[int, int]  # (size, modification time in ns)
Progress = Callable[[int, int], None]  # (files looked at, files in the project)


@dataclass
class ServerIndex(ProjectIndex):
    """The index of a long-running front end: editor actions are built only for the files
    it holds open (the only ones whose findings it shows), and an open file parsed for them
    stays parsed while its text does not change, whatever else changes in the project."""

    _open_facts: dict[tuple[str, str], ModuleFacts | None] = field(default_factory=dict)
    # False during a quick check: an open document summarised from its last summary (no
    # whole parse at hand) gets its editor actions from the thorough check after the pause
    parse_for_actions: bool = True
    # the open documents' kept syntax trees: their facts without parsing them again
    documents: DocumentSummaries | None = None

    def keep_facts(self, summary: ModuleSummary, facts: ModuleFacts | None) -> None:
        """The facts of an open document's text, made while summarising it."""
        self._drop_facts(summary.path)
        self._open_facts[(summary.path, summary.digest)] = facts

    def _drop_facts(self, path: str) -> None:
        for stale in [k for k in self._open_facts if k[0] == path]:
            del self._open_facts[stale]

    def facts_for(self, summary: ModuleSummary) -> ModuleFacts | None:
        text = self.texts.get(summary.path)
        if not self.offer_actions or text is None:
            return None
        key = (summary.path, summary.digest)
        if key not in self._open_facts:
            if not self.parse_for_actions:
                return None
            self._drop_facts(summary.path)
            self._open_facts[key] = self._kept_facts(summary, text) or facts_for(summary, text)
        return self._open_facts[key]

    def _kept_facts(self, summary: ModuleSummary, text: str) -> ModuleFacts | None:
        """The facts of an open document from its kept tree (what ``facts_for`` makes from
        a parse); None when no tree of this text is kept."""
        tree = self.documents.current_tree(summary.path, text) if self.documents else None
        if tree is None or content_digest(text) != summary.digest:
            return None
        path = Path(summary.path)
        return ModuleFacts(tree, SourceText(text), summary.path, module_name_for(path))


@dataclass
class ProjectCheck:
    """What one ``WorkspaceIndex.check`` found."""

    affected: set[str]  # paths whose findings may have changed since the last check
    findings: dict[str, list[Diagnostic]]  # every finding of the project, by path
    digests: dict[str, str]  # path → digest of the text the findings of the file are for
    failures: list[tuple[str, RuleFailure]]
    # a thorough check is still to come: for the importers of modules whose positions only
    # moved (the findings elsewhere may point at old lines), and for the editor actions of
    # modules summarised from their last summary
    deferred: bool = False


@dataclass
class WorkspaceIndex:
    root: Path
    settings: Settings
    index: ProjectIndex = field(default_factory=ServerIndex)
    _stamps: dict[str, Stamp] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _files: dict[str, Path] | None = None  # the project's files at the last look at the disk
    _scope: ProjectScope | None = None
    _importers: _ImportTable | None = None
    _rules: IncrementalProjectRules | None = None
    _rules_key: tuple[object, ...] = ()
    _changed: set[str] = field(default_factory=set)  # modules changed since the last check
    _reaching: set[str] = field(default_factory=set)  # ... in what other modules read of them
    _moved: set[str] = field(default_factory=set)  # ... only in their positions
    _files_changed: bool = True  # files came or went since the last check
    # the open documents' summaries from version to version
    _documents: DocumentSummaries = field(default_factory=DocumentSummaries)
    # modules checked without editor actions (an open document's module summarised from its
    # last summary, by a quick check): the thorough check looks at them again
    _without_actions: set[str] = field(default_factory=set)
    _summarised_in_part: set[str] = field(default_factory=set)  # since the last check
    # the open documents of the last refresh, and when the disk was last looked at
    _seen: tuple[dict[str, str], float] | None = None

    def refresh(
        self,
        open_texts: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        *,
        disk: bool = True,
        max_age: float | None = None,
    ) -> set[str]:
        """Bring the index up to date with the open documents (absolute POSIX path → text)
        and, unless ``disk`` is false, with the files on disk; the paths whose project
        findings may have changed. ``progress`` hears of every file looked at. With
        ``max_age``, nothing is done when the last refresh (this one's or a check's) saw the
        same open documents and, for ``disk``, looked at the disk less than ``max_age``
        seconds ago: the requests of one burst share one look at the project's files."""
        texts = dict(open_texts or {})
        with self._lock:
            if max_age is not None and self._fresh(texts, disk, max_age):
                return set()
            return self._refresh(texts, progress, disk)

    def _fresh(self, texts: dict[str, str], disk: bool, max_age: float) -> bool:
        seen = self._seen
        if seen is None or seen[0] != texts:
            return False
        return not disk or time.monotonic() - seen[1] < max_age

    def check(
        self,
        rules: Iterable[Rule],
        settings: Settings,
        open_texts: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        *,
        disk: bool = True,
        thorough: bool = True,
    ) -> ProjectCheck:
        """Refresh the index (see ``refresh``), then run the project rules again where the
        changes since the last check can have changed their findings. Without ``thorough``,
        a module whose change moved positions only is checked alone: the modules importing
        it wait for a thorough check."""
        with self._lock:
            affected = self._refresh(dict(open_texts or {}), progress, disk)
            rules = tuple(rules)
            key = (tuple(r.code for r in rules), settings)
            if self._rules is None or key != self._rules_key:
                self._rules, self._rules_key = IncrementalProjectRules(rules, settings), key
                self._files_changed = True
            if self._files_changed:
                scope = None
                self._moved.clear()
            else:
                reaching = self._reaching | (self._moved if thorough else set())
                scope = self._changed | self._import_table().closure(reaching)
                if thorough:
                    scope |= self._without_actions
                    self._moved.clear()
            if thorough:
                self._without_actions.clear()
            else:
                self._without_actions |= self._changed & self._summarised_in_part
            self._changed.clear()
            self._reaching.clear()
            self._summarised_in_part.clear()
            self._files_changed = False
            if isinstance(self.index, ServerIndex):
                self.index.parse_for_actions = thorough
            try:
                findings = self._rules.run(self.index, scope)
            finally:
                if isinstance(self.index, ServerIndex):
                    self.index.parse_for_actions = True
            digests = {p: s.digest for p, s in self.index.summaries.items()}
            failures = list(self._rules.failures)
            deferred = bool(self._moved or self._without_actions)
            return ProjectCheck(affected, findings, digests, failures, deferred)

    def _import_table(self) -> _ImportTable:
        if self._importers is None:
            self._importers = _ImportTable(self.index.summaries.values())
        return self._importers

    def _refresh(
        self, open_texts: dict[str, str], progress: Progress | None, disk: bool
    ) -> set[str]:
        last_look = time.monotonic() if disk or self._seen is None else self._seen[1]
        affected = self._refresh_index(open_texts, progress, disk)
        self._seen = (open_texts, last_look)
        return affected

    def _refresh_index(
        self, open_texts: dict[str, str], progress: Progress | None, disk: bool
    ) -> set[str]:
        if disk or self._files is None or self._scope is None:
            self._files = {
                p.resolve().as_posix(): p for p in project_files(self.root, self.settings)
            }
            self._scope = scope_for(self.root, self._files.values())
            looked_at = self._files
        else:  # the open documents, and those closed since the last look (back to the disk)
            wanted = set(open_texts) | set(self.index.texts)
            looked_at = {p: f for p, f in self._files.items() if p in wanted}
        files, scope = self._files, self._scope
        affected: set[str] = set()
        for gone in set(self.index.summaries) - set(files):
            self._forget(self.index.summaries[gone])
            self._files_changed = True
            affected |= self.index.remove(gone)
            self._stamps.pop(gone, None)
        if not self.index.summaries:
            affected |= self._build(looked_at, scope, open_texts, progress)
        for done, (path, file) in enumerate(looked_at.items(), 1):
            changed = self._changed_summary(path, file, scope, open_texts.get(path))
            if changed is not None:
                affected |= self._replace(*changed)
            if progress is not None:
                progress(done, len(looked_at))
        self.index.texts = {p: t for p, t in open_texts.items() if p in files}
        self._documents.keep_only(set(self.index.texts))
        if isinstance(self.index, ServerIndex):  # a closed file's parse is no longer needed
            kept = self.index._open_facts
            self.index._open_facts = {k: v for k, v in kept.items() if k[0] in self.index.texts}
        return affected

    def _build(
        self,
        files: dict[str, Path],
        scope: ProjectScope,
        open_texts: dict[str, str],
        progress: Progress | None,
    ) -> set[str]:
        """The first index: every file summarised (in worker processes for a large project;
        the open documents from their text), added at once (adding them one by one would
        look for the dependents of each)."""
        on_disk = {p: f for p, f in files.items() if p not in open_texts}
        for path, file in on_disk.items():
            with contextlib.suppress(OSError):
                stat = file.stat()
                self._stamps[path] = (stat.st_size, stat.st_mtime_ns)
        summaries: list[ModuleSummary] = []
        for done, found in enumerate(_summaries(list(on_disk), scope), 1):
            summaries.extend(found)
            if progress is not None:
                progress(min(done * BUILD_CHUNK, len(on_disk)), len(files))
        summaries.extend(
            s
            for path, text in open_texts.items()
            if path in files and (s := summary_of_text(files[path], text, scope)) is not None
        )
        self.index = ServerIndex({s.path: s for s in summaries}, documents=self._documents)
        self._importers = None
        self._files_changed = True
        return {s.path for s in summaries}

    def _replace(self, summary: ModuleSummary, positions_only: bool | None = None) -> set[str]:
        """Put a file's new summary in the index; ``positions_only``: whether only positions
        changed since its last summary (None: not known, compared here)."""
        old = self.index.summaries.get(summary.path)
        if old is not None:
            self._forget(old)
        if positions_only is None and old is not None:
            positions_only = _interface(old) == _interface(summary)
        if old is None or old.module != summary.module:
            self._files_changed = True
        elif not positions_only:
            self._reaching.add(summary.module)
        else:
            self._moved.add(summary.module)
        self._changed.add(summary.module)
        if self._importers is not None:
            self._importers.add(summary)
        return self.index.update(summary)

    def _forget(self, summary: ModuleSummary) -> None:
        """A summary leaves the index: its imports no longer count."""
        self._changed.add(summary.module)
        if self._importers is not None:
            self._importers.remove(summary)

    def _keep_facts(self, found: Summarised) -> None:
        """The facts an editor action of a project rule needs: parsed once, not twice."""
        summary, facts = found.summary, found.facts
        if summary is not None and facts is not None and isinstance(self.index, ServerIndex):
            self.index.keep_facts(summary, facts)

    def _changed_summary(
        self, path: str, file: Path, scope: ProjectScope, text: str | None
    ) -> tuple[ModuleSummary, bool | None] | None:
        """A file's new summary, and whether only its positions changed (None: not known);
        None when it did not change (or does not parse)."""
        known = self.index.summaries.get(path)
        if text is not None:
            if known is not None and known.digest == content_digest(text):
                if self._documents.last_digest(path) != known.digest:
                    # just opened: the next edit starts from a summary of this text
                    self._documents.forget(path)
                    self._keep_facts(self._documents.summarise(file, text, scope))
                return None
            self._stamps.pop(path, None)  # once closed, the file is read again
            if known is None or known.digest != self._documents.last_digest(path):
                self._documents.forget(path)  # the last summary is not that of the index
            found = self._documents.summarise(file, text, scope)
            summary = found.summary
            if summary is None:
                return None
            self._keep_facts(found)
            if found.facts is None:
                self._summarised_in_part.add(summary.module)
            return summary, found.positions_only
        try:
            stat = file.stat()
        except OSError:
            return None
        stamp = (stat.st_size, stat.st_mtime_ns)
        if known is not None and self._stamps.get(path) == stamp:
            return None
        self._stamps[path] = stamp
        summary = summarise_file(file, scope)
        if summary is None or (known is not None and known.digest == summary.digest):
            return None
        return summary, None


def _interface(summary: ModuleSummary) -> object:
    """The summary apart from positions (lines and columns are its only integers): what the
    module-scoped rules read of a module when they check another one (the digest of its
    text apart)."""
    return without_positions(replace(summary, digest=""))


class _ImportTable:
    """Which modules import which: module name → the modules importing it or a name from
    it (``import a.b`` counts for ``a`` and ``a.b``), kept up to date summary by summary."""

    def __init__(self, summaries: Iterable[ModuleSummary]) -> None:
        self._importers: dict[str, set[str]] = {}
        for summary in summaries:
            self.add(summary)

    def add(self, summary: ModuleSummary) -> None:
        for target in import_prefixes(summary):
            self._importers.setdefault(target, set()).add(summary.module)

    def remove(self, summary: ModuleSummary) -> None:
        for target in import_prefixes(summary):
            self._importers.get(target, set()).discard(summary.module)

    def closure(self, modules: Iterable[str]) -> set[str]:
        """The modules and every module importing one of them, directly or not."""
        found = set(modules)
        todo = list(found)
        while todo:
            for importer in self._importers.get(todo.pop(), ()):
                if importer not in found:
                    found.add(importer)
                    todo.append(importer)
        return found


# files per task of the first build; below PARALLEL_BUILD files it runs in this process
# (starting worker processes costs more than it saves)
BUILD_CHUNK = 16
PARALLEL_BUILD = 200


def _summaries(paths: list[str], scope: ProjectScope) -> Iterator[list[ModuleSummary]]:
    """The summaries of the files, a chunk at a time. Worker processes are spawned, not
    forked: the server that asks runs threads, which a fork would copy mid-work."""
    chunks = [paths[i : i + BUILD_CHUNK] for i in range(0, len(paths), BUILD_CHUNK)]
    workers = min(os.cpu_count() or 1, len(chunks))
    if len(paths) < PARALLEL_BUILD or workers <= 1:
        yield from map(_summaries_of, chunks, itertools.repeat(scope))
        return
    done = 0
    try:
        with ProcessPoolExecutor(
            workers, mp_context=get_context("spawn"), initializer=_lower_priority
        ) as pool:
            for found in pool.map(_summaries_of, chunks, itertools.repeat(scope)):
                done += 1
                yield found
    except (BrokenProcessPool, OSError) as error:  # no worker processes here: in this one
        logger.warning("summarising in worker processes failed (%s): in one process", error)
        yield from map(_summaries_of, chunks[done:], itertools.repeat(scope))


def _lower_priority() -> None:
    """Workers yield the processor to the process that started them: a language server
    answering the editor while its index builds."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


def _summaries_of(paths: list[str], scope: ProjectScope) -> list[ModuleSummary]:
    return [s for p in paths if (s := summarise_file(Path(p), scope)) is not None]


def summary_of_text(path: Path, text: str, scope: ProjectScope) -> ModuleSummary | None:
    """The summary of an editor's text for ``path`` (None while it does not parse: the index
    keeps the last summary that did)."""
    return summary_and_facts(path, text, scope)[0]


def summary_and_facts(
    path: Path, text: str, scope: ProjectScope
) -> tuple[ModuleSummary | None, ModuleFacts | None]:
    """The summary of an editor's text, and the facts it was made from."""
    try:
        tree = parse_module(text, str(path))
    except ParseError:
        return None, None
    facts = ModuleFacts(tree, SourceText(text), str(path), module_name_for(path))
    return scope.summary_from_facts(path, text, facts), facts
