#!/usr/bin/env python3
"""The performance results table in one command: every figure the performance targets name.

    python benchmarks/report.py                      # everything, 5 timed runs of each command
    python benchmarks/report.py --out results/       # also keep each script's JSON there
    python benchmarks/report.py --from results/      # the table again from kept JSON, no run

Runs, each as its own process and in this order (so that they never overlap):

1. ``compare.py --warm``: fastapi-lint (cold and warm cache) beside fastapi-lsp, ruff's FAST
   and ASYNC rules, flake8-async and flake8-fastapi on the FastAPI files of every corpus
   entry, and flake8 with and without fastapi-lint's plugin;
2. ``server_latency.py``: didChange → publishDiagnostics on a 300-line module and on
   litellm's ``proxy_server.py``;
3. ``index_build.py``: the project index and ``check .`` on litellm's proxy package (cold,
   warm, after a one-file change) beside ``fastapi-lsp check``;
4. ``index_build.py --server-rss``: the language server's memory once it has indexed the
   litellm proxy workspace.

Then prints one Markdown report: the machine, the side-by-side table over the whole corpus,
and each target with the measured figure and whether it is met. The scripts download the
pinned corpora and peers into the cache on first use (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpus import compile_bytecode

HERE = Path(__file__).resolve().parent

# (file name, script, arguments besides --json) in the order they run
STEPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("compare.json", "compare.py", ("--warm",)),
    ("server.json", "server_latency.py", ()),
    ("index.json", "index_build.py", ()),
    ("rss.json", "index_build.py", ("--server-rss",)),
)

LINT = "fastapi-lint check (default rules)"
LINT_WARM = "fastapi-lint check (warm cache)"
RUST = "fastapi-lsp check"
RUFF = "ruff --select FAST,ASYNC"
WITH_PLUGIN = "flake8 with fastapi-lint's plugin"
WITHOUT_PLUGIN = "flake8 without it"


def step_arguments(script: str, extra: tuple[str, ...], args: argparse.Namespace) -> list[str]:
    """The options a step takes from this command's."""
    argv = list(extra)
    if script in ("compare.py", "index_build.py") and "--server-rss" not in extra:
        argv += ["--runs", str(args.runs)]
    if script == "compare.py":
        argv += ["--warmup", str(args.warmup)]
        for corpus in args.corpus:
            argv += ["--corpus", corpus]
    if script == "server_latency.py":
        argv += ["--edits", str(args.edits), "--large-edits", str(args.edits)]
    if args.cache_dir is not None:
        argv += ["--cache-dir", str(args.cache_dir)]
    return argv


def run_steps(args: argparse.Namespace, directory: Path) -> None:
    # every step times fresh processes of the installed package: with its bytecode, as pip
    # leaves a wheel (the steps that time fastapi-lint compile it again, a no-op by then)
    compile_bytecode()
    for name, script, extra in STEPS:
        command = [sys.executable, str(HERE / script), *step_arguments(script, extra, args)]
        command += ["--json", str(directory / name)]
        print(f"report.py: running {' '.join(command[1:])}", file=sys.stderr, flush=True)
        # each script's own report goes to standard error, beside its progress
        result = subprocess.run(command, stdout=sys.stderr, check=False)
        if result.returncode != 0:
            raise SystemExit(f"report.py: {script} failed with exit status {result.returncode}")


