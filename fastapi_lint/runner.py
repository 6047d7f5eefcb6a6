"""Checking (and fixing) many files, in parallel worker processes."""

from __future__ import annotations

import gc
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import CheckResult, ParseError, RuleFailure, check_text, fix_text
from fastapi_lint.files import display_path, module_name_for, relative_to_root
from fastapi_lint.rules import Rule
from fastapi_lint.source import DecodedSource, SourceText, decode_source

if TYPE_CHECKING:
    # the result cache, the worker processes and diffs are imported by the runs that use them
    from fastapi_lint.cache import ResultCache
    from fastapi_lint.project.summary import ModuleSummary

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_THRESHOLD = 24  # items below which starting processes costs more than it saves
CHUNK_SIZE = 8
# A check of files starts worker processes only for this many bytes of source at least, not
# for a number of files (9 files of gradio's, 490 KB, took longer than 35 of prefect's): below
# it, starting them (fork, the pool's imports, the reports pickled back: ~0.05-0.08 s of CPU)
# costs more than the work they take over saves (one process checks ~0.7 MB/s).
PARALLEL_MIN_BYTES = 200_000
# Files are handed to the workers largest first, in chunks of about this many bytes (at most
# CHUNK_SIZE files): small enough that no worker is left with much more work than the others.
CHUNK_BYTES = 100_000


@dataclass(frozen=True)
class FixMode:
    write: bool  # --fix
    diff: bool  # --diff
    unsafe: bool  # --unsafe-fixes


@dataclass
class FileReport:
    path: str  # as displayed
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source: SourceText | None = None
    parse_error: str | None = None
    io_error: str | None = None
    failures: list[RuleFailure] = field(default_factory=list)
    fixed: Counter[str] = field(default_factory=Counter)
    diff: str = ""
    summary: ModuleSummary | None = None  # for the project index, when one is built


# Builds a file's index summary from the facts its check computed: (path, text, result) → summary
Summariser = Callable[[Path, str, "CheckResult"], "ModuleSummary | None"]


def check_file(
    path: Path,
    settings: Settings,
    mode: FixMode | None,
    summariser: Summariser | None = None,
    cache: ResultCache | None = None,
) -> FileReport:
    """Check one file; with a ``cache`` (and no fixing), keep what the check gave there."""
    shown = display_path(path)
    report = FileReport(shown)
    try:
        data = path.read_bytes()
    except OSError as error:
        report.io_error = error.strerror or str(error)
        return report
    if mode is not None:
        return _fix_bytes(path, report, data, settings, mode, summariser)
    report = _check_bytes(path, shown, data, settings, summariser)
    if cache is not None and not report.failures:
        from fastapi_lint.cache import FileEntry, bytes_digest

        entry = FileEntry(
            bytes_digest(data), True, tuple(report.diagnostics), report.parse_error, report.summary
        )
        cache.store(path, shown, module_name_for(path), entry)
    return report


def _fix_bytes(
    path: Path,
    report: FileReport,
    data: bytes,
    settings: Settings,
    mode: FixMode,
    summariser: Summariser | None,
) -> FileReport:
    shown = report.path
    prepared = _prepared(path, report, data, settings)
    if prepared is None:
        return report
    decoded, rules, module_name = prepared
    try:
        fixed = fix_text(
            decoded.text, shown, rules, settings, unsafe=mode.unsafe, module_name=module_name
        )
    except ParseError as error:
        report.parse_error = str(error)
        return report
    report.diagnostics = fixed.remaining.diagnostics
    report.failures = fixed.remaining.failures
    report.source = SourceText(fixed.text)
    if summariser is not None:
        report.summary = summariser(path, fixed.text, fixed.remaining)
    if fixed.text != decoded.text:
        report.fixed = fixed.fixed
        if mode.diff:
            report.diff = _unified_diff(decoded.text, fixed.text, shown)
        if mode.write and decoded.exact:
            path.write_bytes(fixed.text.encode(decoded.encoding))
    return report


def _prepared(
    path: Path, report: FileReport, data: bytes, settings: Settings
) -> tuple[DecodedSource, Sequence[Rule], str | None] | None:
    """The text, rules and module name to check a file with; None (and the reason in the
    report) when its bytes do not decode."""
    decoded = decode_source(data)
    if decoded.error is not None:  # the interpreter would refuse it too
        report.parse_error = decoded.error
        return None
    rules = settings.rules_for_path(relative_to_root(path, settings.root))
    return decoded, rules, module_name_for(path)


