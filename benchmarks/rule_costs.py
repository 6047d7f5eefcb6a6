#!/usr/bin/env python3
"""Where the CPU time of ``fastapi-lint check`` goes, phase by phase and rule by rule.

Runs the module check in this process over the FastAPI files of corpus entries
(``corpus.prepare``), as ``fastapi-lint check --isolated <files>`` does file by file, and
times each phase with ``time.process_time``: reading and decoding, ``ast.parse``, the module
walk, the name tables, each rule (with the lazily computed facts it is the first to ask for,
which it pays for), and the suppression comments. Then, unless ``--top 0``, it checks the
same files again under cProfile and prints the functions that cost the most.

Run ``python benchmarks/rule_costs.py --help`` for the options; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus import DEFAULT_CACHE, BenchmarkError, PreparedCorpus, log, prepare, select_entries

from fastapi_lint.config import Settings, load_settings
from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.engine import ParseError, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.files import module_name_for
from fastapi_lint.noqa import is_suppressed
from fastapi_lint.rules import Rule
from fastapi_lint.runner import collect_garbage_rarely
from fastapi_lint.source import SourceText, decode_source

# The phases before the rules, in the order they run; the rules follow, one phase each.
READ, PARSE, WALK, NAMES = "read and decode", "ast.parse", "module walk", "name tables"
NOQA = "noqa"
FACTS_PHASES = (WALK, NAMES)


@dataclass
class Costs:
    """CPU seconds per phase, summed over files, and the facts each rule computed first."""

    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    first_facts: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    files: int = 0
    lines: int = 0
    parse_errors: int = 0
    findings: int = 0
    rule_failures: int = 0

    def rules_seconds(self, rules: Sequence[Rule]) -> float:
        return sum(self.seconds[r.code] for r in rules)


Clock = Callable[[], float]


def check_file(path: Path, rules: Sequence[Rule], settings: Settings, costs: Costs) -> None:
    """One file, as the checker's ``check_text`` does it, each phase timed."""
    clock: Clock = time.process_time
    start = clock()
    decoded = decode_source(path.read_bytes())
    module_name = module_name_for(path)
    costs.seconds[READ] += clock() - start
    if decoded.error is not None:
        costs.parse_errors += 1
        return
    start = clock()
    try:
        tree = parse_module(decoded.text, str(path))
    except ParseError:
        costs.parse_errors += 1
        return
    costs.seconds[PARSE] += clock() - start
    costs.files += 1
    costs.lines += decoded.text.count("\n")
    facts = ModuleFacts(tree, SourceText(decoded.text), str(path), module_name)
    start = clock()
    facts._walk  # noqa: B018 - computing the cached property is the point
    costs.seconds[WALK] += clock() - start
    start = clock()
    facts._names  # noqa: B018
    costs.seconds[NAMES] += clock() - start
    found: list[Diagnostic] = []
    for rule in rules:
        known = set(vars(facts))
        start = clock()
        try:
            found.extend(rule.check(facts, settings.options_for(rule)))
        except Exception:  # the checker records a failing rule and goes on: so does this
            costs.rule_failures += 1
        costs.seconds[rule.code] += clock() - start
        costs.first_facts[rule.code].update(n for n in vars(facts) if n not in known)
    start = clock()
    costs.findings += sum(1 for d in found if not is_suppressed(d, facts.source))
    costs.seconds[NOQA] += clock() - start


def check_entries(
    corpora: Sequence[PreparedCorpus], rules: Sequence[Rule], settings: Settings
) -> Costs:
    costs = Costs()
    for corpus in corpora:
        for name in corpus.files:
            check_file(corpus.root / name, rules, settings, costs)
    return costs


