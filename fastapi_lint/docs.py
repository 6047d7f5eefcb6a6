"""Rule documentation generated from the rules' docstrings.

``python -m fastapi_lint.docs`` writes ``docs/rules/<CODE>.md``, ``docs/rules/README.md`` and
the rule table of the top-level README; ``--check`` fails when any of them is out of date.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fastapi_lint.rules import Rule, all_rules

TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"

FAMILIES = {
    "FAS1xx": "Async hygiene",
    "FAS2xx": "Pydantic v2",
    "FAS3xx": "Path operations and the API contract",
    "FAS4xx": "Dependency injection and state",
    "FAS5xx": "Security",
    "FAS6xx": "Architecture and observability",
    "FAS7xx": "Deprecated and legacy APIs",
    "FAS9xx": "Project-wide analysis",
}

FIX_LABEL = {"safe": "safe", "unsafe": "unsafe", "action": "editor", "none": "—"}


def rule_page(rule: Rule) -> str:
    """The Markdown page of one rule (also what ``fastapi-lint rule CODE`` prints)."""
    header = [
        f"# {rule.code} {rule.name}",
        "",
        f"Default: **{'on' if rule.default else 'opt-in'}** · "
        f"Fix: **{FIX_LABEL[rule.fix]}** · Severity: {rule.severity.value}",
        "",
    ]
    return "\n".join(header) + "\n" + rule.doc.strip() + "\n"


def rules_table(link_prefix: str) -> str:
    lines = []
    rules = all_rules()
    for family, title in FAMILIES.items():
        members = [r for r in rules if r.family == family]
        if not members:
            continue
        lines += [f"**{family} — {title}**", ""]
        lines += ["| Code | Name | Default | Fix | What it finds |", "|---|---|---|---|---|"]
        for r in members:
            link = f"[{r.code}]({link_prefix}{r.code}.md)"
            default = "on" if r.default else "opt-in"
            lines.append(f"| {link} | {r.name} | {default} | {FIX_LABEL[r.fix]} | {r.summary} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def index_page() -> str:
    return (
        "# Rules\n\n"
        "Generated from the rules' docstrings by `python -m fastapi_lint.docs`; "
        "`fastapi-lint rule CODE` prints the same pages.\n\n" + rules_table("")
    )


def expected_files(root: Path) -> dict[Path, str]:
    files = {root / "docs" / "rules" / f"{r.code}.md": rule_page(r) for r in all_rules()}
    files[root / "docs" / "rules" / "README.md"] = index_page()
    readme = root / "README.md"
    if readme.exists():
        files[readme] = _with_table(readme.read_text("utf-8"))
    return files


def _with_table(readme: str) -> str:
    start = readme.find(TABLE_START)
    end = readme.find(TABLE_END)
    if start < 0 or end < start:
        return readme
    table = rules_table("docs/rules/")
    return readme[: start + len(TABLE_START)] + "\n" + table + readme[end:]


def stale_files(root: Path) -> list[Path]:
    stale = []
    for path, text in expected_files(root).items():
        if not path.exists() or path.read_text("utf-8") != text:
            stale.append(path)
    docs = root / "docs" / "rules"
    known = set(expected_files(root))
    stale.extend(p for p in docs.glob("FAS*.md") if p not in known)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fastapi_lint.docs", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--check", action="store_true", help="fail when the docs are stale")
    args = parser.parse_args(argv)
    root: Path = args.root
    if args.check:
        stale = stale_files(root)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        return 1 if stale else 0
    (root / "docs" / "rules").mkdir(parents=True, exist_ok=True)
    known = expected_files(root)
    for path in (root / "docs" / "rules").glob("FAS*.md"):
        if path not in known:
            path.unlink()
    for path, text in known.items():
        path.write_text(text, "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
