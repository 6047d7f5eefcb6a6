from fastapi import FastAPI

from .api import api_router


def create_app() -> FastAPI:
    application = FastAPI(title="shop")
    application.include_router(api_router)

    @application.get("/")
    async def root() -> dict[str, str]:
        return {"shop": "open"}

    return application


app = create_app()
