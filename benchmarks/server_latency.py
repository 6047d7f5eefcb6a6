"""How long the language server takes from ``textDocument/didChange`` to the
``textDocument/publishDiagnostics`` of that version, on real FastAPI modules.

    python benchmarks/server_latency.py                  # 30 edits on each module
    python benchmarks/server_latency.py --edits 10 --large-edits 5

The real server (``python -m fastapi_lsp``) runs over stdio, driven by a small JSON-RPC
client in this script, opened with the litellm release as its workspace and with
``debounce-ms`` 0, so the debounce is not measured. Each edit inserts one line
(``edit_<n> = <n>``) before a statement of a function body in the middle third of the
module, spread over the functions there; the next edit is sent once the diagnostics of the
previous one have arrived. Two modules from litellm 1.109.1 (the pinned corpus of
``benchmarks/corpus.py``): (a) the FastAPI module of the corpus closest to 300 lines, (b)
``litellm/proxy/proxy_server.py`` (about 22,000 lines). The report (Markdown, on stdout)
gives the median and p95 latency, the first edit's (which builds the stubs the later ones
reuse), the server's resident memory after opening (b), the machine's load, and, timed in
this process on the same text and edits: a full check split into parsing and facts+rules,
and the incremental check alone (without the server around it).
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import CORPUS, DEFAULT_CACHE, prepare  # noqa: E402

from fastapi_lint.engine import parse_module, run_rules  # noqa: E402
from fastapi_lint.facts import ModuleFacts  # noqa: E402
from fastapi_lint.incremental import IncrementalChecker, LineChange  # noqa: E402
from fastapi_lint.rules import Rule, all_rules  # noqa: E402
from fastapi_lint.source import SourceText  # noqa: E402
from fastapi_lsp.analysis import LARGE_MODULE_LINES  # noqa: E402

LARGE = "litellm/proxy/proxy_server.py"
SMALL_TARGET_LINES = 300
TIMEOUT = 600.0


class Client:
    """JSON-RPC over the server's stdin/stdout; notifications are collected by a thread."""

    def __init__(self, command: Sequence[str], cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=cwd
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._writer: IO[bytes] = self.process.stdin
        self._reader: IO[bytes] = self.process.stdout
        self._condition = threading.Condition()
        self._responses: dict[int, dict[str, Any]] = {}
        self.published: dict[tuple[str, int | None], float] = {}  # (uri, version) → arrival
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            length = 0
            while (line := self._reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not length:
                return
            message = json.loads(self._reader.read(length))
            arrived = time.perf_counter()
            with self._condition:
                if message.get("method") == "textDocument/publishDiagnostics":
                    params = message["params"]
                    self.published[(params["uri"], params.get("version"))] = arrived
                elif "method" not in message and isinstance(message.get("id"), int):
                    self._responses[message["id"]] = message
                self._condition.notify_all()

    def send(self, method: str, params: Any = None, id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if id is not None:
            message["id"] = id
        body = json.dumps(message).encode("utf-8")
        self._writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self._writer.flush()

    def request(self, method: str, params: Any = None) -> Any:
        self._next_id += 1
        request_id = self._next_id
        self.send(method, params, request_id)
        with self._condition:
            if not self._condition.wait_for(lambda: request_id in self._responses, TIMEOUT):
                raise TimeoutError(method)
            return self._responses.pop(request_id).get("result")

    def wait_published(self, uri: str, version: int) -> float:
        with self._condition:
            if not self._condition.wait_for(lambda: (uri, version) in self.published, TIMEOUT):
                raise TimeoutError(f"no diagnostics for {uri} v{version}")
            return self.published[(uri, version)]

    def cpu_s(self) -> float:
        """The server's CPU time so far (user and system)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, quiet: float = 0.5, limit: float = 300.0) -> float:
        """Wait until the server has used no CPU for ``quiet`` seconds (the work an open
        starts in the background, such as the project check, is done); seconds waited."""
        started = time.perf_counter()
        used = self.cpu_s()
        while time.perf_counter() - started < limit:
            time.sleep(quiet)
            now = self.cpu_s()
            if now - used < 0.01:
                break
            used = now
        return time.perf_counter() - started

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return -1

    def close(self) -> None:
        try:
            self.request("shutdown")
            self.send("exit")
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def edit_sites(text: str) -> list[tuple[int, int]]:
    """``(line, indent)`` (0-based line) of statements in function bodies in the middle
    third of the module, each on a line of its own, in an order that spreads consecutive
    edits over different functions."""
    tree = ast.parse(text)
    lines = text.splitlines()
    low, high = len(lines) // 3, 2 * len(lines) // 3
    sites = sorted(
        {
            (statement.lineno - 1, statement.col_offset)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            for statement in node.body
            if low <= statement.lineno <= high
            and not lines[statement.lineno - 1][: statement.col_offset].strip()
            and not getattr(statement, "decorator_list", None)
        }
    )
    step = max(1, len(sites) // 7 + 1)
    return [sites[(i * step) % len(sites)] for i in range(len(sites))]


def edits_of(text: str, count: int) -> list[tuple[int, str]]:
    """``count`` one-line insertions ``(line, text)``, each at the line it has after the
    earlier ones."""
    sites = edit_sites(text)
    made: list[tuple[int, str]] = []
    originals: list[int] = []  # where the earlier insertions went, in the original text
    for number in range(count):
        line, indent = sites[number % len(sites)]
        moved = line + sum(1 for earlier in originals if earlier <= line)
        originals.append(line)
        made.append((moved, " " * indent + f"edit_{number} = {number}\n"))
    return made


def measure(client: Client, path: Path, edits: int, *, settle: bool = True) -> dict[str, Any]:
    """Open ``path``, then (once the server is idle again, with ``settle``) make ``edits``
    one-line edits; latency of each in ms."""
    text = path.read_text("utf-8")
    uri = path.as_uri()
    started = time.perf_counter()
    client.send(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    open_ms = (client.wait_published(uri, 1) - started) * 1000
    rss = client.rss_kib()
    settled_s = client.settle() if settle else 0.0
    latencies: list[float] = []
    for version, (line, new_text) in enumerate(edits_of(text, edits), start=2):
        at = {"line": line, "character": 0}
        change = {"range": {"start": at, "end": at}, "text": new_text}
        sent = time.perf_counter()
        client.send(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        latencies.append((client.wait_published(uri, version) - sent) * 1000)
    client.send("textDocument/didClose", {"textDocument": {"uri": uri}})
    return {"open_ms": open_ms, "rss_kib": rss, "latencies": latencies, "settled_s": settled_s}


def incremental_in_process(path: Path, rules: Sequence[Rule], edits: int) -> dict[str, Any]:
    """The same edits checked by an ``IncrementalChecker`` in this process, given the
    changed lines as the server's document gives them: ms per edit (wall and CPU), and how
    many were checked incrementally."""
    text = path.read_text("utf-8")
    checker = IncrementalChecker(str(path), rules)
    checker.check(text)
    if text.count("\n") > LARGE_MODULE_LINES:
        gc.freeze()  # as the server does after a full check of a large module
    lines = text.splitlines(keepends=True)
    wall: list[float] = []
    cpu: list[float] = []
    modes: list[str] = []
    for line, new_text in edits_of(text, edits):
        lines.insert(line, new_text)
        edited = "".join(lines)
        change = LineChange(text, list(lines), line, line, line + 1)
        text = edited
        started, started_cpu = time.perf_counter(), time.process_time()
        checker.check(edited, change)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        modes.append(checker.last_mode)
    return {"wall": wall, "cpu": cpu, "incremental": modes.count("incremental")}


def in_process(path: Path, rules: Sequence[Rule], runs: int) -> dict[str, Any]:
    """Parse and facts-plus-rules times (median of ``runs``), the slowest rules, and what
    parsing only the largest top-level statement costs."""
    text = path.read_text("utf-8")
    parse_times, rule_times = [], []
    per_rule: dict[str, list[float]] = {r.code: [] for r in rules}
    tree = parse_module(text, str(path))
    for _ in range(runs):
        started = time.perf_counter()
        tree = parse_module(text, str(path))
        parsed = time.perf_counter()
        facts = ModuleFacts(tree, SourceText(text), str(path))
        for rule in rules:  # the first rule to ask a question of the facts pays for it
            before = time.perf_counter()
            run_rules(facts, [rule])
            per_rule[rule.code].append((time.perf_counter() - before) * 1000)
        parse_times.append((parsed - started) * 1000)
        rule_times.append((time.perf_counter() - parsed) * 1000)
    statements = [ast.get_source_segment(text, node) or "" for node in tree.body]
    largest = max(statements, key=len)
    statement_ms = statistics.median(_parse_ms(s) for s in (largest, largest, largest))
    slowest = sorted(((statistics.median(v), k) for k, v in per_rule.items()), reverse=True)
    return {
        "parse_ms": statistics.median(parse_times),
        "rules_ms": statistics.median(rule_times),
        "largest_statement_lines": largest.count("\n") + 1,
        "largest_statement_parse_ms": statement_ms,
        "slowest": slowest[:5],
    }


def _parse_ms(text: str) -> float:
    started = time.perf_counter()
    parse_module(text)
    return (time.perf_counter() - started) * 1000


def exported(revision: str, cache: Path) -> Path:
    """The repository's tree at ``revision``, exported once under the cache directory."""
    sha = subprocess.run(
        ["git", "rev-parse", revision], cwd=HERE.parent, check=True, capture_output=True, text=True
    ).stdout.strip()
    target = cache / "revisions" / sha
    if not (target / "fastapi_lsp").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha], cwd=HERE.parent, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def small_module(root: Path, files: Sequence[str]) -> Path:
    """The corpus module whose length is closest to ``SMALL_TARGET_LINES``."""

    def distance(name: str) -> int:
        lines = (root / name).read_text("utf-8", errors="replace").count("\n")
        return abs(lines - SMALL_TARGET_LINES)

    return root / min(files, key=distance)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=30, help="edits on module (a)")
    parser.add_argument("--large-edits", type=int, default=30, help="edits on module (b)")
    parser.add_argument("--runs", type=int, default=3, help="in-process timing runs")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument(
        "--revision",
        help="measure the server of this commit (exported with `git archive`), e.g. to time "
        "the server before a change; the in-process figures stay the working tree's",
    )
    parser.add_argument(
        "--no-index-wait",
        action="store_true",
        help="start editing at once instead of after the server's first workspace index",
    )
    parser.add_argument(
        "--no-settle",
        action="store_true",
        help="edit at once after opening a module instead of once the server is idle again "
        "(opening starts a project check in the background)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)

    entry = next(e for e in CORPUS if e.package == "litellm")
    corpus = prepare(entry, args.cache_dir)
    modules = [
        ("a", small_module(corpus.root, corpus.files), args.edits),
        ("b", corpus.root / LARGE, args.large_edits),
    ]
    rules = [r for r in all_rules() if r.default]

    # `python -m` imports from its working directory first: the exported commit's packages
    # win over the installed working tree
    cwd = exported(args.revision, args.cache_dir) if args.revision else None
    client = Client([sys.executable, "-m", "fastapi_lsp"], cwd)
    rows: list[str] = []
    notes: list[str] = []
    try:
        client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": corpus.root.as_uri(),
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "textDocument": {"publishDiagnostics": {"versionSupport": True}},
                },
                "initializationOptions": {"debounce-ms": 0},
            },
        )
        client.send("initialized", {})
        index_ready_s = None
        if not args.no_index_wait:
            # the server indexes the workspace in the background; a route request answers
            # once that first build is done, so that edits are timed on a settled server
            started = time.perf_counter()
            client.request("fastapi-lint/routes", {})
            index_ready_s = time.perf_counter() - started
        rss_after_large = -1
        modules_json: list[dict[str, Any]] = []
        load_before = os.getloadavg()
        for label, path, edits in modules:
            lines = path.read_text("utf-8").count("\n")
            result = measure(client, path, edits, settle=not args.no_settle)
            if label == "b":
                rss_after_large = result["rss_kib"]
            timing = in_process(path, rules, args.runs)
            alone = incremental_in_process(path, rules, edits)
            latencies = result["latencies"]
            rows.append(
                f"| ({label}) `{path.relative_to(corpus.root)}` | {lines} | {len(latencies)} "
                f"| {statistics.median(latencies):.1f} | {percentile(latencies, 0.95):.1f} "
                f"| {latencies[0]:.1f} | {result['open_ms']:.1f} "
                f"| {statistics.median(alone['wall']):.1f} / "
                f"{statistics.median(alone['cpu']):.1f} "
                f"(p95 {percentile(alone['cpu'], 0.95):.1f}) "
                f"| {alone['incremental']}/{edits} | {result['settled_s']:.1f} "
                f"| {timing['parse_ms']:.1f} | {timing['rules_ms']:.1f} |"
            )
            modules_json.append(
                {
                    "label": label,
                    "module": path.relative_to(corpus.root).as_posix(),
                    "lines": lines,
                    "edits": len(latencies),
                    "median_ms": statistics.median(latencies),
                    "p95_ms": percentile(latencies, 0.95),
                    "first_edit_ms": latencies[0],
                    "open_ms": result["open_ms"],
                    "in_process_wall_median_ms": statistics.median(alone["wall"]),
                    "in_process_cpu_median_ms": statistics.median(alone["cpu"]),
                    "in_process_cpu_p95_ms": percentile(alone["cpu"], 0.95),
                    "incremental_edits": alone["incremental"],
                    "idle_after_open_s": result["settled_s"],
                    "latencies_ms": latencies,
                }
            )
            slowest = ", ".join(f"{code} {ms:.0f} ms" for ms, code in timing["slowest"])
            notes.append(
                f"- ({label}) a full check: parse {timing['parse_ms']:.1f} ms, facts and "
                f"rules {timing['rules_ms']:.1f} ms; slowest rules {slowest}. The largest "
                f"top-level statement ({timing['largest_statement_lines']} lines) parses "
                f"alone in {timing['largest_statement_parse_ms']:.1f} ms."
            )
        load_after = os.getloadavg()
    finally:
        client.close()

    print(f"# Language server latency ({entry.label}, {len(rules)} default rules)\n")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, Python "
        f"{platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs, load "
        f"average {load_before[0]:.1f} before and {load_after[0]:.1f} after; server of "
        f"{'commit ' + args.revision if args.revision else 'the working tree'}.\n"
    )
    print("didChange → publishDiagnostics of that version over stdio, debounce-ms 0 (not")
    print("measured); one line inserted in a function body per edit. *In process*: the same")
    print("edits checked by `IncrementalChecker` alone, median wall / CPU ms (p95 CPU ms).")
    print("Edits start once the server is idle after opening the module (*idle after open*).\n")
    print(
        "| module | lines | edits | median ms | p95 ms | first edit ms | open ms "
        "| in process ms | incremental | idle after open s | full parse ms "
        "| full facts+rules ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nServer RSS after opening (b): {rss_after_large / 1024:.0f} MiB\n")
    if index_ready_s is not None:
        print(f"The workspace index was ready {index_ready_s:.1f} s after initialize.\n")
    print("\n".join(notes))
    if args.json:
        payload = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "server": f"commit {args.revision}" if args.revision else "working tree",
            "cpus": os.cpu_count(),
            "load_average_before": round(load_before[0], 1),
            "load_average_after": round(load_after[0], 1),
            "index_ready_s": index_ready_s,
            "rss_after_large_mib": round(rss_after_large / 1024),
            "modules": modules_json,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
