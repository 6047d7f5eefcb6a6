"""The server under faults that ``test_server_robustness`` leaves out: requests before
``initialize``, a burst of 1,000 edits, a 5 MB module, a binary file opened as Python and a
rule that raises on every module. Each time the server answers as JSON-RPC and LSP ask, and
keeps serving. The real ``python -m fastapi_lsp`` over stdio, raw or through pytest-lsp."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from fastapi_lint.config import Settings
from fastapi_lint.engine import check_text, parse_module
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.facts.path_matching import covers
from fastapi_lint.facts.paths import PathTemplate
from fastapi_lint.facts.route_order import route_sequences
from fastapi_lint.rules import get_rule
from fastapi_lint.rules.routes import shadowed_route
from fastapi_lint.source import SourceText
from tests.test_server import (
    SOURCE,
    RecordingClient,
    change,
    diagnostics_at_version,
    initialize,
    open_document,
    units,
)
from tests.test_server import client as client  # the pytest-lsp fixture, both encodings
from tests.test_server_lifecycle import CRASHING_SERVER, SERVER, Connection
from tests.test_server_robustness import Session
from tests.test_server_robustness import session as session  # raw, initialized, pulling

SERVER_NOT_INITIALIZED = -32002


class RecordingConnection(Connection):
    """A connection that keeps the notifications it skips while waiting for a response."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None and process.stdin is not None
        super().__init__(process.stdout, process.stdin)
        self.notifications: list[dict[str, Any]] = []

    def receive(self) -> dict[str, Any]:
        while True:
            message = self.receive_any()
            if "id" in message and "method" not in message:
                return message
            self.notifications.append(message)

    def receive_any(self) -> dict[str, Any]:
        """The next message, whatever it is."""
        length = 0
        while (line := self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("ascii").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length == 0:
            raise EOFError("the server closed its output")
        message: dict[str, Any] = json.loads(self.reader.read(length))
        return message

    def log_messages(self, kind: types.MessageType) -> list[str]:
        return [
            n["params"]["message"]
            for n in self.notifications
            if n["method"] == "window/logMessage" and n["params"]["type"] == kind.value
        ]


def start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def raw_server() -> Iterator[tuple[subprocess.Popen[bytes], RecordingConnection]]:
    """A started server that has not been initialized."""
    process = start(SERVER)
    yield process, RecordingConnection(process)
    stop(process)


def text_document(uri: str, text: str, version: int = 1) -> dict[str, Any]:
    return {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}}


def pull(connection: Connection, uri: str, id: int) -> list[dict[str, Any]]:
    response = connection.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, id)
    assert "error" not in response, response
    items: list[dict[str, Any]] = response["result"]["items"]
    return items


PULL_CAPABILITIES: dict[str, Any] = {"textDocument": {"diagnostic": {}}}


# -- requests before initialize -------------------------------------------------------------


def test_everything_before_initialize_is_refused_then_the_server_serves(
    raw_server: tuple[subprocess.Popen[bytes], RecordingConnection], tmp_path: Path
) -> None:
    process, connection = raw_server
    uri = (tmp_path / "app.py").as_uri()
    connection.send("textDocument/didOpen", text_document(uri, SOURCE))  # dropped
    position = {"line": 11, "character": 30}
    early = [
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": position}),
        ("textDocument/diagnostic", {"textDocument": {"uri": uri}}),
        (
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": {"start": position, "end": position},
                "context": {"diagnostics": []},
            },
        ),
        ("workspace/executeCommand", {"command": "x"}),
        ("custom/unknown", {}),
        ("shutdown", None),
    ]
    for id, (method, params) in enumerate(early, start=1):
        response = connection.request(method, params, id)
        assert response["id"] == id
        assert response["error"]["code"] == SERVER_NOT_INITIALIZED, (method, response)
    # nothing but the answers: no diagnostics were published for the dropped didOpen
    assert connection.notifications == []

    options = {"select": ["FAS402"]}
    result = connection.request(
        "initialize", {"capabilities": PULL_CAPABILITIES, "initializationOptions": options}, 10
    )
    assert result["result"]["serverInfo"]["name"] == "fastapi-lint"
    connection.send("initialized", {})
    assert pull(connection, uri, 11) == []  # the early didOpen was dropped, not half-kept
    connection.send("textDocument/didOpen", text_document(uri, SOURCE))
    assert [d["code"] for d in pull(connection, uri, 12)] == ["FAS402"]
    assert connection.request("shutdown", None, 13)["result"] is None
    connection.send("exit")
    assert process.wait(timeout=30) == 0


