"""A single-module app: startup/shutdown handlers, old-style parameter declarations, a sync
helper called from an async route and two independent awaits in a row."""

# ruff: noqa: B008  (the old-style declarations are what the refactorings rewrite)

import asyncio
import hashlib

from fastapi import Cookie, Depends, FastAPI, Header, HTTPException, Path, Query

EVENTS: list[str] = []
STATE: dict[str, object] = {}


class Database:
    def __init__(self) -> None:
        self.rows = {1: "alpha", 2: "beta", 3: "gamma"}

    async def fetch(self, key: int) -> str | None:
        await asyncio.sleep(0)
        return self.rows.get(key)


def get_db() -> Database:
    return Database()


async def fetch_profile(user_id: int) -> dict[str, object]:
    await asyncio.sleep(0.01)
    return {"id": user_id, "name": f"user-{user_id}"}


async def fetch_orders(user_id: int) -> list[int]:
    await asyncio.sleep(0)
    return [user_id * 10, user_id * 10 + 1]


def checksum(text: str, *, rounds: int = 1) -> str:
    digest = text.encode()
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()


app = FastAPI(title="dashboard")


@app.on_event("startup")
async def open_resources() -> None:
    EVENTS.append("startup")
    STATE["ready"] = True


@app.on_event("shutdown")
def close_resources() -> None:
    EVENTS.append("shutdown")
    STATE.clear()


@app.get("/health")
async def health() -> dict[str, object]:
    return {"ready": STATE.get("ready", False)}


@app.get("/rows/{key}")
async def read_row(
    verbose: bool = Query(False),
    db: Database = Depends(get_db),
    key: int = Path(..., ge=1),
    user_agent: str | None = Header(None),
    session: str = Cookie("anonymous"),
) -> dict[str, object]:
    value = await db.fetch(key)
    if value is None:
        raise HTTPException(status_code=404, detail="no such row")
    return {"key": key, "value": value, "verbose": verbose, "agent": user_agent, "session": session}


@app.get("/rows")
async def list_rows(db: Database = Depends(get_db), limit: int = Query(10, le=100)) -> list[str]:
    return sorted(db.rows.values())[:limit]


@app.get("/checksum/{text}")
async def text_checksum(text: str, rounds: int = 2) -> dict[str, str]:
    value = checksum(text, rounds=rounds)
    return {"text": text, "checksum": value}


@app.get("/dashboard/{user_id}")
async def dashboard(user_id: int) -> dict[str, object]:
    profile = await fetch_profile(user_id)
    # the orders are independent of the profile
    orders = await fetch_orders(user_id)
    return {"profile": profile, "orders": orders}
