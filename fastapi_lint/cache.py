"""Results of unchanged files, kept between runs in a directory the user names.

The command line writes nothing on its own (it writes files only with ``--fix``), so the
cache is off unless asked for: ``--cache-dir DIR``, ``FASTAPI_LINT_CACHE_DIR``, or
``cache-dir`` in ``[tool.fastapi-lint]``; ``--no-cache`` turns it off again.

What is kept, under ``DIR/v<format>-<code version>/`` (the version is a hash of this
package's source files, so that a changed rule never serves an old result):

- per file, keyed by its path, how the run names it, its module name, the settings that
  affect findings and (in a directory run) the project the index covers: the hash of the
  bytes checked, the module rules' findings or the reason it does not parse, and its index
  summary. A file whose bytes hash differently is checked again.
- per directory run, keyed the same way by the paths given, the working directory and the
  settings: the hash of every project file's bytes and the final findings (project rules
  included), so that an unchanged project is answered without a single summary read back.

An entry is written to a temporary file and renamed into place, so that concurrent runs never
read half an entry; an entry that cannot be read is ignored (one warning line per run), a
directory that cannot be written turns the cache off for the run (one warning line).
Entries are pickles: only point the cache at a directory you own.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi_lint.config import Settings
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.files import discover_files, display_path
from fastapi_lint.source import SourceText, decode_source

if TYPE_CHECKING:
    from fastapi_lint.project.summary import ModuleSummary
    from fastapi_lint.runner import FileReport

FORMAT = 1
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# fastapi-lint's result cache\n"

_warned: set[str] = set()


def warn_once(message: str) -> None:
    """One line on standard error, the first time a run meets this kind of problem."""
    if message not in _warned:
        _warned.add(message)
        sys.stderr.write(f"fastapi-lint: warning: {message}\n")


@lru_cache(maxsize=1)
def code_version() -> str:
    """This package's version for the cache: any change to a rule, a fact or the engine gives
    a new one, and entries of other versions are never read."""
    return sources_digest(Path(__file__).resolve().parent)


def sources_digest(package: Path) -> str:
    """A hash of every Python source file under ``package``, with their paths."""
    digest = hashlib.blake2b(digest_size=10)
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def settings_fingerprint(settings: Settings) -> str:
    """What in the settings changes findings (the selection, per-file ignores, rule options,
    the root paths are made relative to); exclusions only change which files run."""
    key = (
        settings.select,
        settings.ignore,
        settings.extend_select,
        settings.per_file_ignores,
        settings.rule_options,
        str(settings.root),
    )
    return _hash(repr(key))


def bytes_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class FileEntry:
    """What a check of one file's bytes gave."""

    digest: str  # of the bytes checked
    checked: bool  # the module rules ran (False: only summarised for the index)
    diagnostics: tuple[Diagnostic, ...] = ()
    parse_error: str | None = None
    summary: ModuleSummary | None = None


@dataclass(frozen=True)
class RunEntry:
    """A directory run's findings, valid while every project file hashes the same."""

    digest: str  # of every project file's path and bytes
    # per checked file, in order: the path as shown, its findings, why it does not parse
    files: tuple[tuple[str, tuple[Diagnostic, ...], str | None], ...]


@dataclass(frozen=True)
class ResultCache:
    directory: Path  # of this code version
    settings_key: str
    scope: str = ""  # the project the summaries are made for; "" without an index

    @classmethod
    def open(cls, settings: Settings) -> ResultCache | None:
        """The cache the settings ask for, or None (none asked; or unusable: one warning)."""
        if settings.cache_dir is None:
            return None
        top = settings.cache_dir
        directory = top / f"v{FORMAT}-{code_version()}"
        try:
            directory.mkdir(parents=True, exist_ok=True)
            _mark(top)
            probe, name = tempfile.mkstemp(dir=directory, prefix=".probe-")
            os.close(probe)
            os.unlink(name)
        except OSError as error:
            warn_once(
                f"cache directory {top} is not usable ({error.strerror or error}); "
                "checking without it"
            )
            return None
        return cls(directory, settings_fingerprint(settings))

    def for_scope(self, scope: str) -> ResultCache:
        return replace(self, scope=scope)

    # --- one file -------------------------------------------------------------------------

    def _file_entry_path(self, path: Path, shown: str, module: str | None, checked: bool) -> Path:
        resolved = path.resolve().as_posix()
        key = _hash(repr((self.settings_key, self.scope, resolved, shown, module, checked)))
        return self.directory / f"f-{key}"

    def lookup(
        self, path: Path, shown: str, module: str | None, data: bytes, *, checked: bool
    ) -> FileEntry | None:
        entry = self._load(self._file_entry_path(path, shown, module, checked))
        if not isinstance(entry, FileEntry) or entry.checked != checked:
            return None
        return entry if entry.digest == bytes_digest(data) else None

    def store(self, path: Path, shown: str, module: str | None, entry: FileEntry) -> None:
        self._store(self._file_entry_path(path, shown, module, entry.checked), entry)

    # --- a whole directory run ------------------------------------------------------------

    def _run_entry_path(self, paths: Sequence[Path], force_exclude: bool) -> Path:
        given = tuple(str(p) for p in paths)
        key = _hash(repr((self.settings_key, "run", os.getcwd(), given, force_exclude)))
        return self.directory / f"r-{key}"

    def load_run(self, paths: Sequence[Path], force_exclude: bool, digest: str) -> RunEntry | None:
        entry = self._load(self._run_entry_path(paths, force_exclude))
        if isinstance(entry, RunEntry) and entry.digest == digest:
            return entry
        return None

    def store_run(self, paths: Sequence[Path], force_exclude: bool, entry: RunEntry) -> None:
        self._store(self._run_entry_path(paths, force_exclude), entry)

    # --- storage --------------------------------------------------------------------------

    def _load(self, path: Path) -> object | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None  # not cached yet
        try:
            value: object = pickle.loads(data)
        except Exception:  # truncated, from another Python, or not ours: check again
            warn_once(f"ignoring unreadable entries of the cache in {self.directory.parent}")
            return None
        return value

    def _store(self, path: Path, value: object) -> None:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except (OSError, pickle.PicklingError, RecursionError) as error:
            warn_once(f"cannot write to the cache in {self.directory.parent} ({error})")


