#!/usr/bin/env python3
"""Throughput of ``fastapi-lint check`` on pinned, real FastAPI applications.

For every corpus entry (a package pinned to one version and a subdirectory inside it) the
script downloads the release from the package index into a cache, extracts it, keeps the
``.py`` files under the subdirectory that import ``fastapi``, and times
``fastapi-lint check <files> --output-format json --exit-zero`` several times, each run in
its own subprocess. It prints a Markdown report (and optionally writes it as JSON).

Run ``python benchmarks/throughput.py --help`` for the options; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from corpus import (
    COMPLETE_MARKER,
    DEFAULT_CACHE,
    BenchmarkError,
    PreparedCorpus,
    compile_bytecode,
    describe_corpus,
    installed_checker_command,
    log,
    prepare,
    select_entries,
)

HERE = Path(__file__).resolve().parent


# What the checker says on stderr about files it could not check, and how many it checked.
PROBLEM_LINE = re.compile(r": (?:cannot read|cannot parse|internal error in \w+):")
FILES_CHECKED = re.compile(r"\b(\d+) files? checked\b")


# --------------------------------------------------------------------------------------------
# Running the checker


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # user + system, the checker and every worker it waited for
    max_rss_mib: float  # the largest single process (``ru_maxrss`` from ``wait4``)
    tree_rss_mib: float | None  # the largest sampled sum of RSS over the process tree
    findings: dict[str, int]
    exit_status: int
    files_checked: int | None  # from the checker's summary on stderr, when it prints one
    problems: list[str]  # stderr lines about unreadable or unparsable files, internal errors


@dataclass
class Measurement:
    corpus: str
    mode: str
    command: list[str]
    files: int
    lines: int
    runs: list[Run] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def files_per_second(self) -> float:
        return self.files / self.median_seconds

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.median_seconds

    @property
    def findings(self) -> dict[str, int]:
        return self.runs[-1].findings

    def summary(self) -> dict[str, Any]:
        seconds = [r.seconds for r in self.runs]
        tree = [r.tree_rss_mib for r in self.runs if r.tree_rss_mib is not None]
        return {
            "corpus": self.corpus,
            "mode": self.mode,
            "files": self.files,
            "lines": self.lines,
            "runs": len(self.runs),
            "median_seconds": self.median_seconds,
            "min_seconds": min(seconds),
            "max_seconds": max(seconds),
            "files_per_second": self.files_per_second,
            "lines_per_second": self.lines_per_second,
            "median_cpu_seconds": statistics.median(r.cpu_seconds for r in self.runs),
            "peak_process_rss_mib": max(r.max_rss_mib for r in self.runs),
            "peak_tree_rss_mib": max(tree) if tree else None,
            "findings": self.findings,
            "findings_total": sum(self.findings.values()),
            "exit_status": self.runs[-1].exit_status,
            "files_checked": self.runs[-1].files_checked,
            "problems": self.runs[-1].problems,
            "command": self.command,
            "per_run": [asdict(r) for r in self.runs],
        }


class TreeRssSampler:
    """Samples the summed resident set size of a process and its descendants (Linux /proc).

    Pages shared between processes (after a fork, say) count once per process, so the figure
    is an upper bound of the memory the run needs.
    """

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_bytes = 0
        self.available = Path(f"/proc/{pid}/task").is_dir()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._page_size = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def __enter__(self) -> TreeRssSampler:
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._sample())
            self._stop.wait(self.interval)

    def _sample(self) -> int:
        total = 0
        pending = [self.pid]
        seen: set[int] = set()
        while pending:
            pid = pending.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
                total += resident_pages * self._page_size
                for task in Path(f"/proc/{pid}/task").iterdir():
                    children = (task / "children").read_text().split()
                    pending.extend(int(child) for child in children)
            except (OSError, ValueError, IndexError):
                continue  # the process ended meanwhile
        return total

    @property
    def peak_mib(self) -> float | None:
        return self.peak_bytes / 2**20 if self.available and self.peak_bytes else None


def run_once(command: Sequence[str], cwd: Path, env: dict[str, str] | None) -> Run:
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=stdout, stderr=stderr)
        with TreeRssSampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        output = stdout.read().decode("utf-8", errors="replace")
        errors = stderr.read().decode("utf-8", errors="replace")
    problems = [line for line in errors.splitlines() if PROBLEM_LINE.search(line)]
    try:
        if process.returncode != 0 and not output.strip():
            raise BenchmarkError("the checker wrote nothing on stdout")
        findings = count_findings(output)
    except BenchmarkError as error:
        tail = "\n".join(errors.strip().splitlines()[-20:])
        raise BenchmarkError(
            f"{error}\nthe checker exited with status {process.returncode}; "
            f"command: {shlex.join(command[:8])} ...\n{tail}"
        ) from None
    checked = FILES_CHECKED.search(errors)
    # ru_maxrss is in kibibytes on Linux, in bytes on macOS.
    rss_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return Run(
        seconds=elapsed,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mib=rss_bytes / 2**20,
        tree_rss_mib=sampler.peak_mib,
        findings=findings,
        exit_status=process.returncode,
        files_checked=int(checked.group(1)) if checked else None,
        problems=problems,
    )


def count_findings(output: str) -> dict[str, int]:
    """Findings per rule code in the checker's JSON output (a list of objects with ``code``)."""
    try:
        data: Any = json.loads(output) if output.strip() else []
    except json.JSONDecodeError as error:
        raise BenchmarkError(
            f"the checker's output is not JSON ({error}): {output[:200]!r}"
        ) from None
    if isinstance(data, dict):  # tolerate a wrapper object around the list
        for key in ("diagnostics", "findings", "results", "violations"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        raise BenchmarkError(f"expected a JSON list of findings, got {type(data).__name__}")
    counts = Counter(str(item.get("code", "?")) for item in data if isinstance(item, dict))
    return dict(sorted(counts.items()))


def measure(
    corpus: PreparedCorpus,
    checker: Checker,
    mode: str,
    extra: list[str],
    runs: int,
    warmup: int,
) -> Measurement:
    cli = checker.command
    command = [
        *cli,
        "check",
        *corpus.files,
        "--output-format",
        "json",
        "--exit-zero",
        *extra,
    ]
    shown = [
        *cli,
        "check",
        f"<{len(corpus.files)} files>",
        *command[len(cli) + 1 + len(corpus.files) :],
    ]
    result = Measurement(corpus.entry.label, mode, shown, len(corpus.files), corpus.lines)
    for index in range(warmup):
        log(f"{corpus.entry.label} [{mode}] warm-up {index + 1}/{warmup}")
        run_once(command, corpus.root, checker.env)
    for index in range(runs):
        run = run_once(command, corpus.root, checker.env)
        log(
            f"{corpus.entry.label} [{mode}] run {index + 1}/{runs}: {run.seconds:.3f} s, "
            f"{sum(run.findings.values())} findings"
        )
        if result.runs and run.findings != result.runs[0].findings:
            log("warning: the findings differ from the first run's (did the code change?)")
        if index == 0:
            warn_about(run, len(corpus.files))
        result.runs.append(run)
    return result


def warn_about(run: Run, files: int) -> None:
    if run.exit_status != 0:
        log(f"warning: the checker exited with status {run.exit_status} despite --exit-zero")
    for line in run.problems[:10]:
        log(f"warning: {line}")
    if len(run.problems) > 10:
        log(f"warning: ... and {len(run.problems) - 10} more problems")
    if run.files_checked is not None and run.files_checked != files:
        log(f"warning: the checker reports {run.files_checked} files checked, not {files}")


# --------------------------------------------------------------------------------------------
# The checker's command, capabilities and versions


@dataclass(frozen=True)
class Checker:
    """How to start the checker: a command line, and the environment it needs (if not ours)."""

    command: list[str]
    env: dict[str, str] | None = None
    revision: str | None = None  # the commit the code comes from, with --revision

    def run(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.command, *arguments],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=self.env,
        )


