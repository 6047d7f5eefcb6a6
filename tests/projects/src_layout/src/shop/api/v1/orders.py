from fastapi import APIRouter

router = APIRouter()


@router.get("/")
async def list_orders() -> list[int]:
    return []


@router.get("/{order_id}")
async def read_order(order_id: int) -> int:
    return order_id


@router.patch("/{order_id}")
async def update_order(order_id: int) -> int:
    return order_id
