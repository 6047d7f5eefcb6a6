from fastapi import FastAPI

from proj.api.routes import items

app = FastAPI()
app.include_router(items.router, prefix="/api")
