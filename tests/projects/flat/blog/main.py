from fastapi import Depends, FastAPI

from blog.deps import verify_token
from blog.routers import posts, users

app = FastAPI()
app.include_router(users.router, prefix="/users", dependencies=[Depends(verify_token)])
app.include_router(posts.router)


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}
