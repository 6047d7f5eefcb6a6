"""Text edits: applying fixes, and the shared edits rules build fixes from."""

from fastapi_lint.fixes.apply import apply_fixes, select_fixes
from fastapi_lint.fixes.imports import ensure_from_import, ensure_module_import

__all__ = ["apply_fixes", "ensure_from_import", "ensure_module_import", "select_fixes"]
