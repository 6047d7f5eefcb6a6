"""Position and diagnostic conversion of the language server (fastapi_lsp.convert)."""

from __future__ import annotations

import pytest
from lsprotocol import types

from fastapi_lint.diagnostics import Diagnostic, Edit, Position, Related, Severity
from fastapi_lint.source import SourceText
from fastapi_lsp.convert import (
    from_lsp_position,
    text_edit,
    text_replacement,
    to_lsp_diagnostic,
    to_lsp_position,
)

LINE = 'x = "é🎉"; f()\n'
CALL = Position(1, len('x = "é🎉"; '.encode()))  # the byte column ast gives `f()`


def test_byte_columns_to_each_encoding() -> None:
    source = SourceText(LINE)
    assert to_lsp_position(source, CALL, "utf-8").character == 14
    assert to_lsp_position(source, CALL, "utf-16").character == 11  # 🎉 is two units
    assert to_lsp_position(source, CALL, "utf-32").character == 10


def test_round_trip_and_clamping() -> None:
    source = SourceText(LINE + "y = 1")
    for encoding in ("utf-8", "utf-16", "utf-32"):
        lsp = to_lsp_position(source, CALL, encoding)
        assert from_lsp_position(source, lsp, encoding) == CALL
    # inside the emoji snaps to its start; past the end of a line clamps to the line
    inside = from_lsp_position(source, types.Position(line=0, character=7), "utf-16")
    assert inside == Position(1, len('x = "é'.encode()))
    past = to_lsp_position(source, Position(1, 999), "utf-16")
    assert past.character == 14
    end = from_lsp_position(source, types.Position(line=9, character=0), "utf-8")
    assert end == Position(2, 5)


def test_form_feed_does_not_end_a_line() -> None:
    source = SourceText("\x0cx = 'é'\nf()\n")
    assert to_lsp_position(source, Position(2, 0), "utf-16") == types.Position(line=1, character=0)


def test_text_replacement_is_minimal() -> None:
    source = SourceText(LINE)
    (edit,) = text_replacement(source, LINE.replace("f()", "g()"), "utf-16")
    assert edit.new_text == "g"
    assert edit.range.start == types.Position(line=0, character=11)
    assert edit.range.end == types.Position(line=0, character=12)
    assert text_replacement(source, LINE, "utf-16") == []


def _lookup(uri: str) -> SourceText | None:
    return SourceText("é = 1\n") if uri.endswith("other.py") else None


def test_deprecated_tag_related_information_and_severity() -> None:
    source = SourceText(LINE)
    finding = Diagnostic(
        "FAS701",
        "legacy",
        CALL,
        Position(1, CALL.col + 3),
        Severity.ERROR,
        related=(
            Related("first here", Position(1, 0), Position(1, 1)),
            Related("and there", Position(1, 2), Position(1, 3), path="/project/other.py"),
        ),
    )
    lsp = to_lsp_diagnostic(finding, source, "file:///project/app.py", "utf-16", 3, _lookup)
    assert lsp.tags == [types.DiagnosticTag.Deprecated]
    assert lsp.severity == types.DiagnosticSeverity.Error
    assert lsp.data == {"version": 3}
    same, other = lsp.related_information or []
    assert same.location.uri == "file:///project/app.py"
    assert other.location.uri == "file:///project/other.py"
    assert other.location.range.start.character == 1  # byte 2 of `é = 1` is character 1
    pydantic = Diagnostic("FAS201", "v1 API", CALL, CALL)
    assert to_lsp_diagnostic(pydantic, source, "u", "utf-8", 1, _lookup).tags == [
        types.DiagnosticTag.Deprecated
    ]
    modern = Diagnostic("FAS402", "called", CALL, CALL)
    assert to_lsp_diagnostic(modern, source, "u", "utf-8", 1, _lookup).tags is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_an_edit_ending_at_the_newline_ends_at_the_next_line(encoding: str) -> None:
    source = SourceText("a = 1\nb = 2\nc = 3")
    edit = text_edit(source, Edit(Position(2, 0), Position(2, 6), ""), encoding)
    assert (edit.range.start.line, edit.range.start.character) == (1, 0)
    assert (edit.range.end.line, edit.range.end.character) == (2, 0)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_an_edit_past_the_last_line_ends_at_the_end_of_the_text(encoding: str) -> None:
    source = SourceText("a = 1\nc = 3")
    edit = text_edit(source, Edit(Position(2, 0), Position(3, 0), ""), encoding)
    assert (edit.range.end.line, edit.range.end.character) == (1, 5)


def test_columns_inside_a_line_count_code_units() -> None:
    source = SourceText("x = 'é'\n")
    utf16 = text_edit(source, Edit(Position(1, 5), Position(1, 8), "z"), "utf-16")
    utf8 = text_edit(source, Edit(Position(1, 5), Position(1, 8), "z"), "utf-8")
    assert (utf16.range.start.character, utf16.range.end.character) == (5, 7)
    assert (utf8.range.start.character, utf8.range.end.character) == (5, 8)
