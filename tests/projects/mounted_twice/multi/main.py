from fastapi import FastAPI

from multi import admin
from multi.items import router as items_router

app = FastAPI()
app.include_router(items_router, prefix="/v1")
app.include_router(items_router, prefix="/v2", deprecated=True)
app.mount("/admin", admin.admin_app)
