#!/usr/bin/env python3
"""The findings of ``fastapi-lint check`` on the benchmark corpus, with samples to review.

For every corpus entry (see ``corpus.py``) the script prepares the release (downloading it
into the cache when needed), runs ``fastapi-lint check --isolated --exit-zero
--output-format json [--select CODES] <files>`` in the release's root, and prints a
Markdown report: the number of findings per rule and corpus, then for every rule a
deterministic sample of findings, each with the source lines around it, so that a reviewer
can judge each one a true or a false positive.

Run ``python benchmarks/findings.py --help`` for the options; see ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpus import (
    CORPUS,
    DEFAULT_CACHE,
    REVIEW_CORPUS,
    BenchmarkError,
    PreparedCorpus,
    describe_corpus,
    installed_checker_command,
    log,
    prepare,
    select_entries,
)

DEFAULT_SAMPLE = 30
DEFAULT_CONTEXT = 3

# What the checker says on stderr about files it could not check, and how many it checked.
PROBLEM_LINE = re.compile(r": (?:cannot read|cannot parse|internal error in \w+):")
FILES_CHECKED = re.compile(r"\b(\d+) files? checked\b")


@dataclass(frozen=True)
class Finding:
    corpus: str  # the corpus entry's package name
    path: str  # relative to the corpus root, POSIX separators
    line: int  # 1-based
    column: int  # 1-based
    end_line: int
    code: str
    name: str
    message: str
    fix: str | None  # the fix's applicability, when the finding has one

    @property
    def location(self) -> str:
        return f"{self.corpus} {self.path}:{self.line}:{self.column}"

    @property
    def headline(self) -> str:
        return f"{self.location} {self.code} {self.message}"

    def sort_key(self) -> tuple[int, str, int, int, str]:
        return (corpus_rank(self.corpus), self.path, self.line, self.column, self.code)


@dataclass
class CorpusResult:
    corpus: PreparedCorpus
    findings: list[Finding]
    exit_status: int
    files_checked: int | None
    problems: list[str]


def corpus_rank(package: str) -> int:
    ordered = (*CORPUS, *REVIEW_CORPUS)
    for index, entry in enumerate(ordered):
        if entry.package == package:
            return index
    return len(ordered)


# --------------------------------------------------------------------------------------------
# Running the checker


def check(corpus: PreparedCorpus, checker: list[str], select: str | None) -> CorpusResult:
    command = [
        *checker,
        "check",
        "--isolated",
        "--no-respect-gitignore",  # the cache lies in a git-ignored directory
        "--exit-zero",
        "--output-format",
        "json",
    ]
    if select:
        command += ["--select", select]
    command += ["--", *corpus.files]
    log(f"checking {corpus.entry.label}: {len(corpus.files)} files")
    result = subprocess.run(
        command, cwd=corpus.root, capture_output=True, text=True, check=False, errors="replace"
    )
    problems = [line for line in result.stderr.splitlines() if PROBLEM_LINE.search(line)]
    try:
        if result.returncode != 0 and not result.stdout.strip():
            raise BenchmarkError("the checker wrote nothing on stdout")
        findings = parse_findings(result.stdout, corpus.entry.package)
    except BenchmarkError as error:
        tail = "\n".join(result.stderr.strip().splitlines()[-20:])
        raise BenchmarkError(
            f"{corpus.entry.label}: {error}\n"
            f"the checker exited with status {result.returncode}\n{tail}"
        ) from None
    checked = FILES_CHECKED.search(result.stderr)
    run = CorpusResult(
        corpus=corpus,
        findings=sorted(findings, key=Finding.sort_key),
        exit_status=result.returncode,
        files_checked=int(checked.group(1)) if checked else None,
        problems=problems,
    )
    if run.exit_status != 0:
        log(f"warning: the checker exited with status {run.exit_status} despite --exit-zero")
    for line in problems[:10]:
        log(f"warning: {line}")
    if run.files_checked is not None and run.files_checked != len(corpus.files):
        log(
            f"warning: the checker reports {run.files_checked} files checked, "
            f"not {len(corpus.files)}"
        )
    return run


def parse_findings(output: str, corpus: str) -> list[Finding]:
    """The findings in the checker's JSON output (a list of objects)."""
    try:
        data: Any = json.loads(output) if output.strip() else []
    except json.JSONDecodeError as error:
        raise BenchmarkError(
            f"the checker's output is not JSON ({error}): {output[:200]!r}"
        ) from None
    if not isinstance(data, list):
        raise BenchmarkError(f"expected a JSON list of findings, got {type(data).__name__}")
    findings: list[Finding] = []
    for item in data:
        if not isinstance(item, dict):
            raise BenchmarkError(f"expected a finding object, got {item!r:.200}")
        try:
            location = item["location"]
            end = item.get("end_location") or location
            fix = item.get("fix")
            findings.append(
                Finding(
                    corpus=corpus,
                    path=Path(str(item["filename"])).as_posix(),
                    line=int(location["row"]),
                    column=int(location["column"]),
                    end_line=int(end["row"]),
                    code=str(item["code"]),
                    name=str(item.get("name") or ""),
                    message=str(item.get("message") or ""),
                    fix=str(fix.get("applicability")) if isinstance(fix, dict) else None,
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BenchmarkError(f"unexpected finding {item!r:.300}: {error!r}") from None
    return findings


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    default: bool


def rule_catalog(checker: list[str]) -> dict[str, Rule]:
    """The checker's rules (``fastapi-lint rules --output-format json``); empty if it cannot
    list them."""
    result = subprocess.run(
        [*checker, "rules", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=False,
        errors="replace",
    )
    try:
        data: Any = json.loads(result.stdout)
        rules = [
            Rule(str(item["code"]), str(item.get("name") or ""), bool(item.get("default")))
            for item in data
        ]
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
        log("warning: the checker did not list its rules; rules without findings are omitted")
        return {}
    return {rule.code: rule for rule in rules}


def selected_rules(catalog: dict[str, Rule], select: str | None) -> list[str]:
    """The codes of the catalog that ``--select`` picks (prefixes, comma-separated; ``ALL``),
    or the default rules without ``--select``."""
    if not select:
        return [code for code, rule in catalog.items() if rule.default]
    prefixes = [p.strip().upper() for p in select.split(",") if p.strip()]
    if "ALL" in prefixes:
        return list(catalog)
    return [code for code in catalog if any(code.startswith(p) for p in prefixes)]


# --------------------------------------------------------------------------------------------
# Sampling and source context


def sample(findings: Sequence[Finding], size: int, seed: int, code: str) -> list[Finding]:
    """``size`` of the findings (all when ``size`` is 0 or more than there are), chosen by a
    random generator seeded with ``seed`` and the rule code, in reading order.

    The findings are sorted first, so the sample depends only on the set of findings, the
    seed and the rule: adding a rule or a corpus leaves the other rules' samples unchanged.
    """
    ordered = sorted(findings, key=Finding.sort_key)
    if size == 0 or size >= len(ordered):
        return ordered
    rng = random.Random(f"{seed}:{code}")
    return sorted(rng.sample(ordered, size), key=Finding.sort_key)


class SourceCache:
    def __init__(self, roots: dict[str, Path]) -> None:
        self.roots = roots
        self.lines: dict[tuple[str, str], list[str]] = {}

    def get(self, corpus: str, path: str) -> list[str]:
        key = (corpus, path)
        if key not in self.lines:
            try:
                data = (self.roots[corpus] / path).read_bytes()
                self.lines[key] = data.decode("utf-8", errors="replace").splitlines()
            except OSError:
                self.lines[key] = []
        return self.lines[key]


def context(finding: Finding, source: list[str], radius: int) -> list[str]:
    """The lines ``radius`` before to ``radius`` after the finding's first line, numbered;
    the lines the finding spans are marked with ``>``."""
    if not source:
        return ["     (source not available)"]
    first = max(1, finding.line - radius)
    last = min(len(source), finding.line + radius)
    width = len(str(last))
    out = []
    for number in range(first, last + 1):
        marker = ">" if finding.line <= number <= finding.end_line else " "
        out.append(f"{marker} {number:>{width}} | {source[number - 1]}".rstrip())
    return out


# --------------------------------------------------------------------------------------------
# Report


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def rule_order(code: str) -> tuple[str, int, str]:
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", code)
    return (match.group(1), int(match.group(2)), "") if match else (code, 0, code)


def counts_table(
    results: Sequence[CorpusResult], catalog: dict[str, Rule], selected: Sequence[str]
) -> list[str]:
    per_corpus = [Counter(f.code for f in r.findings) for r in results]
    codes = sorted(set().union(*per_corpus, selected), key=rule_order)
    names = {code: rule.name for code, rule in catalog.items()}
    names.update({f.code: f.name for r in results for f in r.findings})
    header = ["rule", "name", "default", *(r.corpus.entry.package for r in results), "total"]
    rows = [
        [
            code,
            f"`{names[code]}`" if names.get(code) else "",
            ("on" if catalog[code].default else "opt") if code in catalog else "?",
            *(str(c[code]) for c in per_corpus),
            str(sum(c[code] for c in per_corpus)),
        ]
        for code in codes
    ]
    rows.append(
        [
            "**total**",
            "",
            "",
            *(str(sum(c.values())) for c in per_corpus),
            str(sum(sum(c.values()) for c in per_corpus)),
        ]
    )
    return table(header, rows)


def markdown(
    results: Sequence[CorpusResult],
    samples: dict[str, list[Finding]],
    totals: dict[str, int],
    sources: SourceCache,
    catalog: dict[str, Rule],
    args: argparse.Namespace,
) -> str:
    out = ["# fastapi-lint findings on the benchmark corpus", ""]
    out += [
        f"- selection: {args.select or '(the default rules)'}",
        f"- sample: {'all findings' if args.sample == 0 else f'{args.sample} per rule'}, "
        f"seed {args.seed}; context: {args.context} lines",
        "",
        "## Corpus",
        "",
    ]
    out += table(
        ["package", "version", "directory", "FastAPI files", "lines", "checked", "exit"],
        [
            [
                f"`{r.corpus.entry.package}`",
                r.corpus.entry.version,
                f"`{r.corpus.entry.subdirectory}`",
                str(len(r.corpus.files)),
                str(r.corpus.lines),
                "?" if r.files_checked is None else str(r.files_checked),
                str(r.exit_status),
            ]
            for r in results
        ],
    )
    out += ["", "## Findings per rule and corpus", ""]
    out += counts_table(results, catalog, selected_rules(catalog, args.select))
    problems = [(r, line) for r in results for line in r.problems]
    if problems:
        out += ["", "## Problems", ""]
        out += [f"- {r.corpus.entry.package}: `{line}`" for r, line in problems]
    for code in sorted(samples, key=rule_order):
        chosen = samples[code]
        name = chosen[0].name if chosen else ""
        shown = "all" if len(chosen) == totals[code] else f"{len(chosen)} of"
        out += [
            "",
            f"## {code}{f' `{name}`' if name else ''}: {shown} {totals[code]} "
            f"finding{'' if totals[code] == 1 else 's'}",
            "",
        ]
        for index, finding in enumerate(chosen, 1):
            fix = f" [fix: {finding.fix}]" if finding.fix else ""
            out += [f"{index}. `{finding.location}`{fix}", "", "```text", finding.headline]
            out += context(finding, sources.get(finding.corpus, finding.path), args.context)
            out += ["```", ""]
        while out and out[-1] == "":
            out.pop()
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# Command line


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Run `fastapi-lint check` on the pinned FastAPI applications of the benchmark "
            "corpus and print the findings per rule and corpus, with a sample of findings and "
            "their source context to review (Markdown)."
        ),
        epilog="Corpus: "
        + describe_corpus()
        + ". Review-only releases (chosen with --corpus): "
        + describe_corpus(REVIEW_CORPUS),
    )
    parser.add_argument(
        "--corpus",
        action="append",
        metavar="NAME",
        help="only this corpus package, or a review-only release (repeatable; default: the corpus)",
    )
    parser.add_argument(
        "--select",
        metavar="CODES",
        help="pass --select CODES to the checker (default: the checker's default rules)",
    )
    parser.add_argument(
        "--sample",
        type=non_negative,
        default=DEFAULT_SAMPLE,
        metavar="N",
        help=f"findings shown per rule (default {DEFAULT_SAMPLE}; 0: all of them)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="S", help="seed of the sample (default 0)"
    )
    parser.add_argument(
        "--context",
        type=non_negative,
        default=DEFAULT_CONTEXT,
        metavar="K",
        help=f"source lines shown before and after each finding (default {DEFAULT_CONTEXT})",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the corpus, the counts, every finding and the sample here as JSON",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="where releases are downloaded and extracted (default: .cache beside this script)",
    )
    parser.add_argument(
        "--list-corpora", action="store_true", help="list the corpus entries and stop"
    )
    return parser.parse_args(argv)


def non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be at least 0")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return report(args)
    except BenchmarkError as error:
        log(f"error: {error}")
        return 2


def report(args: argparse.Namespace) -> int:
    entries = select_entries(args.corpus)
    if args.list_corpora:
        for entry in entries:
            print(f"{entry.package} {entry.version} {entry.subdirectory}")
        return 0
    cache: Path = args.cache_dir.resolve()
    checker = installed_checker_command()
    corpora = [prepare(entry, cache) for entry in entries]
    results = [check(corpus, checker, args.select) for corpus in corpora]

    by_rule: dict[str, list[Finding]] = {}
    for result in results:
        for finding in result.findings:
            by_rule.setdefault(finding.code, []).append(finding)
    totals = {code: len(found) for code, found in by_rule.items()}
    samples = {code: sample(found, args.sample, args.seed, code) for code, found in by_rule.items()}
    sources = SourceCache({r.corpus.entry.package: r.corpus.root for r in results})
    catalog = rule_catalog(checker)
    print(markdown(results, samples, totals, sources, catalog, args), end="")

    if args.json:
        payload = {
            "select": args.select,
            "sample": args.sample,
            "seed": args.seed,
            "corpus": [
                {
                    "package": r.corpus.entry.package,
                    "version": r.corpus.entry.version,
                    "subdirectory": r.corpus.entry.subdirectory,
                    "artifact": r.corpus.artifact,
                    "artifact_sha256": r.corpus.artifact_sha256,
                    "fastapi_files": len(r.corpus.files),
                    "lines": r.corpus.lines,
                    "files_checked": r.files_checked,
                    "exit_status": r.exit_status,
                    "problems": r.problems,
                    "counts": dict(
                        sorted(
                            Counter(f.code for f in r.findings).items(),
                            key=lambda kv: rule_order(kv[0]),
                        )
                    ),
                }
                for r in results
            ],
            "findings": [asdict(f) for r in results for f in r.findings],
            "samples": {
                code: [asdict(f) for f in samples[code]] for code in sorted(samples, key=rule_order)
            },
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