# -- 1,000 edits in a burst -------------------------------------------------------------------

TYPED = """

@app.get("/b{n}/{{item_id}}")
async def b{n}(item_id: int, label="naïve ☕{n}", db=Depends(get_db())):
    time.sleep({n})
    return {{"item": item_id, "label": label}}
"""
EDITS = 1000


def _end(text: str, encoding: str) -> types.Position:
    last = text.rsplit("\n", 1)[-1]
    return types.Position(line=text.count("\n"), character=units(last, encoding))


def burst(start: str, encoding: str) -> tuple[list[tuple[types.Range, str]], str]:
    """``EDITS`` incremental edits of a user typing routes at the end of ``start`` (with a
    typo corrected every few characters, and comments added at the top now and then), and
    the text they give. Positions come from this function's own arithmetic."""
    edits: list[tuple[types.Range, str]] = []
    text = start

    def apply(range_: types.Range, new_text: str, offset: int, length: int) -> None:
        nonlocal text
        edits.append((range_, new_text))
        text = text[:offset] + new_text + text[offset + length :]

    def insert_at_end(new_text: str) -> None:
        at = _end(text, encoding)
        apply(types.Range(start=at, end=at), new_text, len(text), 0)

    def delete_last(characters: str) -> None:
        end = _end(text, encoding)
        start = types.Position(line=end.line, character=end.character - units(characters, encoding))
        apply(types.Range(start=start, end=end), "", len(text) - len(characters), len(characters))

    routes = "".join(TYPED.format(n=n) for n in range(8))
    for index, character in enumerate(routes):
        if len(edits) >= EDITS - 3:
            break
        if index % 50 == 49:
            origin = types.Position(line=0, character=0)
            apply(types.Range(start=origin, end=origin), "# 🎉 é\n", 0, 0)
        elif index % 5 == 4:
            insert_at_end("é🎉")
            delete_last("é🎉")
        insert_at_end(character)
    # end on a whole route: drop the unfinished one with one edit, pad with a comment
    cut = text.rindex("\n\n@app.get")
    start_at = types.Position(
        line=text[:cut].count("\n"), character=units(text[:cut].rsplit("\n", 1)[-1], encoding)
    )
    apply(types.Range(start=start_at, end=_end(text, encoding)), "\n", cut, len(text) - cut)
    while len(edits) < EDITS:
        insert_at_end("# done\n")
    return edits, text


def expected_diagnostics(text: str, path: Path, encoding: str) -> list[tuple[Any, ...]]:
    """What a fresh check of ``text`` finds, in LSP terms (0-based lines, ``encoding``)."""
    settings = Settings(root=path.parent)
    lines = text.split("\n")

    def position(line: int, column: int) -> tuple[int, int]:
        prefix = lines[line - 1].encode("utf-8")[:column].decode("utf-8")
        return line - 1, units(prefix, encoding)

    found = check_text(text, str(path), settings.enabled_rules, settings).diagnostics
    return sorted(
        (d.code, *position(d.start.line, d.start.col), *position(d.end.line, d.end.col))
        for d in found
    )


def published_diagnostics(diagnostics: list[types.Diagnostic]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            d.code,
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
        )
        for d in diagnostics
    )


START = "import time\n\n" + SOURCE


@pytest.mark.asyncio
async def test_a_burst_of_1000_edits_ends_in_the_final_texts_diagnostics(
    client: RecordingClient, tmp_path: Path
) -> None:
    await initialize(client, tmp_path, {})
    path = tmp_path / "app.py"
    uri = path.as_uri()
    await open_document(client, uri, START)
    edits, final = burst(START, client.encoding)
    assert len(edits) == EDITS
    for version, (range_, new_text) in enumerate(edits, start=2):
        change(client, uri, version, range_, new_text)
    published = await diagnostics_at_version(client, uri, EDITS + 1)
    expected = expected_diagnostics(final, path, client.encoding)
    assert {code for code, *_ in expected} >= {"FAS101", "FAS402"}  # the typed routes count
    assert published_diagnostics(published) == expected
    # and the server's text is the final text: a whole-document change to it changes nothing
    change(client, uri, EDITS + 2, None, final)
    assert published_diagnostics(await diagnostics_at_version(client, uri, EDITS + 2)) == expected


