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


def test_take_change_gives_the_changed_lines() -> None:
    """The lines changed since the last ``take_change``, over several changes, bound what
    differs between the texts: the lines before and after them are equal."""
    rng = random.Random(1)
    for encoding in (UTF8, UTF16):
        codec = PositionCodec(types.PositionEncodingKind(encoding))
        for _ in range(300):
            text = random_text(rng, rng.randrange(1, 12))
            document = Document(
                "file:///t.py",
                source=text,
                sync_kind=types.TextDocumentSyncKind.Incremental,
                position_codec=codec,
            )
            assert document.take_change() is None  # nothing to compare with yet
            for _ in range(4):
                before = document.source
                emptied = False  # an empty text has no lines to splice: the range is lost
                for _ in range(rng.randrange(1, 4)):
                    emptied |= not document.source
                    count = len(split_lines(document.source))
                    change = types.TextDocumentContentChangePartial(
                        range=types.Range(
                            start=random_position(rng, count), end=random_position(rng, count)
                        ),
                        text=random_text(rng, rng.randrange(3)),
                    )
                    document.apply_change(change)
                taken = document.take_change()
                old, new = split_lines(before), split_lines(document.source)
                if emptied:
                    continue
                assert taken is not None
                assert taken.before is before
                assert taken.lines == list(new)
                assert old[: taken.first] == new[: taken.first]
                assert old[taken.old_last :] == new[taken.new_last :]
                assert taken.first <= min(taken.old_last, taken.new_last)


def test_a_full_change_forgets_the_changed_lines() -> None:
    document = Document(
        "file:///t.py", source="a\nb\n", sync_kind=types.TextDocumentSyncKind.Incremental
    )
    document.take_change()
    document.apply_change(types.TextDocumentContentChangeWholeDocument(text="x\ny\n"))
    assert document.take_change() is None
    at = types.Position(line=1, character=0)
    document.apply_change(
        types.TextDocumentContentChangePartial(range=types.Range(start=at, end=at), text="z\n")
    )
    taken = document.take_change()
    assert taken is not None and (taken.first, taken.old_last, taken.new_last) == (1, 1, 2)
