from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from ..db import FakeSession, get_db

router = APIRouter(prefix="/books")


@router.post("/{book_id}/borrow")
def borrow_book(book_id: int, member: str, db: Annotated[FakeSession, Depends(get_db)]):
    book = db.get(book_id)
    if book is None:
        raise HTTPException(status_code=404, detail=f"Book {book_id} not found")
    title = book["title"]
    if book["restricted"] and not member.startswith("staff-"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{title} is for staff only")
    if book["borrowed_by"] is not None:
        raise HTTPException(status_code=409, detail="already borrowed")
    db.update(book_id, borrowed_by=member)
    return {"id": book_id, "title": title, "borrowed_by": member}
