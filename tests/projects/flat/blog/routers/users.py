from fastapi import APIRouter, Depends

from blog.deps import get_current_user
from blog.schemas import UserOut
from blog.services import profile_name

router = APIRouter(tags=["users"])


@router.get("/", response_model=list[UserOut])
async def list_users() -> list[UserOut]:
    return []


@router.get("/{user_id}", response_model=UserOut)
async def read_user(user_id: int, me: str = Depends(get_current_user)) -> UserOut:
    return UserOut(id=user_id, name=me)


@router.api_route("/{user_id}/avatar", methods=["GET", "PUT"])
def avatar(user_id: int) -> dict[str, int]:
    return {"id": user_id}


@router.get("/{user_id}/name")
async def user_name(user_id: int) -> str:
    return profile_name(user_id)
