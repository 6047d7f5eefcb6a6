"""The flake8 adapter, through the real ``flake8`` executable.

Every run happens in a temporary project with its own configuration, so the repository's
``setup.cfg``/``pyproject.toml`` never leak in; ``--isolated`` is added where no configuration
file is wanted at all.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import fastapi_lint.engine
import flake8_fastapi
from fastapi_lint.engine import check_text
from fastapi_lint.rules import all_rules, get_rule
from tests.fixture_support import FIXTURES, OPTION, Fixture

OUTPUT = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$")

APP = textwrap.dedent(
    """\
    from typing import Annotated

    from fastapi import Depends, FastAPI

    app = FastAPI()


    def get_db():
        return {"connected": True}


    @app.get("/items")
    def list_items(db: Annotated[dict, Depends(get_db)]):
        return [db]


    @app.get("/broken")
    def broken(db: Annotated[dict, Depends(get_db())]):{suffix}
        return [db]
    """
)

BLOCKING = textwrap.dedent(
    """\
    import os.path
    import time


    async def handler(path):
        if os.path.exists(path):
            time.sleep(1)
    """
)


def app_source(suffix: str = "") -> str:
    return APP.replace("{suffix}", suffix)


def broken_line(source: str) -> int:
    """The line of ``Depends(get_db())`` in ``source``."""
    return next(i for i, text in enumerate(source.splitlines(), 1) if "Depends(get_db())" in text)


def flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[tuple[str, int, int, str, str]]:
    """(path, line, col, code, text) of every reported line; anything else fails the test."""
    found = []
    for line in result.stdout.splitlines():
        match = OUTPUT.match(line)
        assert match, f"not a flake8 finding: {line!r}\n{result.stderr}"
        found.append(
            (
                match["path"],
                int(match["line"]),
                int(match["col"]),
                match["code"],
                match["text"],
            )
        )
    return found


def codes_by_line(result: subprocess.CompletedProcess[str]) -> list[tuple[int, str]]:
    return sorted((line, code) for _, line, _, code, _ in findings(result))


def assert_clean_exit(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose flake8 configuration selects only the codes a test asks for."""
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = FAS\n", "utf-8")
    return tmp_path


def registered_fixtures() -> list[Fixture]:
    """Fixtures of registered rules (a fixture naming no rule is test_consistency's business)."""
    found = []
    for path in sorted(FIXTURES.rglob("FAS*.py")):
        rule = get_rule(path.name[:6])
        if rule is not None and not path.name.endswith((".fixed.py", ".actions.py")):
            found.append(Fixture(path, rule))
    return found


def catalog() -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "rules", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rules: list[dict[str, Any]] = json.loads(result.stdout)
    return rules


# --- registration and output ----------------------------------------------------------------