# -- a 5 MB module -----------------------------------------------------------------------------

ROUTES = 2000
ROUTE = '''

@app.get("/r{i}/{{item_id}}")
def r{i}(item_id: int, db=Depends(get_db())):
    """Route {i}: café 🎉."""
    return {{"i": {i}, "db": db}}
'''
ROW = '    ("name-{i}", {i}, {i}.5, "é🎉 {i}"),\n'


HTML = '<tr><td class="name">café {i}</td><td>🎉</td><td>{i}</td></tr>\n'


def lines_up_to(size: int, template: str) -> str:
    lines: list[str] = []
    while size > 0:
        lines.append(template.format(i=len(lines)))
        size -= len(lines[-1].encode())
    return "".join(lines)


def five_megabytes() -> str:
    """A generated module of 5 MB, as generated code looks: a data table of 1 MB, an
    embedded page of nearly 4 MB and ``ROUTES`` routes, each with a FAS402 finding."""
    routes = "".join(ROUTE.format(i=i) for i in range(ROUTES))
    table = f"\n\nTABLE = [\n{lines_up_to(1_000_000, ROW)}]\n"
    page = 5_000_000 - len((SOURCE + table + routes).encode()) - 20
    return f'{SOURCE}{table}PAGE = """\n{lines_up_to(page, HTML)}"""\n{routes}'


@pytest.mark.slow
@pytest.mark.parametrize("session", ["utf-8"], indirect=True)
def test_a_5_mb_module_is_answered_and_others_meanwhile(session: Session, tmp_path: Path) -> None:
    text = five_megabytes()
    assert len(text.encode()) >= 5_000_000
    big, small = (tmp_path / "big.py").as_uri(), (tmp_path / "small.py").as_uri()
    connection = session.connection
    connection.send("textDocument/didOpen", text_document(big, text))
    connection.send("textDocument/didOpen", text_document(small, SOURCE))
    started = time.monotonic()
    connection.send("textDocument/diagnostic", {"textDocument": {"uri": big}}, id=200)
    connection.send("textDocument/diagnostic", {"textDocument": {"uri": small}}, id=201)
    first, second = connection.receive(), connection.receive()
    elapsed = time.monotonic() - started
    # the small document does not wait for the big one
    assert (first["id"], second["id"]) == (201, 200)
    assert [d["code"] for d in first["result"]["items"]].count("FAS402") == 1
    items = second["result"]["items"]
    assert sum(d["code"] == "FAS402" for d in items) == ROUTES + 1
    assert elapsed < 100  # about 10 s on an idle machine
    session.alive()


def many_routes(count: int) -> ModuleFacts:
    text = SOURCE + "".join(ROUTE.format(i=i) for i in range(count))
    return ModuleFacts(parse_module(text), SourceText(text), "app.py")


def test_shadowed_routes_are_not_searched_pair_by_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """FAS314 compares a route only with earlier routes that could take its path: a router
    of thousands of routes once cost millions of comparisons (minutes for the 5 MB module)."""
    facts = many_routes(ROUTES)
    calls = 0

    def counting(general: PathTemplate, specific: PathTemplate) -> tuple[bool, bool]:
        nonlocal calls
        calls += 1
        return covers(general, specific)

    monkeypatch.setattr(shadowed_route, "covers", counting)
    rule = get_rule("FAS314")
    assert rule is not None
    assert list(rule.check(facts, rule.default_options())) == []
    assert calls <= ROUTES


def test_per_route_facts_are_indexed_once() -> None:
    """The facts every route asks for (its dependencies, the block of statements it is
    registered in) are indexed once per module, not searched for per route."""
    count = 4 * ROUTES
    facts = many_routes(count)
    assert len(facts.routes) == count + 1 and facts.dependency_uses  # computed beforehand
    started = time.perf_counter()
    sequences = route_sequences(facts)
    dependencies = [facts.dependencies_of(route.handler) for route in facts.routes]
    elapsed = time.perf_counter() - started
    assert sum(map(len, sequences.values())) == count + 1
    assert all(len(uses) == 1 for uses in dependencies)
    assert elapsed < 3.0  # about 0.3 s on an idle machine; searched per route, about 10 s


# -- a binary file opened as Python -----------------------------------------------------------


