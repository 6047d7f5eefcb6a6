from typing import Annotated

from fastapi import Depends, Header

from notes.db import DbDep


def current_user(db: DbDep, x_user: str = Header(default="")) -> str:
    return x_user or db["name"]


UserDep = Annotated[str, Depends(current_user)]


def require_admin(user: UserDep) -> str:
    return user


def verify_key(x_key: str = Header(default="")) -> None:
    return None


class Pagination:
    def __init__(self, page: int = 1, size: int = 20) -> None:
        self.page = page
        self.size = size