def load(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    if not path.is_file():
        raise SystemExit(f"report.py: {path} is missing (run without --from to produce it)")
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def totals(compare: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per tool, over every corpus it ran on: files, lines, summed medians, peak RSS."""
    found: dict[str, dict[str, float]] = {}
    for m in compare["measurements"]:
        total = found.setdefault(
            m["tool"], {"files": 0, "lines": 0, "seconds": 0.0, "cpu": 0.0, "rss": 0.0}
        )
        total["files"] += m["files"]
        total["lines"] += m["lines"]
        total["seconds"] += m["median_seconds"]
        total["cpu"] += m["median_cpu_seconds"]
        total["rss"] = max(total["rss"], m["peak_process_rss_mib"])
    return found


def side_by_side(compare: dict[str, Any]) -> list[str]:
    lines = [
        "| tool | files | lines | wall s (sum of medians) | CPU s | files/s | peak RSS MiB |",
        "|---|---|---|---|---|---|---|",
    ]
    for tool, t in totals(compare).items():
        lines.append(
            f"| {tool} | {t['files']:,.0f} | {t['lines']:,.0f} | {t['seconds']:.2f} "
            f"| {t['cpu']:.2f} | {t['files'] / t['seconds']:,.0f} | {t['rss']:.0f} |"
        )
    return lines


def ratio(compare: dict[str, Any], subject: str, base: str) -> float | None:
    found = totals(compare)
    if subject not in found or base not in found:
        return None
    return found[subject]["seconds"] / found[base]["seconds"]


def server_row(server: dict[str, Any], label: str) -> dict[str, Any] | None:
    for module in server.get("modules", []):
        if module.get("label") == label:
            return dict(module)
    return None


def targets(
    compare: dict[str, Any],
    server: dict[str, Any],
    index: dict[str, Any],
    rss: dict[str, Any],
) -> list[str]:
    rows: list[tuple[str, str, str, bool | None]] = []

    def add(what: str, target: str, measured: str, met: bool | None) -> None:
        rows.append((what, target, measured, met))

    rust = ratio(compare, RUST, LINT)  # fastapi-lsp time / fastapi-lint time: the speed-up
    add(
        "whole corpus, cold: faster than fastapi-lsp",
        "≥ 5x",
        f"{rust:.1f}x" if rust else "fastapi-lsp did not run",
        rust >= 5 if rust else None,
    )
    ruff = ratio(compare, LINT, RUFF)
    add(
        "whole corpus, cold: slower than ruff FAST+ASYNC",
        "≤ 10x",
        f"{ruff:.1f}x" if ruff else "ruff did not run",
        ruff <= 10 if ruff else None,
    )
    overhead = ratio(compare, WITH_PLUGIN, WITHOUT_PLUGIN)
    add(
        "flake8 with the plugin / without",
        "≤ 1.30",
        f"{overhead:.2f}" if overhead else "not measured",
        overhead <= 1.30 if overhead else None,
    )
    small, large = server_row(server, "a"), server_row(server, "b")
    if small:
        add(
            f"server, {small['lines']}-line module: median",
            "≤ 15 ms",
            f"{small['median_ms']:.1f} ms",
            small["median_ms"] <= 15,
        )
    if large:
        add(
            f"server, {large['lines']:,}-line module: p95",
            "≤ 50 ms",
            f"{large['p95_ms']:.1f} ms (median {large['median_ms']:.1f}; in process CPU "
            f"p95 {large['in_process_cpu_p95_ms']:.1f})",
            large["p95_ms"] <= 50,
        )
    check = index.get("check_directory_with_index")
    if check:
        add(
            "litellm proxy `check .` cold (2 cores)",
            "≤ 5 s",
            f"{check['median_s']:.1f} s",
            check["median_s"] <= 5,
        )
    warm = index.get("check_directory_warm_cache")
    if warm:
        add(
            "litellm proxy `check .` warm (result cache)",
            "≤ 1 s",
            f"{warm['median_s']:.1f} s",
            warm["median_s"] <= 1,
        )
    peer = index.get("fastapi_lsp_check")
    if check and peer:
        add(
            "litellm proxy: `fastapi-lsp check .` / `fastapi-lint check .`",
            "—",
            f"{peer['median_s']:.1f} s / {check['median_s']:.1f} s",
            None,
        )
    server_rss = rss.get("server_rss", {})
    if server_rss:
        add(
            "server RSS after indexing the litellm proxy workspace",
            "≤ 300 MB",
            f"{server_rss['rss_after_indexing_mib']} MiB "
            f"({server_rss['rss_after_opening_largest_mib']} MiB with its largest module open)",
            server_rss["rss_after_indexing_mib"] * 1.048576 <= 300,
        )
    lines = ["| target | goal | measured | met |", "|---|---|---|---|"]
    for what, goal, measured, met in rows:
        verdict = "—" if met is None else ("yes" if met else "**no**")
        lines.append(f"| {what} | {goal} | {measured} | {verdict} |")
    return lines


def render(directory: Path) -> str:
    compare = load(directory, "compare.json")
    server = load(directory, "server.json")
    index = load(directory, "index.json")
    rss = load(directory, "rss.json")
    environment = compare["environment"]
    out = [
        "# fastapi-lint performance results",
        "",
        f"- date: {environment['date']}",
        f"- machine: {environment['platform']}, {environment['cpus']} CPUs, "
        f"{environment['python']}",
        f"- load average: {environment['load average at start']} at the start of the "
        f"comparison, {environment['load average at end']} at its end; server run "
        f"{server.get('load_average_before', '?')} → {server.get('load_average_after', '?')}",
        f"- tools: {environment['versions']}",
        f"- corpus: {environment['corpus']}",
        "",
        "## Side by side, the whole corpus",
        "",
        *side_by_side(compare),
        "",
        "## Targets",
        "",
        *targets(compare, server, index, rss),
        "",
    ]
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before them")
    parser.add_argument("--edits", type=int, default=30, help="edits on each server module")
    parser.add_argument(
        "--corpus", action="append", default=[], metavar="NAME", help="only these entries"
    )
    parser.add_argument("--cache-dir", type=Path, help="the corpora's cache directory")
    parser.add_argument("--out", type=Path, help="keep each script's JSON in this directory")
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="DIR",
        help="render the table from the JSON kept by an earlier --out, running nothing",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.source is not None:
        print(render(args.source), end="")
        return 0
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-report-") as scratch:
        directory = args.out or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        run_steps(args, directory)
        print(render(directory), end="")
    minutes = (time.time() - started) / 60
    print(
        f"report.py: done in {minutes:.0f} min on {platform.node()} ({os.cpu_count()} CPUs)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
