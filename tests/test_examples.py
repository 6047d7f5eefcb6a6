"""The bundled example app: both front ends report the same findings on it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FINDING = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>FAS\d{3}) ", re.M)
# every default-on rule of these families shows up in the example, except cycles, which no
# example app should contain
SHOWN_FAMILIES = ("FAS1", "FAS4")
NOT_SHOWN = {"FAS409"}


def findings(output: str) -> set[tuple[str, int, int, str]]:
    return {
        (Path(m["path"]).as_posix(), int(m["line"]), int(m["col"]), m["code"])
        for m in FINDING.finditer(output)
    }


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_checker_and_flake8_agree_on_the_example() -> None:
    checker = run("fastapi_lint", "check", "examples/")
    # without --select, flake8 runs the default rules (opt-in ones are in its default ignore
    # list; `--select FAS` would enable them too)
    flake8 = run("flake8", "--isolated", "examples/")
    assert checker.returncode == 1, checker.stderr
    assert flake8.returncode == 1, flake8.stderr
    assert findings(checker.stdout)
    assert findings(checker.stdout) == findings(flake8.stdout)


def test_selecting_every_rule_agrees_too() -> None:
    checker = run("fastapi_lint", "check", "--select", "FAS", "examples/")
    flake8 = run("flake8", "--isolated", "--select", "FAS", "examples/")
    assert findings(checker.stdout) == findings(flake8.stdout)
    assert len(findings(checker.stdout)) > len(
        findings(run("fastapi_lint", "check", "examples/").stdout)
    )


def test_example_shows_every_default_rule_of_the_shown_families() -> None:
    from fastapi_lint.rules import all_rules

    wanted = {
        r.code for r in all_rules() if r.default and r.code.startswith(SHOWN_FAMILIES)
    } - NOT_SHOWN
    shown = {code for *_, code in findings(run("fastapi_lint", "check", "examples/").stdout)}
    assert wanted <= shown


def test_clean_router_of_the_example_has_no_findings() -> None:
    result = run("fastapi_lint", "check", "examples/shop/routers/")
    assert result.returncode == 0, result.stdout


def test_readme_shows_the_checker_output_on_the_example() -> None:
    """The README's sample output is what ``fastapi-lint check examples/`` prints today."""
    readme = (ROOT / "README.md").read_text("utf-8")
    shown = [line for line in readme.splitlines() if line.startswith("examples/")]
    checker = run("fastapi_lint", "check", "examples/")
    assert shown
    assert set(shown) <= set(checker.stdout.splitlines())
    summary = checker.stderr.strip().splitlines()[-1]
    assert summary in readme