def binary_text() -> str:
    """What an editor may hand over for a binary file: every byte value (NUL, lone CR, form
    feeds), an image header and a lone surrogate (from undecodable bytes)."""
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20 + b"\xff\xfe\x00"
    return data.decode("utf-8", errors="surrogateescape").replace("\udcff", "\udcff\x00", 1)


@pytest.mark.parametrize("session", ["utf-16", "utf-8"], indirect=True)
def test_a_binary_file_opened_as_python(session: Session, tmp_path: Path) -> None:
    uri = (tmp_path / "image.py").as_uri()
    text = binary_text()
    connection = session.connection
    connection.send("textDocument/didOpen", text_document(uri, text))
    assert pull(connection, uri, 300) == []  # it does not parse: nothing to report
    everywhere = {"start": {"line": 0, "character": 0}, "end": {"line": 40, "character": 9}}
    for id, (method, params) in enumerate(
        [
            ("textDocument/hover", {"textDocument": {"uri": uri}, "position": everywhere["end"]}),
            (
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": everywhere,
                    "context": {"diagnostics": [], "only": ["source.fixAll.fastapi-lint"]},
                },
            ),
            ("textDocument/diagnostic", {"textDocument": {"uri": uri}}),
        ],
        start=301,
    ):
        response = connection.request(method, params, id)
        assert response["id"] == id and "error" not in response, response
    # an edit in the middle of the binary text, then the document becomes Python
    connection.send(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": everywhere, "text": "\x00\udcff"}],
        },
    )
    assert pull(connection, uri, 310) == []
    connection.send(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": SOURCE}]},
    )
    assert "FAS402" in [d["code"] for d in pull(connection, uri, 311)]
    session.alive()


# -- a rule that raises -------------------------------------------------------------------------


def applied(text: str, action: dict[str, Any]) -> str:
    """``text`` with a code action's edits applied (UTF-8 positions, edits within a line)."""
    lines = text.splitlines(keepends=True)
    (edits,) = action["edit"]["changes"].values()
    for edit in sorted(edits, key=lambda e: e["range"]["start"]["character"], reverse=True):
        start, end = edit["range"]["start"], edit["range"]["end"]
        assert start["line"] == end["line"]
        line = lines[start["line"]].encode()
        new = line[: start["character"]] + edit["newText"].encode() + line[end["character"] :]
        lines[start["line"]] = new.decode()
    return "".join(lines)


@pytest.fixture
def crashing() -> Iterator[RecordingConnection]:
    """The server with FAS899, a rule that raises on every module, selected; pulling."""
    process = start(CRASHING_SERVER)
    connection = RecordingConnection(process)
    options = {"select": ["FAS402", "FAS899"]}
    capabilities = {**PULL_CAPABILITIES, "general": {"positionEncodings": ["utf-8"]}}
    connection.request(
        "initialize", {"capabilities": capabilities, "initializationOptions": options}, 1
    )
    connection.send("initialized", {})
    yield connection
    stop(process)


def test_a_raising_rule_leaves_the_others_and_every_feature_working(
    crashing: RecordingConnection, tmp_path: Path
) -> None:
    uri = (tmp_path / "app.py").as_uri()
    crashing.send("textDocument/didOpen", text_document(uri, SOURCE))
    (diagnostic,) = pull(crashing, uri, 2)
    assert diagnostic["code"] == "FAS402"
    quick_fix = crashing.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic], "only": ["quickfix"]},
        },
        3,
    )["result"]
    assert "Depends(get_db))" in applied(SOURCE, quick_fix[0])
    fix_all = crashing.request(
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [], "only": ["source.fixAll.fastapi-lint"]},
        },
        4,
    )["result"]
    (action,) = fix_all
    assert "Depends(get_db))" in applied(SOURCE, action)
    for version in range(2, 5):  # every new version is checked again, FAS899 failing again
        crashing.send(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": SOURCE + "\n" * version}],
            },
        )
        assert [d["code"] for d in pull(crashing, uri, 10 + version)] == ["FAS402"]
    # the failure is logged once, as an error naming the rule and the exception
    (error,) = [m for m in crashing.log_messages(types.MessageType.Error) if "FAS899" in m]
    assert "ZeroDivisionError: a rule bug" in error
    # and no pop-up: showMessage is for the user's mistakes, not for a rule's bug
    assert not [n for n in crashing.notifications if n["method"] == "window/showMessage"]
    hover = crashing.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": diagnostic["range"]["start"]},
        20,
    )
    assert "FAS402" in json.dumps(hover["result"])
