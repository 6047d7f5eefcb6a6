from fastapi import APIRouter, Depends

from app import audit
from app.deps import get_db, get_settings
from app.helpers import slow_lookup

router = APIRouter(prefix="/items")


@router.get("/{key}")
async def read_item(key: str, db=Depends(get_db()), settings=Depends(get_settings)) -> str:
    audit.record("é🎉")
    return slow_lookup(key)
