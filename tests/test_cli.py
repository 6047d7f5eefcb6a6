"""The command-line checker, run for real: `python -m fastapi_lint` in a temporary project.

Every check selects FAS402 explicitly (or asserts on FAS402 lines only), so these tests keep
their meaning while more rules are added.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import APP, FINDING, run

CLEAN = """\
from fastapi import Depends, FastAPI

app = FastAPI()


def get_db():
    yield 1


@app.get("/a")
def a(db=Depends(get_db)):
    return db
"""


def lines_of(text: str, code: str = "FAS402") -> list[str]:
    return [line for line in text.splitlines() if f" {code} " in line]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with its own (empty) configuration, so nothing above tmp_path applies."""
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n", "utf-8")
    return tmp_path


def rules_json(cwd: Path) -> list[dict[str, object]]:
    proc = run(cwd, "rules", "--output-format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data, list)
    return data


def another_code(cwd: Path) -> str:
    codes = [str(r["code"]) for r in rules_json(cwd) if r["code"] != "FAS402"]
    if not codes:
        pytest.skip("FAS402 is the only rule")
    return codes[0]


# --- text output ------------------------------------------------------------------------


def test_text_output_is_exactly_one_finding_per_line(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "app.py")
    assert proc.returncode == 1
    assert proc.stdout == f"app.py:11:18: {FINDING}\n"
    # the summary goes to stderr, never into the findings
    assert proc.stderr.strip()
    assert "FAS402 `" not in proc.stderr


def test_default_path_is_the_working_directory_and_paths_are_relative_to_it(
    project: Path,
) -> None:
    (project / "pkg" / "sub").mkdir(parents=True)
    (project / "pkg" / "sub" / "routes.py").write_text(APP, "utf-8")
    (project / "top.py").write_text(APP, "utf-8")

    proc = run(project, "check", "--select", "FAS402")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"pkg/sub/routes.py:11:18: {FINDING}",
        f"top.py:11:18: {FINDING}",
    ]

    # from a subdirectory the paths are relative to it, whether given or defaulted
    inner = project / "pkg"
    assert run(inner, "check", "--select", "FAS402").stdout == f"sub/routes.py:11:18: {FINDING}\n"
    proc = run(inner, "check", "--select", "FAS402", project / "top.py")
    assert proc.stdout == f"../top.py:11:18: {FINDING}\n"


def test_columns_count_characters_not_bytes(project: Path) -> None:
    source = APP.replace("def a(db=", 'def a(x="é😀", db=')
    (project / "app.py").write_text(source, "utf-8")
    line = source.splitlines()[10]
    expected_col = line.index("get_db()") + 1  # 26: é and 😀 are one character each
    assert len(line[: expected_col - 1].encode()) + 1 != expected_col

    for output_format in ("text", "json", "sarif", "github"):
        proc = run(project, "check", "--select", "FAS402", "--output-format", output_format)
        assert proc.returncode == 1, proc.stderr
        if output_format == "text":
            assert proc.stdout == f"app.py:11:{expected_col}: {FINDING}\n"
        elif output_format == "json":
            assert json.loads(proc.stdout)[0]["location"] == {"row": 11, "column": expected_col}
        elif output_format == "sarif":
            result = json.loads(proc.stdout)["runs"][0]["results"][0]
            region = result["locations"][0]["physicalLocation"]["region"]
            assert (region["startLine"], region["startColumn"]) == (11, expected_col)
        else:
            assert f"line=11,col={expected_col}," in proc.stdout


def test_clean_code_exits_0_with_no_output(project: Path) -> None:
    (project / "app.py").write_text(CLEAN, "utf-8")
    proc = run(project, "check", "--select", "FAS402")
    assert proc.returncode == 0
    assert proc.stdout == ""


def test_a_path_that_does_not_exist_is_an_error(project: Path) -> None:
    proc = run(project, "check", "--select", "FAS402", "missing.py")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "missing.py" in proc.stderr


# --- other output formats -----------------------------------------------------------------


