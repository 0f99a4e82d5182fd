"""The current text, hashed and indexed once so that many anchors resolve cheaply.

`TextIndex` holds a text's lines, their whitespace-insensitive hashes and where each
wanted hash occurs; `edited` derives the index of a later version from an earlier
one, hashing only the lines that changed.

This module knows lines and their hashes (`anchor.py`); it must not know how an
anchor is resolved, nor about claims, ledgers, git or who asks.
"""

from __future__ import annotations

from bisect import insort
from itertools import compress, count
from operator import ne

from foureyes.core.anchor import exact_hash, is_trivial, line_hash, raw_hash
from foureyes.core.model import Anchor
from foureyes.core.text import split_lines

_INDEX_SERIALS = count(1)
_MAX_EDITED_LINES = 256  # more changed lines than this: index afresh


class TextIndex:
    """The current text, hashed and indexed once so that many anchors resolve cheaply.

    `wanted` (the line hashes the claims to resolve contain) limits the position index
    to lines that can matter: on a large file that spares building a list for every
    line on every keystroke. Without it every line is indexed.

    `edited` derives the index of a later version of the text from this one, hashing
    only the lines that changed and moving only their hashes' positions (indexes are
    never mutated, so unchanged position lists are shared). `parent`, `changed` and
    `moved` say what differs from the parent, which lets a resolution made on the
    parent stand without being checked again (see the engine's `_reuse`).
    """

    __slots__ = (
        "changed", "keys", "lines", "moved", "parent", "positions", "serial", "trivial",
        "wanted",
    )  # fmt: skip

    def __init__(self, text: str, wanted: frozenset[str] | None = None) -> None:
        lines = split_lines(text)
        self._fill(lines, [line_hash(line) for line in lines], wanted)

    def _fill(self, lines: list[str], keys: list[str], wanted: frozenset[str] | None) -> None:
        self.lines: list[str] = lines
        self.keys: list[str] = keys
        self.wanted = wanted
        self.serial = next(_INDEX_SERIALS)
        self.parent = 0  # the serial of the index this one was derived from; 0: none
        self.changed: frozenset[int] = frozenset()  # positions that differ from the parent
        self.moved: frozenset[str] | None = None  # hashes whose positions moved; None: all
        positions: dict[str, list[int]] = {}
        # A comprehension filters in C speed; most lines of a large file are not wanted.
        indexed = (
            range(len(keys))
            if wanted is None
            else [position for position, key in enumerate(keys) if key in wanted]
        )
        for position in indexed:
            found = positions.get(keys[position])
            if found is None:
                positions[keys[position]] = [position]
            else:
                found.append(position)
        self.positions = positions
        self.trivial: set[str] = {k for k, at in positions.items() if is_trivial(lines[at[0]])}

    def edited(self, text: str, wanted: frozenset[str] | None) -> TextIndex:
        """The index of `text`, a later version of this index's text (typing: a few
        lines differ), built from this one where the line count and `wanted` are the
        same: only changed lines are hashed, and only their hashes' positions move."""
        lines = split_lines(text)
        old = self.lines
        index = TextIndex.__new__(TextIndex)
        if len(lines) != len(old) or wanted is None or wanted != self.wanted:
            index._fill(lines, [line_hash(line) for line in lines], wanted)
            return index
        changed = list(compress(range(len(lines)), map(ne, old, lines)))
        if len(changed) > _MAX_EDITED_LINES:
            index._fill(lines, [line_hash(line) for line in lines], wanted)
            return index
        keys = self.keys.copy()
        positions = self.positions
        moved: set[str] = set()
        for position in changed:
            before, after = keys[position], line_hash(lines[position])
            keys[position] = after
            if before == after:
                continue
            if before in wanted:
                if positions is self.positions:
                    positions = dict(positions)  # lists are shared, and never mutated
                kept = [p for p in positions[before] if p != position]
                if kept:
                    positions[before] = kept
                else:
                    del positions[before]
                moved.add(before)
            if after in wanted:
                if positions is self.positions:
                    positions = dict(positions)
                grown = list(positions.get(after, ()))
                insort(grown, position)
                positions[after] = grown
                moved.add(after)
        trivial = self.trivial
        if moved:
            trivial = set(trivial)
            for key in moved:
                at = positions.get(key)
                if at and is_trivial(lines[at[0]]):
                    trivial.add(key)
                else:
                    trivial.discard(key)
        index.lines, index.keys, index.wanted = lines, keys, wanted
        index.positions, index.trivial = positions, trivial
        index.serial = next(_INDEX_SERIALS)
        index.parent = self.serial
        index.changed = frozenset(changed)
        index.moved = frozenset(moved)
        return index

    def exact(self, position: int) -> str:
        return exact_hash(self.lines[position])

    def unchanged(self, anchor: Anchor, claim_line: int, position: int) -> bool:
        """Whether the line at `position` is exactly claimed line `claim_line` (its
        trailing whitespace too, where the anchor recorded it)."""
        if anchor.exact[claim_line] != exact_hash(self.lines[position]):
            return False
        return not anchor.raw or anchor.raw[claim_line] == raw_hash(self.lines[position])

    def __len__(self) -> int:
        return len(self.lines)
