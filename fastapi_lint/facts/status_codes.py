"""HTTP status codes: the names `fastapi.status` gives them (to write one), the status of an
``HTTPException`` and the codes a ``responses=`` mapping documents. Reading a code from an
expression is ``facts.responses.status_code_value``.

The table mirrors `starlette.status` (which `fastapi.status` re-exports) as data, so the
linter never imports the framework it analyses.
"""

from __future__ import annotations

import ast
import weakref

from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.responses import status_code_value

STATUS_MODULES = ("fastapi.status", "starlette.status")
HTTP_EXCEPTIONS = (
    "fastapi.HTTPException",
    "fastapi.exceptions.HTTPException",
    "starlette.exceptions.HTTPException",
)

# code → the name in `fastapi.status`, as recent Starlette spells it
STATUS_NAMES: dict[int, str] = {
    100: "HTTP_100_CONTINUE",
    101: "HTTP_101_SWITCHING_PROTOCOLS",
    102: "HTTP_102_PROCESSING",
    103: "HTTP_103_EARLY_HINTS",
    200: "HTTP_200_OK",
    201: "HTTP_201_CREATED",
    202: "HTTP_202_ACCEPTED",
    203: "HTTP_203_NON_AUTHORITATIVE_INFORMATION",
    204: "HTTP_204_NO_CONTENT",
    205: "HTTP_205_RESET_CONTENT",
    206: "HTTP_206_PARTIAL_CONTENT",
    207: "HTTP_207_MULTI_STATUS",
    208: "HTTP_208_ALREADY_REPORTED",
    226: "HTTP_226_IM_USED",
    300: "HTTP_300_MULTIPLE_CHOICES",
    301: "HTTP_301_MOVED_PERMANENTLY",
    302: "HTTP_302_FOUND",
    303: "HTTP_303_SEE_OTHER",
    304: "HTTP_304_NOT_MODIFIED",
    305: "HTTP_305_USE_PROXY",
    306: "HTTP_306_RESERVED",
    307: "HTTP_307_TEMPORARY_REDIRECT",
    308: "HTTP_308_PERMANENT_REDIRECT",
    400: "HTTP_400_BAD_REQUEST",
    401: "HTTP_401_UNAUTHORIZED",
    402: "HTTP_402_PAYMENT_REQUIRED",
    403: "HTTP_403_FORBIDDEN",
    404: "HTTP_404_NOT_FOUND",
    405: "HTTP_405_METHOD_NOT_ALLOWED",
    406: "HTTP_406_NOT_ACCEPTABLE",
    407: "HTTP_407_PROXY_AUTHENTICATION_REQUIRED",
    408: "HTTP_408_REQUEST_TIMEOUT",
    409: "HTTP_409_CONFLICT",
    410: "HTTP_410_GONE",
    411: "HTTP_411_LENGTH_REQUIRED",
    412: "HTTP_412_PRECONDITION_FAILED",
    413: "HTTP_413_CONTENT_TOO_LARGE",
    414: "HTTP_414_URI_TOO_LONG",
    415: "HTTP_415_UNSUPPORTED_MEDIA_TYPE",
    416: "HTTP_416_RANGE_NOT_SATISFIABLE",
    417: "HTTP_417_EXPECTATION_FAILED",
    418: "HTTP_418_IM_A_TEAPOT",
    421: "HTTP_421_MISDIRECTED_REQUEST",
    422: "HTTP_422_UNPROCESSABLE_CONTENT",
    423: "HTTP_423_LOCKED",
    424: "HTTP_424_FAILED_DEPENDENCY",
    425: "HTTP_425_TOO_EARLY",
    426: "HTTP_426_UPGRADE_REQUIRED",
    428: "HTTP_428_PRECONDITION_REQUIRED",
    429: "HTTP_429_TOO_MANY_REQUESTS",
    431: "HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE",
    451: "HTTP_451_UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "HTTP_500_INTERNAL_SERVER_ERROR",
    501: "HTTP_501_NOT_IMPLEMENTED",
    502: "HTTP_502_BAD_GATEWAY",
    503: "HTTP_503_SERVICE_UNAVAILABLE",
    504: "HTTP_504_GATEWAY_TIMEOUT",
    505: "HTTP_505_HTTP_VERSION_NOT_SUPPORTED",
    506: "HTTP_506_VARIANT_ALSO_NEGOTIATES",
    507: "HTTP_507_INSUFFICIENT_STORAGE",
    508: "HTTP_508_LOOP_DETECTED",
    510: "HTTP_510_NOT_EXTENDED",
    511: "HTTP_511_NETWORK_AUTHENTICATION_REQUIRED",
}

# Codes Starlette renamed after RFC 9110: the new name is missing from older releases and the
# old one warns in newer ones, so neither spelling is right for every installation.
RENAMED: dict[int, tuple[str, str]] = {
    413: ("HTTP_413_REQUEST_ENTITY_TOO_LARGE", "HTTP_413_CONTENT_TOO_LARGE"),
    414: ("HTTP_414_REQUEST_URI_TOO_LONG", "HTTP_414_URI_TOO_LONG"),
    416: ("HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE", "HTTP_416_RANGE_NOT_SATISFIABLE"),
    422: ("HTTP_422_UNPROCESSABLE_ENTITY", "HTTP_422_UNPROCESSABLE_CONTENT"),
}


def literal_status(expr: ast.AST | None) -> int | None:
    """The code of an integer literal (``404``), else None."""
    if (
        isinstance(expr, ast.Constant)
        and isinstance(expr.value, int)
        and not isinstance(expr.value, bool)
    ):
        return expr.value
    return None


def response_key_status(facts: ModuleFacts, key: ast.expr | None) -> int | None:
    """The code a key of ``responses=`` documents: ``404``, ``"404"`` or a status name."""
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return int(key.value) if key.value.isdigit() else None
    return status_code_value(facts, key)


_SPELLED: weakref.WeakKeyDictionary[ModuleFacts, frozenset[str]] = weakref.WeakKeyDictionary()


def spelled_status_names(facts: ModuleFacts) -> frozenset[str]:
    """The ``status.HTTP_*`` names the module already uses (proof that its Starlette has them)."""
    cached = _SPELLED.get(facts)
    if cached is None:
        cached = _SPELLED[facts] = frozenset(_status_attributes(facts))
    return cached


def _status_attributes(facts: ModuleFacts) -> set[str]:
    names: set[str] = set()
    for node in facts.nodes_of(ast.Attribute):
        if node.attr.startswith("HTTP_"):
            qualified = facts.qualified_name(node)
            if qualified is not None and qualified.rpartition(".")[0] in STATUS_MODULES:
                names.add(node.attr)
    return names


def status_name_for(facts: ModuleFacts, code: int) -> str | None:
    """The ``fastapi.status`` name to write for a code in this module, or None when no name is
    certain to exist in the Starlette the module runs with."""
    if code in RENAMED:
        spelled = spelled_status_names(facts)
        return next((name for name in RENAMED[code] if name in spelled), None)
    return STATUS_NAMES.get(code)


def http_exception_status(facts: ModuleFacts, call: ast.Call) -> ast.expr | None:
    """The status argument of ``HTTPException(404, ...)``/``HTTPException(status_code=404)``;
    None when the call is not an HTTPException or has no status."""
    if not facts.is_call_to(call, *HTTP_EXCEPTIONS):
        return None
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg == "status_code":
            return keyword.value
    return None
