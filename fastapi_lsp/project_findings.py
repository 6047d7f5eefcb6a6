"""Project findings in the editor: the project rules (FAS9xx and the cross-module forms of
module rules) run on each workspace folder's index, and each open document shows its share
with its module findings (pushed and pulled alike).

The first index of a folder is built in a worker thread once the client is initialized,
with ``$/progress`` reports when the client accepts them; module findings are published
meanwhile, project findings join them when the index is ready. After a change (debounced
like the module analysis), a save, an open or close, or a ``*.py`` file changed on disk,
the index is refreshed and the project rules run again where the change can matter; only
the open documents whose project findings changed are published again, from their module
analysis already made. A check after a change waits for the module analyses, and for a
pause in the changes that is long compared with what the last such check cost.

A document's project findings are shown only while the index describes its current text
(a document that does not parse keeps the index's last summary, and shows none of them),
under the document's settings: ``select``/``ignore``, per-file ignores and ``noqa``
comments, as on the command line. A finding a module rule already reports is shown once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.workspace import TextDocument

from fastapi_lint.config import ConfigError
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.project.checking import finding_key, findings_for_file, sorted_unique
from fastapi_lint.project.summary import content_digest
from fastapi_lint.project.workspace import Progress, WorkspaceIndex
from fastapi_lint.rules import all_rules
from fastapi_lsp.analysis import Analysis
from fastapi_lsp.convert import to_lsp_diagnostics
from fastapi_lsp.routes import open_texts, watch_support, workspace_indexes
from fastapi_lsp.server import FastAPILintServer

logger = logging.getLogger(__name__)

# a quick check after a change leaves the modules importing the changed one for later, when
# the change only moved positions; this long a pause in the changes runs that later check
THOROUGH_AFTER_S = 1.0
# after a change, the quick check waits the debounce and this many times its last duration
QUIET_FACTOR = 2.0


@dataclass
class _Folder:
    """The last project check of one workspace folder."""

    ready: bool = False  # the first index is built and checked
    findings: dict[str, list[Diagnostic]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # the texts the findings are for
    failures: set[str] = field(default_factory=set)  # rule failures already logged


class ProjectFindings:
    """The project findings of one server: checks scheduled, run one at a time, and the
    project findings each open document was last shown with."""

    def __init__(self, ls: FastAPILintServer) -> None:
        self.ls = ls
        self.folders: dict[int, _Folder] = {}  # by id of the WorkspaceIndex
        self.shown: dict[str, tuple[tuple[object, ...], ...]] = {}  # uri → keys published
        self._timer: asyncio.Task[None] | None = None
        self._idle: asyncio.Task[None] | None = None  # the thorough check after a pause
        self._running: asyncio.Task[None] | None = None
        self._again = False
        # what the next check does: look at the disk too; check the importers of modules
        # whose positions only moved (the first check builds the index from the disk)
        self._disk = True
        self._thorough = True
        self._cost = 0.0  # seconds the last quick check took

    # -- scheduling ---------------------------------------------------------------------

    def schedule(self, *, delay: float, disk: bool = False, thorough: bool = True) -> None:
        """Check the workspace again after ``delay`` seconds without another request;
        ``disk``: the files on disk may have changed too; without ``thorough``, a quick
        check now (see ``WorkspaceIndex.check``) and a thorough one after a pause."""
        self._disk |= disk
        self._thorough |= thorough
        for timer in (self._timer, self._idle):
            if timer is not None:
                timer.cancel()
        if not thorough:
            # a change waits for a pause in the changes that is long compared with what a
            # check costs: checking a large module holds the interpreter for a while, which
            # the module analysis of the next keystrokes would share
            delay += QUIET_FACTOR * self._cost
        self._timer = asyncio.ensure_future(self._after(delay))

    async def _after(self, delay: float) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            if delay:
                await asyncio.sleep(delay)
            while any(not task.done() for task in self.ls.pending.values()):
                await asyncio.sleep(0.02)  # the module analyses of the change come first
            if self._running is not None and not self._running.done():
                self._again = True  # the running check ends with one more
                return
            self._running = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            self._again = True
            deferred = False
            while self._again and not self.ls.shutdown_requested:
                self._again = False
                disk, thorough = self._disk, self._thorough
                self._disk = self._thorough = False
                for workspace in _workspaces(self.ls):
                    deferred |= await self._check(workspace, disk=disk, thorough=thorough)
            if deferred and not self.ls.shutdown_requested:
                self._idle = asyncio.ensure_future(self._after_pause())
        except asyncio.CancelledError:
            pass
        except Exception:  # never let the project check take the server down
            logger.exception("checking the project failed")

    async def _after_pause(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(THOROUGH_AFTER_S)
            self._thorough = True
            self._idle = None
            await self._after(0.0)

    async def _check(self, workspace: WorkspaceIndex, *, disk: bool, thorough: bool) -> bool:
        """Check one folder and publish what changed; whether a thorough check is due."""
        folder = self.folders.setdefault(id(workspace), _Folder())
        settings = self.ls.resolver.for_path(str(workspace.root / "__init__.py")).settings
        progress = None
        if not folder.ready and _progress_support(self.ls):
            progress = await _IndexingProgress.start(self.ls, workspace.root)
        started = time.perf_counter()
        try:
            result = await asyncio.to_thread(
                workspace.check,
                all_rules(),
                settings,
                open_texts(self.ls),
                progress.callback() if progress else None,
                disk=disk or not folder.ready,
                thorough=thorough,
            )
        finally:
            if progress is not None:
                progress.end()
        if folder.ready and not thorough:
            self._cost = time.perf_counter() - started
        folder.findings, folder.digests, folder.ready = result.findings, result.digests, True
        for _, failure in result.failures:
            message = f"fastapi-lint: project rule {failure.code} failed: {failure.error}"
            if message not in folder.failures:
                folder.failures.add(message)
                self.ls.log(message, types.MessageType.Error)
        self.republish()
        return result.deferred

    # -- publishing ---------------------------------------------------------------------

    def republish(self) -> None:
        """Publish again the open documents whose project findings changed, with their
        module analysis of the same version (none yet: that analysis publishes them)."""
        changed = []
        for uri, document in list(self.ls.workspace.text_documents.items()):
            analysis = self.ls.cached_analysis(document)
            if analysis is None:
                continue
            keys = tuple(_shown_key(d) for d in self.findings_for(analysis))
            if keys != self.shown.get(uri, ()):
                changed.append((uri, document, analysis))
        if not changed:
            return
        self.ls.diagnostics_generation += 1
        if self.ls.pull_diagnostics:
            if _refresh_support(self.ls):
                self.ls.workspace_diagnostic_refresh(None)
            return
        for uri, document, analysis in changed:
            self.ls.publish(uri, document.version, self.ls.lsp_diagnostics(analysis))

    def diagnostics(self, analysis: Analysis) -> list[types.Diagnostic]:
        """The project findings of an analysed document version, as this client's
        diagnostics (recorded as shown)."""
        try:
            found = self.findings_for(analysis)
        except Exception:  # the module findings are published whatever happens here
            logger.exception("project findings of %s", analysis.uri)
            found = []
        self.shown[analysis.uri] = tuple(_shown_key(d) for d in found)
        return to_lsp_diagnostics(
            found,
            analysis.source,
            analysis.uri,
            self.ls.encoding,
            analysis.version,
            self.ls.source_of,
            self.ls.resolver.client.docs_url,
        )

    def findings_for(self, analysis: Analysis) -> list[Diagnostic]:
        """The project findings of the analysed text under its settings, without those its
        module findings already hold; none while the index describes another text."""
        document = self.ls.document(analysis.uri)
        if document is None or analysis.settings.excluded or analysis.parse_error:
            return []
        path = _path_of(document)
        folder = self._folder_of(path) if path else None
        if path is None or folder is None or not folder.ready:
            return []
        if folder.digests.get(path) != content_digest(analysis.source.text):
            return []
        allowed = {r.code for r in analysis.settings.rules}
        kept = findings_for_file(folder.findings.get(path, ()), allowed, analysis.source)
        module = {finding_key(d) for d in analysis.diagnostics}
        return [d for d in sorted_unique(kept) if finding_key(d) not in module]

    def forget(self, uri: str) -> None:
        self.shown.pop(uri, None)

    def _folder_of(self, path: str) -> _Folder | None:
        for workspace in _workspaces(self.ls):
            if Path(path).is_relative_to(workspace.root):
                return self.folders.get(id(workspace))
        return None


class _IndexingProgress:
    """``$/progress`` of a first index build: begin, a report per percent, end."""

    def __init__(self, ls: FastAPILintServer, token: str) -> None:
        self.ls = ls
        self.token = token
        self.loop = asyncio.get_running_loop()

    @classmethod
    async def start(cls, ls: FastAPILintServer, root: Path) -> _IndexingProgress | None:
        token = f"fastapi-lint/index/{uuid.uuid4()}"
        try:
            await ls.work_done_progress.create_async(token)
        except Exception as error:  # the client refused the token: no progress
            logger.info("no progress token: %s", error)
            return None
        progress = cls(ls, token)
        ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=f"Indexing {root.name or root}", percentage=0, cancellable=False
            ),
        )
        return progress

    def callback(self) -> Progress:
        """What the worker thread calls per file looked at: a report whenever the whole
        percentage grows."""
        lock = threading.Lock()
        last = [0]

        def report(done: int, total: int) -> None:
            percentage = done * 100 // total if total else 100
            with lock:
                if percentage <= last[0]:
                    return
                last[0] = percentage
            message = f"{done}/{total} files"
            self.loop.call_soon_threadsafe(self._report, percentage, message)

        return report

    def _report(self, percentage: int, message: str) -> None:
        self.ls.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(percentage=percentage, message=message)
        )

    def end(self) -> None:
        # after the reports the worker thread queued on the loop
        self.loop.call_soon(
            self.ls.work_done_progress.end,
            self.token,
            types.WorkDoneProgressEnd(message="indexed"),
        )


_STATES: weakref.WeakKeyDictionary[FastAPILintServer, ProjectFindings] = weakref.WeakKeyDictionary()


def register(server: FastAPILintServer) -> None:
    project_findings(server)


def project_findings(ls: FastAPILintServer) -> ProjectFindings:
    state = _STATES.get(ls)
    if state is None:
        state = _STATES[ls] = ProjectFindings(ls)
        ls.extra_diagnostics.append(state.diagnostics)
    return state


def start(ls: FastAPILintServer) -> None:
    """Build the first index of the workspace folders (after ``initialized``)."""
    project_findings(ls).schedule(delay=0.0, disk=True)


def document_changed(ls: FastAPILintServer, *, debounce: bool) -> None:
    """A document was opened or changed: check the project again, after the same quiet
    time as the module analysis when it changed (a quick check then)."""
    delay = ls.resolver.client.debounce_ms / 1000 if debounce else 0.0
    project_findings(ls).schedule(delay=delay, thorough=not debounce)


def document_saved(ls: FastAPILintServer) -> None:
    """A document was saved: without a file watcher, the disk is looked at again then."""
    project_findings(ls).schedule(delay=0.0, disk=not watch_support(ls))


def document_closed(ls: FastAPILintServer, uri: str) -> None:
    """The file's text is the disk's again."""
    project_findings(ls).forget(uri)
    project_findings(ls).schedule(delay=0.0)


def settings_changed(ls: FastAPILintServer) -> None:
    """Settings or workspace folders changed: rule options may differ, a new folder needs
    its index."""
    project_findings(ls).schedule(delay=0.0)


def files_changed(ls: FastAPILintServer) -> None:
    """Python files changed on disk (``workspace/didChangeWatchedFiles``)."""
    project_findings(ls).schedule(delay=0.0, disk=True)


def _workspaces(ls: FastAPILintServer) -> list[WorkspaceIndex]:
    """The folders' indexes; none while a folder's ``pyproject.toml`` is invalid (like the
    route features; the error is shown once by the module analysis)."""
    try:
        return workspace_indexes(ls)
    except ConfigError:
        return []


def _shown_key(diagnostic: Diagnostic) -> tuple[object, ...]:
    """What a document shows of a project finding: the finding, and whether it carries its
    editor action (a quick check after an edit may leave the action to the thorough one)."""
    return (*finding_key(diagnostic), diagnostic.fix is not None)


def _path_of(document: TextDocument) -> str | None:
    if not document.uri.startswith("file:") or not document.path.endswith(".py"):
        return None
    return Path(document.path).resolve().as_posix()


def _progress_support(ls: FastAPILintServer) -> bool:
    window = ls.client_capabilities.window
    return bool(window and window.work_done_progress)


def _refresh_support(ls: FastAPILintServer) -> bool:
    workspace = ls.client_capabilities.workspace
    return bool(workspace and workspace.diagnostics and workspace.diagnostics.refresh_support)
