from pydantic import BaseModel


class Item(BaseModel):
    id: int
    name: str
    price: float
    stock: int


class Restock(BaseModel):
    quantity: int
