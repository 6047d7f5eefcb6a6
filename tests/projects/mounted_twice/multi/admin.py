from fastapi import FastAPI

admin_app = FastAPI()


@admin_app.get("/stats")
async def stats() -> dict[str, int]:
    return {"users": 0}
