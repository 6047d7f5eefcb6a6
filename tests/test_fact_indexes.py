"""The indexes rules ask instead of scanning every node: they answer what a scan answers."""

from __future__ import annotations

import ast
import textwrap

import pytest

from fastapi_lint.facts import ModuleFacts

SOURCE = textwrap.dedent(
    """
    import jwt
    import os.path
    from jwt import decode as jwt_decode
    from fastapi import FastAPI as App, APIRouter, Depends

    app = App()
    router: APIRouter = APIRouter()

    def decode(token):  # a local function named like jwt.decode
        return token

    async def handler(token=Depends(decode)):
        from os import getenv as read_setting
        jwt.decode(token)
        jwt_decode(token)
        decode(token)
        read_setting("KEY")
        os.path.join("a", "b")
        print(jwt.decode(jwt_decode(token))(1))
        return [str(x) for x in range(3)]

    class Service:
        def run(self):
            return self.decode(1), os.getenv("X")
    """
)


@pytest.fixture
def facts() -> ModuleFacts:
    return ModuleFacts.from_text(SOURCE)


def _scan(facts: ModuleFacts, kind: type[ast.AST]) -> list[ast.AST]:
    return [node for node in ast.walk(facts.tree) if type(node) is kind]


@pytest.mark.parametrize(
    "kind", [ast.Call, ast.Name, ast.Attribute, ast.Assign, ast.AnnAssign, ast.ClassDef]
)
def test_nodes_of_holds_every_node_of_the_class_in_source_order(
    facts: ModuleFacts, kind: type[ast.AST]
) -> None:
    found = facts.nodes_of(kind)
    assert set(found) == set(_scan(facts, kind))
    assert found == [node for node in facts.all_nodes if type(node) is kind]


@pytest.mark.parametrize(
    "qualified",
    [
        ("jwt.decode",),
        ("os.getenv",),
        ("os.path.join", "builtins.print"),
        ("fastapi.FastAPI", "fastapi.APIRouter", "fastapi.Depends"),
        ("builtins.str", "builtins.range", "jwt.decode", "os.getenv"),
        ("nothing.here",),
    ],
)
def test_calls_to_finds_what_resolving_every_call_finds(
    facts: ModuleFacts, qualified: tuple[str, ...]
) -> None:
    expected = [c for c in facts.calls if facts.qualified_name(c.func) in qualified]
    assert facts.calls_to(*qualified) == expected


def test_calls_to_sees_through_import_aliases(facts: ModuleFacts) -> None:
    callees = [ast.unparse(c.func) for c in facts.calls_to("jwt.decode")]
    assert callees == ["jwt.decode", "jwt_decode", "jwt.decode", "jwt_decode"]
    assert [ast.unparse(c.func) for c in facts.calls_to("os.getenv")] == [
        "read_setting",
        "os.getenv",
    ]
    assert [ast.unparse(c.func) for c in facts.calls_to("fastapi.FastAPI")] == ["App"]


def test_calls_named_holds_each_call_once_in_source_order(facts: ModuleFacts) -> None:
    found = facts.calls_named("decode", "getenv", "read_setting")
    assert len(set(found)) == len(found)
    assert found == [c for c in facts.calls if c in set(found)]
    # the local `decode` and the method `self.decode` are spelled alike: they are there too
    assert {ast.unparse(c.func) for c in found} == {
        "jwt.decode",
        "jwt_decode",
        "decode",
        "read_setting",
        "self.decode",
        "os.getenv",
    }


def test_focused_nodes_of_keeps_to_the_focus(facts: ModuleFacts) -> None:
    service = facts.tree.body[-1]
    facts.focus = frozenset({service})
    calls = facts.focused_nodes_of(ast.Call)
    assert [ast.unparse(c.func) for c in calls] == ["self.decode", "os.getenv"]
