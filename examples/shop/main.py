"""An example shop API with the mistakes fastapi-lint finds in review.

Run `fastapi-lint check examples/` (or `flake8 --select FAS examples/`) to see them; every
`async def` below has at least one problem, and `routers/health.py` shows clean code.
"""

import asyncio
import time
from typing import Annotated

import requests
from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel
from pydantic_settings import BaseSettings
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from .routers import health

engine = create_engine("sqlite:///./shop.db")
SessionLocal = sessionmaker(bind=engine)

app = FastAPI()
app.include_router(health.router)

recently_viewed: list[int] = []


class Settings(BaseSettings):
    payment_url: str = "https://payments.example.com"


class Order(BaseModel):
    product_id: int
    quantity: int = 1


def get_db():
    db = SessionLocal()
    yield db
    db.close()


def get_settings() -> Settings:
    return Settings()


def get_current_user(db: Annotated[Session, Depends(get_db)]) -> str:
    try:
        yield "alice"
    except Exception:
        pass


@app.on_event("startup")
async def warm_up() -> None:
    time.sleep(1)


async def notify_warehouse(order_id: int) -> None:
    await asyncio.sleep(0.1)


@app.get("/products/{product_id}")
async def read_product(product_id: int, db: Session = Depends(get_db)) -> dict[str, int]:
    recently_viewed.append(product_id)
    product = db.execute(select(1)).first()
    if product is None:
        raise HTTPException(status_code=404)
    return {"id": product_id}


@app.get("/search")
async def search(q: str = Query(default="", max_length=50)) -> list[str]:
    response = requests.get("https://search.example.com", params={"q": q}, timeout=5)
    return response.json()


@app.post("/orders")
async def create_order(
    order: Order,
    tasks: BackgroundTasks,
    user: Annotated[str, Depends(get_current_user)],
) -> dict[str, int]:
    settings = Settings()
    notify_warehouse(order.product_id)
    asyncio.create_task(notify_warehouse(order.product_id))
    reports = create_engine(settings.payment_url)
    return {"id": order.product_id, "engine": id(reports)}


@app.get("/orders")
def list_orders(db: Annotated[Session, Depends(get_db())]) -> list[int]:
    return [row.id for row in db.execute(select(1))]
