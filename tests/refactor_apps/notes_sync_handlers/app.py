"""Sync handlers with a yield dependency: FastAPI runs them in its threadpool."""

# ruff: noqa: B008  (the old-style declarations are what the refactorings rewrite)

from collections.abc import Iterator

from fastapi import Depends, FastAPI, Header, Query, Security
from fastapi.security import APIKeyHeader

api_key = APIKeyHeader(name="X-Key", auto_error=False)
CLOSED: list[int] = []


class Session:
    def __init__(self) -> None:
        self.notes = {1: "buy milk", 2: "call bob", 3: "write tests"}


def get_session() -> Iterator[Session]:
    session = Session()
    try:
        yield session
    finally:
        CLOSED.append(len(session.notes))


app = FastAPI()


@app.get("/notes")
def list_notes(
    session: Session = Depends(get_session),
    contains: str = Query("", alias="q"),
    tags: list[str] = Query([]),
) -> dict[str, object]:
    notes = [n for n in session.notes.values() if contains in n]
    return {"notes": notes, "tags": tags}


@app.get("/notes/{note_id}")
def read_note(
    note_id: int,
    session: Session = Depends(get_session),
    key: str | None = Security(api_key),
    accept_language: str = Header("en"),
) -> dict[str, object]:
    return {"note": session.notes.get(note_id), "key": key, "lang": accept_language}


@app.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: int, session: Session = Depends(get_session)) -> None:
    session.notes.pop(note_id, None)
