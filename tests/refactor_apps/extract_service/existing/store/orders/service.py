"""Business logic of orders."""

from typing import Annotated, Any

from fastapi import Depends

from store.db import FakeSession, get_session


class OrderService:
    def __init__(self, session: FakeSession) -> None:
        self.session = session

    def total(self, order_id: int) -> int:
        order = self.session.get(order_id)
        return 0 if order is None else int(order["total"])

    def describe(self, order: dict[str, Any]) -> str:
        return f"order {order['id']} ({order['status']})"


def get_order_service(session: Annotated[FakeSession, Depends(get_session)]) -> OrderService:
    return OrderService(session)
