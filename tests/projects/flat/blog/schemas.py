from pydantic import BaseModel


class UserOut(BaseModel):
    id: int
    name: str


class PostOut(BaseModel):
    id: int
    title: str
