"""Source text with the position conversions every adapter needs."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from functools import cached_property

from fastapi_lint.diagnostics import Position

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True)
class DecodedSource:
    text: str
    encoding: str
    exact: bool  # False when undecodable bytes were escaped: never write such a file back
    error: str | None = None  # why the bytes do not decode, as the user should read it


def decode_source(data: bytes) -> DecodedSource:
    """Decode a Python file as the interpreter would (PEP 263 cookie, BOM), never raising."""
    declaration_error = None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except (SyntaxError, LookupError) as error:
        encoding = "utf-8"
        declaration_error = str(error)
    try:
        text = data.decode(encoding)
        # an unknown or contradictory coding cookie: the interpreter refuses the file
        return DecodedSource(text, encoding, declaration_error is None, declaration_error)
    except (UnicodeDecodeError, LookupError) as error:
        text = data.decode("utf-8", errors="surrogateescape")
        return DecodedSource(text, "utf-8", False, _decode_error(data, encoding, error))


def _decode_error(data: bytes, encoding: str, error: Exception) -> str:
    if not isinstance(error, UnicodeDecodeError):
        return f"unknown encoding {encoding!r}"
    before = data[: error.start]
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    byte = data[error.start]
    return f"byte 0x{byte:02x} is not valid {encoding} (line {line}); declare the file's encoding"


class SourceText:
    """A module's text, split into lines, with UTF-8 byte columns mapped to characters."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        """Lines with their terminators; ``lines[0]`` is line 1. Only ``\\n``, ``\\r\\n`` and
        ``\\r`` end a line, as for Python's tokenizer (``str.splitlines`` also splits on form
        feeds and other characters, which would shift every line number after them)."""
        return _LINE.findall(self.text) or [""]

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
