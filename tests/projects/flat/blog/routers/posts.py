from fastapi import APIRouter

from blog.schemas import PostOut

router = APIRouter(prefix="/posts")


@router.get("")
async def list_posts() -> list[PostOut]:
    return []


@router.post("/", status_code=201)
async def create_post(post: PostOut) -> PostOut:
    return post


@router.delete("/{post_id}", status_code=204)
def delete_post(post_id: int) -> None:
    return None


@router.websocket("/live")
async def live(websocket: object) -> None:
    return None
