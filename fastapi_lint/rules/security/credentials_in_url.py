"""FAS503 credentials-in-url

## What it does
Finds string literals that are URLs with a password in them (`scheme://user:password@host`):
database DSNs, broker and cache URLs.

## Why is this bad?
The password is then in the source, its history and every copy of it, and it is the same in
every environment the code runs in. It also ends up in logs and error messages that print the
URL. Build the URL from settings read from the environment instead. See
[Settings and Environment Variables](https://fastapi.tiangolo.com/advanced/settings/).

## Example
```python
engine = create_async_engine("postgresql+asyncpg://shop:s3cr3t@db:5432/shop")
```

## Use instead
```python
class Settings(BaseSettings):
    database_url: PostgresDsn


engine = create_async_engine(str(settings.database_url))
```

## Fix safety
There is no fix: where the URL should come from is the author's decision.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS503"
URL_WITH_PASSWORD = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<user>[^\s:/@?#]*):(?P<password>[^\s/@?#]+)@"
    r"[^\s@/?#]+(?:[/?#]\S*)?"
)
# A password spelled like this is a template or a mask, not a value: `{password}`, `${PW}`,
# `<password>`, `%(password)s`, `****`.
NOT_A_PASSWORD = re.compile(r"[{}$<>*\[\]]|%\(")
# Keyword arguments whose strings document a value rather than use it.
DOCUMENTING_KEYWORDS = frozenset(
    {"example", "examples", "description", "help", "title", "summary", "openapi_examples"}
)


@rule(code=CODE, name="credentials-in-url", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for node in facts.nodes_of(ast.Constant):
        if not isinstance(node.value, str):
            continue
        match = URL_WITH_PASSWORD.fullmatch(node.value.strip())
        if match is None or NOT_A_PASSWORD.search(match.group("password")):
            continue
        if _is_documentation(facts, node):
            continue
        yield Diagnostic.at(
            node,
            CODE,
            f"`{match.group('scheme')}://` URL literal contains the password of "
            f"`{match.group('user') or '(no user)'}`",
        )


def _is_documentation(facts: ModuleFacts, node: ast.Constant) -> bool:
    """A docstring, a piece of an f-string (the URL is built from values), or an example or
    description handed to a keyword argument."""
    parent = facts.parent(node)
    if isinstance(parent, ast.Expr | ast.JoinedStr):
        return True
    for ancestor in facts.ancestors(node):
        if isinstance(ancestor, ast.keyword) and ancestor.arg in DOCUMENTING_KEYWORDS:
            return True
        if isinstance(ancestor, ast.stmt):
            return False
    return False
