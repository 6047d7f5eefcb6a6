"""The server's lifecycle over raw JSON-RPC (stdio and TCP), and a rule that crashes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[1]
SERVER = [sys.executable, "-m", "fastapi_lsp"]
CRASHING_SERVER = [sys.executable, str(ROOT / "tests/lsp_fixtures/crashing_rule_server.py")]
HOVER = {
    "textDocument": {"uri": "file:///nowhere/app.py"},
    "position": {"line": 0, "character": 0},
}


class Connection:
    """JSON-RPC over a pair of byte streams, one message at a time."""

    def __init__(self, reader: IO[bytes], writer: IO[bytes]) -> None:
        self.reader, self.writer = reader, writer

    def send(self, method: str, params: Any = None, id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        if id is not None:
            message["id"] = id
        body = json.dumps(message).encode("utf-8")
        self.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.writer.flush()

    def receive(self) -> dict[str, Any]:
        """The next response (notifications such as logMessage are skipped)."""
        while True:
            length = 0
            while (line := self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message: dict[str, Any] = json.loads(self.reader.read(length))
            if "id" in message:
                return message

    def request(self, method: str, params: Any = None, id: int = 1) -> dict[str, Any]:
        self.send(method, params, id)
        return self.receive()


@pytest.fixture
def server() -> Iterator[tuple[subprocess.Popen[bytes], Connection]]:
    process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None and process.stdout is not None
    yield process, Connection(process.stdout, process.stdin)
    if process.poll() is None:
        process.kill()
        process.wait()


def test_requests_before_initialize_are_refused(
    server: tuple[subprocess.Popen[bytes], Connection],
) -> None:
    _, connection = server
    response = connection.request("textDocument/hover", HOVER, id=1)
    assert response["error"]["code"] == -32002  # ServerNotInitialized
    result = connection.request("initialize", {"capabilities": {}}, id=2)["result"]
    assert result["serverInfo"]["name"] == "fastapi-lint"
    assert result["capabilities"]["positionEncoding"] == "utf-16"


def test_shutdown_then_exit(server: tuple[subprocess.Popen[bytes], Connection]) -> None:
    process, connection = server
    connection.request("initialize", {"capabilities": {}}, id=1)
    connection.send("initialized", {})
    assert connection.request("shutdown", id=2)["result"] is None
    after = connection.request("textDocument/hover", HOVER, id=3)
    assert after["error"]["code"] == -32600  # InvalidRequest once shut down
    connection.send("exit")
    assert process.wait(timeout=30) == 0


def test_exit_without_shutdown_is_an_error(
    server: tuple[subprocess.Popen[bytes], Connection],
) -> None:
    process, connection = server
    connection.request("initialize", {"capabilities": {}}, id=1)
    connection.send("exit")
    assert process.wait(timeout=30) == 1


def test_tcp(unused_tcp_port: int) -> None:
    process = subprocess.Popen([*SERVER, "--tcp", "--port", str(unused_tcp_port)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", unused_tcp_port), timeout=30)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with sock, sock.makefile("rb") as reader, sock.makefile("wb") as writer:
            connection = Connection(reader, writer)
            capabilities = {"general": {"positionEncodings": ["utf-8"]}}
            result = connection.request("initialize", {"capabilities": capabilities})["result"]
            assert result["capabilities"]["positionEncoding"] == "utf-8"
            assert connection.request("shutdown", id=2)["result"] is None
            connection.send("exit")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


SOURCE = """\
from fastapi import Depends, FastAPI

app = FastAPI()


def get_db():
    yield object()


@app.get("/a")
def a(db=Depends(get_db())):
    return db
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=CRASHING_SERVER))
async def crashing(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=tmp_path.as_uri(),
            initialization_options={"select": ["FAS402", "FAS899"]},
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_a_crashing_rule_is_logged_and_skipped(
    crashing: LanguageClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "app.py").as_uri()
    crashing.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=SOURCE
            )
        )
    )
    await crashing.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [d.code for d in crashing.diagnostics[uri]] == ["FAS402"]
    errors = [m for m in crashing.log_messages if m.type == types.MessageType.Error]
    assert len(errors) == 1
    assert "FAS899" in errors[0].message and "ZeroDivisionError: a rule bug" in errors[0].message
    # still serving
    hover = await crashing.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=10, character=18),
        )
    )
    assert hover is not None
