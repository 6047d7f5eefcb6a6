"""An in-memory stand-in for a database session."""

from collections.abc import Iterator
from typing import Any

BOOKS: dict[int, dict[str, Any]] = {
    1: {"title": "Dune", "restricted": False, "borrowed_by": None},
    2: {"title": "Archive", "restricted": True, "borrowed_by": None},
}


class FakeSession:
    def get(self, book_id: int) -> dict[str, Any] | None:
        return BOOKS.get(book_id)

    def update(self, book_id: int, **values: Any) -> None:
        BOOKS[book_id] = {**BOOKS[book_id], **values}


def get_db() -> Iterator[FakeSession]:
    yield FakeSession()