def report(costs: Costs, rules: Sequence[Rule], shown_rules: int) -> str:
    rules_total = costs.rules_seconds(rules)
    facts_total = sum(costs.seconds[p] for p in FACTS_PHASES) + rules_total
    total = sum(costs.seconds.values())
    lines = [
        f"{costs.files} files, {costs.lines:,} lines, {costs.parse_errors} not parsed, "
        f"{costs.findings} findings, {costs.rule_failures} rule failures",
        "",
        "| phase | CPU s | share |",
        "|---|---|---|",
    ]

    def row(name: str, seconds: float) -> str:
        share = f"{seconds / total:.0%}" if total else "-"
        return f"| {name} | {seconds:.2f} | {share} |"

    for phase in (READ, PARSE, WALK, NAMES):
        lines.append(row(phase, costs.seconds[phase]))
    lines.append(row(f"rules ({len(rules)})", rules_total))
    lines.append(row(NOQA, costs.seconds[NOQA]))
    lines.append(row("**facts and rules** (walk, names, rules)", facts_total))
    lines.append(row("**total**", total))
    lines += ["", "| rule | CPU s | facts it computed first |", "|---|---|---|"]
    by_cost = sorted(rules, key=lambda r: costs.seconds[r.code], reverse=True)
    for rule in by_cost[:shown_rules]:
        pulled = ", ".join(name for name, _ in costs.first_facts[rule.code].most_common(6))
        lines.append(f"| {rule.code} {rule.name} | {costs.seconds[rule.code]:.3f} | {pulled} |")
    rest = by_cost[shown_rules:]
    if rest:
        seconds = sum(costs.seconds[r.code] for r in rest)
        lines.append(f"| {len(rest)} other rules | {seconds:.3f} | |")
    return "\n".join(lines)


def profile_entries(
    corpora: Sequence[PreparedCorpus],
    rules: Sequence[Rule],
    settings: Settings,
    top: int,
    sort: str,
) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    check_entries(corpora, rules, settings)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    return stream.getvalue()


def selected_rules(settings: Settings, codes: str | None) -> tuple[Rule, ...]:
    rules = settings.enabled_rules
    if codes:
        wanted = tuple(c.strip().upper() for c in codes.split(",") if c.strip())
        rules = tuple(r for r in rules if r.code.startswith(wanted))
    return rules


def git_revision() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent,
    )
    return result.stdout.strip() or "unknown"


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "CPU time of fastapi-lint's module check per phase and per rule, in one process, "
            "on the FastAPI files of the benchmark corpus; then the costliest functions "
            "under cProfile."
        )
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="NAME",
        help="a corpus entry by package name (repeatable; default: the whole corpus)",
    )
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="download and extraction cache"
    )
    parser.add_argument(
        "--select", metavar="CODES", help="only the default rules with these code prefixes"
    )
    parser.add_argument(
        "--rules", type=int, default=20, metavar="N", help="rules listed by cost (default 20)"
    )
    parser.add_argument(
        "--top",
        type=int,
        default=25,
        metavar="N",
        help="functions listed from a second, profiled pass (default 25; 0: no profile)",
    )
    parser.add_argument(
        "--sort",
        choices=("tottime", "cumulative"),
        default="tottime",
        help="how the profile's functions are ordered (default tottime)",
    )
    parser.add_argument(
        "--default-gc",
        action="store_true",
        help="keep the collector's default thresholds (a check run tunes them)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    try:
        corpora = [prepare(entry, args.cache) for entry in select_entries(args.corpus)]
    except BenchmarkError as error:
        log(f"error: {error}")
        return 2
    settings = load_settings(None)  # the defaults, as --isolated
    rules = selected_rules(settings, args.select)
    if not args.default_gc:
        collect_garbage_rarely()
    print(
        f"# rule_costs.py at {git_revision()}: "
        f"{', '.join(c.entry.label for c in corpora)}; load average "
        f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    costs = check_entries(corpora, rules, settings)
    print(report(costs, rules, args.rules))
    if args.top > 0:
        gc.collect()
        print(f"\n## cProfile, sorted by {args.sort} (a second pass; profiling slows it down)\n")
        print(profile_entries(corpora, rules, settings, args.top, args.sort))
    return 0


if __name__ == "__main__":
    sys.exit(main())
