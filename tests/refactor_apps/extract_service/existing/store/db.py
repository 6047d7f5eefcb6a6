"""An in-memory stand-in for a database session."""

from collections.abc import Iterator
from typing import Any

ORDERS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "status": "open", "total": 30},
    2: {"id": 2, "status": "cancelled", "total": 12},
}


class FakeSession:
    def __init__(self, rows: dict[int, dict[str, Any]]) -> None:
        self.rows = rows

    def get(self, order_id: int) -> dict[str, Any] | None:
        return self.rows.get(order_id)

    def update(self, order_id: int, **values: Any) -> None:
        self.rows[order_id] = {**self.rows[order_id], **values}


def get_session() -> Iterator[FakeSession]:
    yield FakeSession(ORDERS)


def get_clock() -> str:
    return "2026-01-01T00:00:00Z"
