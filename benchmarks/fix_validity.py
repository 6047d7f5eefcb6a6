#!/usr/bin/env python3
"""Fix validity on real code: every safe, then every unsafe fix applied to every corpus module.

For each module of the corpus (see ``corpus.py``), with every rule enabled (opt-in ones too):

* **all fixes together**, as ``fastapi-lint check --fix`` and then ``--unsafe-fixes`` apply
  them: each stage's result must parse, no finding with a fix of that stage may be left (a
  fix that was dropped because its round would not parse, or that keeps re-appearing, is
  caught here), no finding may appear that was not there before the stage, and a second
  pass must change nothing;
* **one rule at a time** (that rule's safe and unsafe fixes only, every rule still checking):
  the same four properties, so that each failure is charged to the rule whose fix caused it.

Findings are counted per code (positions move and messages quote text when fixes change
it). A finding that a rule's fix is documented to reveal is listed in ``DOCUMENTED_NEW``.

Prints, per rule, the fixes applied, the files they were applied in and the failures, then
every failure. Exit status 0 when nothing failed, 1 when something did, 2 on a usage or
download error. Run ``python benchmarks/fix_validity.py --help``; ``tests/test_fix_validity.py``
runs the same validation on the fixtures, the examples and the smallest corpus entry.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fastapi_lint.config import Settings
from fastapi_lint.engine import (
    CheckResult,
    ParseError,
    applicable,
    check_text,
    fix_text,
    parse_module,
)
from fastapi_lint.rules import Rule, all_rules

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script or imported by the tests
    sys.path.insert(0, str(HERE))

from corpus import (  # noqa: E402
    DEFAULT_CACHE,
    BenchmarkError,
    describe_corpus,
    log,
    prepare,
    select_entries,
)

# (fixing rule, code of a finding its fix may reveal). A pair belongs here only when the
# fixing rule's "Fix safety" documentation names the revealed code (a test checks it).
DOCUMENTED_NEW: frozenset[tuple[str, str]] = frozenset(
    {
        ("FAS101", "FAS105"),  # the new `await` may sit next to another independent one
        ("FAS316", "FAS301"),  # the handler becomes a path operation
        ("FAS316", "FAS312"),
    }
)

STAGES = ("safe", "unsafe")


@dataclass(frozen=True)
class Failure:
    path: str
    stage: str  # "safe", "unsafe" (all rules' fixes together) or "rule" (one rule's fixes)
    rule: str  # the rule charged with it; "" when all rules' fixes were applied together
    problem: str

    def line(self) -> str:
        who = f" {self.rule}" if self.rule else ""
        return f"{self.path}: {self.stage}{who}: {self.problem}"


@dataclass
class RuleCount:
    fixes: int = 0
    files: int = 0
    failures: int = 0


@dataclass
class Report:
    modules: int = 0
    unparsable: list[str] = field(default_factory=list)
    rules: dict[str, RuleCount] = field(default_factory=dict)
    fixed_together: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def count(self, code: str) -> RuleCount:
        return self.rules.setdefault(code, RuleCount())

    def merge(self, other: Report) -> None:
        self.modules += other.modules
        self.unparsable += other.unparsable
        for code, counts in other.rules.items():
            mine = self.count(code)
            mine.fixes += counts.fixes
            mine.files += counts.files
            mine.failures += counts.failures
        self.fixed_together.update(other.fixed_together)
        self.failures += other.failures

    @property
    def fixes_validated(self) -> int:
        return sum(c.fixes for c in self.rules.values())


def codes_found(result: CheckResult) -> Counter[str]:
    return Counter(d.code for d in result.diagnostics)


def new_findings(before: CheckResult, after: CheckResult, fixing: Iterable[str]) -> list[str]:
    """Codes found more often in ``after`` than in ``before`` (once per extra finding),
    except the ones a fixing rule is documented to create. Findings are counted per code:
    their positions move and their messages may quote the text a fix changed."""
    fixing = tuple(fixing)
    extra = codes_found(after) - codes_found(before)
    return sorted(
        code
        for code in extra
        if not any((rule, code) in DOCUMENTED_NEW for rule in fixing)
        for _ in range(extra[code])
    )


def left_over(result: CheckResult, codes: set[str], unsafe: bool) -> list[tuple[str, str]]:
    """Findings of ``codes`` that still carry a fix the stage applies."""
    return sorted(
        (d.code, d.message)
        for d in result.diagnostics
        if d.code in codes and applicable(d.fix, unsafe)
    )


def fixable_codes(result: CheckResult, unsafe: bool) -> set[str]:
    return {d.code for d in result.diagnostics if applicable(d.fix, unsafe)}


def problems_after_fixing(
    before: CheckResult,
    fixed_text: str,
    path: str,
    fixing: Sequence[Rule],
    checking: Sequence[Rule],
    settings: Settings,
    *,
    unsafe: bool,
) -> tuple[list[str], CheckResult | None]:
    """What is wrong with ``fixed_text``, the result of applying ``fixing``'s fixes to a
    module whose findings were ``before``; and the findings of the fixed text."""
    try:
        parse_module(fixed_text, path)
    except ParseError as error:
        return [f"the fixed module does not parse: {error}"], None
    after = check_text(fixed_text, path, checking, settings)
    problems = [f"rule {f.code} failed on the fixed module: {f.error}" for f in after.failures]
    codes = {r.code for r in fixing}
    for code, message in left_over(after, codes, unsafe):
        problems.append(f"a fixable finding is left: {code} {message}")
    new = Counter(new_findings(before, after, codes))
    for code, count in sorted(new.items()):
        earlier = {d.message for d in before.diagnostics if d.code == code}
        unseen = [
            d.message for d in after.diagnostics if d.code == code and d.message not in earlier
        ]
        problems.append(f"{count} new {code} finding(s) appeared: {'; '.join(unseen)}")
    again = fix_text(fixed_text, path, fixing, settings, unsafe=unsafe)
    if again.text != fixed_text:
        problems.append(f"a second pass changes the module again ({dict(again.fixed)})")
    return problems, after


def validate_together(
    text: str, path: str, rules: Sequence[Rule], settings: Settings, report: Report
) -> None:
    """All rules' safe fixes, then all their unsafe fixes, as ``--fix`` applies them."""
    before = check_text(text, path, rules, settings)
    for stage in STAGES:
        unsafe = stage == "unsafe"
        if not fixable_codes(before, unsafe):
            continue
        result = fix_text(text, path, rules, settings, unsafe=unsafe)
        report.fixed_together.update(result.fixed)
        problems, after = problems_after_fixing(
            before, result.text, path, rules, rules, settings, unsafe=unsafe
        )
        report.failures += [Failure(path, stage, "", p) for p in problems]
        if after is None:
            return
        text, before = result.text, after


