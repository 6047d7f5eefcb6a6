"""An in-memory stand-in for a database session: rows live in a dict per app."""

from collections.abc import Iterator
from typing import Any

ROWS: dict[int, dict[str, Any]] = {}


class FakeSession:
    def __init__(self, rows: dict[int, dict[str, Any]]) -> None:
        self.rows = rows
        self.pending: dict[int, dict[str, Any]] = {}

    def get(self, key: int) -> dict[str, Any] | None:
        return self.rows.get(key)

    def all(self) -> list[dict[str, Any]]:
        return [self.rows[key] for key in sorted(self.rows)]

    def add(self, key: int, row: dict[str, Any]) -> None:
        self.pending[key] = row

    def commit(self) -> None:
        self.rows.update(self.pending)
        self.pending.clear()


def get_db() -> Iterator[FakeSession]:
    session = FakeSession(ROWS)
    try:
        yield session
    finally:
        session.pending.clear()
