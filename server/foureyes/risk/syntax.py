"""Find risky constructs, imports and nesting in a piece of code with tree-sitter.

The code is a region's text, parsed on its own (with shared indentation removed),
so the cost is proportional to the region, not the file, and a result can be cached
by the region's content. tree-sitter tolerates the partial code this produces.
Must not know about scores, regions or policies.
"""

from __future__ import annotations

import textwrap
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tree_sitter import Node, Query, QueryCursor

from foureyes.risk.languages import QUERY_FAMILY, grammar, parser

_NESTING = {
    "python": {"if_statement", "for_statement", "while_statement", "try_statement",
               "with_statement", "function_definition", "class_definition", "match_statement"},
    "javascript": {"if_statement", "for_statement", "for_in_statement", "while_statement",
                   "do_statement", "try_statement", "function_declaration", "arrow_function",
                   "function_expression", "method_definition", "class_declaration",
                   "switch_statement"},
    "go": {"if_statement", "for_statement", "func_literal", "function_declaration",
           "method_declaration", "expression_switch_statement", "type_switch_statement",
           "select_statement"},
    "rust": {"if_expression", "for_expression", "while_expression", "loop_expression",
             "match_expression", "function_item", "closure_expression", "impl_item"},
    "java": {"if_statement", "for_statement", "enhanced_for_statement", "while_statement",
             "do_statement", "try_statement", "method_declaration", "class_declaration",
             "switch_expression", "lambda_expression"},
}  # fmt: skip
_query_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    first_line: int  # 0-based, relative to the code analysed
    last_line: int
    text: str  # the first line of the matched code, for messages


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    line: int  # 0-based, relative to the code analysed
    column: int  # in the code as given (indentation put back)


@dataclass(frozen=True, slots=True)
class SyntaxFacts:
    findings: tuple[Finding, ...]
    imports: tuple[str, ...]
    nesting: int
    definitions: tuple[Definition, ...] = ()


EMPTY = SyntaxFacts((), (), 0)


# Unbounded on purpose: one compiled query per language with a grammar, a handful.
@cache
def _query(language: str) -> Query | None:
    family = QUERY_FAMILY.get(language, language)
    grammar_ = grammar(language)
    if grammar_ is None:
        return None
    source = resources.files("foureyes.risk").joinpath(f"queries/{family}.scm").read_text()
    return Query(grammar_, source)


def analyse(language: str, code: str) -> SyntaxFacts:
    """Findings (rule captures), imported module names and the deepest nesting in `code`."""
    ts_parser = parser(language)
    with _query_lock:
        query = _query(language)
    if ts_parser is None or query is None:
        return EMPTY
    dedented = textwrap.dedent(code)
    indent = _removed_indent(code, dedented)
    source = dedented.encode("utf-8", "surrogatepass")
    tree = ts_parser.parse(source)
    definitions: list[Definition] = []
    findings: dict[tuple[str, int], Finding] = {}
    imports: dict[str, None] = {}
    for name, nodes in QueryCursor(query).captures(tree.root_node).items():
        if name.startswith("_"):
            continue
        for node in nodes:
            text = node.text.decode("utf-8", "replace") if node.text else ""
            if name == "import":
                imports[text.strip("\"'`")] = None
                continue
            if name == "definition":
                line_start = source.rfind(b"\n", 0, node.start_byte) + 1
                column = len(source[line_start : node.start_byte].decode("utf-8", "replace"))
                definitions.append(Definition(text, node.start_point.row, column + indent))
                continue
            key = (name, node.start_point.row)
            findings.setdefault(
                key,
                Finding(
                    name,
                    node.start_point.row,
                    node.end_point.row,
                    text.splitlines()[0] if text else "",
                ),
            )
    ordered = sorted(findings.values(), key=lambda f: (f.first_line, f.rule))
    return SyntaxFacts(
        tuple(ordered),
        tuple(imports),
        _depth(tree.root_node, _NESTING.get(QUERY_FAMILY.get(language, language), set())),
        tuple(sorted(definitions, key=lambda d: (d.line, d.column))),
    )


def _removed_indent(code: str, dedented: str) -> int:
    """How many characters of indentation dedent took from each line."""
    for before, after in zip(code.splitlines(), dedented.splitlines(), strict=False):
        if before.strip():
            return len(before) - len(after)
    return 0


def _depth(root: Node, nesting: set[str]) -> int:
    deepest = 0
    stack = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if node.type in nesting:
            depth += 1
            deepest = max(deepest, depth)
        stack.extend((child, depth) for child in node.children)
    return deepest