def validate_each_rule(
    text: str, path: str, rules: Sequence[Rule], settings: Settings, report: Report
) -> None:
    """Each rule's safe and unsafe fixes alone, every rule checking the result."""
    before = check_text(text, path, rules, settings)
    for code in sorted(fixable_codes(before, unsafe=True)):
        rule = next(r for r in rules if r.code == code)
        result = fix_text(text, path, [rule], settings, unsafe=True)
        counts = report.count(code)
        counts.fixes += result.fixed[code]
        counts.files += 1
        problems, _ = problems_after_fixing(
            before, result.text, path, [rule], rules, settings, unsafe=True
        )
        counts.failures += bool(problems)
        report.failures += [Failure(path, "rule", code, p) for p in problems]


def validate_module(
    text: str, path: str, rules: Sequence[Rule] | None = None, settings: Settings | None = None
) -> Report:
    """The fix validity report of one module (every rule, default settings unless given)."""
    rules = tuple(rules if rules is not None else all_rules())
    settings = settings or Settings()
    report = Report(modules=1)
    try:
        parse_module(text, path)
    except ParseError:
        report.unparsable.append(path)
        return report
    validate_together(text, path, rules, settings, report)
    validate_each_rule(text, path, rules, settings, report)
    return report


def validate_files(paths: Iterable[Path], root: Path, label: str = "") -> Report:
    report = Report()
    for path in paths:
        text = path.read_bytes().decode("utf-8", errors="replace")
        name = path.relative_to(root).as_posix()
        report.merge(validate_module(text, f"{label}{name}"))
    return report


def markdown(report: Report, corpora: Sequence[str], seconds: float) -> str:
    lines = [
        "# Fix validity",
        "",
        f"Corpus: {', '.join(corpora)}. {report.modules} modules "
        f"({len(report.unparsable)} do not parse), {report.fixes_validated} fixes validated "
        f"one rule at a time, {sum(report.fixed_together.values())} applied all together, "
        f"{len(report.failures)} failures, {seconds:.1f} s.",
        "",
        "| rule | fixes applied | files | failures | applied together |",
        "|---|---:|---:|---:|---:|",
    ]
    codes = sorted(set(report.rules) | set(report.fixed_together))
    for code in codes:
        counts = report.rules.get(code, RuleCount())
        lines.append(
            f"| {code} | {counts.fixes} | {counts.files} | {counts.failures} "
            f"| {report.fixed_together[code]} |"
        )
    if report.failures:
        lines += ["", "## Failures", ""]
        lines += [f"- {failure.line()}" for failure in report.failures]
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Apply every safe and then every unsafe fix to each module of the benchmark "
            "corpus; check that each result parses, that the fixed findings are gone, that "
            "no new finding appears and that a second pass changes nothing; print the counts "
            "per rule and every failure (Markdown)."
        ),
        epilog="Corpus: " + describe_corpus(),
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="NAME",
        help="only this corpus package (repeatable; default: all of them)",
    )
    parser.add_argument(
        "--path",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="also validate the .py files under this directory (repeatable)",
    )
    parser.add_argument("--no-corpus", action="store_true", help="only the --path directories")
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the counts and failures here"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="where releases are downloaded and extracted (default: .cache beside this script)",
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    report = Report()
    names: list[str] = []
    if not args.no_corpus:
        for entry in select_entries(args.corpus):
            corpus = prepare(entry, args.cache_dir.resolve())
            log(f"validating {entry.label}: {len(corpus.files)} modules")
            paths = [corpus.root / name for name in corpus.files]
            report.merge(validate_files(paths, corpus.root, f"{entry.package}/"))
            names.append(entry.label)
    for directory in args.path:
        directory = directory.resolve()
        log(f"validating {directory}")
        report.merge(validate_files(sorted(directory.rglob("*.py")), directory.parent))
        names.append(str(directory))
    print(markdown(report, names, time.perf_counter() - started), end="")
    if args.json:
        payload = {
            "corpora": names,
            "modules": report.modules,
            "unparsable": report.unparsable,
            "rules": {code: asdict(counts) for code, counts in sorted(report.rules.items())},
            "fixed_together": dict(sorted(report.fixed_together.items())),
            "failures": [asdict(f) for f in report.failures],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", "utf-8")
    return 1 if report.failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(parse_args(argv))
    except BenchmarkError as error:
        log(f"error: {error}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
