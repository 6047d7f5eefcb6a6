"""The server against a misbehaving client: malformed JSON, wrong ``Content-Length``, unknown
methods, cancelled requests, changes to unknown documents and out-of-range edits. It answers
as JSON-RPC and LSP ask and keeps serving. Raw JSON-RPC over stdio (pytest-lsp's client would
refuse to send such messages), once as a UTF-16 client and once as a UTF-8 client."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.test_server import (
    FLAGGED_LINE,
    SOURCE,
    RecordingClient,
    change,
    diagnostics_at_version,
    initialize,
    open_document,
    units,
)
from tests.test_server import client as client  # the pytest-lsp fixture, both encodings
from tests.test_server_lifecycle import SERVER, Connection

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
REQUEST_CANCELLED = -32800


class Session:
    """A raw connection to an initialized server."""

    def __init__(self, process: subprocess.Popen[bytes], connection: Connection) -> None:
        self.process, self.connection = process, connection
        self.next_id = 100

    def write(self, raw: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(raw)
        self.process.stdin.flush()

    def request(self, method: str, params: Any = None) -> dict[str, Any]:
        self.next_id += 1
        return self.connection.request(method, params, id=self.next_id)

    def alive(self) -> None:
        """The server still answers a well-formed request."""
        response = self.request("textDocument/hover", _hover_params("file:///nowhere.py"))
        assert response["id"] == self.next_id and response["result"] is None


def _hover_params(uri: str) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}


@pytest.fixture(params=["utf-16", "utf-8"])
def session(request: pytest.FixtureRequest) -> Iterator[Session]:
    process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    connection = Connection(process.stdout, process.stdin)
    # a server that stops answering fails the test instead of hanging the suite
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    encodings = ["utf-16", "utf-8"] if request.param == "utf-8" else ["utf-16"]
    capabilities = {
        "general": {"positionEncodings": encodings},
        "textDocument": {"diagnostic": {}},  # pull: no notifications to wade through
    }
    result = connection.request("initialize", {"capabilities": capabilities}, id=1)["result"]
    assert result["capabilities"]["positionEncoding"] == request.param
    connection.send("initialized", {})
    yield Session(process, connection)
    watchdog.cancel()
    if process.poll() is None:
        process.kill()
        process.wait()


def test_malformed_json_gets_a_parse_error(session: Session) -> None:
    session.write(b'Content-Length: 13\r\n\r\n{"jsonrpc": 2')
    response = session.connection.receive()
    assert response["id"] is None and response["error"]["code"] == PARSE_ERROR
    session.alive()


def test_json_that_is_not_a_message_is_an_invalid_request(session: Session) -> None:
    for body, expected_id in ((b"[1, 2]", None), (b'{"id": 7, "method": "x"}', 7)):
        session.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        response = session.connection.receive()
        assert response["id"] == expected_id
        assert response["error"]["code"] == INVALID_REQUEST
    session.alive()


def test_invalid_params_get_an_answer(session: Session) -> None:
    response = session.request("textDocument/hover", {"textDocument": 5})
    assert response["id"] == session.next_id
    assert response["error"]["code"] == INVALID_PARAMS
    session.alive()


@pytest.mark.parametrize("delta", [-7, 9])
def test_a_wrong_content_length_costs_at_most_that_message(session: Session, delta: int) -> None:
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 50, "method": "textDocument/hover", "params": _hover_params("x")}
    ).encode()
    session.write(b"Content-Length: %d\r\n\r\n" % (len(body) + delta) + body)
    # the broken message is answered with a parse error, or swallowed with what follows it;
    # from the next header on the server is in step again
    session.connection.send("textDocument/hover", _hover_params("file:///a.py"), id=51)
    session.connection.send("textDocument/hover", _hover_params("file:///b.py"), id=52)
    answered: dict[Any, dict[str, Any]] = {}
    while 52 not in answered:
        message = session.connection.receive()
        answered[message["id"]] = message
    assert answered[52]["result"] is None
    assert set(answered) <= {None, 51, 52}
    if None in answered:
        assert answered[None]["error"]["code"] == PARSE_ERROR
    session.alive()


def test_unknown_methods(session: Session) -> None:
    session.connection.send("custom/notification", {"x": 1})  # ignored
    session.connection.send("$/somethingNew", {"x": 1})  # ignored
    response = session.request("custom/request", {"x": 1})
    assert response["error"]["code"] == METHOD_NOT_FOUND
    response = session.request("$/somethingNew", {"x": 1})
    assert response["error"]["code"] == METHOD_NOT_FOUND
    session.alive()  # and the ignored notifications got no answer: this is the next one


def test_cancel_an_in_flight_request(session: Session, tmp_path: Path) -> None:
    uri = (tmp_path / "big.py").as_uri()
    routes = "".join(
        f'\n\n@app.get("/r{i}")\ndef r{i}(db=Depends(get_db())):\n    return db\n'
        for i in range(150)
    )  # about a second of analysis
    session.connection.send(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "python",
                "version": 1,
                "text": SOURCE + routes,
            }
        },
    )
    session.connection.send(
        "textDocument/diagnostic", {"textDocument": {"uri": uri}}, id=session.next_id + 1
    )
    session.connection.send("$/cancelRequest", {"id": session.next_id + 1})
    session.connection.send("$/cancelRequest", {"id": 9999})  # nothing in flight: ignored
    response = session.connection.receive()
    assert response["id"] == session.next_id + 1
    session.next_id += 1
    report = session.request("textDocument/diagnostic", {"textDocument": {"uri": uri}})
    items = report["result"]["items"]
    assert len([d for d in items if d["code"] == "FAS402"]) == 151
    if "error" in response:  # cancelled in time
        assert response["error"]["code"] == REQUEST_CANCELLED
    else:  # or it finished first: the normal answer
        assert response["result"]["items"] == items


def test_change_to_an_unknown_document(session: Session) -> None:
    session.connection.send(
        "textDocument/didChange",
        {
            "textDocument": {"uri": "file:///never-opened.py", "version": 2},
            "contentChanges": [{"text": "x = 1\n"}],
        },
    )
    session.alive()


# -- out-of-range edits, with the pytest-lsp client --------------------------------------


@pytest.mark.asyncio
async def test_out_of_range_edits_are_clamped(client: RecordingClient, tmp_path: Path) -> None:
    """A character past the end of a line means the end of that line; a line past the end
    of the document means the end of the document."""
    await initialize(client, tmp_path)
    uri = (tmp_path / "app.py").as_uri()
    assert len(await open_document(client, uri, SOURCE)) == 1
    line_end = units(SOURCE.splitlines()[FLAGGED_LINE], client.encoding)
    past = types.Position(line=FLAGGED_LINE, character=line_end + 50)
    change(client, uri, 2, types.Range(start=past, end=past), "  # noqa: FAS402")
    assert await diagnostics_at_version(client, uri, 2) == []  # the noqa went on that line
    beyond = types.Position(line=500, character=3)
    route = '\n\n@app.get("/b")\ndef b(db=Depends(get_db())):\n    return db\n'
    change(client, uri, 3, types.Range(start=beyond, end=beyond), route)
    (diagnostic,) = await diagnostics_at_version(client, uri, 3)
    assert diagnostic.range.start.line == len(SOURCE.splitlines()) + 3
    # an inverted range is the same as the ordered one
    start = types.Position(line=FLAGGED_LINE - 1, character=0)  # the decorator of `a`
    end = types.Position(line=FLAGGED_LINE, character=0)
    change(client, uri, 4, types.Range(start=end, end=start), "")
    (diagnostic,) = await diagnostics_at_version(client, uri, 4)
    assert diagnostic.range.start.line == len(SOURCE.splitlines()) + 2
