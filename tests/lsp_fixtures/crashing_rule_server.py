"""The real server with one extra rule, FAS899, that raises on every module: the server must
log it and keep the other rules' findings."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule


@rule(code="FAS899", name="always-crashes", default=False)
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    raise ZeroDivisionError("a rule bug")


if __name__ == "__main__":
    from fastapi_lsp.__main__ import main

    sys.exit(main())
