from fastapi import APIRouter

router = APIRouter(prefix="/items")


@router.get("/{item_id}")
async def read_item(item_id: int) -> int:
    return item_id


@router.put("/{item_id}")
async def replace_item(item_id: int) -> int:
    return item_id
