"""Output formats of ``fastapi-lint check``: text, json, sarif, github."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

import fastapi_lint
from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Position, Severity
from fastapi_lint.rules import get_rule
from fastapi_lint.runner import FileReport
from fastapi_lint.source import SourceText

FORMATS = ("text", "json", "sarif", "github")


def column(source: SourceText | None, pos: Position) -> int:
    """1-based character column, as flake8 and editors count."""
    if source is None:
        return pos.col + 1
    return source.char_col(pos) + 1


def text_line(report: FileReport, d: Diagnostic) -> str:
    return f"{report.path}:{d.start.line}:{column(report.source, d.start)}: {d.code} {d.message}"


def write_text(out: TextIO, reports: Sequence[FileReport], show_fixes: bool) -> None:
    for report in reports:
        for d in report.diagnostics:
            out.write(text_line(report, d) + "\n")
            if show_fixes and d.fix is not None and d.fix.edits:
                out.write(f"    fix ({d.fix.applicability.value}): {d.fix.title}\n")


def _location(source: SourceText | None, pos: Position) -> dict[str, int]:
    return {"row": pos.line, "column": column(source, pos)}


def _edit_json(source: SourceText | None, edit: Edit) -> dict[str, Any]:
    return {
        "content": edit.new_text,
        "location": _location(source, edit.start),
        "end_location": _location(source, edit.end),
    }


def diagnostic_json(report: FileReport, d: Diagnostic) -> dict[str, Any]:
    rule = get_rule(d.code)
    source = report.source
    return {
        "code": d.code,
        "name": rule.name if rule else None,
        "message": d.message,
        "severity": d.severity.value,
        "filename": report.path,
        "location": _location(source, d.start),
        "end_location": _location(source, d.end),
        "fix": None
        if d.fix is None or not d.fix.edits
        else {
            "applicability": d.fix.applicability.value,
            "message": d.fix.title,
            "edits": [_edit_json(source, e) for e in d.fix.edits],
        },
        "related": [
            {
                "message": r.message,
                "filename": r.path or report.path,
                "location": _location(source if r.path is None else None, r.start),
                "end_location": _location(source if r.path is None else None, r.end),
            }
            for r in d.related
        ],
    }


def _write_json(out: TextIO, value: object, *, ensure_ascii: bool = False) -> None:
    """``value`` as indented JSON and a newline (json is imported by the formats using it)."""
    import json

    json.dump(value, out, indent=2, ensure_ascii=ensure_ascii)
    out.write("\n")


def write_json(out: TextIO, reports: Sequence[FileReport]) -> None:
    _write_json(out, [diagnostic_json(r, d) for r in reports for d in r.diagnostics])


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def write_sarif(out: TextIO, reports: Sequence[FileReport]) -> None:
    codes = sorted({d.code for r in reports for d in r.diagnostics})
    rules = []
    for code in codes:
        rule = get_rule(code)
        if rule is None:
            continue
        rules.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.doc},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                "properties": {"default": "on" if rule.default else "opt", "fix": rule.fix},
            }
        )
    results = []
    for report in reports:
        for d in report.diagnostics:
            result: dict[str, Any] = {
                "ruleId": d.code,
                "level": _SARIF_LEVEL[d.severity],
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": report.path.replace("\\", "/")},
                            "region": {
                                "startLine": d.start.line,
                                "startColumn": column(report.source, d.start),
                                "endLine": d.end.line,
                                "endColumn": column(report.source, d.end),
                            },
                        }
                    }
                ],
            }
            if (
                d.fix is not None
                and d.fix.edits
                and d.fix.applicability is not Applicability.ACTION
            ):
                result["fixes"] = [_sarif_fix(report, d)]
            results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "fastapi-lint",
                        "version": fastapi_lint.__version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    _write_json(out, document)


def _sarif_fix(report: FileReport, d: Diagnostic) -> dict[str, Any]:
    assert d.fix is not None
    return {
        "description": {"text": d.fix.title},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": report.path.replace("\\", "/")},
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": e.start.line,
                            "startColumn": column(report.source, e.start),
                            "endLine": e.end.line,
                            "endColumn": column(report.source, e.end),
                        },
                        "insertedContent": {"text": e.new_text},
                    }
                    for e in d.fix.edits
                ],
            }
        ],
    }


def _github_escape(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def write_github(out: TextIO, reports: Sequence[FileReport]) -> None:
    for report in reports:
        for d in report.diagnostics:
            props = ",".join(
                [
                    f"title={_github_escape(f'fastapi-lint ({d.code})', True)}",
                    f"file={_github_escape(report.path, True)}",
                    f"line={d.start.line}",
                    f"col={column(report.source, d.start)}",
                    f"endLine={d.end.line}",
                    f"endColumn={column(report.source, d.end)}",
                ]
            )
            message = _github_escape(f"{d.code} {d.message}")
            out.write(f"::{_GITHUB_LEVEL[d.severity]} {props}::{message}\n")


def write_statistics(out: TextIO, reports: Sequence[FileReport], output_format: str) -> None:
    counts: Counter[str] = Counter(d.code for r in reports for d in r.diagnostics)
    fixable: Counter[str] = Counter(
        d.code
        for r in reports
        for d in r.diagnostics
        if d.fix is not None and d.fix.edits and d.fix.applicability is Applicability.SAFE
    )
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        _write_json(
            out,
            [
                {
                    "code": code,
                    "name": (rule.name if (rule := get_rule(code)) else None),
                    "count": count,
                    "fixable": fixable[code],
                }
                for code, count in rows
            ],
            ensure_ascii=True,
        )
        return
    width = max((len(str(c)) for _, c in rows), default=1)
    for code, count in rows:
        rule = get_rule(code)
        mark = "[*]" if fixable[code] else "   "
        out.write(f"{count:>{width}}\t{code}\t{mark} {rule.name if rule else ''}\n")
