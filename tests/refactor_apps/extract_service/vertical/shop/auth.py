from typing import Annotated

from fastapi import Header, HTTPException


def verify_token(x_token: Annotated[str, Header()] = "secret") -> None:
    if x_token != "secret":
        raise HTTPException(status_code=401, detail="Bad token")
