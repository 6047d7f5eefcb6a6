"""Reading JSON-RPC messages from a byte stream, robust to a broken client.

pygls' own loop drops a message it cannot read without answering, and once a wrong
``Content-Length`` has put it out of step with the stream it never finds the next header. This
loop answers as JSON-RPC asks (``ParseError`` for bytes that are not JSON, ``InvalidRequest``
for JSON that is not a request, ``InvalidParams`` for a request whose parameters do not fit its
method) and finds the next ``Content-Length`` header even when garbage precedes it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from collections.abc import Awaitable
from typing import Any, Protocol

from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
)
from pygls.protocol import JsonRPCProtocol

logger = logging.getLogger(__name__)

# searched for, not matched: after a short Content-Length the rest of that body comes first
_CONTENT_LENGTH = re.compile(rb"Content-Length:[ \t]*(\d+)[ \t]*\r?\n?$", re.IGNORECASE)


class AsyncReader(Protocol):
    def readline(self) -> Awaitable[bytes]: ...

    def readexactly(self, n: int) -> Awaitable[bytes]: ...


async def serve(
    stop_event: threading.Event, reader: AsyncReader, protocol: JsonRPCProtocol
) -> None:
    """Read and handle messages until the stream ends or ``stop_event`` is set."""
    content_length: int | None = None
    while not stop_event.is_set():
        try:
            header = await reader.readline()
        except (asyncio.IncompleteReadError, ConnectionError):
            break
        if not header:
            break
        if header.strip():
            match = _CONTENT_LENGTH.search(header)
            if match is not None:
                content_length = int(match.group(1))
            continue  # other headers (Content-Type) and stray bytes
        if content_length is None:
            continue  # a blank line outside a message
        length, content_length = content_length, None
        try:
            body = await reader.readexactly(length) if length else b""
        except (asyncio.IncompleteReadError, ConnectionError):
            break
        if length and not body:
            break
        handle_body(protocol, body)


def handle_body(protocol: JsonRPCProtocol, body: bytes) -> None:
    """Decode and dispatch one message; answer a malformed one per JSON-RPC."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        logger.warning("not JSON: %s", error)
        _answer_error(protocol, None, JsonRpcParseError(f"not JSON: {error}"))
        return
    if not isinstance(data, dict) or data.get("jsonrpc") != JsonRPCProtocol.VERSION:
        msg_id = data.get("id") if isinstance(data, dict) else None
        _answer_error(protocol, _valid_id(msg_id), JsonRpcInvalidRequest("not JSON-RPC 2.0"))
        return
    method = data.get("method")
    msg_id = data.get("id")
    if "method" in data and not isinstance(method, str):
        invalid = JsonRpcInvalidRequest("`method` must be a string")
        _answer_error(protocol, _valid_id(msg_id), invalid)
        return
    is_request = method is not None and "id" in data
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as error:
        if is_request:
            _answer_error(protocol, _valid_id(msg_id), error)
        else:
            logger.warning("dropping a malformed %s message: %s", method or "response", error)
        return
    except Exception as error:  # a converter failure we did not anticipate
        logger.exception("cannot read a %s message", method or "response")
        if is_request:
            _answer_error(protocol, _valid_id(msg_id), JsonRpcInternalError(str(error)))
        return
    try:
        protocol.handle_message(message)
    except Exception:
        logger.exception("handling a %s message failed", method or "response")


def _valid_id(value: object) -> int | str | None:
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _answer_error(
    protocol: JsonRPCProtocol, msg_id: int | str | None, error: JsonRpcException
) -> None:
    """An error response; its ``id`` is ``null`` when the request's could not be read (pygls'
    own responses leave a null ``id`` out, which JSON-RPC does not allow)."""
    message = {
        "jsonrpc": JsonRPCProtocol.VERSION,
        "id": msg_id,
        "error": {"code": error.code, "message": error.message},
    }
    protocol._send_data(message)
