"""A single-file app: the service goes into this module."""

import asyncio
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()


class FakeAsyncSession:
    """An in-memory stand-in for an async database session."""

    def __init__(self, rows: dict[str, dict[str, Any]]) -> None:
        self.rows = rows

    async def get(self, key: str) -> dict[str, Any] | None:
        await asyncio.sleep(0)
        return self.rows.get(key)

    async def put(self, key: str, row: dict[str, Any]) -> None:
        await asyncio.sleep(0)
        self.rows[key] = row


class FakeRatesClient:
    async def rate(self, currency: str) -> float:
        await asyncio.sleep(0)
        return {"EUR": 1.0, "USD": 1.25}.get(currency, 0.0)


ROWS: dict[str, dict[str, Any]] = {"apple": {"sku": "apple", "price": 2.0, "tags": ["fruit"]}}


async def get_session():
    yield FakeAsyncSession(ROWS)


def get_rates_client() -> FakeRatesClient:
    return FakeRatesClient()


class Product(BaseModel):
    sku: str
    price: float
    tags: list[str] = []


@app.get("/products/{sku}/price")
async def product_price(
    sku: str,
    session: Annotated[FakeAsyncSession, Depends(get_session)],
    rates_client: Annotated[FakeRatesClient, Depends(get_rates_client)],
    currency: str = "EUR",
):
    row = await session.get(sku)
    if row is None:
        raise HTTPException(status_code=404, detail="Unknown product")
    if currency == "EUR":
        return {"sku": sku, "price": row["price"], "currency": "EUR"}
    rate = await rates_client.rate(currency)
    if not rate:
        return {"sku": sku, "price": None, "currency": currency, "error": "no rate"}
    converted = [round(row["price"] * rate, 2) for _ in range(1)][0]
    return {"sku": sku, "price": converted, "currency": currency}


@app.put("/products/{sku}", status_code=201)
async def put_product(
    sku: str,
    product: Product,
    session: Annotated[FakeAsyncSession, Depends(get_session)],
    rates_client: Annotated[FakeRatesClient, Depends(get_rates_client)],
):
    existing = await session.get(sku)
    if product.price > 100 * await rates_client.rate("EUR"):
        return {"error": "too expensive"}
    tags = sorted({*product.tags, *(existing or {}).get("tags", [])})
    for tag in tags:
        if not tag.isalpha():
            return {"error": f"bad tag {tag}"}
    await session.put(sku, {"sku": sku, "price": product.price, "tags": tags})
    return await session.get(sku)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
