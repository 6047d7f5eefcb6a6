"""Every conversion between the core's types and LSP types.

The core speaks ``ast`` positions (1-based lines, 0-based UTF-8 byte columns); the client
speaks 0-based lines and columns in the negotiated ``positionEncoding`` (UTF-8, UTF-16 or
UTF-32 code units). Lines end only at ``\\n``, ``\\r\\n`` and ``\\r``, as in both Python and LSP.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path

from fastapi_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Position, Severity
from fastapi_lint.rules import get_rule
from fastapi_lint.source import SourceText

SOURCE = "fastapi-lint"
UTF8 = types.PositionEncodingKind.Utf8.value
UTF16 = types.PositionEncodingKind.Utf16.value
UTF32 = types.PositionEncodingKind.Utf32.value

# families whose findings are about deprecated or legacy APIs (Pydantic v1, legacy FastAPI)
DEPRECATED_FAMILIES = ("FAS2", "FAS7")

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}

# how another file's text is found for related locations: an open document or the disk
SourceLookup = Callable[[str], SourceText | None]


def _content(line: str) -> str:
    """A line without its terminator."""
    return line.rstrip("\r\n")


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in code units of ``encoding``."""
    if text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", errors="surrogatepass"))
    if encoding == UTF32:
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def char_index(text: str, column: int, encoding: str) -> int:
    """The character index of a column given in code units; a column inside a character or
    past the end of ``text`` snaps to that character or to the end."""
    if text.isascii() or encoding == UTF32:
        return min(column, len(text))
    total = 0
    for index, char in enumerate(text):
        if total >= column:
            return index
        total += units(char, encoding)
        if total > column:
            return index
    return len(text)


def to_lsp_position(source: SourceText, pos: Position, encoding: str) -> types.Position:
    """An ``ast`` position (1-based line, UTF-8 byte column) as an LSP position."""
    if pos.line < 1:
        return types.Position(line=0, character=0)
    if pos.line > len(source.lines):
        return end_position(source, encoding)
    text = _content(source.line_text(pos.line))
    if encoding == UTF8 and text.isascii():
        return types.Position(line=pos.line - 1, character=min(pos.col, len(text)))
    chars = min(source.char_col(pos), len(text))
    return types.Position(line=pos.line - 1, character=units(text[:chars], encoding))


def from_lsp_position(source: SourceText, pos: types.Position, encoding: str) -> Position:
    """An LSP position as an ``ast`` position, clamped to the text."""
    if pos.line >= len(source.lines):
        last = len(source.lines)
        return Position(last, len(source.line_text(last).encode("utf-8", "surrogatepass")))
    text = _content(source.line_text(pos.line + 1))
    chars = char_index(text, pos.character, encoding)
    return Position(pos.line + 1, source.byte_col(pos.line + 1, chars))


def to_lsp_range(source: SourceText, start: Position, end: Position, encoding: str) -> types.Range:
    return types.Range(
        start=to_lsp_position(source, start, encoding), end=to_lsp_position(source, end, encoding)
    )


def offset_position(source: SourceText, offset: int, encoding: str) -> types.Position:
    """The LSP position of a character offset into the text."""
    offset = max(0, min(offset, len(source.text)))
    index = bisect.bisect_right(source.line_starts, offset) - 1
    if index >= len(source.lines):
        return end_position(source, encoding)
    line = source.lines[index]
    column = offset - source.line_starts[index]
    return types.Position(line=index, character=units(line[:column], encoding))


def end_position(source: SourceText, encoding: str) -> types.Position:
    """The position just after the last character."""
    last = source.lines[-1]
    if last.endswith(("\n", "\r")):
        return types.Position(line=len(source.lines), character=0)
    return types.Position(line=len(source.lines) - 1, character=units(last, encoding))


def contains(range_: types.Range, pos: types.Position) -> bool:
    start = (range_.start.line, range_.start.character)
    end = (range_.end.line, range_.end.character)
    return start <= (pos.line, pos.character) <= end


def text_edit(source: SourceText, edit: Edit, encoding: str) -> types.TextEdit:
    """An edit through character offsets: a fix may end at a line's newline or just past the
    last line (deleting whole lines), which a clamped line/column would cut short."""
    start = offset_position(source, source.offset(edit.start), encoding)
    end = offset_position(source, source.offset(edit.end), encoding)
    return types.TextEdit(range=types.Range(start=start, end=end), new_text=edit.new_text)