def _mark(top: Path) -> None:
    """Tag the directory as a cache, as backup tools and git understand it."""
    tag = top / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(_TAG, "utf-8")
    ignore = top / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# written by fastapi-lint\n*\n", "utf-8")


# --- reports from entries ---------------------------------------------------------------


def cached_report(
    cache: ResultCache, path: Path, shown: str, module: str | None
) -> FileReport | None:
    """The report of a file whose bytes were checked before, as ``check_file`` makes it."""
    from fastapi_lint.runner import FileReport

    try:
        data = path.read_bytes()
    except OSError:
        return None  # the check reports it
    entry = cache.lookup(path, shown, module, data, checked=True)
    if entry is None:
        return None
    return _report(FileReport, shown, data, entry.diagnostics, entry.parse_error, entry.summary)


def cached_summary(
    cache: ResultCache, path: Path, shown: str, module: str | None
) -> tuple[bool, ModuleSummary | None]:
    """(found, summary) of a file only summarised, as ``summarise_file`` makes it."""
    try:
        data = path.read_bytes()
    except OSError:
        return False, None
    entry = cache.lookup(path, shown, module, data, checked=False)
    return (False, None) if entry is None else (True, entry.summary)


def _report(
    make: type[FileReport],
    shown: str,
    data: bytes,
    diagnostics: Sequence[Diagnostic],
    parse_error: str | None,
    summary: ModuleSummary | None = None,
) -> FileReport:
    report = make(shown, list(diagnostics), parse_error=parse_error, summary=summary)
    if parse_error is None:
        report.source = SourceText(decode_source(data).text)
    return report


def cached_project_check(
    cache: ResultCache,
    paths: Sequence[Path],
    settings: Settings,
    force_exclude: bool,
    check: Callable[[], list[FileReport]],
) -> list[FileReport]:
    """``check()`` (a directory run), or its findings from the last identical run: the same
    files, each with the same bytes, under the same settings and code."""
    from fastapi_lint.project.modules import project_root
    from fastapi_lint.runner import FileReport

    root = project_root(next(p for p in paths if p.is_dir()))
    project = list(discover_files([root], settings))
    if [_absolute(p) for p in paths] == [root]:
        checked = project  # the usual `check .` at the root: one walk
    else:
        checked = list(discover_files(paths, settings, force_exclude=force_exclude))
    every = sorted({_absolute(p) for p in (*project, *checked)})
    contents = _read_all(every)
    if contents is None:
        return check()  # an unreadable file: the check reports it
    listing = [(str(p), bytes_digest(data)) for p, data in contents.items()]
    digest = _hash(repr((listing, [str(_absolute(p)) for p in checked])))
    shown = [display_path(p) for p in checked]
    entry = cache.load_run(paths, force_exclude, digest)
    if entry is not None and [name for name, _, _ in entry.files] == shown:
        return [
            _report(FileReport, name, contents[_absolute(p)], diagnostics, error)
            for p, (name, diagnostics, error) in zip(checked, entry.files, strict=True)
        ]
    reports = check()
    unchanged = _read_all(every) == contents
    if unchanged and not any(r.failures or r.io_error for r in reports):
        files = tuple((r.path, tuple(r.diagnostics), r.parse_error) for r in reports)
        cache.store_run(paths, force_exclude, RunEntry(digest, files))
    return reports


def _absolute(path: Path) -> Path:
    """The path from the root: walked paths already are; links are not followed (the key
    only needs to name the same file the same way)."""
    return path if path.is_absolute() else Path(os.path.abspath(path))


def _read_all(paths: Sequence[Path]) -> dict[Path, bytes] | None:
    contents: dict[Path, bytes] = {}
    for path in paths:
        try:
            contents[path] = path.read_bytes()
        except OSError:
            return None
    return contents
