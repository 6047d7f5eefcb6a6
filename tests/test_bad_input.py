"""Input the checker must survive: through the real command line and through
`fastapi_lint.engine.check_text`. Never a traceback, never a hang; a file that does not parse is
reported once as `path: cannot parse: <reason>` and gets no findings."""

from __future__ import annotations

import ast
import random
import subprocess
import warnings
from pathlib import Path

import pytest

from fastapi_lint.config import Settings
from fastapi_lint.engine import CheckResult, ParseError, check_text
from fastapi_lint.rules import all_rules, get_rule
from tests.cli_support import APP, FINDING, run


def check(cwd: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run(cwd, "check", "--select", "FAS402", *args)


def fas402(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stdout.splitlines() if " FAS402 " in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n", "utf-8")
    return tmp_path


def check_all_rules(text: str) -> CheckResult | None:
    """check_text with every rule: a result, or None when the text does not parse. Any other
    exception fails the test, and so does a rule that gave up with an internal error."""
    try:
        result = check_text(text, "bad.py", all_rules(), Settings())
    except ParseError as error:
        assert str(error)
        return None
    assert result.failures == [], result.failures
    return result


def check_fas402(text: str) -> list[tuple[int, int]]:
    rule = get_rule("FAS402")
    assert rule is not None
    result = check_text(text, "bad.py", [rule], Settings())
    return [(d.start.line, d.start.col) for d in result.diagnostics if d.code == "FAS402"]


def nested_ifs(depth: int) -> str:
    lines = [f"{'    ' * i}if x{i}:" for i in range(depth)]
    return "\n".join([*lines, "    " * depth + "pass", ""])


# Text that parses, or fails to parse, in every way the tool must survive.
TEXTS = {
    "syntax error": "def f(:\n",
    "half-written": "from fastapi import Depends\n@app.get('/x')\ndef x(db=Depends(get_db(",
    "null byte": "x = 1\0\n",
    "null byte in a string": "x = '\0'\n",
    "empty": "",
    "only a newline": "\n",
    "only comments": "# nothing here\n# noqa\n",
    "only whitespace": "   \n\t\n\x0c\n",
    "BOM character": "\ufeffx = 1\n",
    "parens 500 deep": "(" * 500 + "1" + ")" * 500 + "\n",
    "lists 500 deep": "x = " + "[" * 500 + "]" * 500 + "\n",
    "calls 500 deep": "x = " + "f(" * 500 + "1" + ")" * 500 + "\n",
    "Depends 500 deep": "x = " + "Depends(" * 500 + "get_db" + ")" * 500 + "\n",
    "parens 150 deep": "x = " + "(" * 150 + "1" + ")" * 150 + "\n",
    "calls 150 deep": "x = " + "f(" * 150 + "1" + ")" * 150 + "\n",
    "lists 150 deep": "x = " + "[" * 150 + "]" * 150 + "\n",
    "ifs 95 deep": nested_ifs(95),
    "ifs too deep": nested_ifs(120),
    "async defs 95 deep": "".join(f"{'    ' * i}async def f{i}():\n" for i in range(95))
    + "    " * 95
    + "await g()\n",
    "900 additions": "x = " + " + ".join(["f()"] * 900) + "\n",
    "900 attributes": "x = a" + ".b" * 900 + "\n",
    "900 calls in a chain": "x = f" + "()" * 900 + "\n",
    "100000 additions": "x = " + " + ".join(["1"] * 100_000) + "\n",
    "awaits in an async route": "from fastapi import FastAPI\napp = FastAPI()\n"
    "@app.get('/')\nasync def r():\n    return " + " + ".join(["await g()"] * 900) + "\n",
    "20000 comparisons": "x = " + " < ".join(["a"] * 20_000) + "\n",
    "20000 and": "x = " + " and ".join(["a"] * 20_000) + "\n",
    "long line": "x = '" + "a" * 1_000_000 + "'\n",
    "lone surrogate": "x = '\udce9'\n",
    "unterminated string": "x = '''\n",
    "tab and space mix": "if x:\n\tif y:\n        pass\n",
    "carriage returns only": "x = 1\ry = 2\r",
    "form feeds": "\x0cx = 1\n\x0c\x0cdef f():\n\x0c    pass\n",
    "invalid escape": "x = '\\d'\n",
    "huge int": "x = " + "9" * 5000 + "\n",
    "match statement": "match x:\n    case {'a': [1, *rest]}:\n        pass\n",
}


@pytest.mark.parametrize("name", list(TEXTS))
def test_check_text_never_raises(name: str) -> None:
    text = TEXTS[name]
    result = check_all_rules(text)
    if result is None:
        with pytest.raises((SyntaxError, ValueError, RecursionError)), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)


def test_deep_nesting_within_the_parser_limits_is_checked() -> None:
    # a finding nested 95 `if`s deep is still found
    depth = 95
    body = nested_ifs(depth).replace(
        "    " * depth + "pass", "    " * depth + "x = Depends(get_db())"
    )
    source = APP + "\n" + body
    line = source.splitlines().index("    " * depth + "x = Depends(get_db())") + 1
    assert check_fas402(source) == [(11, 17), (line, 4 * depth + 12)]


def _parses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)  # the interpreter's verdict on the file's bytes
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@pytest.mark.parametrize("fix", [False, True], ids=["check", "fix"])
def test_cli_never_shows_a_traceback(project: Path, fix: bool) -> None:
    inputs = {}
    for index, text in enumerate(TEXTS.values()):
        name = f"input_{index:02d}.py"
        inputs[name] = text.encode("utf-8", errors="surrogateescape")
        (project / name).write_bytes(inputs[name])
    proc = check(project, *(["--fix"] if fix else []))  # more than 30 files: in parallel
    assert proc.returncode == 2
    assert proc.stdout == ""
    for name, data in inputs.items():
        reported = [line for line in proc.stderr.splitlines() if name in line]
        if _parses(data):
            assert reported == [], reported
        else:
            assert len(reported) == 1, (name, proc.stderr)
            assert reported[0].startswith(f"{name}: cannot parse: ")
            assert (project / name).read_bytes() == data
    assert "internal error" not in proc.stderr


