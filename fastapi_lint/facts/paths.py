"""Route path templates: ``/items/{item_id:int}/`` parsed once for every rule."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Starlette's own pattern: what it does not match is literal text of the path, not a parameter
_PARAM = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?\}")


@dataclass(frozen=True)
class PathParam:
    name: str
    converter: str | None  # "int", "path", "float", "uuid", "str" or None


@dataclass(frozen=True)
class PathTemplate:
    raw: str
    params: tuple[PathParam, ...]

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def segments(self) -> tuple[str, ...]:
        return tuple(s for s in self.raw.split("/") if s)

    @property
    def pattern_key(self) -> str:
        """The path with parameter names erased: ``/u/{id}`` and ``/u/{uid}`` share a key."""
        return _PARAM.sub(lambda m: "{" + (":" + m.group(2) if m.group(2) else "") + "}", self.raw)


def parse_path(raw: str) -> PathTemplate:
    params = tuple(PathParam(m.group(1), m.group(2) or None) for m in _PARAM.finditer(raw))
    return PathTemplate(raw, params)
