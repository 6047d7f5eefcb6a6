"""Building the index: one summary per file, made in the worker processes that check files.

A checked file is parsed once: the worker runs the module rules and summarises the same facts.
Files of the project that are not being checked (a run on one directory of a larger project)
are only summarised. Summaries are small and picklable; syntax trees never leave the worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.cache import (
    FileEntry,
    ResultCache,
    bytes_digest,
    cached_report,
    cached_summary,
)
from fastapi_lint.config import Settings
from fastapi_lint.engine import CheckResult, ParseError, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import discover_files, display_path, module_name_for
from fastapi_lint.project.index import ProjectIndex
from fastapi_lint.project.modules import module_name, project_root
from fastapi_lint.project.summary import ModuleSummary, content_digest, summarise
from fastapi_lint.runner import CHUNK_SIZE, FileReport, FixMode, check_file, parallel_map
from fastapi_lint.source import SourceText, decode_source


@dataclass(frozen=True)
class ProjectScope:
    """What a worker needs to summarise a file of the project (picklable)."""

    root: Path
    packages: frozenset[str]  # top-level module names of the project's files

    @property
    def fingerprint(self) -> str:
        """What the summaries depend on, for the result cache."""
        return repr((str(self.root), sorted(self.packages)))

    def __call__(self, path: Path, text: str, result: CheckResult) -> ModuleSummary | None:
        """The summary of a checked file, from the facts its check computed."""
        if result.facts is None:
            return None
        return self.summary_from_facts(path, text, result.facts)

    def summary_from_facts(self, path: Path, text: str, facts: ModuleFacts) -> ModuleSummary | None:
        resolved = path.resolve()
        try:
            return summarise(
                facts,
                resolved.as_posix(),
                module_name(resolved, self.root),
                resolved.name == "__init__.py",
                content_digest(text),
                self.packages,
            )
        except RecursionError:  # nesting too deep to walk: the file stays out of the index
            return None


def scope_for(root: Path, files: Iterable[Path]) -> ProjectScope:
    root = root.resolve()
    packages = frozenset(module_name(f, root).split(".")[0] for f in files)
    return ProjectScope(root, packages)


def project_files(root: Path, settings: Settings) -> list[Path]:
    """Every Python file of the project, with the configured exclusions and ``.gitignore``."""
    return list(discover_files([root], settings))


def summarise_file(
    path: Path, scope: ProjectScope, cache: ResultCache | None = None
) -> ModuleSummary | None:
    """Read, parse and summarise a file the run does not check; None when it cannot be read
    or parsed (it is then simply not part of the index)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    summary = _summarise_bytes(path, data, scope)
    if cache is not None:
        entry = FileEntry(bytes_digest(data), False, summary=summary)
        cache.store(path, display_path(path), module_name_for(path), entry)
    return summary


def _summarise_bytes(path: Path, data: bytes, scope: ProjectScope) -> ModuleSummary | None:
    decoded = decode_source(data)
    if decoded.error is not None:
        return None
    try:
        tree = parse_module(decoded.text, str(path))
    except ParseError:
        return None
    facts = ModuleFacts(tree, SourceText(decoded.text), str(path), module_name_for(path))
    return scope.summary_from_facts(path, decoded.text, facts)


_Task = tuple[list[str], list[str], Settings, "FixMode | None", ProjectScope, "ResultCache | None"]


def _project_chunk(task: _Task) -> tuple[list[FileReport], list[ModuleSummary]]:
    checked, index_only, settings, mode, scope, cache = task
    reports = [check_file(Path(p), settings, mode, scope, cache) for p in checked]
    summaries = [s for p in index_only if (s := summarise_file(Path(p), scope, cache)) is not None]
    return reports, summaries


def check_and_index(
    checked: Sequence[Path],
    index_only: Sequence[Path],
    settings: Settings,
    mode: FixMode | None,
    scope: ProjectScope,
    jobs: int | None = None,
) -> tuple[list[FileReport], ProjectIndex]:
    """Check ``checked`` and summarise every file, in parallel; reports in the order of
    ``checked`` and the index of both sets. With a cache in the settings (and no fixing),
    unchanged files are answered from it."""
    opened = ResultCache.open(settings) if mode is None else None
    cache = opened.for_scope(scope.fingerprint) if opened is not None else None
    found: dict[int, FileReport] = {}
    summaries: list[ModuleSummary] = []
    to_summarise = list(index_only)
    if cache is not None:
        found = _cached_reports(cache, checked)
        to_summarise = []
        for path in index_only:
            hit, summary = cached_summary(cache, path, display_path(path), module_name_for(path))
            if not hit:
                to_summarise.append(path)
            elif summary is not None:
                summaries.append(summary)
    to_check = [p for position, p in enumerate(checked) if position not in found]
    tasks: list[_Task] = [
        ([str(p) for p in to_check[i : i + CHUNK_SIZE]], [], settings, mode, scope, cache)
        for i in range(0, len(to_check), CHUNK_SIZE)
    ]
    tasks.extend(
        ([], [str(p) for p in to_summarise[i : i + CHUNK_SIZE * 2]], settings, mode, scope, cache)
        for i in range(0, len(to_summarise), CHUNK_SIZE * 2)
    )
    fresh: list[FileReport] = []
    for chunk_reports, chunk_summaries in parallel_map(
        _project_chunk, tasks, len(to_check) + len(to_summarise), jobs
    ):
        fresh.extend(chunk_reports)
        summaries.extend(chunk_summaries)
    checked_reports = iter(fresh)
    reports = [found.get(i) or next(checked_reports) for i in range(len(checked))]
    summaries.extend(r.summary for r in reports if r.summary is not None)
    return reports, ProjectIndex.from_summaries(summaries)


def _cached_reports(cache: ResultCache, checked: Sequence[Path]) -> dict[int, FileReport]:
    """Reports of the files the cache holds, by position in ``checked``."""
    found: dict[int, FileReport] = {}
    for position, path in enumerate(checked):
        report = cached_report(cache, path, display_path(path), module_name_for(path))
        if report is not None:
            found[position] = report
    return found


def build_index(
    root: Path, settings: Settings | None = None, jobs: int | None = None
) -> ProjectIndex:
    """The index of every file under ``root`` (summaries only, no rules run)."""
    settings = settings or Settings(root=root.resolve())
    files = project_files(root, settings)
    scope = scope_for(root, files)
    return check_and_index([], files, settings, None, scope, jobs)[1]


def nearest_project_root(path: Path) -> Path:
    return project_root(path)
