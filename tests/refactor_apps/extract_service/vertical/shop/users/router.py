from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status

from ..auth import verify_token
from ..db import FakeSession, get_db
from .schemas import UserIn, UserOut

router = APIRouter(prefix="/users", tags=["users"], dependencies=[Depends(verify_token)])


@router.post("/", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def create_user(
    payload: UserIn,
    db: Annotated[FakeSession, Depends(get_db)],
    response: Response,
):
    """Create a user."""
    response.headers["X-Created-By"] = "users"
    # names are stored title-cased
    name = payload.name.strip().title()
    user_id = len(db.all()) + 1
    db.add(user_id, {"id": user_id, "name": name, "email": payload.email})
    db.commit()
    return db.get(user_id)


@router.get("/{user_id}", response_model=UserOut)
def read_user(user_id: int, db: Annotated[FakeSession, Depends(get_db)]):
    user = db.get(user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    return user


@router.get("/")
def list_users(
    db: Annotated[FakeSession, Depends(get_db)], q: str | None = None, limit: int = 10
) -> dict[str, object]:
    users = []
    for user in db.all():
        if q and q.lower() not in user["name"].lower():
            continue
        users.append(user)
    return {"count": len(users[:limit]), "items": users[:limit]}
