"""The server's document applies incremental changes splitting only the lines they touch,
with the same text and lines as applying them to the whole text."""

from __future__ import annotations

import random

from lsprotocol import types
from pygls.workspace import PositionCodec

from fastapi_lsp.convert import UTF8, UTF16, UTF32, char_index
from fastapi_lsp.text_document import Document, split_lines

PIECES = ["a", "bc", "\n", "\r", "\r\n", "é", "😀", "  x = 1\n", "\n\n", "\t", "\x0c"]


def expected_text(text: str, change: types.TextDocumentContentChangePartial, encoding: str) -> str:
    """The change applied by offsets into the whole text's lines (clamped as LSP asks)."""
    lines = split_lines(text)

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        content = lines[position.line].rstrip("\r\n")
        before = sum(len(line) for line in lines[: position.line])
        return before + char_index(content, position.character, encoding)

    start, end = sorted((offset(change.range.start), offset(change.range.end)))
    return text[:start] + change.text + text[end:]


def random_text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(size))


def random_position(rng: random.Random, lines: int) -> types.Position:
    return types.Position(line=rng.randrange(lines + 2), character=rng.randrange(6))


def test_changes_match_the_whole_text_split() -> None:
    rng = random.Random(0)
    for encoding in (UTF8, UTF16, UTF32):
        codec = PositionCodec(types.PositionEncodingKind(encoding))
        for _ in range(300):
            text = random_text(rng, rng.randrange(12))
            document = Document(
                "file:///t.py",
                source=text,
                sync_kind=types.TextDocumentSyncKind.Incremental,
                position_codec=codec,
            )
            for _ in range(6):
                count = len(split_lines(text))
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=random_position(rng, count), end=random_position(rng, count)
                    ),
                    text=random_text(rng, rng.randrange(3)),
                )
                text = expected_text(text, change, encoding)
                document.apply_change(change)
                assert document.source == text, (encoding, change)
                assert document.lines == split_lines(text), (encoding, change)


def test_lines_follow_a_full_change() -> None:
    document = Document(
        "file:///t.py", source="a\nb\n", sync_kind=types.TextDocumentSyncKind.Incremental
    )
    before: tuple[str, ...] = document.lines
    assert before == ("a\n", "b\n")
    document.apply_change(types.TextDocumentContentChangeWholeDocument(text="x\ry\r\nz"))
    after: tuple[str, ...] = document.lines
    assert after == ("x\r", "y\r\n", "z")