def text_replacement(source: SourceText, new_text: str, encoding: str) -> list[types.TextEdit]:
    """The smallest single edit that turns the text into ``new_text`` (none when equal)."""
    old = source.text
    if old == new_text:
        return []
    prefix = 0
    limit = min(len(old), len(new_text))
    while prefix < limit and old[prefix] == new_text[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and old[len(old) - 1 - suffix] == new_text[len(new_text) - 1 - suffix]
    ):
        suffix += 1
    start = offset_position(source, prefix, encoding)
    end = offset_position(source, len(old) - suffix, encoding)
    replacement = new_text[prefix : len(new_text) - suffix]
    return [types.TextEdit(range=types.Range(start=start, end=end), new_text=replacement)]


def fix_data(fix: Fix | None, source: SourceText, encoding: str, version: int | None) -> Any:
    """What a code action needs to apply a fix, stored in ``Diagnostic.data``: the document
    version the edits were computed for and the edits in the negotiated encoding."""
    data: dict[str, Any] = {"version": version}
    if fix is not None and fix.edits:
        data["fix"] = {
            "title": fix.title,
            "applicability": fix.applicability.value,
            "edits": [
                {
                    "range": _range_json(to_lsp_range(source, e.start, e.end, encoding)),
                    "newText": e.new_text,
                }
                for e in fix.edits
            ],
        }
    return data


def _range_json(range_: types.Range) -> dict[str, dict[str, int]]:
    return {
        "start": {"line": range_.start.line, "character": range_.start.character},
        "end": {"line": range_.end.line, "character": range_.end.character},
    }


def _range_from_json(value: Mapping[str, Any]) -> types.Range:
    start, end = value["start"], value["end"]
    return types.Range(
        start=types.Position(line=int(start["line"]), character=int(start["character"])),
        end=types.Position(line=int(end["line"]), character=int(end["character"])),
    )


class StoredFix:
    """A fix read back from ``Diagnostic.data``."""

    def __init__(self, title: str, applicability: Applicability, edits: list[types.TextEdit]):
        self.title = title
        self.applicability = applicability
        self.edits = edits


def data_version(data: Any) -> int | None:
    if isinstance(data, Mapping) and isinstance(data.get("version"), int):
        return int(data["version"])
    return None


def stored_fix(data: Any) -> StoredFix | None:
    """The fix in a diagnostic's ``data``; None when there is none or it is malformed."""
    if not isinstance(data, Mapping) or not isinstance(data.get("fix"), Mapping):
        return None
    fix = data["fix"]
    try:
        edits = [
            types.TextEdit(range=_range_from_json(e["range"]), new_text=str(e["newText"]))
            for e in fix["edits"]
        ]
        return StoredFix(str(fix["title"]), Applicability(fix["applicability"]), edits)
    except (KeyError, TypeError, ValueError):
        return None


def docs_link(template: str | None, code: str) -> types.CodeDescription | None:
    """The rule's documentation page from a ``docs-url`` template (``{code}``, ``{name}``);
    None without a template."""
    if not template:
        return None
    rule = get_rule(code)
    name = rule.name if rule is not None else code.lower()
    return types.CodeDescription(href=template.replace("{code}", code).replace("{name}", name))


def to_lsp_diagnostic(
    diagnostic: Diagnostic,
    source: SourceText,
    uri: str,
    encoding: str,
    version: int | None,
    lookup: SourceLookup,
    docs_url: str | None = None,
) -> types.Diagnostic:
    related = [
        types.DiagnosticRelatedInformation(
            location=_location(r.path, r.start, r.end, source, uri, encoding, lookup),
            message=r.message,
        )
        for r in diagnostic.related
    ]
    tags = (
        [types.DiagnosticTag.Deprecated]
        if diagnostic.code.startswith(DEPRECATED_FAMILIES)
        else None
    )
    return types.Diagnostic(
        range=to_lsp_range(source, diagnostic.start, diagnostic.end, encoding),
        message=diagnostic.message,
        severity=SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        code_description=docs_link(docs_url, diagnostic.code),
        source=SOURCE,
        tags=tags,
        related_information=related or None,
        data=fix_data(diagnostic.fix, source, encoding, version),
    )


