"""FAS507 jwt-without-verification

## What it does
Finds `jwt.decode(...)` calls (PyJWT or `python-jose`) that do not pin `algorithms=`, or that
turn signature verification off with `options={"verify_signature": False}` or `verify=False`.

## Why is this bad?
A token whose signature is not verified is just user input: anyone can write
`{"sub": "admin"}` into one. Without `algorithms=`, the token's own header chooses the
algorithm, which opens algorithm-confusion attacks (an RSA public key used as an HMAC secret);
PyJWT 2 refuses such calls at runtime, older versions and `python-jose` accept them. See
[OAuth2 with Password, Bearer with JWT tokens](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/).

## Example
```python
payload = jwt.decode(token, SECRET_KEY)
claims = jwt.decode(token, options={"verify_signature": False})
```

## Use instead
```python
payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
```

## Fix safety
There is no fix: the algorithm the tokens are signed with, and whether reading unverified
claims was intended, are for the author to say.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from fastapi_lint.diagnostics import Diagnostic
from fastapi_lint.facts import ModuleFacts
from fastapi_lint.rules import Options, rule

CODE = "FAS507"
DECODE_FUNCTIONS = frozenset(
    {
        "jwt.decode",
        "jwt.decode_complete",
        "jwt.api_jwt.decode",
        "jwt.api_jwt.decode_complete",
        "jose.jwt.decode",
    }
)
ALGORITHMS_POSITION = 2  # decode(token, key, algorithms, ...) in PyJWT and python-jose


@rule(code=CODE, name="jwt-without-verification", default=True, fix="none")
def check(facts: ModuleFacts, options: Options) -> Iterator[Diagnostic]:
    for call in facts.calls_to(*DECODE_FUNCTIONS):
        keywords = {kw.arg: kw.value for kw in call.keywords}
        if None in keywords:
            continue  # `**kwargs` may hold anything
        problem = _problem(keywords, len(call.args))
        if problem is not None:
            yield Diagnostic.at(call, CODE, f"`{ast.unparse(call.func)}` {problem}")


def _problem(keywords: dict[str | None, ast.expr], positional: int) -> str | None:
    if _is_false(keywords.get("verify")) or _disables_signature(keywords.get("options")):
        return "turns signature verification off: nothing proves who issued the claims"
    if "algorithms" not in keywords and positional <= ALGORITHMS_POSITION:
        return "has no `algorithms=`: the token's header picks the algorithm"
    return None


def _disables_signature(options: ast.expr | None) -> bool:
    if not isinstance(options, ast.Dict):
        return False
    return any(
        isinstance(key, ast.Constant) and key.value == "verify_signature" and _is_false(value)
        for key, value in zip(options.keys, options.values, strict=True)
    )


def _is_false(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False