def installed_checker() -> Checker:
    return Checker(installed_checker_command())


def checker_at_revision(revision: str, cache: Path) -> Checker:
    """The repository's code at ``revision`` (exported once into the cache), run with this
    Python and its installed dependencies, whatever the working tree contains."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        sha = subprocess.run(
            ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
            cwd=top,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise BenchmarkError(f"--revision {revision}: not a commit here ({error})") from None
    destination = cache / "revisions" / sha
    if not (destination / COMPLETE_MARKER).is_file():
        log(f"exporting {revision} ({sha[:12]}) into {destination}")
        destination.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            archive = Path(scratch) / "tree.tar"
            subprocess.run(
                ["git", "archive", "--format=tar", "-o", str(archive), sha],
                cwd=top,
                check=True,
            )
            with tarfile.open(archive) as tarred:
                if hasattr(tarfile, "data_filter"):
                    tarred.extractall(destination, filter="data")
                else:  # pragma: no cover - Python without extraction filters
                    tarred.extractall(destination)
        if not (destination / "fastapi_lint" / "cli.py").is_file():
            shutil.rmtree(destination)
            raise BenchmarkError(f"--revision {revision}: no fastapi_lint/cli.py at {sha[:12]}")
        (destination / COMPLETE_MARKER).write_text(sha + "\n", encoding="utf-8")
    compile_bytecode(destination)  # as an installed wheel has it
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(destination), env.get("PYTHONPATH", "")) if part
    )
    # Refuse to run another copy of the package (an editable install, say) by mistake.
    # ``python -c`` puts the working directory first on sys.path: put the export before it.
    entry = (
        "import sys\n"
        f"sys.path.insert(0, {str(destination)!r})\n"
        "import fastapi_lint\n"
        f"if not fastapi_lint.__file__.startswith({str(destination) + os.sep!r}):\n"
        "    sys.exit('imported fastapi_lint from ' + fastapi_lint.__file__)\n"
        "from fastapi_lint.cli import main\n"
        "sys.exit(main())\n"
    )
    return Checker([sys.executable, "-c", entry], env, sha)


def cli_help(checker: Checker) -> str:
    result = checker.run("check", "--help")
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-10:])
        command = shlex.join([*checker.command, "check", "--help"])
        raise BenchmarkError(f"`{command}` failed:\n{tail}")
    return result.stdout


def cli_version(checker: Checker) -> str:
    try:
        result: subprocess.CompletedProcess[str] | None = checker.run("--version")
    except (OSError, subprocess.TimeoutExpired):
        result = None
    if result is not None and result.returncode == 0 and result.stdout.strip():
        return result.stdout.strip().splitlines()[0]
    if checker.revision is None:
        try:
            return f"fastapi-lint {metadata.version('fastapi-lint')} (package metadata)"
        except metadata.PackageNotFoundError:
            pass
    return "unknown"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews wall times."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"


def git_revision() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("-dirty" if dirty else "")


# --------------------------------------------------------------------------------------------
# Report


def markdown(
    environment: dict[str, Any],
    corpora: list[PreparedCorpus],
    measurements: list[Measurement],
) -> str:
    out: list[str] = ["# fastapi-lint throughput", ""]
    for key, value in environment.items():
        out.append(f"- {key}: {value}")
    out += ["", "## Corpus", ""]
    out += table(
        ["package", "version", "directory", ".py files", "fastapi files", "lines", "artifact"],
        [
            [
                c.entry.package,
                c.entry.version,
                c.entry.subdirectory,
                str(c.python_files_in_subdirectory),
                str(len(c.files)),
                str(c.lines),
                f"{c.artifact} (sha256 {c.artifact_sha256[:12]})",
            ]
            for c in corpora
        ],
    )
    out += ["", "## Timings", ""]
    rows = []
    for m in measurements:
        s = m.summary()
        tree = s["peak_tree_rss_mib"]
        rows.append(
            [
                m.corpus,
                m.mode,
                str(m.files),
                str(m.lines),
                str(len(m.runs)),
                f"{s['median_seconds']:.3f}",
                f"{s['min_seconds']:.3f}-{s['max_seconds']:.3f}",
                f"{s['files_per_second']:,.1f}",
                f"{s['lines_per_second']:,.0f}",
                f"{s['median_cpu_seconds']:.2f}",
                f"{s['peak_process_rss_mib']:.0f}",
                "n/a" if tree is None else f"{tree:.0f}",
            ]
        )
    modes = sorted({m.mode for m in measurements}, key=[m.mode for m in measurements].index)
    if len(corpora) > 1:
        for mode in modes:
            same = [m for m in measurements if m.mode == mode]
            seconds = sum(m.median_seconds for m in same)
            files = sum(m.files for m in same)
            lines = sum(m.lines for m in same)
            rows.append(
                [
                    "**total**",
                    mode,
                    str(files),
                    str(lines),
                    "",
                    f"{seconds:.3f}",
                    "",
                    f"{files / seconds:,.1f}",
                    f"{lines / seconds:,.0f}",
                    "",
                    "",
                    "",
                ]
            )
    out += table(
        [
            "corpus",
            "mode",
            "files",
            "lines",
            "runs",
            "median s",
            "min-max s",
            "files/s",
            "lines/s",
            "CPU s",
            "peak RSS MiB (process)",
            "peak RSS MiB (tree)",
        ],
        rows,
    )
    out += ["", "## Findings per rule", ""]
    first_mode = modes[0]
    chosen = [m for m in measurements if m.mode == first_mode]
    codes = sorted({code for m in chosen for code in m.findings})
    if codes:
        out += table(
            ["code", *(m.corpus for m in chosen)],
            [[code, *(str(m.findings.get(code, 0)) for m in chosen)] for code in codes]
            + [["**total**", *(str(sum(m.findings.values())) for m in chosen)]],
        )
    else:
        out.append("No findings.")
    troubled = [m for m in measurements if m.runs[-1].exit_status or m.runs[-1].problems]
    troubled += [
        m
        for m in measurements
        if m.runs[-1].files_checked not in (None, m.files) and m not in troubled
    ]
    if troubled:
        out += ["", "## Problems", ""]
        for m in troubled:
            last = m.runs[-1]
            out.append(
                f"- {m.corpus} [{m.mode}]: exit status {last.exit_status}, "
                f"{last.files_checked if last.files_checked is not None else '?'} of "
                f"{m.files} files checked, {len(last.problems)} problem lines on stderr"
            )
            out += [f"  - `{line}`" for line in last.problems[:20]]
            if len(last.problems) > 20:
                out.append(f"  - ... and {len(last.problems) - 20} more")
    mismatched = [
        m.corpus for m in measurements if m.mode != first_mode and m.findings != _same(chosen, m)
    ]
    if mismatched:
        out += ["", f"Warning: the modes report different findings for {', '.join(mismatched)}."]
    return "\n".join(out) + "\n"


def _same(measurements: list[Measurement], other: Measurement) -> dict[str, int]:
    for m in measurements:
        if m.corpus == other.corpus:
            return m.findings
    return {}


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# --------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Time `fastapi-lint check` on pinned FastAPI applications downloaded from the "
            "package index, and print a Markdown report."
        ),
        epilog="Corpus: " + describe_corpus(),
    )
    parser.add_argument(
        "--runs", type=positive, default=5, help="timed runs per corpus and mode (default 5)"
    )
    parser.add_argument(
        "--warmup",
        type=non_negative,
        default=1,
        help="untimed runs before the timed ones (default 1)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="where releases are downloaded and extracted (default: .cache beside this script)",
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="PACKAGE",
        help="only this corpus package (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--cli",
        metavar="COMMAND",
        help="the checker's command, split like a shell would (default: fastapi-lint beside "
        "this Python, else on PATH)",
    )
    parser.add_argument(
        "--revision",
        metavar="REV",
        help="benchmark this repository's code at a git revision (exported into the cache, "
        "run with this Python) instead of the installed checker",
    )
    parser.add_argument(
        "--jobs", type=positive, help="pass --jobs N to the checker (default: its own default)"
    )
    parser.add_argument(
        "--single-process",
        action="store_true",
        help="also time every corpus with --jobs 1, for comparison",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="also time warm runs: --cache-dir with a fresh directory, filled by the warm-up "
        "run (at least one)",
    )
    parser.add_argument(
        "--select", metavar="CODES", help="pass --select CODES to the checker (default: none)"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="download, extract and select the files, print the corpus, and stop",
    )
    return parser.parse_args(argv)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return benchmark(args)
    except BenchmarkError as error:
        log(f"error: {error}")
        return 2


def benchmark(args: argparse.Namespace) -> int:
    entries = select_entries(args.corpus)

    cache: Path = args.cache_dir.resolve()
    corpora = [prepare(entry, cache) for entry in entries]
    if args.prepare_only:
        for c in corpora:
            print(f"{c.entry.label} {c.entry.subdirectory}: {len(c.files)} files, {c.lines} lines")
            print(f"  {c.root}")
        return 0

    if args.revision and args.cli:
        raise BenchmarkError("--revision and --cli exclude each other")
    if args.revision:
        checker = checker_at_revision(args.revision, cache)
    elif args.cli:
        checker = Checker(shlex.split(args.cli))
    else:
        checker = installed_checker()
    if not checker.revision:
        # the installed packages (also what --cli runs, most likely), compiled as pip does
        compile_bytecode()
    help_text = cli_help(checker)
    has_jobs = "--jobs" in help_text
    extra: list[str] = []
    if args.select:
        extra += ["--select", args.select]
    default_extra = list(extra)
    if args.jobs is not None:
        if not has_jobs:
            raise BenchmarkError("the checker has no --jobs option")
        default_extra += ["--jobs", str(args.jobs)]
    modes: list[tuple[str, list[str]]] = [
        (f"jobs={args.jobs}" if args.jobs else "default", default_extra)
    ]
    if args.single_process:
        if has_jobs:
            modes.append(("jobs=1", [*extra, "--jobs", "1"]))
        else:
            log("warning: the checker has no --jobs option; skipping the single-process runs")

    warm_cache: Path | None = None
    if args.warm:
        if "--cache-dir" not in help_text:
            raise BenchmarkError("the checker has no --cache-dir option: no warm runs")
        warm_cache = Path(tempfile.mkdtemp(prefix="fastapi-lint-results-"))
        modes.append(("warm cache", [*default_extra, "--cache-dir", str(warm_cache)]))

    environment: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "fastapi-lint": cli_version(checker),
        "code": (
            f"revision {checker.revision[:12]} (--revision {args.revision})"
            if checker.revision
            else f"{shlex.join(checker.command)}, working tree at {git_revision() or 'unknown'}"
        ),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load average at start": load_average(),
        "corpus": ", ".join(c.entry.label for c in corpora),
        "bytecode": "compiled before timing, as pip does for a wheel (corpus.compile_bytecode)",
    }
    measurements = [
        measure(
            c,
            checker,
            mode,
            mode_extra,
            args.runs,
            max(args.warmup, 1) if mode == "warm cache" else args.warmup,
        )
        for mode, mode_extra in modes
        for c in corpora
    ]
    if warm_cache is not None:
        shutil.rmtree(warm_cache, ignore_errors=True)
    environment["load average at end"] = load_average()
    print(markdown(environment, corpora, measurements), end="")

    if args.json:
        payload = {
            "environment": environment,
            "corpus": [
                {
                    "package": c.entry.package,
                    "version": c.entry.version,
                    "subdirectory": c.entry.subdirectory,
                    "artifact": c.artifact,
                    "artifact_sha256": c.artifact_sha256,
                    "python_files": c.python_files_in_subdirectory,
                    "fastapi_files": len(c.files),
                    "lines": c.lines,
                }
                for c in corpora
            ],
            "measurements": [m.summary() for m in measurements],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