def test_plugin_is_registered_with_flake8(tmp_path: Path) -> None:
    result = flake8(tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert "fastapi-lint: " in result.stdout


def test_finding_uses_flake8_conventions(project: Path) -> None:
    source = app_source()
    (project / "app.py").write_text(source, "utf-8")
    result = flake8(project, "--select", "FAS402", "app.py")
    assert result.returncode == 1, result.stderr
    assert_clean_exit(result)

    line = broken_line(source)
    text = source.splitlines()[line - 1]
    expected = check_text(source, "app.py", [get_rule("FAS402")]).diagnostics  # type: ignore[list-item]
    assert len(expected) == 1
    col = text.index("get_db()", text.index("Depends(")) + 1
    assert col == expected[0].start.col + 1  # an ASCII line: bytes and characters agree
    assert result.stdout == f"app.py:{line}:{col}: FAS402 {expected[0].message}\n"


def test_columns_count_characters_not_bytes(project: Path) -> None:
    source = app_source()
    source = source.replace(
        "def broken(db: Annotated[dict, Depends(get_db())]):",
        'def broken(*, note: str = "café 🎉", db: Annotated[dict, Depends(get_db())]):',
    )
    (project / "app.py").write_text(source, "utf-8")
    result = flake8(project, "--select", "FAS402", "app.py")
    assert_clean_exit(result)

    line = broken_line(source)
    text = source.splitlines()[line - 1]
    [diagnostic] = check_text(source, "app.py", [get_rule("FAS402")]).diagnostics  # type: ignore[list-item]
    # the rule reports a UTF-8 byte column; flake8 shows the 1-based character column
    char_index = next(
        i for i in range(len(text) + 1) if len(text[:i].encode()) == diagnostic.start.col
    )
    assert char_index < diagnostic.start.col  # "é" and the emoji take more than one byte
    assert findings(result) == [("app.py", line, char_index + 1, "FAS402", diagnostic.message)]
    assert text[char_index:].startswith(("get_db()", "Depends("))


# --- noqa, selection, per-file-ignores --------------------------------------------------------


def test_noqa_is_honoured_by_flake8(project: Path) -> None:
    source = textwrap.dedent(
        """\
        from fastapi import Depends, FastAPI

        app = FastAPI()


        def get_db():
            return {}


        @app.get("/ok")
        def ok(db=Depends(get_db)):
            return db


        @app.get("/a")
        def a(db=Depends(get_db())):  # noqa
            return db


        @app.get("/b")
        def b(db=Depends(get_db())):  # noqa: FAS402
            return db


        @app.get("/c")
        def c(db=Depends(get_db())):  # noqa: E501
            return db


        @app.get("/d")
        def d(db=Depends(get_db())):  # noqa:FAS401
            return db


        @app.get("/e")
        def e(db=Depends(get_db())):
            return db
        """
    )
    (project / "app.py").write_text(source, "utf-8")
    lines = source.splitlines()
    line_of = {
        name: next(i for i, t in enumerate(lines, 1) if t.startswith(f"def {name}("))
        for name in "abcde"
    }

    result = flake8(project, "--select", "FAS402", "app.py")
    assert_clean_exit(result)
    assert codes_by_line(result) == [
        (line_of["c"], "FAS402"),
        (line_of["d"], "FAS402"),
        (line_of["e"], "FAS402"),
    ]

    unsuppressed = flake8(project, "--select", "FAS402", "--disable-noqa", "app.py")
    assert codes_by_line(unsuppressed) == sorted((line_of[n], "FAS402") for n in "abcde")


def test_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(app_source(), "utf-8")
    (tmp_path / "app.py").write_text(app_source(), "utf-8")
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nselect = FAS402\nper-file-ignores =\n    legacy/*.py: FAS402\n",
        "utf-8",
    )
    result = flake8(tmp_path, ".")
    assert_clean_exit(result)
    assert [(path, code) for path, _, _, code, _ in findings(result)] == [("./app.py", "FAS402")]


def test_flake8_selection_and_ignores_apply(project: Path) -> None:
    (project / "app.py").write_text(app_source(), "utf-8")
    assert codes_by_line(flake8(project, "app.py"))  # `select = FAS` in setup.cfg
    assert "FAS402" not in flake8(project, "--extend-ignore", "FAS402", "app.py").stdout
    assert flake8(project, "--select", "E", "app.py").stdout.count("FAS") == 0


def test_opt_in_rules_are_off_unless_selected(tmp_path: Path) -> None:
    opt_in = {r["code"] for r in catalog() if r["default"] is False}
    if not opt_in:
        pytest.skip("no opt-in rule exists yet")
    fixtures = [
        f
        for f in registered_fixtures()
        if f.rule.code in opt_in and f.expected() and not has_options(f.text)
    ]
    if not fixtures:
        pytest.skip("no opt-in rule has a fixture without options")
    fixture = fixtures[0]
    code = fixture.rule.code
    target = tmp_path / "module.py"
    target.write_text(fixture.text, "utf-8")
    (tmp_path / "app.py").write_text(app_source(), "utf-8")

    by_default = flake8(tmp_path, "--isolated", "module.py", "app.py")
    assert_clean_exit(by_default)
    assert code not in by_default.stdout
    assert "FAS402" in by_default.stdout  # the default rules did run

    # flake8's default ignore list holds the opt-in codes; naming the code selects it
    for args in (["--extend-select", code], ["--select", code]):
        chosen = flake8(tmp_path, "--isolated", *args, "module.py")
        assert_clean_exit(chosen)
        expected = sorted(fixture.expected().elements())
        assert [(line, c) for line, c in codes_by_line(chosen) if c == code] == expected


def has_options(text: str) -> bool:
    return any(OPTION.match(line) for line in text.splitlines())


# --- files that do not parse -----------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "from fastapi import FastAPI\n\napp = FastAPI(\n\n@app.get('/')\ndef root(:\n",
        "async def f(\n",
        "def f():\n\treturn 1\n        return 2\n",
    ],
    ids=["half-written", "unclosed", "bad-indentation"],
)
def test_syntax_error_gives_e999_and_no_fas_finding(tmp_path: Path, source: str) -> None:
    (tmp_path / "broken.py").write_text(source, "utf-8")
    result = flake8(tmp_path, "--isolated", "--select", "E999,FAS", "broken.py")
    assert_clean_exit(result)
    assert result.returncode == 1
    assert [code for _, _, _, code, _ in findings(result)] == ["E999"]
    assert "FAS" not in result.stdout + result.stderr


def test_null_bytes_do_not_crash(tmp_path: Path) -> None:
    (tmp_path / "nul.py").write_bytes(b"import time\x00\nasync def f():\n    time.sleep(1)\n")
    result = flake8(tmp_path, "--isolated", "--select", "E9,FAS", "nul.py")
    assert_clean_exit(result)
    assert "FAS" not in result.stdout


# --- rule options as flake8 options --------------------------------------------------------


def _filesystem_queries_option() -> str:
    rule = get_rule("FAS101")
    if rule is None or not any(o.name == "filesystem-queries" for o in rule.options):
        pytest.skip("FAS101 has no filesystem-queries option")
    return f"--{rule.options_key}-filesystem-queries"


def test_every_rule_option_is_a_flake8_option(tmp_path: Path) -> None:
    flags = [f"--{r.options_key}-{o.name}" for r in all_rules() for o in r.options]
    if not flags:
        pytest.skip("no rule has options yet")
    result = flake8(tmp_path, "--isolated", "--help")
    assert result.returncode == 0, result.stderr
    for flag in flags:
        assert flag in result.stdout


def test_rule_option_on_the_command_line(tmp_path: Path) -> None:
    flag = _filesystem_queries_option()
    (tmp_path / "app.py").write_text(BLOCKING, "utf-8")
    default = flake8(tmp_path, "--isolated", "--select", "FAS101", "app.py")
    assert codes_by_line(default) == [(7, "FAS101")]
    on = flake8(tmp_path, "--isolated", "--select", "FAS101", f"{flag}=true", "app.py")
    assert_clean_exit(on)
    assert codes_by_line(on) == [(6, "FAS101"), (7, "FAS101")]
    off = flake8(tmp_path, "--isolated", "--select", "FAS101", f"{flag}=false", "app.py")
    assert codes_by_line(off) == [(7, "FAS101")]


def test_rule_option_in_flake8_configuration(tmp_path: Path) -> None:
    flag = _filesystem_queries_option()
    (tmp_path / "app.py").write_text(BLOCKING, "utf-8")
    (tmp_path / "other.py").write_text(BLOCKING, "utf-8")
    (tmp_path / ".flake8").write_text(f"[flake8]\nselect = FAS101\n{flag[2:]} = true\n", "utf-8")
    # two files and two jobs: the option must reach flake8's worker processes too
    result = flake8(tmp_path, "--jobs", "2", "app.py", "other.py")
    assert_clean_exit(result)
    assert sorted((p, line) for p, line, *_ in findings(result)) == [
        ("app.py", 6),
        ("app.py", 7),
        ("other.py", 6),
        ("other.py", 7),
    ]


def test_invalid_rule_option_value_is_a_usage_error(tmp_path: Path) -> None:
    flag = _filesystem_queries_option()
    (tmp_path / "app.py").write_text(BLOCKING, "utf-8")
    result = flake8(tmp_path, "--isolated", f"{flag}=maybe", "app.py")
    assert result.returncode != 0
    assert_clean_exit(result)
    assert "expected true or false" in result.stderr


def test_tool_fastapi_lint_options_apply_and_flake8_options_win(tmp_path: Path) -> None:
    flag = _filesystem_queries_option()
    rule = get_rule("FAS101")
    assert rule is not None
    (tmp_path / "app.py").write_text(BLOCKING, "utf-8")
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.fastapi-lint.{rule.options_key}]\nfilesystem-queries = true\n", "utf-8"
    )
    from_pyproject = flake8(tmp_path, "--isolated", "--select", "FAS101", "app.py")
    assert codes_by_line(from_pyproject) == [(6, "FAS101"), (7, "FAS101")]
    overridden = flake8(tmp_path, "--isolated", "--select", "FAS101", f"{flag}=false", "app.py")
    assert codes_by_line(overridden) == [(7, "FAS101")]


# --- configuration errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[tool.fastapi-lint]\nbogus-key = 1\n", "unknown key `bogus-key`"),
        ('[tool.fastapi-lint]\nselect = ["FAS999"]\n', "FAS999"),
        ("[tool.fastapi-lint]\nselect = [\n", "invalid TOML"),
    ],
    ids=["unknown-key", "unknown-code", "bad-toml"],
)
def test_configuration_error_is_one_clear_line(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table, "utf-8")
    (tmp_path / "app.py").write_text(app_source(), "utf-8")
    result = flake8(tmp_path, "--isolated", "app.py")
    assert result.returncode != 0
    assert_clean_exit(result)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fastapi-lint: error: ")
    assert "pyproject.toml" in lines[0]
    assert message in lines[0]


# --- every fixture, through flake8 ---------------------------------------------------------


def test_fixtures_report_the_same_lines_through_flake8(tmp_path: Path) -> None:
    """The `# error:` lines of every fixture without options, in one flake8 run."""
    fixtures = [f for f in registered_fixtures() if not has_options(f.text)]
    if not fixtures:
        pytest.skip("no fixtures")
    codes = sorted({f.rule.code for f in fixtures})
    paths = {str(f.path): f for f in fixtures}
    result = flake8(tmp_path, "--isolated", "--select", ",".join(codes), *paths)
    assert_clean_exit(result)
    actual: dict[str, Counter[tuple[int, str]]] = {path: Counter() for path in paths}
    for path, line, _, code, text in findings(result):
        assert "internal error" not in text, f"{path}:{line}: {code} {text}"
        if code == paths[path].rule.code:
            actual[path][(line, code)] += 1
    for path, fixture in paths.items():
        assert sorted(actual[path].elements()) == sorted(fixture.expected().elements()), path


# --- one parse per file ------------------------------------------------------------------------


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, int], list[bool]]:
    counts = {"ast.parse": 0, "parse_module": 0}
    inside = [False]
    real_parse = ast.parse
    real_parse_module = fastapi_lint.engine.parse_module

    def counting_parse(*args: Any, **kwargs: Any) -> Any:
        if inside[0]:
            counts["ast.parse"] += 1
        return real_parse(*args, **kwargs)

    def counting_parse_module(*args: Any, **kwargs: Any) -> Any:
        if inside[0]:
            counts["parse_module"] += 1
        return real_parse_module(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    monkeypatch.setattr(fastapi_lint.engine, "parse_module", counting_parse_module)
    return counts, inside


def test_plugin_uses_the_tree_flake8_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flake8.main import cli
    from flake8.processor import FileProcessor

    (tmp_path / "app.py").write_text(app_source(), "utf-8")
    monkeypatch.chdir(tmp_path)
    counts, inside = _count_parses(monkeypatch)

    flake8_trees: list[ast.AST] = []
    real_build_ast = FileProcessor.build_ast

    def build_ast(self: FileProcessor) -> ast.AST:
        tree = real_build_ast(self)
        flake8_trees.append(tree)
        return tree

    monkeypatch.setattr(FileProcessor, "build_ast", build_ast)

    facts_trees: list[ast.AST] = []
    real_facts = flake8_fastapi.ModuleFacts

    def recording_facts(tree: ast.Module, *args: Any, **kwargs: Any) -> Any:
        facts_trees.append(tree)
        return real_facts(tree, *args, **kwargs)

    monkeypatch.setattr(flake8_fastapi, "ModuleFacts", recording_facts)

    real_run = flake8_fastapi.Plugin.run
    runs: list[int] = []

    def run(self: flake8_fastapi.Plugin) -> Any:
        runs.append(1)
        inside[0] = True
        try:
            yield from real_run(self)
        finally:
            inside[0] = False

    monkeypatch.setattr(flake8_fastapi.Plugin, "run", run)

    exit_code = cli.main(["--isolated", "--select", "FAS402", "--jobs", "1", "app.py"])
    out = capsys.readouterr().out
    assert exit_code == 1
    assert "FAS402" in out
    assert runs == [1]
    assert counts == {"ast.parse": 0, "parse_module": 0}
    assert len(flake8_trees) == 1
    assert len(facts_trees) == 1
    assert facts_trees[0] is flake8_trees[0]


def test_plugin_run_never_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    source = app_source()
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    expected = check_text(source, "app.py", [get_rule("FAS402")]).diagnostics  # type: ignore[list-item]

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the plugin parsed the module again")

    monkeypatch.setattr(ast, "parse", forbidden)
    monkeypatch.setattr(fastapi_lint.engine, "parse_module", forbidden)
    monkeypatch.setattr(flake8_fastapi.Plugin, "_options", {})
    results = list(flake8_fastapi.Plugin(tree, lines, "app.py").run())
    fas402 = [r for r in results if r[2].startswith("FAS402 ")]
    assert [(line, col, text) for line, col, text, _ in fas402] == [
        (d.start.line, d.start.col, f"FAS402 {d.message}") for d in expected
    ]
    assert [line for line, *_ in fas402] == [broken_line(source)]
    assert all(r[3] is flake8_fastapi.Plugin for r in results)
    assert not [r for r in results if "internal error" in r[2]]
