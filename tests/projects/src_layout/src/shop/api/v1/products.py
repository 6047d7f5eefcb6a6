from fastapi import APIRouter

products = APIRouter(prefix="/products")


async def product_detail(sku: str) -> str:
    return sku


products.add_api_route("/{sku}", product_detail, methods=["GET", "HEAD"])
