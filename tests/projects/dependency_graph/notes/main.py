from fastapi import APIRouter, Depends, FastAPI

from notes.api import notes
from notes.auth import verify_key

api = APIRouter(prefix="/api")
api.include_router(notes.router)

app = FastAPI()
app.include_router(api, dependencies=[Depends(verify_key)])


@app.get("/health")
async def health():  # untyped on purpose: a finding on a handler name
    return {"status": "ok"}
