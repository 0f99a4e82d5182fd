"""Text primitives every layer shares: one line splitter, one content key, one line diff.

Lines are numbered as LSP numbers them, content keys are blake2b digests of the exact
text, and a line diff trims the common ends before asking difflib (as diff tools do).
This module imports nothing of foureyes and knows nothing of claims, git or editors.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]  # difflib's (tag, old_lo, old_hi, new_lo, new_hi)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Characters str.splitlines breaks on that LSP does not.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def split_lines(text: str) -> list[str]:
    """Lines as LSP numbers them (breaks are \\n, \\r\\n, \\r); a final break ends the last line."""
    if not text:
        return []
    if _OTHER_BREAKS.search(text) is None:
        return text.splitlines()  # the same answer here, several times faster
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def content_key(data: str | bytes, size: int = 16) -> str:
    """A hex digest of `data` (`size` bytes of blake2b): cache keys, content stamps, ids.

    Text is encoded with surrogates passed through, so any str a file or an editor can
    hold has a key. Ids derived with it are stored (claim ids), so its output for a
    given input and size must never change.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(raw, digest_size=size).hexdigest()


def line_opcodes(
    old: Sequence[str], new: Sequence[str], *, max_cells: int | None = None
) -> list[Opcode]:
    """difflib opcodes turning `old` into `new`, with the common ends trimmed first.

    SequenceMatcher looks for the longest block first, ties going to the earliest old
    line, so a lone blank line can be matched across a whole gap (a blank line at its
    start paired with an unrelated one at its end) when pairing the lines next to the
    unchanged ends would keep more. Trimming the common ends first keeps those lines
    where they are. When the middles' product exceeds `max_cells`, the middle is one
    `replace` instead of a quadratic diff.
    """
    size = min(len(old), len(new))
    head = 0
    while head < size and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < size - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    middle_old, middle_new = old[head : len(old) - tail], new[head : len(new) - tail]
    opcodes: list[Opcode] = []
    if head:
        opcodes.append(("equal", 0, head, 0, head))
    gap = (head, len(old) - tail, head, len(new) - tail)
    if middle_old and middle_new:
        if max_cells is not None and len(middle_old) * len(middle_new) > max_cells:
            opcodes.append(("replace", *gap))
        else:
            matcher = SequenceMatcher(None, middle_old, middle_new, autojunk=False)
            opcodes.extend(
                (tag, i1 + head, i2 + head, j1 + head, j2 + head)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            )
    elif middle_old:
        opcodes.append(("delete", *gap))
    elif middle_new:
        opcodes.append(("insert", *gap))
    if tail:
        opcodes.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    return opcodes
