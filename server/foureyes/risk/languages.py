"""Which tree-sitter grammar parses a file, loaded lazily from the per-language wheels.

Grammar wheels parse offline (tree-sitter-language-pack downloads at run time, so it
is not used). A grammar that is not installed means "no syntax-based risk" for that
language, never an error. Must not know about rules or scores.
"""

from __future__ import annotations

import importlib
import threading
from functools import cache
from pathlib import PurePosixPath

from tree_sitter import Language, Parser

# language name -> (module, attribute that returns the grammar pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
}
_EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
}  # fmt: skip
# Languages whose rules are shared: TypeScript queries are written against the
# JavaScript node types they inherit.
QUERY_FAMILY = {"typescript": "javascript", "tsx": "javascript"}

_local = threading.local()


@cache
def language_of(path: str) -> str | None:
    return _EXTENSIONS.get(PurePosixPath(path).suffix.lower())


@cache
def grammar(name: str) -> Language | None:
    module_name, attribute = _GRAMMARS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return Language(getattr(module, attribute)())


def parser(name: str) -> Parser | None:
    """A parser for the calling thread (parsers are not thread-safe)."""
    parsers: dict[str, Parser] = _local.__dict__.setdefault("parsers", {})
    found = parsers.get(name)
    if found is None:
        language = grammar(name)
        if language is None:
            return None
        found = parsers[name] = Parser(language)
    return found