# --- files that do not parse --------------------------------------------------------------


def test_a_file_that_does_not_parse_is_reported_once(project: Path) -> None:
    (project / "broken.py").write_text(APP + "\ndef oops(:\n", "utf-8")
    proc = check(project)
    assert proc.returncode == 2
    assert proc.stdout == ""  # no findings for a file that does not parse
    problems = [line for line in proc.stderr.splitlines() if "broken.py" in line]
    assert problems == ["broken.py: cannot parse: invalid syntax (line 14)"]
    assert "All checks passed" not in proc.stderr


def test_parse_errors_with_findings_elsewhere_exit_1(project: Path) -> None:
    (project / "broken.py").write_text("def oops(:\n", "utf-8")
    (project / "app.py").write_text(APP, "utf-8")
    proc = check(project)
    assert proc.returncode == 1
    assert proc.stdout == f"app.py:11:18: {FINDING}\n"
    assert proc.stderr.count("broken.py: cannot parse: ") == 1
    # every output format keeps the problem on stderr and the findings on stdout
    for output_format in ("json", "sarif", "github"):
        proc = check(project, "--output-format", output_format)
        assert proc.returncode == 1
        assert "broken.py" not in proc.stdout
        assert proc.stderr.count("broken.py: cannot parse: ") == 1


def test_parse_errors_with_exit_zero(project: Path) -> None:
    (project / "broken.py").write_text("def oops(:\n", "utf-8")
    (project / "app.py").write_text(APP, "utf-8")
    assert check(project, "--exit-zero").returncode == 0


