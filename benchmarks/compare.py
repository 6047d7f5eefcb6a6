#!/usr/bin/env python3
"""Side-by-side timings of ``fastapi-lint`` and its peers on the benchmark corpus.

Installs the peer tools (pinned) into a virtual environment of their own under the cache,
then times, on the FastAPI files of each corpus entry (``corpus.prepare``), ``fastapi-lint
check``, ruff's FAST and ASYNC rules, flake8 with flake8-async, flake8 with flake8-fastapi,
``fastapi-lsp check``, and flake8 with and without fastapi-lint's flake8 plugin. Prints a
Markdown table (wall time, files/s, peak RSS) and the ratios between the tools.

Run ``python benchmarks/compare.py --help`` for the options; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from corpus import (
    DEFAULT_CACHE,
    BenchmarkError,
    PreparedCorpus,
    compile_bytecode,
    describe_corpus,
    installed_checker_command,
    log,
    normalise,
    prepare,
    select_entries,
)
from throughput import TreeRssSampler, checker_at_revision, load_average, positive, table

# Pinned peer versions: change them only together with the figures they produced.
FLAKE8 = "flake8==7.5.0"  # the same version must run fastapi-lint's plugin (checked)
RUFF = "ruff==0.17.6"
FLAKE8_ASYNC = "flake8-async==26.8.1"
FLAKE8_FASTAPI = "flake8-fastapi==0.7.0"
FASTAPI_LSP = "fastapi-lsp==0.1.9"

# A finding in the text formats: ``path:line:col: CODE message``.
TEXT_FINDING = re.compile(r"^.+?:\d+:\d+:? [A-Z][A-Z0-9]*\d\b", re.MULTILINE)


@dataclass
class Run:
    seconds: float
    cpu_seconds: float
    max_rss_mib: float  # largest single process (``ru_maxrss`` from ``wait4``)
    tree_rss_mib: float | None  # largest sampled sum over the process tree (Linux)
    findings: int
    exit_status: int


@dataclass
class Measurement:
    corpus: str
    tool: str
    command: list[str]
    files: int
    lines: int
    findings_status: int = 0
    runs: list[Run] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    def summary(self) -> dict[str, Any]:
        tree = [r.tree_rss_mib for r in self.runs if r.tree_rss_mib is not None]
        seconds = [r.seconds for r in self.runs]
        return {
            "corpus": self.corpus,
            "tool": self.tool,
            "files": self.files,
            "lines": self.lines,
            "runs": len(self.runs),
            "median_seconds": self.median_seconds,
            "min_seconds": min(seconds),
            "max_seconds": max(seconds),
            "files_per_second": self.files / self.median_seconds,
            "lines_per_second": self.lines / self.median_seconds,
            "median_cpu_seconds": statistics.median(r.cpu_seconds for r in self.runs),
            "peak_process_rss_mib": max(r.max_rss_mib for r in self.runs),
            "peak_tree_rss_mib": max(tree) if tree else None,
            "findings": self.runs[-1].findings,
            "exit_status": self.runs[-1].exit_status,
            "command": self.command[:12] + (["..."] if len(self.command) > 12 else []),
            "per_run": [asdict(r) for r in self.runs],
        }


@dataclass
class Tool:
    """One command to time: ``argv`` plus, unless ``whole_directory``, the file list."""

    name: str
    argv: list[str]
    json_lines: bool = False  # findings are JSON objects, one a line (else text lines)
    whole_directory: bool = False  # takes one directory, not a file list
    findings_status: int = 0  # the exit status with findings (1 for a tool without --exit-zero)


# --------------------------------------------------------------------------------------------
# Environments


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / "python"


def venv_script(venv: Path, name: str) -> Path:
    return venv_python(venv).parent / name


def ensure_venv(venv: Path) -> None:
    if not venv_python(venv).is_file():
        log(f"creating {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)


def pip_install(venv: Path, *requirements: str) -> bool:
    command = [str(venv_python(venv)), "-m", "pip", "install", "--quiet", *requirements]
    log(f"installing {' '.join(requirements)} into {venv.name}")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        log(f"warning: pip install {' '.join(requirements)} failed:\n{tail}")
    return result.returncode == 0


def installed_version(venv: Path, package: str) -> str | None:
    code = (
        "import sys\nfrom importlib import metadata\n"
        "try:\n    print(metadata.version(sys.argv[1]))\n"
        "except metadata.PackageNotFoundError:\n    pass\n"
    )
    result = subprocess.run(
        [str(venv_python(venv)), "-c", code, package], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or None


def ensure(venv: Path, requirement: str, *also: str) -> bool:
    """Install ``requirement`` (``name==version``) into ``venv`` unless it is there already."""
    name, _, version = requirement.partition("==")
    if installed_version(venv, name) == version:
        return True
    return pip_install(venv, requirement, *also)


def prepare_peers(cache: Path, notes: list[str]) -> dict[str, Any]:
    """The peers' virtual environments: ruff, flake8-async and fastapi-lsp in one, and
    flake8-fastapi and a bare flake8 (the baseline of the plugin's overhead) each alone.

    A flake8 plugin runs whatever ``--select`` says, and one that crashes ends the whole
    flake8 run: so each flake8 plugin gets a flake8 of its own.
    """
    peers = cache / "peers-venv"
    cf = cache / "flake8-fastapi-venv"
    bare = cache / "flake8-venv"
    for venv in (peers, cf, bare):
        ensure_venv(venv)
    if not ensure(peers, FLAKE8, RUFF, FLAKE8_ASYNC) or not ensure(peers, RUFF):
        raise BenchmarkError(f"cannot install {FLAKE8}, {RUFF} and {FLAKE8_ASYNC}")
    ensure(peers, FLAKE8_ASYNC, FLAKE8)
    if installed_version(peers, "flake8-fastapi"):  # left by an older layout of the cache
        subprocess.run(
            [str(venv_python(peers)), "-m", "pip", "uninstall", "--quiet", "-y", "flake8-fastapi"],
            check=True,
        )
    # Installed with flake8 pinned, so that it cannot change the flake8 version.
    has_flake8_fastapi = ensure(cf, FLAKE8_FASTAPI, FLAKE8)
    if not has_flake8_fastapi:
        notes.append(f"{FLAKE8_FASTAPI} did not install: its row is skipped.")
    has_lsp = ensure(peers, FASTAPI_LSP)
    if not has_lsp:
        notes.append(f"{FASTAPI_LSP} is not installable from the index: its row is skipped.")
    if not ensure(bare, FLAKE8):
        raise BenchmarkError(f"cannot install {FLAKE8} into {bare}")
    wanted = FLAKE8.partition("==")[2]
    here = Path(sys.executable).parent.parent
    for venv in (peers, cf, bare, here):
        found = installed_version(venv, "flake8")
        if found is not None and found != wanted:
            raise BenchmarkError(f"flake8 {found} in {venv}, expected {wanted}: pin it there")
    return {
        "peers": peers,
        "cf": cf,
        "bare": bare,
        "flake8_fastapi": has_flake8_fastapi,
        "fastapi_lsp": has_lsp,
    }


def tool_versions(venvs: Sequence[Path], here: Path) -> dict[str, str]:
    versions = {}
    for package in ("ruff", "flake8", "flake8-async", "flake8-fastapi", "fastapi-lsp"):
        for venv in venvs:
            found = installed_version(venv, package)
            if found:
                versions[package] = found
                break
    found = installed_version(here, "fastapi-lint")
    versions["fastapi-lint"] = found or "unknown"
    return versions


def tools(
    peers: dict[str, Any], lint: Sequence[str], results_cache: Path | None = None
) -> list[Tool]:
    """The commands to time; ``lint`` runs fastapi-lint, and with ``results_cache`` its
    warm runs (a result cache the warm-up run fills) are timed too."""
    venv: Path = peers["peers"]
    bare: Path = peers["bare"]
    cf: Path = peers["cf"]
    here_flake8 = Path(sys.executable).parent / "flake8"
    check = [*lint, "check", "--isolated", "--no-respect-gitignore", "--exit-zero", "--quiet"]
    found: list[Tool] = [Tool("fastapi-lint check (default rules)", check)]
    if results_cache is not None:
        warm = [*check, "--cache-dir", str(results_cache)]
        found.append(Tool("fastapi-lint check (warm cache)", warm))
    found += [
        Tool(
            "ruff --select FAST,ASYNC",
            [
                str(venv_script(venv, "ruff")),
                "check",
                "--no-cache",
                "--isolated",
                "--select",
                "FAST,ASYNC",
                "--exit-zero",
                "--output-format",
                "concise",
            ],
        ),
        Tool(
            "flake8 + flake8-async (ASYNC)",
            [str(venv_script(venv, "flake8")), "--isolated", "--select", "ASYNC", "--exit-zero"],
        ),
    ]
    if peers["flake8_fastapi"]:
        found.append(
            Tool(
                "flake8 + flake8-fastapi (CF)",
                [str(venv_script(cf, "flake8")), "--isolated", "--select", "CF", "--exit-zero"],
            )
        )
    if peers["fastapi_lsp"]:
        found.append(
            Tool(
                "fastapi-lsp check",
                [str(venv_script(venv, "fastapi-lsp")), "check", "--format", "json"],
                json_lines=True,
                whole_directory=True,
                findings_status=1,
            )
        )
    found += [
        Tool("flake8 with fastapi-lint's plugin", [str(here_flake8), "--isolated", "--exit-zero"]),
        Tool(
            "flake8 without it",
            [str(venv_script(bare, "flake8")), "--isolated", "--exit-zero"],
        ),
    ]
    return found


# --------------------------------------------------------------------------------------------
# Running


def stage(corpus: PreparedCorpus, base: Path) -> Path:
    """A copy of the corpus's FastAPI files alone, for tools that take one directory.

    Kept outside this repository: run inside it, ``fastapi-lsp check`` took minutes longer
    than on the same files elsewhere (it analyses more than the directory it is given).
    """
    destination = base / f"{normalise(corpus.entry.package)}-{corpus.entry.version}"
    if destination.exists():
        shutil.rmtree(destination)
    for name in corpus.files:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(corpus.root / name, target)
    return destination


def count(output: str, json_lines: bool) -> int:
    if json_lines:
        return sum(1 for line in output.splitlines() if line.lstrip().startswith("{"))
    return len(TEXT_FINDING.findall(output))


def run_once(command: Sequence[str], cwd: Path, tool: Tool) -> Run:
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, stdout=stdout, stderr=stderr)
        with TreeRssSampler(process.pid) as sampler:
            _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        exit_status = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        output = stdout.read().decode("utf-8", errors="replace")
        errors = stderr.read().decode("utf-8", errors="replace")
    if exit_status not in (0, tool.findings_status):
        tail = "\n".join(errors.strip().splitlines()[-10:])
        log(f"warning: exit status {exit_status}: {' '.join(command[:6])} ...\n{tail}")
    rss_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return Run(
        seconds=elapsed,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mib=rss_bytes / 2**20,
        tree_rss_mib=sampler.peak_mib,
        findings=count(output, tool.json_lines),
        exit_status=exit_status,
    )


def measure(
    corpus: PreparedCorpus, tool: Tool, staged: Path, runs: int, warmup: int
) -> Measurement:
    if tool.whole_directory:
        command, cwd = [*tool.argv, "."], staged
    else:
        command, cwd = [*tool.argv, "--", *corpus.files], corpus.root
    result = Measurement(
        corpus.entry.package,
        tool.name,
        command,
        len(corpus.files),
        corpus.lines,
        tool.findings_status,
    )
    for index in range(warmup + runs):
        timed = index >= warmup
        log(f"{corpus.entry.package}: {tool.name} ({'run' if timed else 'warm-up'} {index + 1})")
        run = run_once(command, cwd, tool)
        if timed:
            result.runs.append(run)
    return result


# --------------------------------------------------------------------------------------------
# Report


RATIOS = (
    ("fastapi-lsp check", "fastapi-lint check (default rules)", "fastapi-lint / fastapi-lsp"),
    (
        "ruff --select FAST,ASYNC",
        "fastapi-lint check (default rules)",
        "fastapi-lint / ruff FAST+ASYNC",
    ),
    (
        "flake8 without it",
        "flake8 with fastapi-lint's plugin",
        "flake8 with the plugin / without",
    ),
)


def ratios(measurements: list[Measurement]) -> list[dict[str, Any]]:
    """Wall-time ratios (median over median) per corpus and for all corpora together."""
    found = []
    corpora = list(dict.fromkeys(m.corpus for m in measurements))
    for base, subject, label in RATIOS:
        per_corpus: dict[str, float] = {}
        totals = [0.0, 0.0]
        for corpus in corpora:
            pair = {
                m.tool: m.median_seconds
                for m in measurements
                if m.corpus == corpus and m.tool in (base, subject)
            }
            if len(pair) == 2:
                per_corpus[corpus] = pair[subject] / pair[base]
                totals[0] += pair[subject]
                totals[1] += pair[base]
        if per_corpus:
            found.append({"ratio": label, "per_corpus": per_corpus, "total": totals[0] / totals[1]})
    return found


def markdown(
    environment: dict[str, Any],
    measurements: list[Measurement],
    found_ratios: list[dict[str, Any]],
    notes: list[str],
) -> str:
    out = ["# fastapi-lint and its peers", ""]
    out += [f"- {key}: {value}" for key, value in environment.items()]
    out += ["", "## Timings", ""]
    rows = []
    for m in measurements:
        s = m.summary()
        tree = s["peak_tree_rss_mib"]
        rows.append(
            [
                m.corpus,
                m.tool,
                str(m.files),
                str(len(m.runs)),
                f"{s['median_seconds']:.3f}",
                f"{s['min_seconds']:.3f}-{s['max_seconds']:.3f}",
                f"{s['files_per_second']:,.1f}",
                f"{s['lines_per_second']:,.0f}",
                f"{s['median_cpu_seconds']:.2f}",
                f"{s['peak_process_rss_mib']:.0f}",
                "n/a" if tree is None else f"{tree:.0f}",
                str(s["findings"]),
                ",".join(str(code) for code in sorted({r.exit_status for r in m.runs})),
            ]
        )
    out += table(
        [
            "corpus",
            "tool",
            "files",
            "runs",
            "median s",
            "min-max s",
            "files/s",
            "lines/s",
            "CPU s",
            "peak RSS MiB (process)",
            "peak RSS MiB (tree)",
            "findings",
            "exit status",
        ],
        rows,
    )
    if found_ratios:
        corpora = list(dict.fromkeys(m.corpus for m in measurements))
        out += ["", "## Ratios (median wall time; below 1 means fastapi-lint is faster)", ""]
        out += table(
            ["ratio", *corpora, "all corpora"],
            [
                [
                    r["ratio"],
                    *(
                        f"{r['per_corpus'][c]:.2f}" if c in r["per_corpus"] else "n/a"
                        for c in corpora
                    ),
                    f"{r['total']:.2f}",
                ]
                for r in found_ratios
            ],
        )
        out += [
            "",
            "For the flake8 row, the ratio is the plugin's overhead: 1.00 means none.",
        ]
    failed = [
        m for m in measurements if any(r.exit_status not in (0, m.findings_status) for r in m.runs)
    ]
    notes = notes + [
        f"{m.corpus}: `{m.tool}` failed (exit status "
        f"{', '.join(str(r.exit_status) for r in m.runs)}): its figures are not comparable."
        for m in failed
    ]
    if notes:
        out += ["", "## Notes", ""]
        out += [f"- {note}" for note in notes]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Time fastapi-lint and its peers (ruff's FAST and ASYNC rules, flake8-async, "
            "flake8-fastapi, fastapi-lsp, flake8 with and without fastapi-lint's plugin) on "
            "the FastAPI files of pinned applications, and print a Markdown report."
        ),
        epilog="Corpus: " + describe_corpus(),
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="PACKAGE",
        help="only this corpus package (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--runs", type=positive, default=5, help="timed runs per corpus and tool (default 5)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="untimed runs before the timed ones (default 1)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="releases and the peers' virtual environments (default: .cache beside this script)",
    )
    parser.add_argument(
        "--tool",
        action="append",
        metavar="TEXT",
        help="only the tools whose name contains TEXT (repeatable; default: every tool), "
        "e.g. --tool fastapi --tool ruff",
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="also time fastapi-lint's warm runs (a result cache filled by the warm-up run)",
    )
    parser.add_argument(
        "--revision",
        metavar="REV",
        help="time this repository's fastapi-lint at a git revision (exported into the cache, "
        "run with this Python) instead of the installed one; its flake8 plugin is still the "
        "installed one",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return compare(args)
    except BenchmarkError as error:
        log(f"error: {error}")
        return 2


def compare(args: argparse.Namespace) -> int:
    cache: Path = args.cache_dir.resolve()
    corpora = [prepare(entry, cache) for entry in select_entries(args.corpus)]
    notes: list[str] = []
    peers = prepare_peers(cache, notes)
    # the installed packages (flake8's plugin is always the installed one) have bytecode, as
    # a wheel installed by pip has; so has an exported --revision
    compile_bytecode()
    lint = (
        checker_at_revision(args.revision, cache).command
        if args.revision
        else installed_checker_command()
    )
    results_cache = Path(tempfile.mkdtemp(prefix="fastapi-lint-results-")) if args.warm else None
    selected = tools(peers, lint, results_cache)
    if args.tool:
        selected = [t for t in selected if any(text in t.name for text in args.tool)]
    if args.revision:
        notes.append(f"fastapi-lint check: the code of --revision {args.revision}")
    here = Path(sys.executable).parent.parent
    versions = tool_versions([peers["peers"], peers["cf"]], here)
    environment: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "versions": ", ".join(f"{name} {version}" for name, version in versions.items()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load average at start": load_average(),
        "corpus": ", ".join(c.entry.label for c in corpora),
        "bytecode": "fastapi-lint's compiled before timing, as pip does for a wheel "
        "(corpus.compile_bytecode); the peers are installed by pip",
    }
    measurements = []
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-compare-") as scratch:
        for corpus in corpora:
            staged = stage(corpus, Path(scratch))
            for tool in selected:
                measurements.append(measure(corpus, tool, staged, args.runs, args.warmup))
    if results_cache is not None:
        shutil.rmtree(results_cache, ignore_errors=True)
    environment["load average at end"] = load_average()
    found_ratios = ratios(measurements)
    print(markdown(environment, measurements, found_ratios, notes), end="")
    if args.json:
        payload = {
            "environment": environment,
            "measurements": [m.summary() for m in measurements],
            "ratios": found_ratios,
            "notes": notes,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
