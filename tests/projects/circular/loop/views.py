from fastapi import APIRouter

from loop.helpers import shout
from loop.main import app

router = APIRouter()


@app.get("/direct")
async def direct() -> str:
    return shout("direct")


@router.get("/{name}")
async def view(name: str) -> str:
    return shout(name)
