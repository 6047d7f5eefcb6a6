from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from store.db import FakeSession, get_clock, get_session
from store.orders.service import OrderService, get_order_service

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("/{order_id}/total")
def order_total(order_id: int, service: Annotated[OrderService, Depends(get_order_service)]):
    return {"total": service.total(order_id)}


@router.post("/{order_id}/cancel")
def cancel_order(
    order_id: int,
    db: Annotated[FakeSession, Depends(get_session)],
    now: Annotated[str, Depends(get_clock)],
    reason: str = "customer request",
):
    order = db.get(order_id)
    if order is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Order not found")
    if order["status"] == "cancelled":
        # cancelling twice changes nothing
        return {"order": order, "changed": False}
    db.update(order_id, status="cancelled", reason=reason, cancelled_at=now)
    return {"order": db.get(order_id), "changed": True}
