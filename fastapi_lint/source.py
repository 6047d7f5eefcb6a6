"""Source text with the position conversions every adapter needs."""

from __future__ import annotations

from functools import cached_property

from fastapi_lint.diagnostics import Position


def decode_source(data: bytes) -> str:
    """Decode a Python file as the interpreter would (PEP 263 cookie, BOM), never raising."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError):
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="surrogateescape")


class SourceText:
    """A module's text, split into lines, with UTF-8 byte columns mapped to characters."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        """Lines with their terminators; ``lines[0]`` is line 1."""
        return self.text.splitlines(keepends=True) or [""]

    @cached_property
    def line_starts(self) -> list[int]:
        """Character offset where each line starts (index 0 = line 1)."""
        starts = [0]
        total = 0
        for line in self.lines:
            total += len(line)
            starts.append(total)
        return starts

    def line_text(self, line: int) -> str:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return ""

    def char_col(self, pos: Position) -> int:
        """The 0-based character column of a position whose column is a UTF-8 byte offset."""
        text = self.line_text(pos.line)
        if text.isascii():
            return min(pos.col, len(text))
        encoded = text.encode("utf-8", errors="surrogatepass")
        return len(encoded[: pos.col].decode("utf-8", errors="replace"))

    def byte_col(self, line: int, char_col: int) -> int:
        text = self.line_text(line)
        if text.isascii():
            return char_col
        return len(text[:char_col].encode("utf-8", errors="surrogatepass"))

    def offset(self, pos: Position) -> int:
        """Character offset of a position into ``text``, clamped to the text."""
        if pos.line < 1:
            return 0
        if pos.line > len(self.lines):
            return len(self.text)
        return self.line_starts[pos.line - 1] + self.char_col(pos)

    def segment(self, start: Position, end: Position) -> str:
        return self.text[self.offset(start) : self.offset(end)]

    def indentation(self, line: int) -> str:
        text = self.line_text(line)
        return text[: len(text) - len(text.lstrip(" \t"))]

    @cached_property
    def newline(self) -> str:
        first = self.lines[0]
        if first.endswith("\r\n"):
            return "\r\n"
        if first.endswith("\r"):
            return "\r"
        return "\n"
