from fastapi import APIRouter, Depends, HTTPException, Query, Request

from proj.db import FakeSession, get_db
from proj.models import Item, Restock
from proj.pricing import DISCOUNT

router = APIRouter(prefix="/items")


@router.get("/{item_id}")
def read_item(
    item_id: int,
    request: Request,
    currency: str = Query("EUR", max_length=3),
    db: FakeSession = Depends(get_db),
) -> dict[str, object]:
    client = request.headers.get("x-client", "anonymous")
    item = db.get(item_id)
    if not item:
        raise HTTPException(status_code=404, detail=f"Item {item_id} not found")
    price = round(item.price * DISCOUNT, 2) if client == "member" else item.price
    return {"name": item.name, "price": price, "currency": currency}


@router.post("/{item_id}/restock", status_code=202)
async def restock_item(item_id: int, body: Restock, db: FakeSession = Depends(get_db)) -> Item:
    if body.quantity <= 0:
        raise HTTPException(status_code=400, detail="quantity must be positive")
    item = db.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="no such item")
    updated = Item(id=item.id, name=item.name, price=item.price, stock=item.stock + body.quantity)
    db.save(updated)
    return updated
