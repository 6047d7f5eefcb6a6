"""Refactorings: multi-file changes a user asks for (Extract to service, Convert to
``Annotated``, on_event to lifespan, …), shared by the CLI's ``refactor`` command and the
language server's ``refactor.*`` code actions.

A refactoring either returns a :class:`Refactoring` (what to change, file by file) or raises
:class:`NotOffered` with the reason it cannot prove the change keeps behaviour; adapters log
the reason and offer nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.diagnostics import Edit


class NotOffered(Exception):
    """The refactoring cannot be proven correct here; ``str(self)`` says why."""


@dataclass(frozen=True)
class FileEdit:
    """Edits to a file that exists (positions as everywhere in the core: 1-based lines,
    UTF-8 byte columns of that file's current text)."""

    path: Path
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class NewFile:
    """A file the refactoring creates; it must not exist yet."""

    path: Path
    text: str


@dataclass(frozen=True)
class Refactoring:
    title: str
    kind: str  # an LSP code action kind: "refactor.extract", "refactor.rewrite", …
    changes: tuple[FileEdit | NewFile, ...]

    @property
    def creates_files(self) -> bool:
        return any(isinstance(change, NewFile) for change in self.changes)
