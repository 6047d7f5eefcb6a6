class LibraryError(Exception):
    """Base class of the library's errors."""


class NotFoundError(LibraryError):
    pass


class ForbiddenError(LibraryError):
    pass
