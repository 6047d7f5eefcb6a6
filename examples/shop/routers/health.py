"""A clean router: fastapi-lint has nothing to say about it."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends

router = APIRouter(prefix="/health")


async def get_uptime() -> float:
    await asyncio.sleep(0)
    return 42.0


@router.get("/")
async def health(uptime: Annotated[float, Depends(get_uptime)]) -> dict[str, float]:
    return {"uptime": uptime}
