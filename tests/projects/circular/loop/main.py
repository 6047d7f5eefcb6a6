from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index() -> dict[str, str]:
    return {"loop": "main"}


# the views register their routes on this app: imported last, as Flask-style apps do
from loop import views  # noqa: E402

app.include_router(views.router, prefix="/views")
