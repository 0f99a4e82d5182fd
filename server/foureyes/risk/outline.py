"""Where definitions (functions, classes, methods, types) begin and end in a piece of
code, by tree-sitter: the syntax that review units are split along.

The code is a unit's span parsed on its own with shared indentation removed, so the
cost follows the unit, not the file, and the definitions are relative to it: methods
of a class whose header lies outside the span come out at depth 0. A definition's
start includes the comments, decorators and attributes right above it, so the comment
that introduces a function goes with it. Must not know about claims, units or review.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from tree_sitter import Node

from foureyes.core.lru import Lru
from foureyes.core.text import content_key
from foureyes.risk.languages import QUERY_FAMILY, parser

_DEFINITIONS: dict[str, frozenset[str]] = {
    "python": frozenset({"function_definition", "class_definition", "decorated_definition"}),
    "javascript": frozenset({
        "function_declaration", "generator_function_declaration", "class_declaration",
        "abstract_class_declaration", "interface_declaration", "enum_declaration",
        "type_alias_declaration", "module", "internal_module", "export_statement",
        "lexical_declaration", "variable_declaration", "method_definition",
    }),
    "go": frozenset({"function_declaration", "method_declaration", "type_declaration"}),
    "rust": frozenset({
        "function_item", "impl_item", "struct_item", "enum_item", "trait_item", "mod_item",
        "macro_definition",
    }),
    "java": frozenset({
        "class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
        "method_declaration", "constructor_declaration", "annotation_type_declaration",
    }),
}  # fmt: skip
# Declarations that are definitions only when they span lines (`const handler = () => {`),
# so a run of one-line constants is not cut into one unit per constant.
_MULTILINE_ONLY = frozenset({"lexical_declaration", "variable_declaration"})
# Nodes right above a definition that belong to it.
_LEADING = frozenset({"comment", "line_comment", "block_comment", "attribute_item", "decorator"})

_WRAPPERS = frozenset({"decorated_definition", "export_statement"})

# Keyed by a digest, not the text: a unit can be a whole file, and typing in it makes
# a new text on every keystroke.
_CACHE: Lru[tuple[str, str], tuple[Definition, ...]] = Lru(4096)


@dataclass(frozen=True, slots=True)
class Definition:
    """Lines `start`..`end` (0-based, relative to the code given) hold one definition;
    `depth` counts the definitions around it inside that code."""

    start: int
    end: int
    depth: int


def knows(language: str | None) -> bool:
    return language is not None and QUERY_FAMILY.get(language, language) in _DEFINITIONS


def outline(language: str, code: str) -> tuple[Definition, ...]:
    """The definitions in `code`, in order of their first line; () for a language
    without a grammar installed."""
    key = (language, content_key(code))
    found = _CACHE.get(key)
    if found is None:
        found = _parse(language, code)
        _CACHE.put(key, found)
    return found


def _parse(language: str, code: str) -> tuple[Definition, ...]:
    kinds = _DEFINITIONS.get(QUERY_FAMILY.get(language, language))
    ts_parser = parser(language)
    if kinds is None or ts_parser is None:
        return ()
    root = ts_parser.parse(textwrap.dedent(code).encode("utf-8", "surrogatepass")).root_node
    found: list[Definition] = []
    stack: list[tuple[Node, int, Node | None]] = [(root, 0, None)]
    while stack:
        node, depth, around = stack.pop()
        inner = depth
        if _is_definition(node, kinds):
            if not _wrapped(node, around):
                found.append(Definition(_leading_start(node), node.end_point.row, depth))
                inner = depth + 1
            around = node
        stack.extend((child, inner, around) for child in reversed(node.named_children))
    return tuple(sorted(found, key=lambda d: (d.start, d.depth)))


def _is_definition(node: Node, kinds: frozenset[str]) -> bool:
    if node.type not in kinds:
        return False
    return node.type not in _MULTILINE_ONLY or node.end_point.row > node.start_point.row


def _leading_start(node: Node) -> int:
    """The first line of the comments and attributes directly above `node`."""
    start = node.start_point.row
    sibling = node.prev_named_sibling
    while sibling is not None and sibling.type in _LEADING and sibling.end_point.row == start - 1:
        start = sibling.start_point.row
        sibling = sibling.prev_named_sibling
    return start


def _wrapped(node: Node, around: Node | None) -> bool:
    """A decorated or exported definition is one definition, not two nested ones."""
    return (
        around is not None
        and around.type in _WRAPPERS
        and around.end_point.row == node.end_point.row
    )
