"""The server's text document: lines as LSP ends them, and edits applied in proportion to
their size.

pygls splits the whole text into lines for every incremental change (and on every read of
``lines``); on a 22,000-line module that is tens of milliseconds per keystroke. ``Document``
keeps the lines of its current text and, for a change, splits again only the lines it
touched. It also keeps which lines the changes since the last analysis touched
(``take_change``), so that the checker need not compare the whole texts to find them.
"""

from __future__ import annotations

import re

from lsprotocol import types
from pygls.workspace import TextDocument

from fastapi_lint.incremental import LineChange
from fastapi_lsp.convert import char_index

# LSP and Python end lines only at these; ``str.splitlines`` also splits at form feeds and
# other characters, which would misplace incremental edits after them
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> tuple[str, ...]:
    """The text's lines with their terminators, ended only at ``\\r\\n``, ``\\r`` and ``\\n``."""
    return tuple(LINE.findall(text))


def spliced_lines(
    lines: tuple[str, ...], new_text: str, first: int, last: int, delta: int
) -> tuple[str, ...]:
    """The lines of ``new_text``, made from ``lines`` (those of the text before a change)
    when the change lies within lines ``first .. last`` (0-based, inclusive) and changed the
    text's length by ``delta``: only those lines are split again. ``first`` and ``last`` must
    keep a line of margin around the change (a ``\\r`` ending a line before it may meet a
    ``\\n`` the change puts at the start of the next)."""
    start = sum(map(len, lines[:first]))
    end = start + sum(map(len, lines[first : last + 1])) + delta
    return (*lines[:first], *LINE.findall(new_text, start, end), *lines[last + 1 :])


class Document(TextDocument):
    """A pygls text document whose lines end where LSP says they do, and whose incremental
    changes clamp out-of-range positions as the protocol asks (a character past the end of
    its line means the end of the line, a line past the end means the end of the text)."""

    # the text the lines below were split from (compared by identity), and its lines
    _split_from: str | None = None
    _split: tuple[str, ...] = ()
    # the text of the last ``take_change`` (None: none, or a change replaced the whole
    # text since), and the lines changed since: (first, old_last, new_last) as in
    # ``LineChange``, None when nothing changed
    _base: str | None = None
    _changed: tuple[int, int, int] | None = None

    def take_change(self) -> LineChange | None:
        """How the current text differs from the one of the last call (None: unknown);
        the current text becomes the one the next call compares with."""
        change = None
        base, changed, source = self._base, self._changed, self.source
        if base is not None and changed is not None:
            change = LineChange(base, list(self.lines), *changed)
        self._base, self._changed = source, None
        return change

    def _apply_full_change(self, change: types.TextDocumentContentChangeEvent) -> None:
        super()._apply_full_change(change)
        self._base = None

    def _record(self, old: tuple[str, ...], new: tuple[str, ...], first: int, last: int) -> None:
        """Add to the changed lines: old lines ``first .. last`` (0-based) were replaced,
        the others kept (narrowed to the lines that differ)."""
        old_last = last + 1
        new_last = len(new) - (len(old) - old_last)
        while first < old_last and first < new_last and old[first] == new[first]:
            first += 1
        while old_last > first and new_last > first and old[old_last - 1] == new[new_last - 1]:
            old_last -= 1
            new_last -= 1
        if self._changed is None:
            self._changed = (first, old_last, new_last)
            return
        # the earlier range in the lines between the two changes, joined with this one
        before_first, before_old, before_new = self._changed
        end = max(before_new, old_last)
        self._changed = (
            min(before_first, first),
            end - (before_new - before_old),
            end + (new_last - old_last),
        )

    @property
    def lines(self) -> tuple[str, ...]:
        source = self.source
        if source is not self._split_from:
            self._split_from, self._split = source, split_lines(source)
        return self._split

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        lines = self.lines
        source = self.source
        encoding = self._position_codec.encoding
        encoding = str(
            encoding.value if isinstance(encoding, types.PositionEncodingKind) else encoding
        )

        def offset(position: types.Position) -> int:
            if position.line >= len(lines):
                return len(source)
            content = lines[position.line].rstrip("\r\n")
            line_start = sum(map(len, lines[: position.line]))
            return line_start + char_index(content, position.character, encoding)

        bounds = sorted(
            ((change.range.start.line, offset(change.range.start)),
             (change.range.end.line, offset(change.range.end))),
            key=lambda bound: bound[1],
        )  # fmt: skip
        (start_line, start), (end_line, end) = bounds
        new_source = source[:start] + change.text + source[end:]
        if lines:
            first = max(min(start_line, len(lines) - 1) - 1, 0)
            last = min(end_line + 1, len(lines) - 1)
            delta = len(change.text) - (end - start)
            self._split = spliced_lines(lines, new_source, first, last, delta)
            if self._base is not None:
                self._record(lines, self._split, first, last)
        else:
            self._split = split_lines(new_source)
            self._base = None
        self._source = self._split_from = new_source
