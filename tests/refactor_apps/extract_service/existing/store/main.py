from fastapi import FastAPI

from store.orders.router import router

app = FastAPI()
app.include_router(router)
