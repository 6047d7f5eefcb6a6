from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from .books.router import router
from .errors import ForbiddenError, NotFoundError

app = FastAPI()
app.include_router(router)


@app.exception_handler(NotFoundError)
async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
    return JSONResponse(status_code=404, content={"detail": str(exc)})


async def forbidden(request: Request, exc: Exception) -> JSONResponse:
    """Members may not see staff-only books."""
    return JSONResponse(status_code=status.HTTP_403_FORBIDDEN, content={"detail": str(exc)})


app.add_exception_handler(ForbiddenError, forbidden)
