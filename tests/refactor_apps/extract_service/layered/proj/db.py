"""An in-memory stand-in for a database session."""

from collections.abc import Iterator

from proj.models import Item

TABLE: dict[int, Item] = {
    1: Item(id=1, name="hammer", price=12.5, stock=3),
    2: Item(id=2, name="saw", price=20.0, stock=0),
}


class FakeSession:
    def __init__(self, table: dict[int, Item]) -> None:
        self.table = table
        self.log: list[str] = []

    def get(self, item_id: int) -> Item | None:
        self.log.append(f"get {item_id}")
        return self.table.get(item_id)

    def save(self, item: Item) -> None:
        self.table[item.id] = item


def get_db() -> Iterator[FakeSession]:
    yield FakeSession(TABLE)
