"""Configuration mistakes in the server: every unknown key, unknown code and value of the
wrong type, in ``initializationOptions``, ``workspace/didChangeConfiguration`` and
``pyproject.toml``, gives exactly one ``window/showMessage`` naming it, and the server keeps
serving with the last good settings (for the mistaken part; the rest of the new settings
applies). The real server over stdio, driven by pytest-lsp."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.test_server import SERVER, SOURCE

pytestmark = pytest.mark.asyncio

# SOURCE has one finding each of FAS301, FAS401 and FAS402 with the default rules
GOOD = {"select": ["FAS402"]}

# (settings with one mistake, what the message must name)
CLIENT_MISTAKES: list[tuple[dict[str, Any], str]] = [
    ({"bogus": 1}, "bogus"),
    ({"selekt": ["FAS401"]}, "selekt"),
    ({"select": ["FAS999"]}, "FAS999"),
    ({"ignore": ["NOPE1"]}, "NOPE1"),
    ({"extend-select": ["FAS9999"]}, "FAS9999"),
    ({"extend-ignore": ["XX"]}, "XX"),
    ({"per-file-ignores": {"tests/*": ["XX1"]}}, "XX1"),
    ({"select": 3}, "select"),
    ({"select": [1, 2]}, "select"),
    ({"ignore": {"a": 1}}, "ignore"),
    ({"exclude": 3}, "exclude"),
    ({"extend-exclude": [None]}, "extend-exclude"),
    ({"extend-select": True}, "extend-select"),
    ({"per-file-ignores": 3}, "per-file-ignores"),
    ({"per-file-ignores": {"tests/*": 3}}, "per-file-ignores"),
    ({"respect-gitignore": "no"}, "respect-gitignore"),
    ({"no-such-rule": {"x": 1}}, "no-such-rule"),
    ({"dependency-called": 3}, "dependency-called"),
    ({"dependency-called": {"no-such-option": 1}}, "no-such-option"),
    ({"fat-route": {"max-statements": "many"}}, "fat-route.max-statements"),
    ({"fat-route": {"max-statements": -1}}, "fat-route.max-statements"),
    ({"debounce-ms": "fast"}, "debounce-ms"),
    ({"debounce-ms": -5}, "debounce-ms"),
    ({"fix-on-save": "yes"}, "fix-on-save"),
    ({"docs-url": "https://example.org/rules"}, "docs-url"),
    ({"docs-url": 3}, "docs-url"),
]

# pyproject.toml bodies with one mistake (under [tool.fastapi-lint]), and the needle
PYPROJECT_MISTAKES: list[tuple[str, str]] = [
    ("bogus = 1", "bogus"),
    ('select = ["FAS999"]', "FAS999"),
    ('ignore = ["NOPE1"]', "NOPE1"),
    ("select = 3", "select"),
    ('per-file-ignores = { "tests/*" = ["XX1"] }', "XX1"),
    ('respect-gitignore = "no"', "respect-gitignore"),
    ("[tool.fastapi-lint.no-such-rule]\nx = 1", "no-such-rule"),
    ('[tool.fastapi-lint.fat-route]\nmax-statements = "many"', "fat-route.max-statements"),
    ('select = ["FAS402"', "pyproject.toml"),  # not TOML
]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    yield
    await lsp_client.shutdown_session()


async def start(
    client: LanguageClient, root: Path, options: Any, *, watch: bool = False
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                workspace=types.WorkspaceClientCapabilities(
                    did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                        dynamic_registration=watch
                    )
                ),
                text_document=types.TextDocumentClientCapabilities(
                    diagnostic=types.DiagnosticClientCapabilities()
                ),
            ),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options=options,
        )
    )


opened: set[str] = set()  # documents opened so far (each test has its own directory)


async def codes(client: LanguageClient, root: Path) -> list[str]:
    """The codes the server reports for SOURCE, opened (once) as ``app.py``."""
    uri = (root / "app.py").as_uri()
    if uri not in opened:
        opened.add(uri)
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=SOURCE
                )
            )
        )
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    return sorted(str(d.code) for d in report.items)


def assert_new_message_naming(client: LanguageClient, seen: int, needle: str) -> None:
    """Exactly one message arrived after the first ``seen``, an error or warning naming
    ``needle``."""
    (message,) = client.messages[seen:]
    assert message.type in (types.MessageType.Error, types.MessageType.Warning)
    assert needle in message.message, message.message


def change_configuration(client: LanguageClient, settings: Any) -> None:
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"fastapi-lint": settings})
    )


# one server per mistake at initialize: a few of each kind (didChangeConfiguration goes
# through the same validation and is tried with every mistake)
INITIAL_MISTAKES = [CLIENT_MISTAKES[i] for i in (0, 2, 3, 7, 16, 19, 21, 24)]


@pytest.mark.parametrize(("mistake", "needle"), INITIAL_MISTAKES, ids=repr)
async def test_initialization_options(
    client: LanguageClient, tmp_path: Path, mistake: dict[str, Any], needle: str
) -> None:
    """A mistake at start: shown once, the rest of the options apply."""
    await start(client, tmp_path, {**GOOD, **mistake} if "select" not in mistake else mistake)
    found = await codes(client, tmp_path)
    assert await codes(client, tmp_path) == found  # asked again: no second message
    assert_new_message_naming(client, 0, needle)
    if "select" not in mistake:
        assert found == ["FAS402"]  # the good part applies
    else:  # no good selection ever: the defaults
        assert found == ["FAS301", "FAS401", "FAS402"]


async def test_did_change_configuration(client: LanguageClient, tmp_path: Path) -> None:
    """A mistake in new settings: shown once, the last good value of that key stays; good
    settings afterwards apply without a word."""
    await start(client, tmp_path, {**GOOD, "ignore": ["FAS401"]})
    assert await codes(client, tmp_path) == ["FAS402"]
    assert client.messages == []
    for mistake, needle in CLIENT_MISTAKES:
        seen = len(client.messages)
        change_configuration(client, {**GOOD, **mistake})
        await wait_until(lambda: message_count(client), seen + 1)
        assert await codes(client, tmp_path) == ["FAS402"], mistake
        assert_new_message_naming(client, seen, needle)
        change_configuration(client, {"select": ["FAS401"]})
        await wait_until(lambda: codes(client, tmp_path), ["FAS401"])
        change_configuration(client, {**GOOD, "ignore": ["FAS401"]})
        await wait_until(lambda: codes(client, tmp_path), ["FAS402"])
        assert len(client.messages) == seen + 1, mistake


async def test_pyproject(client: LanguageClient, tmp_path: Path) -> None:
    """A broken ``pyproject.toml``: shown once; its last good settings stay."""
    config = tmp_path / "pyproject.toml"
    good = '[tool.fastapi-lint]\nselect = ["FAS401"]\n'
    config.write_text(good, "utf-8")
    await start(client, tmp_path, {})
    assert await codes(client, tmp_path) == ["FAS401"]
    for body, needle in PYPROJECT_MISTAKES:
        seen = len(client.messages)
        rewrite(client, config, f"[tool.fastapi-lint]\n{body}\n")
        assert await codes(client, tmp_path) == ["FAS401"], body  # the last good settings
        assert await codes(client, tmp_path) == ["FAS401"], body  # again: no second message
        assert_new_message_naming(client, seen, needle)
        assert "pyproject.toml" in client.messages[-1].message
        rewrite(client, config, good.replace("FAS401", "FAS301"))
        assert await codes(client, tmp_path) == ["FAS301"]
        rewrite(client, config, good)
        assert await codes(client, tmp_path) == ["FAS401"]
        assert len(client.messages) == seen + 1, body


async def test_pyproject_broken_from_the_start(client: LanguageClient, tmp_path: Path) -> None:
    """Without a last good version, the defaults."""
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\nbogus = 1\n", "utf-8")
    await start(client, tmp_path, {})
    assert await codes(client, tmp_path) == ["FAS301", "FAS401", "FAS402"]
    assert await codes(client, tmp_path) == ["FAS301", "FAS401", "FAS402"]
    assert_new_message_naming(client, 0, "bogus")


def rewrite(client: LanguageClient, path: Path, text: str) -> None:
    """Rewrite ``path`` (its modification time surely changes) and tell the server."""
    before = path.stat().st_mtime_ns
    path.write_text(text, "utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )


async def message_count(client: LanguageClient) -> int:
    return len(client.messages)


async def wait_until(probe: Any, expected: Any, timeout: float = 10) -> None:
    """Until ``await probe()`` gives ``expected``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (found := await probe()) != expected:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{found} != {expected}")
        await asyncio.sleep(0.05)
