"""Static only: a project whose every module would, if imported, write a marker file, print,
and end the process (``os._exit``, ``sys.exit``, ``raise SystemExit``) is checked, fixed and
served by the real command line (``fastapi-lint`` and ``python -m fastapi_lint``), the real
``flake8`` executable and the real language server over stdio (``python -m fastapi_lsp`` and
``fastapi-lint server``), each started in the project's directory as an editor or a terminal
would. No marker appears, nothing is printed, and each process ends as it should.

The project holds a ``conftest.py``, a ``setup.py``, a package ``__init__.py``, and modules
named like the standard library's (``textwrap.py``, ``csv.py``, ...), which ``python -m``
would import in place of the standard library's unless the checker keeps the working
directory off ``sys.path``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from pytest_lsp.client import make_test_lsp_client

from tests.cli_support import APP

BIN = Path(sys.executable).parent
SIDE_EFFECT = "SIDE EFFECT"
# modules the checker, flake8, pygls or Python itself import (some of them lazily, after the
# project's directory could have been put on sys.path)
STDLIB_NAMES = ("textwrap", "csv", "json", "typing", "tokenize", "difflib", "fnmatch", "random")


def effect(markers: Path, name: str, ending: str) -> str:
    """Module text that, when run, leaves a marker, prints and ends the process."""
    return (
        "import os\nimport sys\n\n"
        f"open({str(markers / name)!r}, 'w').write('imported')\n"
        f"print({SIDE_EFFECT!r})\n"
        f"{ending}\n"
    )


def project_files(markers: Path) -> dict[str, str]:
    """Relative path → text of the analysed project."""
    files = {
        "app.py": effect(markers, "app", "os._exit(3)") + "\n\n" + APP,
        "conftest.py": effect(markers, "conftest", "sys.exit(4)"),
        "setup.py": "from setuptools import setup\n\n"
        + effect(markers, "setup", "setup(name='x')\nsys.exit(5)"),
        "sitecustomize.py": effect(markers, "sitecustomize", "os._exit(6)"),
        "service/__init__.py": effect(markers, "service", "raise SystemExit(7)"),
        "service/routes.py": "from service import helpers\n"
        + effect(markers, "service.routes", "os._exit(8)")
        + "\n\n"
        + APP,
        "service/helpers.py": effect(markers, "service.helpers", "os.abort()"),
        "pyproject.toml": '[tool.fastapi-lint]\nselect = ["FAS402"]\n',
        "setup.cfg": "[flake8]\nselect = FAS402\n",
    }
    for name in STDLIB_NAMES:
        files[f"{name}.py"] = effect(markers, name, "os._exit(9)")
    return files


FLAGGED = ["app.py", "service/routes.py"]


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    markers = tmp_path / "markers"
    markers.mkdir()
    root = tmp_path / "project"
    for name, text in project_files(markers).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    yield root
    assert sorted(p.name for p in markers.iterdir()) == []  # nothing was imported


def run(project: Path, *command: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=project, capture_output=True, text=True, timeout=120, check=False
    )
    assert SIDE_EFFECT not in result.stdout and SIDE_EFFECT not in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def flagged_files(output: str, prefix: str = "") -> list[str]:
    return sorted({line.split(":", 1)[0].removeprefix(prefix) for line in output.splitlines()})


CHECKERS = {
    "fastapi-lint": [str(BIN / "fastapi-lint")],
    "python -m fastapi_lint": [sys.executable, "-m", "fastapi_lint"],
}


@pytest.mark.parametrize("checker", CHECKERS)
def test_check(project: Path, checker: str) -> None:
    result = run(project, *CHECKERS[checker], "check")
    assert result.returncode == 1, result.stderr
    assert flagged_files(result.stdout) == FLAGGED


@pytest.mark.parametrize("checker", CHECKERS)
def test_fix(project: Path, checker: str) -> None:
    before = {p: p.read_bytes() for p in project.rglob("*.py")}
    result = run(project, *CHECKERS[checker], "check", "--fix", "--unsafe-fixes")
    assert result.returncode == 0, result.stdout + result.stderr
    changed = sorted(
        p.relative_to(project).as_posix() for p in before if p.read_bytes() != before[p]
    )
    assert changed == FLAGGED
    assert "Depends(get_db)" in (project / "app.py").read_text("utf-8")


def test_flake8(project: Path) -> None:
    result = run(project, str(BIN / "flake8"), ".")
    assert result.returncode == 1, result.stderr
    assert flagged_files(result.stdout, "./") == FLAGGED
    assert all(" FAS402 " in line for line in result.stdout.splitlines())


SERVERS = {
    "python -m fastapi_lsp": [sys.executable, "-m", "fastapi_lsp"],
    "fastapi-lint server": [str(BIN / "fastapi-lint"), "server"],
}


@pytest.mark.asyncio
@pytest.mark.parametrize("server", SERVERS)
async def test_server(project: Path, server: str) -> None:
    client: LanguageClient = make_test_lsp_client()
    await client.start_io(*SERVERS[server], cwd=str(project))
    await client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                text_document=types.TextDocumentClientCapabilities(
                    diagnostic=types.DiagnosticClientCapabilities()
                )
            ),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
        )
    )
    flagged = []
    for path in sorted(project.rglob("*.py")):
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=path.read_text("utf-8")
                )
            )
        )
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        if report.items:
            assert [d.code for d in report.items] == ["FAS402"]
            flagged.append(path.relative_to(project).as_posix())
    assert flagged == FLAGGED
    await client.shutdown_session()
    assert client.error is None
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]
