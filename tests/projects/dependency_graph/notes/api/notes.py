from typing import Annotated

from fastapi import APIRouter, Depends, Security, status

from notes import db as database
from notes.auth import Pagination, UserDep, require_admin
from notes.db import DbDep

router = APIRouter(prefix="/notes")


# Notizen: café, résumé 🎉 (text before the handlers that is not ASCII)
@router.get("/", response_model=list[str])
async def list_notes(db: DbDep, page: Annotated[Pagination, Depends()]) -> list[str]:
    return [db["name"]] * page.size


@router.post("/é🎉", status_code=status.HTTP_201_CREATED)
async def créer(user: UserDep, label: str = "é🎉", admin: str = Security(require_admin)) -> str:
    return f"{user}{label}{admin}"


@router.delete("/{note_id}", status_code=204)
def delete_note(note_id: int, db: dict[str, str] = Depends(database.get_db)) -> None:
    return None
