"""A router with a prefix and router-level dependencies, included in the app; the handlers
ask for the current user the old way, each with the same declaration."""

# ruff: noqa: B008  (the old-style declarations are what the refactorings rewrite)

from fastapi import APIRouter, Body, Depends, FastAPI, Header, HTTPException, Query
from pydantic import BaseModel


class User(BaseModel):
    name: str
    admin: bool = False


USERS = {"t-alice": User(name="alice", admin=True), "t-bob": User(name="bob")}
ITEMS: dict[int, dict[str, str]] = {
    1: {"name": "hammer", "owner": "alice"},
    2: {"name": "saw", "owner": "bob"},
}


def verify_token(x_token: str = Header(...)) -> str:
    if x_token not in USERS:
        raise HTTPException(status_code=401, detail="bad token")
    return x_token


def get_current_user(token: str = Depends(verify_token)) -> User:
    return USERS[token]


router = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(verify_token)])


@router.get("/")
async def list_items(
    q: str | None = Query(None, max_length=10),
    user: User = Depends(get_current_user),
) -> list[dict[str, str]]:
    found = [item for item in ITEMS.values() if q is None or q in item["name"]]
    return found if user.admin else [i for i in found if i["owner"] == user.name]


@router.get("/{item_id}")
def read_item(item_id: int, user: User = Depends(get_current_user)) -> dict[str, str]:
    item = ITEMS.get(item_id)
    if item is None or (item["owner"] != user.name and not user.admin):
        raise HTTPException(status_code=404, detail="not found")
    return item


@router.post("/{item_id}/rename", status_code=201)
def rename_item(
    item_id: int,
    name: str = Body(..., embed=True, min_length=2),
    user: User = Depends(get_current_user),
) -> dict[str, str]:
    if not user.admin:
        raise HTTPException(status_code=403, detail="admins only")
    ITEMS[item_id] = {**ITEMS[item_id], "name": name}
    return ITEMS[item_id]


app = FastAPI()
app.include_router(router)


@app.get("/me")
async def me(user: User = Depends(get_current_user)) -> User:
    return user