def _check_bytes(
    path: Path, shown: str, data: bytes, settings: Settings, summariser: Summariser | None
) -> FileReport:
    report = FileReport(shown)
    prepared = _prepared(path, report, data, settings)
    if prepared is None:
        return report
    decoded, rules, module_name = prepared
    try:
        result = check_text(decoded.text, shown, rules, settings, module_name=module_name)
    except ParseError as error:
        report.parse_error = str(error)
        return report
    report.diagnostics = result.diagnostics
    report.failures = result.failures
    report.source = SourceText(decoded.text)
    if summariser is not None:
        report.summary = summariser(path, decoded.text, result)
    return report


def _unified_diff(before: str, after: str, path: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )


_Chunk = tuple[list[str], Settings, FixMode | None, "ResultCache | None"]


def _check_chunk(args: _Chunk) -> list[FileReport]:
    paths, settings, mode, cache = args
    return [check_file(Path(p), settings, mode, cache=cache) for p in paths]


def check_files(
    paths: Sequence[Path], settings: Settings, mode: FixMode | None, jobs: int | None = None
) -> Iterator[FileReport]:
    """Reports in the order of ``paths``; with a cache in the settings, unchanged files are
    answered from it (not when fixing)."""
    cache = open_cache(settings) if mode is None else None
    found: dict[int, FileReport] = {}
    if cache is not None:
        from fastapi_lint.cache import cached_report

        for position, path in enumerate(paths):
            report = cached_report(cache, path, display_path(path), module_name_for(path))
            if report is not None:
                found[position] = report
    sizes = {position: _size(p) for position, p in enumerate(paths) if position not in found}
    groups = _chunks_by_size(sizes)
    chunks: list[_Chunk] = [
        ([str(paths[position]) for position in group], settings, mode, cache) for group in groups
    ]
    results = parallel_map(
        _check_chunk, chunks, sum(sizes.values()), jobs, minimum=PARALLEL_MIN_BYTES
    )
    for group, reports in zip(groups, results, strict=True):
        found.update(zip(group, reports, strict=True))
    for position in range(len(paths)):
        yield found[position]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # reported when the file is read
        return 0


def _chunks_by_size(sizes: dict[int, int]) -> list[list[int]]:
    """The positions of the files in chunks, largest files first (so that the last chunks a
    worker takes are small), each of about CHUNK_BYTES or one larger file."""
    chunks: list[list[int]] = []
    chunk: list[int] = []
    size = 0
    for position in sorted(sizes, key=lambda p: (-sizes[p], p)):
        if chunk and (size + sizes[position] > CHUNK_BYTES or len(chunk) == CHUNK_SIZE):
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(position)
        size += sizes[position]
    if chunk:
        chunks.append(chunk)
    return chunks


def open_cache(settings: Settings) -> ResultCache | None:
    """The result cache the settings ask for (None when they ask for none)."""
    if settings.cache_dir is None:
        return None
    from fastapi_lint.cache import ResultCache

    return ResultCache.open(settings)


def collect_garbage_rarely() -> None:
    """For a command-line run, not a long-lived process. A check allocates millions of syntax
    nodes and facts that live until their file is done, with few reference cycles among them:
    the collector's default thresholds walk them again and again (about a tenth of a check's
    CPU time on litellm's proxy package). What is imported so far is frozen out of its passes,
    and young objects are collected every 50,000 allocations instead of 700. Worker processes
    forked afterwards inherit both."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def parallel_map(
    function: Callable[[T], R],
    chunks: Sequence[T],
    items: int,
    jobs: int | None = None,
    *,
    minimum: int = PARALLEL_THRESHOLD,
) -> Iterable[R]:
    """``function`` over ``chunks`` in worker processes (in this one for fewer ``items``, the
    amount of work in any unit, than ``minimum``), results in order. ``function`` must be a
    module-level function; chunks and results are pickled."""
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(chunks) <= 1 or items < minimum:
        yield from map(function, chunks)
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_all_start_methods, get_context

    # fork reuses the already imported rules; spawn-only platforms pay the import per worker
    method = "fork" if "fork" in get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
        yield from pool.map(function, chunks)
