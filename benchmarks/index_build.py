#!/usr/bin/env python3
"""How fast the project index builds, and what it adds to ``fastapi-lint check``.

On litellm's ``proxy`` package (pinned in ``corpus.py``; every ``.py`` file under it, about
840 files and 425,000 lines) the script times, each in a fresh subprocess:

1. the index alone (``build_index``: read, parse, summarise every file in worker processes);
2. ``fastapi-lint check DIR`` (a directory run: module rules, the index, the project rules);
3. ``fastapi-lint check FILE...`` on the same files named one by one (a run on named files
   builds no index and runs no project rule): the difference is what the index costs;
4. ``fastapi-lsp check DIR`` (the Rust peer, installed from the package index into a
   virtual environment of the cache), unless ``--no-peer``;

and, in this process, the work a one-file change costs: summarise the file again, replace its
summary and rebuild the route table (timed apart from running every project rule again on
the updated index); and the language server's checks (``WorkspaceIndex.check``): the first,
then after an edit of an open document the quick check and the thorough one. With
``--server-rss``, only the language server's resident memory once it has indexed the
project as its workspace, and after opening its largest module.

The proxy package is copied (with ``litellm/__init__.py``, so that module names stay
``litellm.proxy.…`` and imports between its modules resolve) into a temporary project with
its own ``pyproject.toml``: the index covers the package, not the whole litellm release.

Run ``python benchmarks/index_build.py --help``; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from compare import FASTAPI_LSP, ensure, ensure_venv, venv_script
from corpus import DEFAULT_CACHE, ISOLATING_CONFIG, BenchmarkError, CorpusEntry, log, prepare

LITELLM = CorpusEntry("litellm", "1.109.1", "litellm/proxy")
INDEX_ONLY = """\
import sys, time
from pathlib import Path
from fastapi_lint.config import Settings
from fastapi_lint.project.build import build_index
root = Path(sys.argv[1]).resolve()
start = time.perf_counter()
index = build_index(root, Settings(root=root, respect_gitignore=False), int(sys.argv[2]))
routes = index.routes
print(time.perf_counter() - start, len(index.summaries), len(routes))
"""


def stage(cache: Path, destination: Path) -> Path:
    corpus = prepare(LITELLM, cache)
    package = corpus.root / "litellm"
    target = destination / "litellm"
    shutil.copytree(package / "proxy", target / "proxy", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy2(package / "__init__.py", target / "__init__.py")
    (destination / "pyproject.toml").write_text(ISOLATING_CONFIG, "utf-8")
    return destination


def timed(argv: Sequence[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, result


def repeat(runs: int, run: Callable[[], float]) -> dict[str, Any]:
    times = [run() for _ in range(runs)]
    return {"median_s": round(statistics.median(times), 2), "runs_s": [round(t, 2) for t in times]}


def time_index(project: Path, jobs: int, runs: int) -> dict[str, Any]:
    facts: dict[str, Any] = {}

    def once() -> float:
        _, result = timed([sys.executable, "-c", INDEX_ONLY, str(project), str(jobs)], project)
        if result.returncode != 0:
            raise BenchmarkError(f"index build failed: {result.stderr.strip()[-500:]}")
        seconds, files, routes = result.stdout.split()
        facts.update(files=int(files), routes=int(routes))
        return float(seconds)

    return {**repeat(runs, once), **facts}


def time_check(
    project: Path,
    jobs: int,
    runs: int,
    *,
    named_files: bool,
    cache_dir: Path | None = None,
    fill: bool = True,
) -> dict[str, Any]:
    """``fastapi-lint check``; with ``cache_dir``, warm: an untimed run first fills the cache
    (unless ``fill`` is false: the cache is already filled)."""
    targets = sorted(str(p.relative_to(project)) for p in project.rglob("*.py"))
    argv = [sys.executable, "-m", "fastapi_lint", "check", "--exit-zero", "-q"]
    argv += ["--jobs", str(jobs), "--statistics", *(targets if named_files else ["."])]
    if cache_dir is not None:
        argv += ["--cache-dir", str(cache_dir)]
        if fill:
            timed(argv, project)

    def once() -> float:
        seconds, result = timed(argv, project)
        if result.returncode != 0:
            raise BenchmarkError(f"check failed: {result.stderr.strip()[-500:]}")
        return seconds

    return repeat(runs, once)


def time_warm(project: Path, jobs: int, runs: int) -> dict[str, Any]:
    """The directory run with a result cache: unchanged, then after appending a function to
    one module (which is checked again, the project rules run again on cached summaries)."""
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-results-") as results:
        cache = Path(results)
        warm = time_check(project, jobs, runs, named_files=False, cache_dir=cache)
        module = (sorted(project.rglob("*_endpoints.py")) or sorted(project.rglob("*.py")))[0]
        original = module.read_bytes()
        module.write_bytes(original + b"\n\nasync def _edited():\n    return None\n")
        try:
            changed = time_check(project, jobs, 1, named_files=False, cache_dir=cache, fill=False)
        finally:
            module.write_bytes(original)
    changed["file"] = module.relative_to(project).as_posix()
    return {"check_directory_warm_cache": warm, "check_directory_one_file_changed": changed}


def time_peer(project: Path, cache: Path, runs: int) -> dict[str, Any] | None:
    venv = cache / "peers-venv"
    ensure_venv(venv)
    if not ensure(venv, FASTAPI_LSP):
        log(f"{FASTAPI_LSP} is not installable here: its row is skipped")
        return None
    argv = [str(venv_script(venv, "fastapi-lsp")), "check", "--format", "json"]
    return repeat(runs, lambda: timed([*argv, "."], project)[0])


def time_one_file_change(project: Path, jobs: int) -> dict[str, Any]:
    """What a change costs: the index and project rules as the command line has them (one
    summary again, the route table, every project rule again), and the language server's
    path (``WorkspaceIndex.check``: the open document summarised again, the project rules
    again where the change can matter)."""
    from fastapi_lint.config import Settings
    from fastapi_lint.project.build import build_index, scope_for, summarise_file
    from fastapi_lint.project.checking import run_project_rules
    from fastapi_lint.rules import all_rules

    root = project.resolve()
    index = build_index(root, Settings(root=root, respect_gitignore=False), jobs)
    scope = scope_for(root, [Path(p) for p in index.summaries])
    rules = [r for r in all_rules() if r.project_check is not None]
    run_project_rules(index, rules)
    by_size = sorted(index.summaries, key=lambda p: Path(p).stat().st_size)
    picks = {"median-size file": by_size[len(by_size) // 2], "largest file": by_size[-1]}
    report: dict[str, Any] = {}
    index.offer_actions = False  # editor actions are built when the editor asks for them
    for label, path in picks.items():
        reindex, rules_run = [], []
        for _ in range(5):
            start = time.perf_counter()
            summary = summarise_file(Path(path), scope)
            assert summary is not None
            index.update(summary)
            _ = index.routes
            middle = time.perf_counter()
            run_project_rules(index, rules)
            reindex.append(middle - start)
            rules_run.append(time.perf_counter() - middle)
        lines = Path(path).read_text("utf-8", errors="replace").count("\n")
        report[label] = {
            "file": Path(path).relative_to(root).as_posix(),
            "lines": lines,
            "reindex_and_route_table_ms": ms(statistics.median(reindex)),
            "project_rules_ms": ms(statistics.median(rules_run)),
        }
    report["server"] = time_server_checks(root, list(picks.items()))
    return report


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def time_server_checks(root: Path, picks: list[tuple[str, str]]) -> dict[str, Any]:
    """The language server's checks: the first (index built in worker processes, every
    project rule), then for each file, opened in the editor: an edit within a line (the
    quick check after the debounce: that module again; a comment added at the end of the
    first line of a function body near the middle of the module), then a line typed above
    it (positions below it move: the quick check, then the thorough one after a pause,
    which also looks at the modules importing it), and the same change with every project
    rule run again instead. Each edit follows the last version, as typing does (an open
    document's summary is then made from the last one)."""
    from fastapi_lint.config import Settings
    from fastapi_lint.project.checking import run_project_rules
    from fastapi_lint.project.workspace import WorkspaceIndex
    from fastapi_lint.rules import all_rules

    settings = Settings(root=root, respect_gitignore=False)
    rules = all_rules()
    workspace = WorkspaceIndex(root, settings)
    start = time.perf_counter()
    workspace.check(rules, settings)
    report: dict[str, Any] = {"first_check_s": round(time.perf_counter() - start, 2)}
    for label, path in picks:
        text = Path(path).read_text("utf-8")
        lines = text.splitlines(keepends=True)
        at, indent = statement_in_a_body_near_middle(text)
        workspace.check(rules, settings, {path: text}, disk=False)  # opened
        # the open document's summaries made from the last one (absent before 2026-11-23)
        documents = getattr(workspace, "_documents", None)
        made_before = (documents.incremental, documents.whole) if documents else (0, 0)
        in_line: list[tuple[float, float]] = []
        new_line: list[tuple[float, float]] = []
        thorough: list[tuple[float, float]] = []
        whole: list[tuple[float, float]] = []

        def check(text: str, *, thorough: bool, path: str = path) -> tuple[float, float]:
            return timed_call(
                lambda: workspace.check(
                    rules, settings, {path: text}, disk=False, thorough=thorough
                )
            )

        for n in range(5):
            check(text, thorough=True)  # each round from the file as it is
            # typing goes on from the last version: a comment at the end of a line of the
            # body, then a line typed above it
            edited = [*lines[:at], lines[at].rstrip("\n") + f"  # {n}\n", *lines[at + 1 :]]
            in_line.append(check("".join(edited), thorough=False))
            typed = "".join([*edited[:at], f"{indent}edit_{n} = {n}\n", *edited[at:]])
            new_line.append(check(typed, thorough=False))
            thorough.append(check(typed, thorough=True))
            # what the same change costs with every project rule run again on the index
            workspace.refresh({path: typed.replace("edit_", "again_")}, disk=False)
            whole.append(timed_call(lambda: run_project_rules(workspace.index, rules, settings)))
        workspace.check(rules, settings, {}, disk=False)  # closed
        made = (documents.incremental, documents.whole) if documents else made_before
        report[label] = {
            "file": Path(path).relative_to(root).as_posix(),
            "summaries_from_the_last_one": made[0] - made_before[0],
            "whole_summaries": made[1] - made_before[1],
            "quick_check_edit_within_a_line_ms": medians(in_line),
            "quick_check_line_typed_ms": medians(new_line),
            "thorough_check_after_the_pause_ms": medians(thorough),
            "every_project_rule_again_ms": medians(whole),
        }
    return report


def timed_call(call: Callable[[], object]) -> tuple[float, float]:
    """Wall and processor seconds of one call (this process only: on a loaded machine the
    processor time says what the work itself costs)."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def medians(runs: list[tuple[float, float]]) -> dict[str, float]:
    return {
        "wall": ms(statistics.median(w for w, _ in runs)),
        "cpu": ms(statistics.median(c for _, c in runs)),
    }


def statement_in_a_body_near_middle(text: str) -> tuple[int, str]:
    """Where a line typed in a function body near the middle of the module goes: the index
    of the line starting the body's first statement, and its indentation."""
    functions = [
        node
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    middle = text.count("\n") // 2
    nearest = min(functions, key=lambda f: abs(f.body[0].lineno - middle))
    first = nearest.body[0]
    return first.lineno - 1, " " * first.col_offset


def server_rss(project: Path) -> dict[str, Any]:
    """The language server's resident memory with the project as its workspace: after the
    first index and project check (a ``fastapi-lint/routes`` request waits for them), and
    after opening the largest module."""
    from server_latency import Client

    client = Client([sys.executable, "-m", "fastapi_lsp"])
    try:
        before = client.rss_kib()
        start = time.perf_counter()
        client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": project.as_uri(),
                "workspaceFolders": [{"uri": project.as_uri(), "name": project.name}],
                "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
                "initializationOptions": {"debounce-ms": 0},
            },
        )
        client.send("initialized", {})
        routes = client.request("fastapi-lint/routes", {})
        indexed_s = time.perf_counter() - start
        indexed = client.rss_kib()
        largest = max(project.rglob("*.py"), key=lambda p: p.stat().st_size)
        uri = largest.resolve().as_uri()
        text = largest.read_text("utf-8")
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        client.send("textDocument/didOpen", {"textDocument": item})
        client.wait_published(uri, 1)
        client.request("fastapi-lint/routes", {})  # the project check of the open document
        opened = client.rss_kib()
    finally:
        client.close()
    return {
        "rss_at_start_mib": round(before / 1024),
        "index_ready_s": round(indexed_s, 1),
        "routes": len(routes),
        "rss_after_indexing_mib": round(indexed / 1024),
        "rss_after_opening_largest_mib": round(opened / 1024),
        "largest": largest.relative_to(project).as_posix(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--no-peer", action="store_true", help="skip fastapi-lsp")
    parser.add_argument("--change-only", action="store_true", help="time only the one-file change")
    parser.add_argument(
        "--server-rss",
        action="store_true",
        help="only the language server's memory with the project as its workspace",
    )
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="fastapi-lint-index-") as tmp:
            project = stage(args.cache_dir, Path(tmp))
            report: dict[str, Any] = {
                "corpus": f"{LITELLM.label} {LITELLM.subdirectory}",
                "jobs": args.jobs,
                "cpus": os.cpu_count(),
                "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
            }
            if args.server_rss:
                log("starting the language server on the project")
                report["server_rss"] = server_rss(project)
            elif not args.change_only:
                log("timing the index alone")
                report["index_only"] = time_index(project, args.jobs, args.runs)
                log("timing fastapi-lint check on the directory, then on the files named")
                report["check_directory_with_index"] = time_check(
                    project, args.jobs, args.runs, named_files=False
                )
                report["check_named_files_no_index"] = time_check(
                    project, args.jobs, args.runs, named_files=True
                )
                log("timing warm runs (a result cache), then one after a one-file change")
                report.update(time_warm(project, args.jobs, args.runs))
            if not (args.no_peer or args.change_only or args.server_rss):
                log("timing fastapi-lsp check")
                report["fastapi_lsp_check"] = time_peer(project, args.cache_dir, args.runs)
            if not args.server_rss:
                log("timing a one-file change")
                report["one_file_change"] = time_one_file_change(project, args.jobs)
    except BenchmarkError as error:
        print(f"index_build.py: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