def test_fix_leaves_a_file_that_does_not_parse_untouched(project: Path) -> None:
    broken = project / "broken.py"
    data = (APP + "\ndef oops(:\n").encode()
    broken.write_bytes(data)
    (project / "app.py").write_text(APP, "utf-8")
    proc = check(project, "--fix")
    assert broken.read_bytes() == data
    assert "Depends(get_db)" in (project / "app.py").read_text("utf-8")
    assert proc.stderr.count("broken.py: cannot parse: ") == 1
    assert proc.returncode == 2  # nothing left to report but the file that does not parse
    proc = check(project, "--diff")
    assert proc.stdout == ""
    assert broken.read_bytes() == data


# --- bytes --------------------------------------------------------------------------------


def test_null_bytes(project: Path) -> None:
    (project / "nul.py").write_bytes(APP.encode() + b"x = 1\0\n")
    proc = check(project)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("nul.py: cannot parse: ")
    assert len([line for line in proc.stderr.splitlines() if "nul.py" in line]) == 1


def test_latin1_without_a_coding_cookie(project: Path) -> None:
    data = APP.encode().replace(b"app = FastAPI()", b'app = FastAPI(title="caf\xe9")')
    (project / "latin.py").write_bytes(data)
    proc = check(project, "--fix")
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if "latin.py" in line]
    assert len(lines) == 1
    assert lines[0].startswith("latin.py: cannot parse: ")
    assert "0xe9" in lines[0]
    assert "line 3" in lines[0]
    assert (project / "latin.py").read_bytes() == data


def test_a_coding_cookie_is_honoured(project: Path) -> None:
    source = "# -*- coding: latin-1 -*-\n" + APP.replace("def a(db=", 'def a(x="é", db=')
    path = project / "cookie.py"
    data = source.encode("latin-1")
    assert b"\xe9" in data
    path.write_bytes(data)
    proc = check(project)
    assert proc.returncode == 1, proc.stderr
    # line 12 now; `é` is one character (and one latin-1 byte, but two UTF-8 bytes)
    assert proc.stdout == f"cookie.py:12:25: {FINDING}\n"
    # fixing writes the file back in its own encoding
    assert check(project, "--fix").returncode == 0
    fixed = path.read_bytes()
    assert fixed.decode("latin-1") == source.replace("Depends(get_db())", "Depends(get_db)")


def test_an_unknown_coding_cookie(project: Path) -> None:
    (project / "odd.py").write_bytes(b"# coding: no-such-codec\n" + APP.encode())
    proc = check(project)
    assert proc.returncode == 2
    assert proc.stderr.startswith("odd.py: cannot parse: ")
    assert "no-such-codec" in proc.stderr.splitlines()[0]


def test_a_utf8_bom(project: Path) -> None:
    path = project / "bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + APP.encode())
    proc = check(project)
    assert proc.stdout == f"bom.py:11:18: {FINDING}\n"
    assert check(project, "--fix").returncode == 0
    assert path.read_bytes() == b"\xef\xbb\xbf" + APP.replace("get_db())", "get_db)").encode()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_binary_files_named_py(project: Path, seed: int) -> None:
    data = random.Random(seed).randbytes(20_000)
    (project / "blob.py").write_bytes(data)
    (project / "image.py").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + data[:500])
    (project / "app.py").write_text(APP, "utf-8")
    proc = check(project)
    assert proc.returncode == 1
    assert proc.stdout == f"app.py:11:18: {FINDING}\n"
    assert proc.stderr.count("blob.py: cannot parse: ") == 1
    assert proc.stderr.count("image.py: cannot parse: ") == 1
    # and check_text on whatever text such bytes decode to
    check_all_rules(data.decode("latin-1"))
    check_all_rules(data.decode("utf-8", errors="surrogateescape"))


# --- size ---------------------------------------------------------------------------------


