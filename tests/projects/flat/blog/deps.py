from collections.abc import Iterator

from fastapi import Depends, Header


def get_db() -> Iterator[dict[str, str]]:
    db = {"name": "blog"}
    yield db


def verify_token(x_token: str = Header(default="")) -> str:
    return x_token


def get_current_user(db: dict[str, str] = Depends(get_db)) -> str:
    return db["name"]
