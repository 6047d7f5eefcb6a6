"""FAS504 python-jose

## What it does
Finds imports of `jose`, the module of the `python-jose` distribution.

## Why is this bad?
`python-jose` is barely maintained and has had published vulnerabilities (algorithm confusion
with OpenSSH ECDSA keys, CVE-2024-33663; JWE decompression bombs, CVE-2024-33664) that were
fixed late. The FastAPI tutorial moved from it to PyJWT. See
[OAuth2 with Password, Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/).

## Example
```python
from jose import JWTError, jwt
```

## Use instead
```python
import jwt
from jwt.exceptions import InvalidTokenError
```

## Fix safety
There is no fix: PyJWT, `joserfc` and `authlib` differ from `jose` in exception classes and
in how keys and options are passed, so the calls need rewriting by hand.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS504"
MESSAGE = (
    "`{name}` comes from `python-jose`, which is unmaintained and has known vulnerabilities; "
    "use PyJWT (`jwt`) or `joserfc`"
)


@rule(code=CODE, name="python-jose", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for node in facts.nodes_of(ast.Import):
        for alias in node.names:
            if _is_jose(alias.name):
                yield Diagnostic.at(node, CODE, MESSAGE.format(name=alias.name))
    for found in facts.nodes_of(ast.ImportFrom):
        if found.level == 0 and _is_jose(found.module):
            yield Diagnostic.at(found, CODE, MESSAGE.format(name=found.module))


def _is_jose(module: str | None) -> bool:
    return module is not None and (module == "jose" or module.startswith("jose."))
