"""Whether every URL one route template matches is also matched by another, as Starlette's
router decides it: segment by segment, with the regular expressions of its converters."""

from __future__ import annotations

import re

from fastapi_lint.facts.paths import PathTemplate

# Starlette's converters; a custom converter is unknown and proves nothing
CONVERTER_PATTERNS: dict[str, str] = {
    "str": r"[^/]+",
    "path": r".*",
    "int": r"[0-9]+",
    "float": r"[0-9]+(\.[0-9]+)?",
    "uuid": r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
}
# converter → the converters whose values it always accepts
_ACCEPTS: dict[str, frozenset[str]] = {
    "str": frozenset({"str", "int", "float", "uuid"}),
    "int": frozenset({"int"}),
    "float": frozenset({"float", "int"}),
    "uuid": frozenset({"uuid"}),
}
_WHOLE_PARAM = re.compile(r"^\{\s*[^{}:]*?\s*(?::\s*([^{}]*?)\s*)?\}$")
_ANY_PARAM = re.compile(r"\{[^{}]*\}")


def _param_converter(segment: str) -> str | None:
    """``{id:int}`` → ``"int"``, ``{id}`` → ``"str"``; None for a literal or mixed segment."""
    match = _WHOLE_PARAM.match(segment)
    if match is None:
        return None
    return match.group(1) or "str"


def _erase_names(segment: str) -> str:
    return _ANY_PARAM.sub(lambda m: "{" + (_param_converter(m.group(0)) or "?") + "}", segment)


def _segment_accepts(general: str, specific: str) -> tuple[bool, bool]:
    """(whether every value of ``specific`` matches ``general``, whether that takes a
    parameter of ``general`` matching a literal of ``specific``)."""
    if _erase_names(general) == _erase_names(specific):
        return True, False
    converter = _param_converter(general)
    if converter is None or converter not in _ACCEPTS:
        return False, False
    if "{" not in specific:
        return re.fullmatch(CONVERTER_PATTERNS[converter], specific) is not None, True
    inner = _param_converter(specific)
    if inner is not None:
        return inner in _ACCEPTS[converter], False
    # a mixed segment (``{name}.{ext}``) yields one or more characters without a slash
    mixed = [_param_converter(p) for p in _ANY_PARAM.findall(specific)]
    return converter == "str" and "path" not in mixed, False


def covers(general: PathTemplate, specific: PathTemplate) -> tuple[bool, bool]:
    """(whether ``general`` matches every URL ``specific`` matches, whether a parameter of
    ``general`` takes a literal segment of ``specific`` on the way)."""
    outer = general.raw.split("/")
    inner = specific.raw.split("/")
    takes_literal = False
    for index, segment in enumerate(outer):
        if _param_converter(segment) == "path":
            if index != len(outer) - 1 or index >= len(inner):
                return False, False
            rest = inner[index:]
            return True, takes_literal or any("{" not in s for s in rest)
        if index >= len(inner):
            return False, False
        accepted, literal = _segment_accepts(segment, inner[index])
        if not accepted:
            return False, False
        takes_literal = takes_literal or literal
    if len(inner) != len(outer):
        return False, False
    return True, takes_literal
