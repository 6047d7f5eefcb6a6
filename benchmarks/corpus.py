"""The benchmark corpus: pinned releases of real FastAPI applications, and their files.

Each entry is a package pinned to one version and a subdirectory inside it. ``prepare``
downloads the release from the package index into a cache (with pip), extracts it once, and
keeps the ``.py`` files under the subdirectory that import ``fastapi``. Shared by
``throughput.py`` and ``findings.py``; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / ".cache"


@dataclass(frozen=True)
class CorpusEntry:
    """One pinned release and the directory inside it that holds the FastAPI application."""

    package: str
    version: str
    subdirectory: str

    @property
    def label(self) -> str:
        return f"{self.package}=={self.version}"


# The corpus. Pin exact versions so that results stay comparable between commits; add an
# entry per application (the subdirectory is relative to the root of the wheel, or of the
# source tree for an sdist).
CORPUS: tuple[CorpusEntry, ...] = (
    CorpusEntry("litellm", "1.109.1", "litellm/proxy"),
    CorpusEntry("prefect", "3.9.1", "prefect/server/api"),
    CorpusEntry("open-webui", "0.12.4", "open_webui/routers"),
    CorpusEntry("apache-airflow-core", "3.3.2", "airflow/api_fastapi"),
    CorpusEntry("gradio", "6.31.0", "gradio"),
    CorpusEntry("fastapi-users", "15.0.5", "fastapi_users"),
    CorpusEntry("chainlit", "2.12.0", "chainlit"),
    CorpusEntry("langflow-base", "1.13.0", "langflow/api"),
    CorpusEntry("lightrag-hku", "1.5.7", "lightrag/api"),
    CorpusEntry("khoj", "1.42.10", "khoj"),
)

# Releases added for the review of rules that fire too rarely on the corpus above to measure
# their precision (FAS603 print-in-app: see reviews/FAS6xx.md). They are chosen by name with
# ``--corpus NAME`` and never belong to the default set, so timings stay comparable.
REVIEW_CORPUS: tuple[CorpusEntry, ...] = (
    CorpusEntry("fschat", "0.2.36", "fastchat/serve"),
    CorpusEntry("gpt-researcher", "0.15.1", "backend"),
    CorpusEntry("llama-cpp-python", "0.3.36", "llama_cpp/server"),
    CorpusEntry("openhands-ai", "0.9.8", "openhands/server"),
    CorpusEntry("gptcache", "0.1.44", "gptcache_server"),
    CorpusEntry("open-interpreter", "0.4.3", "interpreter"),
    CorpusEntry("pyspur", "0.1.18", "pyspur/api"),
)

# A line that imports fastapi: ``import fastapi``, ``import os, fastapi as f``,
# ``from fastapi import ...``, ``from fastapi.responses import ...`` (not ``fastapi_users``).
FASTAPI_IMPORT = re.compile(
    r"^[ \t]*(?:"
    r"from[ \t]+fastapi(?:[ \t.\\]|$)"
    r"|import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*fastapi(?:[ \t.,;#\\]|$)"
    r")",
    re.MULTILINE,
)

# Written at the root of every extracted corpus so that the checker uses its defaults there
# instead of a configuration found further up (such as this repository's), and checks the
# files even though the cache directory is git-ignored.
ISOLATING_CONFIG = """\
# Written by benchmarks/corpus.py: the default settings, whatever lies above this directory.
[tool.fastapi-lint]
respect-gitignore = false
"""

COMPLETE_MARKER = ".extracted"


class BenchmarkError(Exception):
    """A failure worth one line to the user (the script exits with status 2)."""


@dataclass
class PreparedCorpus:
    entry: CorpusEntry
    artifact: str
    artifact_sha256: str
    root: Path  # the directory the checker runs in
    files: list[str]  # relative to ``root``, POSIX separators, sorted
    lines: int
    python_files_in_subdirectory: int


def download(entry: CorpusEntry, downloads: Path) -> Path:
    """The release's wheel or sdist in ``downloads``, fetched with pip if not there yet."""
    existing = find_artifact(entry, downloads)
    if existing is not None:
        return existing
    downloads.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":none:",
        f"{entry.package}=={entry.version}",
        "-d",
        str(downloads),
    ]
    log(f"downloading {entry.label}: {' '.join(command[1:])}")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchmarkError(f"pip download {entry.label} failed:\n{result.stderr.strip()}")
    found = find_artifact(entry, downloads)
    if found is None:
        raise BenchmarkError(f"pip download {entry.label} produced no recognisable archive")
    return found