def test_a_50000_line_file(project: Path) -> None:
    filler = "".join(f"value_{i} = {i}  # line {i}\n" for i in range(50_000))
    route = '\n\n@app.get("/z")\ndef z(db=Depends(get_db())):\n    return db\n'
    source = APP + filler + route
    path = project / "big.py"
    path.write_text(source, "utf-8")
    last = source.split("\n").index("def z(db=Depends(get_db())):") + 1
    assert last > 50_000
    proc = check(project)
    assert proc.returncode == 1
    assert proc.stdout == f"big.py:11:18: {FINDING}\nbig.py:{last}:18: {FINDING}\n"
    assert check_fas402(source) == [(11, 17), (last, 17)]


@pytest.mark.slow
def test_a_directory_of_10000_small_files(project: Path) -> None:
    for package in range(20):
        directory = project / f"pkg{package:02d}"
        directory.mkdir()
        (directory / "__init__.py").write_text("", "utf-8")
        for index in range(499):
            (directory / f"m{index:03d}.py").write_text(f"x = {index}\n", "utf-8")
    (project / "pkg07" / "m123.py").write_text(APP, "utf-8")
    (project / "pkg13" / "m001.py").write_text("def oops(:\n", "utf-8")
    proc = check(project)
    assert proc.returncode == 1
    assert proc.stdout == f"pkg07/m123.py:11:18: {FINDING}\n"
    assert proc.stderr.count("cannot parse") == 1
    assert "10000 files" in proc.stderr


# --- line endings and form feeds ----------------------------------------------------------


@pytest.mark.parametrize(
    "newline",
    ["\n", "\r\n", "\r"],
    ids=["lf", "crlf", "cr"],
)
def test_line_endings_keep_line_numbers(project: Path, newline: str) -> None:
    source = APP.replace("\n", newline)
    path = project / "app.py"
    path.write_bytes(source.encode())
    assert check_fas402(source) == [(11, 17)]
    proc = check(project)
    assert proc.stdout == f"app.py:11:18: {FINDING}\n"
    assert check(project, "--fix").returncode == 0
    assert path.read_bytes() == APP.replace("get_db())", "get_db)").replace("\n", newline).encode()


def test_mixed_line_endings_keep_line_numbers(project: Path) -> None:
    lines = APP.split("\n")
    endings = ["\r", "\r\n", "\n"]  # never "\r" directly before "\n"
    source = "".join(line + endings[i % 3] for i, line in enumerate(lines[:-1]))
    (project / "app.py").write_bytes(source.encode())
    assert check_fas402(source) == [(11, 17)]
    assert check(project).stdout == f"app.py:11:18: {FINDING}\n"


def test_form_feeds_keep_line_numbers_and_columns(project: Path) -> None:
    # a form feed is whitespace to Python, not a line break (str.splitlines says otherwise)
    source = (
        APP.replace("\n\n\n", "\n\x0c\n\x0c\n")
        .replace("def a(", "\x0cdef a(")
        .replace('@app.get("/a")', '\x0c@app.get("/a")')
    )
    source += "\x0c\n@app.get('/b')\ndef b(x='\x0c', db=Depends(get_db())):\n    return db\n"
    lines = source.split("\n")
    expected = [
        (number, line.index("get_db()"))
        for number, line in enumerate(lines, start=1)
        if "Depends(get_db())" in line
    ]
    assert [line for line, _ in expected] == [11, 15]
    assert check_fas402(source) == expected
    (project / "app.py").write_text(source, "utf-8")
    proc = check(project)
    assert proc.stdout == "".join(f"app.py:{line}:{col + 1}: {FINDING}\n" for line, col in expected)
    assert check(project, "--fix").returncode == 0
    assert "Depends(get_db())" not in (project / "app.py").read_text("utf-8")


def test_noqa_after_a_carriage_return_line(project: Path) -> None:
    source = APP.replace("get_db())):", "get_db())):  # noqa: FAS402").replace("\n", "\r")
    (project / "app.py").write_bytes(source.encode())
    assert check(project).returncode == 0
