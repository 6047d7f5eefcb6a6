from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends


def get_db() -> Iterator[dict[str, str]]:
    yield {"name": "notes"}


DbDep = Annotated[dict[str, str], Depends(get_db)]
