#!/usr/bin/env python3
"""The precision of each rule, from the reviews in ``benchmarks/reviews/*.md``.

A review file has a section per rule (a heading starting with the rule code) listing the
reviewed findings as ``- corpus path:line — TP|FP — reason``. The script counts them and
prints, per rule, the findings reviewed, TP, FP and the precision as a Markdown table. It
exits with status 1 when a review file does not follow that convention (see
``benchmarks/README.md``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus import CORPUS, REVIEW_CORPUS, normalise

HERE = Path(__file__).resolve().parent
DEFAULT_REVIEWS = HERE / "reviews"

# A heading; a rule section's heading starts with the rule code (``## FAS101 ...``).
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
RULE_CODE = re.compile(r"^`?([A-Z]{2,}\d{2,})\b`?")
# A list item that starts like a reviewed finding: ``- corpus path:line``.
FINDING_START = re.compile(r"^\s*[-*+]\s+`?([\w.-]+)\s+([^\s`]+):(\d+)(?::\d+)?\b")
# The whole reviewed finding.
FINDING = re.compile(
    r"^\s*[-*+]\s+`?(?P<corpus>[\w.-]+)\s+(?P<path>[^\s`]+):(?P<line>\d+)(?::\d+)?`?"
    r"\s+(?:\u2014|\u2013|--)\s+\**(?P<verdict>TP|FP)\**"
    r"\s+(?:\u2014|\u2013|--)\s+(?P<reason>\S.*)$"
)
# A stated precision, ``Precision: 9/10`` (a percentage may follow).
PRECISION = re.compile(r"^\W*precision\W*?:?\**\s*(\d+)\s*/\s*(\d+)", re.IGNORECASE)


class ReviewError(Exception):
    """A review file that does not follow the convention."""


@dataclass
class RuleReview:
    code: str
    file: str
    true_positives: int = 0
    false_positives: int = 0
    seen: set[tuple[str, str, int]] = field(default_factory=set)

    @property
    def reviewed(self) -> int:
        return self.true_positives + self.false_positives


def parse_review(path: Path) -> list[RuleReview]:
    """The rule sections of one review file; raises ReviewError on the first problem."""
    corpora = {normalise(entry.package) for entry in (*CORPUS, *REVIEW_CORPUS)}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ReviewError(f"{path}: cannot read: {error}") from None
    rules: list[RuleReview] = []
    current: RuleReview | None = None
    stated: list[tuple[int, RuleReview, int, int]] = []
    in_fence = False
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{path}:{number}"
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = HEADING.match(line)
        if heading:
            code = RULE_CODE.match(heading.group(1))
            current = None
            if code:
                if any(r.code == code.group(1) for r in rules):
                    raise ReviewError(f"{where}: a second section for {code.group(1)}")
                current = RuleReview(code.group(1), path.name)
                rules.append(current)
            continue
        precision = PRECISION.match(line)
        if precision and current is not None:
            stated.append((number, current, int(precision.group(1)), int(precision.group(2))))
            continue
        if not FINDING_START.match(line):
            continue
        finding = FINDING.match(line)
        if finding is None:
            raise ReviewError(f"{where}: not `- corpus path:line — TP|FP — reason`: {line.strip()}")
        if current is None:
            raise ReviewError(f"{where}: a reviewed finding outside a rule's section")
        corpus = finding.group("corpus")
        if normalise(corpus) not in corpora:
            raise ReviewError(f"{where}: unknown corpus {corpus!r}")
        key = (normalise(corpus), finding.group("path"), int(finding.group("line")))
        if key in current.seen:
            raise ReviewError(f"{where}: {corpus} {key[1]}:{key[2]} listed twice")
        current.seen.add(key)
        if finding.group("verdict") == "TP":
            current.true_positives += 1
        else:
            current.false_positives += 1
    for number, rule, true_positives, reviewed in stated:
        if (true_positives, reviewed) != (rule.true_positives, rule.reviewed):
            raise ReviewError(
                f"{path}:{number}: {rule.code} states precision {true_positives}/{reviewed}, "
                f"but lists {rule.true_positives} TP of {rule.reviewed} findings"
            )
    return rules


def percentage(true_positives: int, reviewed: int) -> str:
    return f"{100 * true_positives / reviewed:.1f}%" if reviewed else "n/a"


def rule_order(review: RuleReview) -> tuple[str, int, str]:
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", review.code)
    if match:
        return (match.group(1), int(match.group(2)), review.file)
    return (review.code, 0, review.file)


def markdown(reviews: Sequence[RuleReview]) -> str:
    lines = [
        "| rule | review | reviewed | TP | FP | precision |",
        "|---|---|---|---|---|---|",
    ]
    for r in sorted(reviews, key=rule_order):
        lines.append(
            f"| {r.code} | `{r.file}` | {r.reviewed} | {r.true_positives} | "
            f"{r.false_positives} | {percentage(r.true_positives, r.reviewed)} |"
        )
    tp = sum(r.true_positives for r in reviews)
    fp = sum(r.false_positives for r in reviews)
    lines.append(f"| **total** | | {tp + fp} | {tp} | {fp} | {percentage(tp, tp + fp)} |")
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Print the precision of each rule (findings reviewed, TP, FP) from the review "
            "files, as a Markdown table; exit 1 when a review file does not parse."
        )
    )
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="REVIEW",
        help="review files (default: benchmarks/reviews/*.md)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    files: list[Path] = args.files or sorted(DEFAULT_REVIEWS.glob("*.md"))
    if not files:
        print(f"error: no review files in {DEFAULT_REVIEWS}", file=sys.stderr)
        return 1
    reviews: list[RuleReview] = []
    failed = False
    for path in files:
        try:
            parsed = parse_review(path)
        except ReviewError as error:
            print(f"error: {error}", file=sys.stderr)
            failed = True
            continue
        for review in parsed:
            other = next((r for r in reviews if r.code == review.code), None)
            if other is not None:
                print(
                    f"error: {path}: {review.code} is also reviewed in {other.file}",
                    file=sys.stderr,
                )
                failed = True
        reviews += parsed
    if failed:
        return 1
    print(markdown(reviews), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