def find_artifact(entry: CorpusEntry, downloads: Path) -> Path | None:
    if not downloads.is_dir():
        return None
    # Wheel and sdist names normalise the project name differently; compare loosely.
    wanted = normalise(entry.package)
    candidates = []
    for path in sorted(downloads.iterdir()):
        name = path.name
        for suffix in (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"):
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                break
        else:
            continue
        project, _, rest = stem.partition(f"-{entry.version}")
        if normalise(project) == wanted and (rest == "" or rest.startswith("-")):
            candidates.append(path)
    # Prefer a wheel: it is what pip picks anyway, and its layout is the installed one.
    candidates.sort(key=lambda p: (not p.name.endswith(".whl"), p.name))
    return candidates[0] if candidates else None


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract(archive: Path, destination: Path) -> None:
    """Extract ``archive`` into ``destination`` once (a marker file records completion)."""
    if (destination / COMPLETE_MARKER).is_file():
        return
    if destination.exists():
        shutil.rmtree(destination)
    staging = destination.with_name(destination.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    log(f"extracting {archive.name}")
    if archive.name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(staging)
    else:
        with tarfile.open(archive) as tarred:
            if hasattr(tarfile, "data_filter"):
                tarred.extractall(staging, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                tarred.extractall(staging)
    (staging / "pyproject.toml").write_text(ISOLATING_CONFIG, encoding="utf-8")
    (staging / COMPLETE_MARKER).write_text(archive.name + "\n", encoding="utf-8")
    staging.rename(destination)


def locate_subdirectory(root: Path, subdirectory: str) -> Path:
    """``subdirectory`` below the root of a wheel, or of an sdist's single top directory."""
    candidates = [root / subdirectory]
    tops = [p for p in sorted(root.iterdir()) if p.is_dir()]
    for top in tops:
        candidates += [top / subdirectory, top / "src" / subdirectory]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise BenchmarkError(f"{subdirectory!r} is not a directory in {root}")


def imports_fastapi(text: str) -> bool:
    return FASTAPI_IMPORT.search(text) is not None


def count_lines(text: str) -> int:
    return len(text.splitlines())


def prepare(entry: CorpusEntry, cache: Path) -> PreparedCorpus:
    archive = download(entry, cache / "downloads")
    root = cache / "src" / f"{normalise(entry.package)}-{entry.version}"
    extract(archive, root)
    directory = locate_subdirectory(root, entry.subdirectory)
    files: list[str] = []
    lines = 0
    python_files = sorted(directory.rglob("*.py"))
    for path in python_files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        if imports_fastapi(text):
            files.append(path.relative_to(root).as_posix())
            lines += count_lines(text)
    if not files:
        raise BenchmarkError(f"{entry.label}: no file under {entry.subdirectory} imports fastapi")
    return PreparedCorpus(
        entry=entry,
        artifact=archive.name,
        artifact_sha256=sha256_of(archive),
        root=root,
        files=files,
        lines=lines,
        python_files_in_subdirectory=len(python_files),
    )


def select_entries(names: Iterable[str] | None) -> list[CorpusEntry]:
    """The corpus entries named (by package, compared loosely, review-only releases
    included), or all of the default corpus."""
    if not names:
        return list(CORPUS)
    entries = [*CORPUS, *REVIEW_CORPUS]
    wanted = {normalise(name) for name in names}
    unknown = wanted - {normalise(e.package) for e in entries}
    if unknown:
        raise BenchmarkError(f"not in the corpus: {', '.join(sorted(unknown))}")
    return [e for e in entries if normalise(e.package) in wanted]


def describe_corpus(entries: Sequence[CorpusEntry] = CORPUS) -> str:
    return ", ".join(f"{c.label} ({c.subdirectory})" for c in entries)


def installed_checker_command() -> list[str]:
    """The ``fastapi-lint`` installed beside the running Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "fastapi-lint"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("fastapi-lint")
    if found:
        return [found]
    raise BenchmarkError("fastapi-lint is not installed here (pip install -e .) nor on PATH")


# The import packages of the fastapi-lint distribution.
PACKAGES = ("fastapi_lint", "fastapi_lsp", "flake8_fastapi")


def package_directories(root: Path | None = None) -> list[Path]:
    """The directories of fastapi-lint's import packages: below ``root`` (an exported
    revision), else where this Python imports them from (without importing them)."""
    if root is not None:
        return [root / name for name in PACKAGES if (root / name / "__init__.py").is_file()]
    found = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            found += [Path(location) for location in spec.submodule_search_locations]
    return found


def compile_bytecode(root: Path | None = None) -> list[Path]:
    """Compile fastapi-lint's modules to bytecode as pip does when it installs a wheel (of the
    packages below ``root``, an exported revision, or else of the installed ones), and return
    their directories. Call it before timing fresh processes: an editable install or an
    exported tree has no bytecode, and with PYTHONDONTWRITEBYTECODE set every process would
    compile the whole package again (about 0.2 s a run here), a cost that users of the
    installed wheel never pay. Modules whose bytecode is up to date are skipped."""
    directories = package_directories(root)
    if not directories:
        raise BenchmarkError("cannot find fastapi-lint's packages to compile")
    for directory in directories:
        if not compileall.compile_dir(directory, quiet=1):
            log(f"warning: some modules under {directory} did not compile")
    return directories


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