def test_json_output(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--output-format", "json")
    assert proc.returncode == 1
    items = json.loads(proc.stdout)
    assert isinstance(items, list)
    assert len(items) == 1
    item = items[0]
    assert item["code"] == "FAS402"
    assert item["name"] == "dependency-called"
    assert item["message"] == FINDING.removeprefix("FAS402 ")
    assert item["filename"] == "app.py"
    assert item["location"] == {"row": 11, "column": 18}
    assert item["end_location"]["row"] == 11
    assert item["end_location"]["column"] > 18
    fix = item["fix"]
    assert fix["applicability"] == "safe"
    assert fix["message"]
    assert fix["edits"]
    for edit in fix["edits"]:
        assert set(edit) >= {"content", "location", "end_location"}


def test_json_output_without_findings_is_an_empty_list(project: Path) -> None:
    (project / "app.py").write_text(CLEAN, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--output-format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_sarif_output(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--output-format", "sarif")
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    assert document["version"] == "2.1.0"
    assert "sarif" in document["$schema"]
    run_ = document["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "fastapi-lint"
    assert "FAS402" in [rule["id"] for rule in driver["rules"]]
    results = run_["results"]
    assert len(results) == 1
    result = results[0]
    assert result["ruleId"] == "FAS402"
    assert result["level"] in ("error", "warning", "note")
    assert result["message"]["text"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app.py"
    region = location["region"]
    assert region["startLine"] == 11
    assert region["startColumn"] == 18
    assert region["endLine"] >= region["startLine"]


def test_github_output(project: Path) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--output-format", "github")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith(("::warning ", "::error "))
    assert "file=pkg/app.py," in line
    assert "line=11," in line
    assert "col=18," in line
    assert line.split("::")[-1].startswith("FAS402 ")


def test_unknown_output_format_is_a_usage_error(project: Path) -> None:
    proc = run(project, "check", "--output-format", "xml")
    assert proc.returncode == 2
    assert "xml" in proc.stderr


# --- selection ----------------------------------------------------------------------------


def test_select_by_prefix(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS4")
    assert proc.returncode == 1
    assert lines_of(proc.stdout) == [f"app.py:11:18: {FINDING}"]
    for line in proc.stdout.splitlines():
        assert line.split(": ", 1)[1].startswith("FAS4")


def test_ignore_wins_over_a_shorter_select(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS4", "--ignore", "FAS402")
    assert lines_of(proc.stdout) == []
    proc = run(project, "check", "--select", "FAS402", "--ignore", "FAS402")
    assert proc.returncode == 0
    assert proc.stdout == ""


def test_extend_select_adds_to_the_selection(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    other = another_code(project)
    proc = run(project, "check", "--select", other)
    assert lines_of(proc.stdout) == []
    proc = run(project, "check", "--select", other, "--extend-select", "FAS402")
    assert lines_of(proc.stdout) == [f"app.py:11:18: {FINDING}"]
    assert proc.returncode == 1


@pytest.mark.parametrize("flag", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize("code", ["FAS999", "XYZ1", "FAS4020"])
def test_unknown_codes_are_a_one_line_error(project: Path, flag: str, code: str) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", flag, code)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert code in proc.stderr


# --- fixes --------------------------------------------------------------------------------


def test_fix_writes_the_file_and_exits_0_when_everything_is_fixed(project: Path) -> None:
    path = project / "app.py"
    path.write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--fix")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert lines_of(proc.stdout) == []
    assert path.read_text("utf-8") == CLEAN
    assert "1" in proc.stderr  # "Fixed 1 finding."
    # and the result is clean
    assert run(project, "check", "--select", "FAS402").returncode == 0


def test_fix_with_show_fixes_names_what_was_fixed(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--fix", "--show-fixes")
    assert proc.returncode == 0
    assert "FAS402" in proc.stderr


def test_diff_prints_a_unified_diff_and_writes_nothing(project: Path) -> None:
    path = project / "app.py"
    path.write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--diff")
    assert proc.returncode == 1
    assert path.read_text("utf-8") == APP
    lines = proc.stdout.splitlines()
    assert lines[0] == "--- a/app.py"
    assert lines[1] == "+++ b/app.py"
    assert any(line.startswith("@@ ") for line in lines)
    assert "-def a(db=Depends(get_db())):" in lines
    assert "+def a(db=Depends(get_db)):" in lines
    # --diff wins over --fix: still nothing written
    proc = run(project, "check", "--select", "FAS402", "--diff", "--fix")
    assert proc.returncode == 1
    assert path.read_text("utf-8") == APP


def test_diff_without_fixes_exits_0(project: Path) -> None:
    (project / "app.py").write_text(CLEAN, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--diff")
    assert proc.returncode == 0
    assert proc.stdout == ""


def _unsafe_fixture() -> tuple[str, Path]:
    """A rule whose fix is unsafe, and its fixture file."""
    fixtures = Path(__file__).parent / "fixtures"
    proc = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "rules", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    for rule in json.loads(proc.stdout):
        if rule["fix"] != "unsafe":
            continue
        for path in sorted(fixtures.glob(f"*/{rule['code']}_*.py")):
            if not path.name.endswith(".fixed.py") and (
                path.with_name(path.stem + ".fixed.py").exists()
            ):
                return str(rule["code"]), path
    pytest.skip("no rule with an unsafe fix and a fixture yet")


def test_unsafe_fixes_are_applied_only_with_unsafe_fixes(project: Path) -> None:
    code, fixture = _unsafe_fixture()
    source = fixture.read_text("utf-8")
    path = project / "unsafe.py"
    path.write_text(source, "utf-8")

    proc = run(project, "check", "--select", code)
    assert proc.returncode == 1
    assert "--unsafe-fixes" in proc.stderr  # the summary says how to apply them

    run(project, "check", "--select", code, "--fix")
    assert path.read_text("utf-8") == source

    proc = run(project, "check", "--select", code, "--diff", "--unsafe-fixes")
    assert proc.returncode == 1
    assert proc.stdout.startswith("--- a/unsafe.py")
    assert path.read_text("utf-8") == source

    before = len(lines_of(run(project, "check", "--select", code).stdout, code))
    run(project, "check", "--select", code, "--fix", "--unsafe-fixes")
    fixed = path.read_text("utf-8")
    assert fixed != source
    ast.parse(fixed)
    after = len(lines_of(run(project, "check", "--select", code).stdout, code))
    assert after < before


def test_show_fixes_lists_the_fix_of_each_finding(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--show-fixes")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == f"app.py:11:18: {FINDING}"
    assert len(lines) == 2
    assert "fix" in lines[1]
    assert "safe" in lines[1]
    assert "get_db" in lines[1]


def test_statistics(project: Path) -> None:
    for name in ("one.py", "two.py", "three.py"):
        (project / name).write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--statistics")
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 1
    fields = proc.stdout.split()
    assert fields[0] == "3"
    assert "FAS402" in fields
    assert "dependency-called" in fields

    proc = run(project, "check", "--select", "FAS402", "--statistics", "--output-format", "json")
    stats = json.loads(proc.stdout)
    assert stats == [{"code": "FAS402", "name": "dependency-called", "count": 3, "fixable": 3}]


def test_exit_zero(project: Path) -> None:
    (project / "app.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--exit-zero")
    assert proc.returncode == 0
    assert proc.stdout == f"app.py:11:18: {FINDING}\n"


# --- exclude and .gitignore ---------------------------------------------------------------


def test_directories_respect_exclude_and_gitignore(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint]\nexclude = ["generated", "legacy_*.py"]\n', "utf-8"
    )
    (tmp_path / ".gitignore").write_text("out/\nscratch.py\n", "utf-8")
    files = [
        "app.py",
        "generated/app.py",
        "legacy_app.py",
        "pkg/legacy_routes.py",
        "out/app.py",
        "scratch.py",
        "pkg/scratch.py",
        "pkg/routes.py",
    ]
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(APP, "utf-8")
    (tmp_path / "pkg" / ".gitignore").write_text("local_*.py\n", "utf-8")
    (tmp_path / "pkg" / "local_x.py").write_text(APP, "utf-8")

    def checked(*args: str) -> list[str]:
        proc = run(tmp_path, "check", "--select", "FAS402", *args)
        return sorted(line.split(":", 1)[0] for line in lines_of(proc.stdout))

    assert checked() == ["app.py", "pkg/routes.py"]
    assert checked(".") == ["app.py", "pkg/routes.py"]
    # a file named on the command line is always checked
    assert checked("generated/app.py", "scratch.py") == ["generated/app.py", "scratch.py"]
    assert checked("--no-respect-gitignore") == [
        "app.py",
        "out/app.py",
        "pkg/local_x.py",
        "pkg/routes.py",
        "pkg/scratch.py",
        "scratch.py",
    ]


def test_default_excludes_skip_virtual_environments(project: Path) -> None:
    for name in ("app.py", ".venv/lib/app.py", "venv/app.py", "pkg/__pycache__/app.py"):
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402")
    assert [line.split(":", 1)[0] for line in lines_of(proc.stdout)] == ["app.py"]


# --- rules and rule -----------------------------------------------------------------------


def test_rules_lists_every_rule_with_default_and_fix(project: Path) -> None:
    catalog = rules_json(project)
    assert any(r["code"] == "FAS402" for r in catalog)
    fas402 = next(r for r in catalog if r["code"] == "FAS402")
    assert fas402["name"] == "dependency-called"
    assert fas402["default"] is True
    assert fas402["fix"] == "safe"

    proc = run(project, "rules")
    assert proc.returncode == 0
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[1:]}
    assert sorted(rows) == sorted(str(r["code"]) for r in catalog)
    for rule in catalog:
        row = rows[str(rule["code"])]
        assert row[1] == rule["name"]
        assert row[2] == ("on" if rule["default"] else "opt")
    assert rows["FAS402"][3] == "safe"


@pytest.mark.parametrize("name", ["FAS402", "dependency-called"])
def test_rule_prints_the_documentation(project: Path, name: str) -> None:
    proc = run(project, "rule", name)
    assert proc.returncode == 0
    assert proc.stdout.startswith("# FAS402 dependency-called")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in proc.stdout
    assert "Depends(get_db())" in proc.stdout


@pytest.mark.parametrize("name", ["FAS999", "no-such-rule"])
def test_unknown_rule_is_a_one_line_error(project: Path, name: str) -> None:
    proc = run(project, "rule", name)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert name in proc.stderr


# --- parallel checking --------------------------------------------------------------------


def test_many_files_give_the_same_output_in_parallel_and_serially(project: Path) -> None:
    clean_or_not = [APP, CLEAN, APP.replace("/a", "/b")]
    for index in range(45):
        directory = project / f"pkg{index % 4}"
        directory.mkdir(exist_ok=True)
        (directory / f"m{index:02d}.py").write_text(clean_or_not[index % 3], "utf-8")
    (project / "pkg1" / "broken.py").write_text("def f(:\n", "utf-8")

    results = {}
    for jobs in (None, "1", "4"):
        args = ["check", "--select", "FAS402", "--output-format", "json"]
        if jobs:
            args += ["--jobs", jobs]
        proc = run(project, *args)
        assert proc.returncode == 1
        assert proc.stderr.count("pkg1/broken.py: cannot parse:") == 1
        results[jobs] = proc.stdout
    assert results[None] == results["1"] == results["4"]
    items = json.loads(results["1"])
    assert len(items) == 30
    filenames = [item["filename"] for item in items]
    assert filenames == sorted(filenames)

    text = run(project, "check", "--select", "FAS402").stdout
    assert text == run(project, "check", "--select", "FAS402", "--jobs", "1").stdout


def test_fix_in_parallel_fixes_every_file(project: Path) -> None:
    for index in range(40):
        (project / f"m{index:02d}.py").write_text(APP, "utf-8")
    proc = run(project, "check", "--select", "FAS402", "--fix")
    assert proc.returncode == 0
    for index in range(40):
        assert (project / f"m{index:02d}.py").read_text("utf-8") == CLEAN


# --- the output stream --------------------------------------------------------------------


def test_a_console_that_cannot_show_a_character_gets_no_traceback(project: Path) -> None:
    (project / "app.py").write_text(APP.replace("get_db", "gét_db"), "utf-8")
    proc = run(project, "check", "--select", "FAS402", env={"PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 1
    assert len(lines_of(proc.stdout)) == 1


def test_a_reader_that_goes_away_gets_no_traceback(project: Path) -> None:
    body = "".join(
        f"\n@app.get('/r{i}')\ndef r{i}(db=Depends(get_db())):\n    pass\n" for i in range(3000)
    )
    (project / "app.py").write_text(APP + body, "utf-8")
    with subprocess.Popen(
        [sys.executable, "-m", "fastapi_lint", "check", "--select", "FAS402"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b"app.py:11:18: FAS402 ")
        proc.stdout.close()
        stderr = proc.stderr.read().decode("utf-8", "replace")
        proc.wait(timeout=60)
    assert "Traceback" not in stderr
    assert "Error" not in stderr
