"""A project index kept up to date file by file, for long-running front ends (the server).

``refresh`` looks at the project's files again: a file whose size or modification time
changed, or whose open-editor text differs from what its summary describes, is summarised
again; deleted files leave the index. Only those files are parsed, so a one-file change costs
one summary. ``refresh`` answers which files' findings may have changed (the changed files and
the modules importing them).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_lint.config import Settings
from fastapi_lint.engine import ParseError, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import module_name_for
from fastapi_lint.project.build import ProjectScope, project_files, scope_for, summarise_file
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.summary import ModuleSummary, content_digest
from fastapi_lint.source import SourceText

Stamp = tuple[int, int]  # (size, modification time in ns)


@dataclass
class WorkspaceIndex:
    root: Path
    settings: Settings
    index: ProjectIndex = field(default_factory=ProjectIndex)
    _stamps: dict[str, Stamp] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def refresh(self, open_texts: Mapping[str, str] | None = None) -> set[str]:
        """Bring the index up to date with the disk and the open documents (absolute POSIX
        path → text); the paths whose project findings may have changed."""
        open_texts = dict(open_texts or {})
        with self._lock:
            files = {p.resolve().as_posix(): p for p in project_files(self.root, self.settings)}
            scope = scope_for(self.root, files.values())
            affected: set[str] = set()
            for gone in set(self.index.summaries) - set(files):
                affected |= self.index.remove(gone)
                self._stamps.pop(gone, None)
            for path, file in files.items():
                summary = self._changed_summary(path, file, scope, open_texts.get(path))
                if summary is not None:
                    affected |= self.index.update(summary)
            self.index.texts = {p: t for p, t in open_texts.items() if p in files}
            return affected

    def _changed_summary(
        self, path: str, file: Path, scope: ProjectScope, text: str | None
    ) -> ModuleSummary | None:
        known = self.index.summaries.get(path)
        if text is not None:
            if known is not None and known.digest == content_digest(text):
                return None
            return summary_of_text(file, text, scope)
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
        return summary


def summary_of_text(path: Path, text: str, scope: ProjectScope) -> ModuleSummary | None:
    """The summary of an editor's text for ``path`` (None while it does not parse: the index
    keeps the last summary that did)."""
    try:
        tree = parse_module(text, str(path))
    except ParseError:
        return None
    facts = ModuleFacts(tree, SourceText(text), str(path), module_name_for(path))
    return scope.summary_from_facts(path, text, facts)
