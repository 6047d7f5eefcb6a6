"""Configuration of the real command-line checker: `[tool.fastapi-lint]`, `# noqa`,
`--config` and `--isolated`, and one clear line for every configuration mistake."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cli_support import APP, run

FINDING_LINE = 11  # FAS402 on `get_db()`


def fas402_files(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """The files with a FAS402 finding, in output order."""
    return [line.split(":", 1)[0] for line in proc.stdout.splitlines() if " FAS402 " in line]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def config(root: Path, body: str) -> None:
    (root / "pyproject.toml").write_text(f"[tool.fastapi-lint]\n{body}\n", "utf-8")


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def rule_with_options(cwd: Path) -> tuple[str, str, str, Any]:
    """(code, table name, option name, default) of the first rule option in the catalog."""
    proc = run(cwd, "rules", "--output-format", "json")
    for rule in json.loads(proc.stdout):
        for key, default in rule["options"].items():
            table, option = key.split(".", 1)
            return rule["code"], table, option, default
    pytest.skip("no rule has options yet")


# --- the keys -----------------------------------------------------------------------------


def test_select_and_ignore(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    config(tmp_path, 'select = ["FAS402"]')
    proc = run(tmp_path, "check")
    assert proc.returncode == 1
    assert proc.stdout.startswith(f"app.py:{FINDING_LINE}:18: FAS402 ")
    assert all(" FAS402 " in line for line in proc.stdout.splitlines())

    config(tmp_path, 'select = ["FAS4"]\nignore = ["FAS402"]')
    assert fas402_files(run(tmp_path, "check")) == []

    # flags override the file
    config(tmp_path, 'ignore = ["FAS402"]')
    assert fas402_files(run(tmp_path, "check")) == []
    assert fas402_files(run(tmp_path, "check", "--select", "FAS402")) == ["app.py"]


def test_extend_select(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    proc = run(tmp_path, "rules", "--output-format", "json")
    others = [r["code"] for r in json.loads(proc.stdout) if r["code"] != "FAS402"]
    if not others:
        pytest.skip("FAS402 is the only rule")
    config(tmp_path, f'select = ["{others[0]}"]')
    assert fas402_files(run(tmp_path, "check")) == []
    config(tmp_path, f'select = ["{others[0]}"]\nextend-select = ["FAS402"]')
    assert fas402_files(run(tmp_path, "check")) == ["app.py"]


def test_per_file_ignores_with_globs(tmp_path: Path) -> None:
    files = ["app.py", "tests/test_app.py", "tests/deep/test_more.py", "legacy_v1.py", "pkg/x.py"]
    write(tmp_path, dict.fromkeys(files, APP))
    config(
        tmp_path,
        'select = ["FAS402"]\n'
        "[tool.fastapi-lint.per-file-ignores]\n"
        '"tests/**" = ["FAS402"]\n'
        '"legacy_*.py" = ["FAS4"]\n'
        '"pkg/x.py" = ["FAS101"]\n',
    )
    proc = run(tmp_path, "check")
    assert proc.returncode == 1
    assert fas402_files(proc) == ["app.py", "pkg/x.py"]


def test_per_file_ignores_are_relative_to_the_configuration(tmp_path: Path) -> None:
    write(tmp_path, {"tests/test_app.py": APP, "app.py": APP})
    config(tmp_path, 'select = ["FAS402"]\nper-file-ignores = { "tests/*" = ["FAS402"] }')
    # run from inside tests/: the glob still matches from the project root
    assert run(tmp_path / "tests", "check").returncode == 0
    assert fas402_files(run(tmp_path / "tests", "check", "../app.py")) == ["../app.py"]


def test_exclude(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP, "generated/app.py": APP, "migrations/versions/v1.py": APP})
    config(tmp_path, 'select = ["FAS402"]\nexclude = ["generated", "migrations/versions"]')
    assert fas402_files(run(tmp_path, "check")) == ["app.py"]
    config(tmp_path, 'select = ["FAS402"]\nextend-exclude = ["generated"]')
    assert fas402_files(run(tmp_path, "check")) == ["app.py", "migrations/versions/v1.py"]


def test_the_nearest_pyproject_applies(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP, "service/app.py": APP})
    config(tmp_path, 'select = ["FAS402"]')
    (tmp_path / "service" / "pyproject.toml").write_text(
        '[tool.fastapi-lint]\nselect = ["FAS402"]\nignore = ["FAS402"]\n', "utf-8"
    )
    assert run(tmp_path / "service", "check").returncode == 0
    assert fas402_files(run(tmp_path, "check", "app.py")) == ["app.py"]
    # a pyproject.toml without a [tool.fastapi-lint] table does not hide the one above it
    (tmp_path / "service" / "pyproject.toml").write_text("[project]\nname = 'x'\n", "utf-8")
    config(tmp_path, 'ignore = ["FAS402"]')
    assert run(tmp_path / "service", "check", "--extend-select", "FAS402").returncode == 1
    assert fas402_files(run(tmp_path / "service", "check")) == []


def test_rule_options_as_tables(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    code, table, option, default = rule_with_options(tmp_path)
    if isinstance(default, bool):
        good, bad = ("false" if default else "true"), '"yes"'
    elif isinstance(default, int):
        good, bad = str(default + 1), '"many"'
    elif isinstance(default, (list, tuple)):
        good, bad = '["x"]', "3"
    else:
        good, bad = '"x"', "[1]"

    config(
        tmp_path, f'select = ["FAS402", "{code}"]\n[tool.fastapi-lint.{table}]\n{option} = {good}'
    )
    proc = run(tmp_path, "check")
    assert proc.returncode == 1, proc.stderr
    assert fas402_files(proc) == ["app.py"]

    config(tmp_path, f"[tool.fastapi-lint.{table}]\n{option} = {bad}")
    assert_one_line_error(run(tmp_path, "check"), f"{table}.{option}")

    config(tmp_path, f"[tool.fastapi-lint.{table}]\nno-such-option = 1")
    assert_one_line_error(run(tmp_path, "check"), "no-such-option")

    # and the same from the command line
    proc = run(tmp_path, "check", "--isolated", "--option", f"{table}.{option}={good}")
    assert proc.returncode == 1, proc.stderr
    proc = run(tmp_path, "check", "--isolated", "--option", f"{table}.no-such-option=1")
    assert_one_line_error(proc, "no-such-option")


# --- noqa ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("comment", "suppressed"),
    [
        ("# noqa", True),
        ("# noqa: FAS402", True),
        ("# noqa:FAS402", True),
        ("# NOQA: FAS402", True),
        ("# noqa: FAS101, FAS402", True),
        ("# noqa: FAS4", True),
        ("# noqa: FAS101", False),
        ("# noqa: FAS401", False),
        ("# noqa: E501", False),
        ("# a comment", False),
    ],
)
def test_noqa(tmp_path: Path, comment: str, suppressed: bool) -> None:
    source = APP.replace("def a(db=Depends(get_db())):", f"def a(db=Depends(get_db())):  {comment}")
    write(tmp_path, {"app.py": source})
    config(tmp_path, "")
    proc = run(tmp_path, "check", "--select", "FAS402")
    assert fas402_files(proc) == ([] if suppressed else ["app.py"])
    assert proc.returncode == (0 if suppressed else 1)


def test_noqa_on_another_line_does_not_suppress(tmp_path: Path) -> None:
    source = APP.replace("@app.get", "@app.get  # noqa").replace(
        "    return db", "    return db  # noqa"
    )
    write(tmp_path, {"app.py": source})
    config(tmp_path, "")
    assert fas402_files(run(tmp_path, "check", "--select", "FAS402")) == ["app.py"]


# --- mistakes: one line, naming the key, exit 2 -------------------------------------------


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("bogus = 1", "bogus"),
        ("selekt = ['FAS402']", "selekt"),
        ('select = ["FAS999"]', "FAS999"),
        ('ignore = ["NOPE1"]', "NOPE1"),
        ('extend-select = ["FAS9999"]', "FAS9999"),
        ('per-file-ignores = { "tests/*" = ["XX1"] }', "XX1"),
        ("select = 3", "select"),
        ("select = [1, 2]", "select"),
        ("ignore = { a = 1 }", "ignore"),
        ("exclude = 3", "exclude"),
        ("extend-select = true", "extend-select"),
        ("per-file-ignores = 3", "per-file-ignores"),
        ('per-file-ignores = { "tests/*" = 3 }', "per-file-ignores"),
        ('respect-gitignore = "no"', "respect-gitignore"),
        ('extend-ignore = ["XX9"]', "XX9"),
        ("extend-exclude = [1]", "extend-exclude"),
        ("[tool.fastapi-lint.fat-route]\nmax-statements = -1", "fat-route.max-statements"),
        ('[tool.fastapi-lint.fat-route]\nmax-statements = "x"', "fat-route.max-statements"),
        ("[tool.fastapi-lint.hardcoded-secret]\nextra-names = [1]", "extra-names"),
        ("[tool.fastapi-lint.no-such-rule]\nx = 1", "no-such-rule"),
        ("dependency-called = 3", "dependency-called"),
        ("[tool.fastapi-lint.dependency-called]\nno-such-option = 1", "no-such-option"),
        ('select = ["FAS402"', "pyproject.toml"),
        ("select = = 1", "pyproject.toml"),
        ("[tool.fastapi-lint]\nselect = []", "pyproject.toml"),
    ],
)
def test_configuration_mistakes_are_one_line(tmp_path: Path, body: str, needle: str) -> None:
    write(tmp_path, {"app.py": APP})
    config(tmp_path, body)
    assert_one_line_error(run(tmp_path, "check"), needle)
    assert_one_line_error(run(tmp_path, "check", "--select", "FAS402", "app.py"), needle)


def test_invalid_toml_says_so(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    config(tmp_path, 'select = ["FAS402"')
    proc = run(tmp_path, "check")
    assert_one_line_error(proc, "pyproject.toml")
    assert "TOML" in proc.stderr


def test_a_pyproject_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.fastapi-lint]\nselect = ["FAS402"] # \xe9\n')
    assert_one_line_error(run(tmp_path, "check"), "pyproject.toml")


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        ("dependency-called.no-such-option=1", "no-such-option"),
        ("no-such-rule.x=1", "no-such-rule"),
        ("not-an-assignment", "not-an-assignment"),
    ],
)
def test_bad_option_flags_are_one_line(tmp_path: Path, option: str, needle: str) -> None:
    write(tmp_path, {"app.py": APP})
    assert_one_line_error(run(tmp_path, "check", "--isolated", "--option", option), needle)


# --- --config and --isolated --------------------------------------------------------------


def test_config_flag_uses_that_file(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    config(tmp_path, 'select = ["FAS402"]')
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "lint.toml").write_text(
        '[tool.fastapi-lint]\nselect = ["FAS402"]\nignore = ["FAS402"]\n', "utf-8"
    )
    assert run(tmp_path, "check").returncode == 1
    assert run(tmp_path, "check", "--config", "ci/lint.toml").returncode == 0
    assert run(tmp_path, "check", "--config", tmp_path / "ci" / "lint.toml").returncode == 0


def test_config_flag_errors(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    assert_one_line_error(run(tmp_path, "check", "--config", "missing.toml"), "missing.toml")
    (tmp_path / "bad.toml").write_text("[tool.fastapi-lint]\nbogus = 1\n", "utf-8")
    assert_one_line_error(run(tmp_path, "check", "--config", "bad.toml"), "bogus")


def test_isolated_ignores_every_configuration_file(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP})
    config(tmp_path, 'ignore = ["FAS402"]')
    assert fas402_files(run(tmp_path, "check")) == []
    assert fas402_files(run(tmp_path, "check", "--isolated")) == ["app.py"]
    # even a broken one
    config(tmp_path, "bogus = [")
    assert run(tmp_path, "check").returncode == 2
    proc = run(tmp_path, "check", "--isolated", "--select", "FAS402")
    assert proc.returncode == 1
    assert fas402_files(proc) == ["app.py"]
