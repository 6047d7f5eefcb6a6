from fastapi import APIRouter

from .orders import router as orders_router
from .products import products

router = APIRouter()
router.include_router(orders_router, prefix="/orders", tags=["orders"])
router.include_router(products)
