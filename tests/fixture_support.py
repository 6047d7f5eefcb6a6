"""Fixture files carry their expectations inline: `# error: FAS101` on the offending line.

A fixture is `tests/fixtures/<family>/<CODE>_<name>[_<variant>].py`; only the rule named by
the file's code runs on it. Header lines `# option: <rule-name>.<option> = <TOML value>` set
rule options. `<stem>.fixed.py` beside a fixture is the expected text after applying every
safe and unsafe fix of that rule; `<stem>.actions.py` the text after every fix including the
editor-only actions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_lint.config import Settings, tomllib
from fastapi_lint.rules import Rule, get_rule

FIXTURES = Path(__file__).parent / "fixtures"
ERROR = re.compile(r"#\s*error:\s*(FAS\d{3}(?:\s*,\s*FAS\d{3})*)")
OPTION = re.compile(r"^#\s*option:\s*([\w-]+)\.([\w-]+)\s*=\s*(.+)$")


@dataclass(frozen=True)
class Fixture:
    path: Path
    rule: Rule

    @property
    def id(self) -> str:
        return self.path.stem

    @property
    def text(self) -> str:
        return self.path.read_text("utf-8")

    @property
    def fixed_path(self) -> Path:
        return self.path.with_name(self.path.stem + ".fixed.py")

    @property
    def actions_path(self) -> Path:
        """Expected text after every fix, editor actions included."""
        return self.path.with_name(self.path.stem + ".actions.py")

    def expected(self) -> Counter[tuple[int, str]]:
        found: Counter[tuple[int, str]] = Counter()
        for number, line in enumerate(self.text.splitlines(), start=1):
            match = ERROR.search(line)
            if match:
                for code in match.group(1).split(","):
                    if code.strip() == self.rule.code:
                        found[(number, code.strip())] += 1
        return found

    def settings(self) -> Settings:
        options: dict[str, dict[str, Any]] = {}
        for line in self.text.splitlines():
            match = OPTION.match(line)
            if match:
                rule_name, option, raw = match.groups()
                options.setdefault(rule_name, {})[option] = tomllib.loads(f"v = {raw}")["v"]
        return Settings().with_overrides(rule_options=options)


def all_fixtures() -> list[Fixture]:
    fixtures = []
    for path in sorted(FIXTURES.rglob("FAS*.py")):
        if path.name.endswith((".fixed.py", ".actions.py")):
            continue
        rule = get_rule(path.name[:6])
        if rule is None:
            raise AssertionError(f"fixture {path} names no registered rule")
        fixtures.append(Fixture(path, rule))
    return fixtures