def to_lsp_diagnostics(
    diagnostics: Iterable[Diagnostic],
    source: SourceText,
    uri: str,
    encoding: str,
    version: int | None,
    lookup: SourceLookup,
    docs_url: str | None = None,
) -> list[types.Diagnostic]:
    return [
        to_lsp_diagnostic(d, source, uri, encoding, version, lookup, docs_url) for d in diagnostics
    ]


def _location(
    path: str | None,
    start: Position,
    end: Position,
    source: SourceText,
    uri: str,
    encoding: str,
    lookup: SourceLookup,
) -> types.Location:
    if path is None:
        return types.Location(uri=uri, range=to_lsp_range(source, start, end, encoding))
    other_uri = from_fs_path(str(Path(path).resolve())) or path
    other = lookup(other_uri)
    if other is None:  # unreadable: byte columns are the best available guess
        return types.Location(
            uri=other_uri,
            range=types.Range(
                start=types.Position(line=max(start.line - 1, 0), character=start.col),
                end=types.Position(line=max(end.line - 1, 0), character=end.col),
            ),
        )
    return types.Location(uri=other_uri, range=to_lsp_range(other, start, end, encoding))


def _core_positions(diagnostic: Diagnostic) -> list[Position]:
    """A finding's positions in the order its LSP form holds them: range, related locations,
    the fix's edits."""
    positions = [diagnostic.start, diagnostic.end]
    for related in diagnostic.related:
        positions += [related.start, related.end]
    if diagnostic.fix is not None and diagnostic.fix.edits:
        for edit in diagnostic.fix.edits:
            positions += [edit.start, edit.end]
    return positions


def moved_lsp_diagnostic(
    converted: types.Diagnostic, old: Diagnostic, new: Diagnostic, version: int | None
) -> types.Diagnostic | None:
    """The LSP form of ``new``, a finding that is ``old`` with some of its positions moved by
    whole lines (the lines an edit above them added or removed), made from ``converted``,
    the LSP form of ``old``: each position moves by as many lines as the core position it
    came from, keeping its column (the line's text is the same). None when the two are not
    the same finding so moved, or it names another file (whose text may have changed)."""
    if (new.code, new.severity) != (old.code, old.severity):
        return None
    if any(r.path is not None for r in new.related) or len(new.related) != len(old.related):
        return None
    if (new.fix is None) != (old.fix is None):
        return None
    old_positions, new_positions = _core_positions(old), _core_positions(new)
    if len(old_positions) != len(new_positions):
        return None
    shifts = [n.line - o.line for o, n in zip(old_positions, new_positions, strict=True)]
    if any(n.col != o.col for o, n in zip(old_positions, new_positions, strict=True)):
        return None

    def moved(range_: types.Range, index: int) -> types.Range:
        start, end = shifts[index], shifts[index + 1]
        if not start and not end:
            return range_
        return types.Range(
            start=types.Position(line=range_.start.line + start, character=range_.start.character),
            end=types.Position(line=range_.end.line + end, character=range_.end.character),
        )

    related = None
    if converted.related_information:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=item.location.uri, range=moved(item.location.range, 2 + 2 * index)
                ),
                message=item.message,
            )
            for index, item in enumerate(converted.related_information)
        ]
    if not isinstance(converted.data, Mapping):
        return None
    data: dict[str, Any] = {**converted.data, "version": version}
    fix = data.get("fix")
    base = 2 + 2 * len(new.related)
    if isinstance(fix, Mapping) and any(shifts[base:]):
        edits = [
            {
                "range": _range_json(moved(_range_from_json(e["range"]), base + 2 * index)),
                "newText": e["newText"],
            }
            for index, e in enumerate(fix["edits"])
        ]
        data["fix"] = {**fix, "edits": edits}
    return types.Diagnostic(
        range=moved(converted.range, 0),
        message=new.message,
        severity=converted.severity,
        code=converted.code,
        code_description=converted.code_description,
        source=converted.source,
        tags=converted.tags,
        related_information=related,
        data=data,
    )
