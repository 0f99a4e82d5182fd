"""Text that comes from the ledger or from git, made safe to show.

Notes, agent and model names, reviewer lists and identities are fields of ledger
lines; author names, paths and file contents come from git. A pull request writes
all of them. Shown raw, a line break forges a line of the tool's own output
("Approved by: sam@example.com" in a review packet, a `::error` workflow command),
ESC starts a terminal escape sequence (clear the screen, a disguised hyperlink,
colours), and Unicode bidi controls reorder what the reader sees. Every renderer
passes such values through one of these functions:

- `one_line(text)`: plain text (terminals, `check`'s text and GitHub formats, LSP
  strings). Control characters and Unicode line and bidi controls become visible
  escapes (`\\n`, `\\x1b`, `\\u202e`); a tab becomes a space.
- `code_line(text)`: one line of source code shown as code: like `one_line`, but
  tabs stay.
- `markdown_text(text)`: a value in Markdown prose or a table cell: `one_line`, then
  Markdown's inline syntax escaped with backslashes, and a value cannot start a
  heading, list item, quote or setext underline.
- `markdown_code(text)`: a value shown as inline code when that is safe (no backtick
  or `|` in it), else as `markdown_text`.

Ordinary text (printable, one line, no Markdown syntax) comes back unchanged. This
module only escapes text: it must not know about claims, the ledger or faces.
"""

from __future__ import annotations

import re

_LINE_AND_BIDI = (
    0x2028, 0x2029,  # line and paragraph separators
    0x061C, 0x200E, 0x200F,  # Arabic letter mark, left-to-right and right-to-left marks
    *range(0x202A, 0x202F),  # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    *range(0x2066, 0x206A),  # isolates (LRI, RLI, FSI, PDI)
)  # fmt: skip


def _table(*, tabs: bool) -> dict[int, str]:
    table = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
    table |= {ord("\n"): "\\n", ord("\r"): "\\r"}
    table[ord("\t")] = "\t" if tabs else " "
    table |= {code: f"\\u{code:04x}" for code in _LINE_AND_BIDI}
    return table


_ONE_LINE = _table(tabs=False)
_CODE_LINE = _table(tabs=True)


def one_line(text: str) -> str:
    """`text` on one line with no control characters: see the module docstring."""
    if text.isprintable():
        return text  # the common case; isprintable() is False for every escaped char
    return text.translate(_ONE_LINE)


def code_line(text: str) -> str:
    """A line of code to show: `one_line`, but a tab stays a tab."""
    if text.isprintable():
        return text
    return text.translate(_CODE_LINE)


# Characters that start inline Markdown (emphasis, code, links, raw HTML, tables,
# strikethrough, entities, math). `_` is escaped only where it could emphasise:
# between two letters or digits it cannot (snake_case and first_last@ stay as they are).
_INLINE = re.compile(r"[\\`*\[\]<>|~&$]|(?<![^\W_])_|_(?![^\W_])")
# What makes a line a heading, list item, quote, setext underline or thematic break.
_BLOCK_START = re.compile(r"^(\s*)(?:([#+=\-])|(\d+)([.)]))")


def markdown_text(text: str) -> str:
    """A value to put in Markdown prose or a table cell: see the module docstring."""
    escaped = _INLINE.sub(lambda match: "\\" + match[0], one_line(text))
    start = _BLOCK_START.match(escaped)
    if start is None:
        return escaped
    space, marker, digits, dot = start.groups()
    if marker is not None:
        return f"{space}\\{marker}{escaped[start.end() :]}"
    return f"{space}{digits}\\{dot}{escaped[start.end() :]}"


def markdown_code(text: str) -> str:
    """A value as inline code (`text`) when it can be one, else as escaped text."""
    shown = one_line(text)
    if shown and "`" not in shown and "|" not in shown:
        return f"`{shown}`"
    return markdown_text(text)
