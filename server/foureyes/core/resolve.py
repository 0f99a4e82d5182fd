"""Resolving an anchor: find its lines again in a changed text, and classify them.

Resolving an anchor against the current text works in three phases:

1. *Locate*: every claimed or context line that occurs in the text seeds a diagonal
   (current position minus claimed position); each seed is extended into a maximal
   run of consecutive equal lines. Runs that carry too little evidence (only blank
   lines, braces, or a single line that occurs several times in the file) are
   rejected, so a claim never spreads to unrelated lines with the same content.
   Runs are accepted greedily, strongest first, ties going to the run nearest to
   the runs already accepted (or to the recorded line number). A trivial line at
   either end of a run is weak evidence: where another run reads it as context, it
   stays context rather than joining the claim.
2. *Classify*: between two accepted anchors that are neighbours both in the claim
   and in the text, the remaining claimed lines and the current lines are diffed.
   Current lines that took the place of claimed lines are *edited* (up to as many
   as were replaced), further lines that sit between two claimed lines are
   *inserted*.
3. *Recognise*: claimed lines still missing are looked for by the similarity of
   their words' sketches, where they should be (an edited line is still the claim's).

This module knows nothing about claims, ledgers, git or who asks; it maps an
`Anchor` and a `TextIndex` to per-line matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

from foureyes.core.anchor import (
    CONTEXT_LINES,
    RECOGNISED,
    is_trivial,
    line_sketch,
    similarity,
    sketch_parts,
)
from foureyes.core.model import Anchor
from foureyes.core.text import line_opcodes
from foureyes.core.text_index import TextIndex

# A line occurring more often than this is not used to seed a run (it still joins runs).
MAX_SEED_OCCURRENCES = 64
# Inside a gap between anchors, diff at most this many current lines (bounds the cost).
MAX_GAP_LINES = 5000


class Match(Enum):
    """How one current line relates to a claim."""

    SAME = "same"  # the claimed line, unchanged
    REFORMATTED = "reformatted"  # the claimed line, changed only in whitespace
    EDITED = "edited"  # took the place of a claimed line: derived from it, then changed
    INSERTED = "inserted"  # added between two claimed lines after the claim was made


@dataclass(frozen=True, slots=True)
class LineMatch:
    match: Match
    claim_line: int | None  # index into the anchor's lines; None for inserted lines


@dataclass(slots=True)
class _Run:
    lo: int  # first index into the claim sequence
    hi: int  # one past the last
    core_lo: int  # first non-trivial index; lo..core_lo are trivial lines at its start
    core_hi: int  # one past the last non-trivial index; core_hi..hi are trivial too
    diagonal: int  # current position minus claim-sequence index
    strength: int  # non-trivial lines in the run


def resolve(anchor: Anchor, index: TextIndex) -> dict[int, LineMatch]:
    """Map current line positions (0-based) to how they relate to the anchored lines."""
    sequence = [*anchor.before, *anchor.lines, *anchor.after]
    block_lo = len(anchor.before)
    block_hi = block_lo + len(anchor.lines)
    pairs = _locate(sequence, block_lo, block_hi, anchor.start_line - 1, index)
    # The start and end of the file are anchors too when the claim touched them.
    if len(anchor.before) < CONTEXT_LINES and anchor.start_line - 1 == len(anchor.before):
        pairs[-1] = -1
    if len(anchor.after) < CONTEXT_LINES:
        pairs[len(sequence)] = len(index)
    result: dict[int, LineMatch] = {}
    for s, position in pairs.items():
        if block_lo <= s < block_hi:
            claim_line = s - block_lo
            same = index.unchanged(anchor, claim_line, position)
            result[position] = LineMatch(Match.SAME if same else Match.REFORMATTED, claim_line)
    _classify_gaps(anchor, sequence, block_lo, block_hi, pairs, index, result)
    if anchor.sketch and len(result) < len(anchor.lines):
        _recognise(anchor, block_lo, pairs, index, result)
    return result


# How far from where a block should be a line that lost every exact anchor is looked
# for: edits in place, not moves (a moved and rewritten block is no longer the claim).
_RECOGNISE_REACH = 50
_MIN_TOKENS = 2


def _recognise(
    anchor: Anchor,
    block_lo: int,
    pairs: dict[int, int],
    index: TextIndex,
    result: dict[int, LineMatch],
) -> None:
    """Phase 3: claimed lines still missing, found by similarity where they should be.

    A line a person edited (a comment appended, a name changed) has lost its hashes,
    and so has its context when that was edited too; it is still AI-derived code and
    must read as edited (mixed), never as unknown. Each run of missing claimed lines
    is looked for between the anchors around it (or, when nothing was found, around
    the recorded line), and matched in order, one current line per claimed line.
    """
    found = {m.claim_line for m in result.values() if m.claim_line is not None}
    missing = [
        i for i in range(len(anchor.lines)) if i not in found and _recognisable(anchor, i, index)
    ]
    if not missing:
        return
    anchored = sorted((s - block_lo, p) for s, p in pairs.items())  # claim-relative
    taken = set(result) | set(pairs.values())
    size = len(index)
    groups: list[list[int]] = []
    for i in missing:
        if groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    for group in groups:
        before = [p for s, p in anchored if s < group[0]]
        after = [p for s, p in anchored if s > group[-1]]
        low = max(before) + 1 if before else 0
        high = min(after) if after else size
        if not before and not after:  # nothing of the claim is left to measure from
            hint = anchor.start_line - 1
            low = max(0, hint - _RECOGNISE_REACH)
            high = min(size, hint + len(anchor.lines) + _RECOGNISE_REACH)
        elif high - low > len(group) + 2 * _RECOGNISE_REACH:
            # A wide gap: look near the anchor the group borders.
            if before:
                high = min(high, low + len(group) + _RECOGNISE_REACH)
            else:
                low = max(low, high - len(group) - _RECOGNISE_REACH)
        candidates = [
            p for p in range(low, high) if p not in taken and not is_trivial(index.lines[p])
        ]
        for claim_line, position in _aligned(anchor, group, candidates, index):
            result[position] = LineMatch(Match.EDITED, claim_line)
            taken.add(position)


_MAX_ALIGN_CELLS = 250_000  # claimed x current lines compared for one group, at most


def _recognisable(anchor: Anchor, claim_line: int, index: TextIndex) -> bool:
    """Lines that say nothing on their own (`}`, `return None`) are never recognised."""
    return (
        len(anchor.sketch[claim_line]) >= 4 * _MIN_TOKENS
        and anchor.lines[claim_line] not in index.trivial
    )


def _aligned(
    anchor: Anchor, group: list[int], candidates: list[int], index: TextIndex
) -> list[tuple[int, int]]:
    """The in-order pairing of claimed lines with recognisably similar current lines
    that is most similar in all (an edited line pairs with its own claimed line, not
    with a neighbour of the same shape)."""
    if not candidates or len(group) * len(candidates) > _MAX_ALIGN_CELLS:
        return []
    columns: dict[str, list[int]] = {}
    for column, position in enumerate(candidates):
        for part in sketch_parts(line_sketch(index.lines[position])):
            columns.setdefault(part, []).append(column)
    score: list[dict[int, float]] = []
    for claim_line in group:
        row: dict[int, float] = {}
        sketch = anchor.sketch[claim_line]
        for column in {c for part in sketch_parts(sketch) for c in columns.get(part, ())}:
            value = similarity(sketch, line_sketch(index.lines[candidates[column]]))
            if value >= RECOGNISED:
                row[column] = value
        score.append(row)
    rows, cols = len(group), len(candidates)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows - 1, -1, -1):
        here, below = best[r], best[r + 1]
        row = score[r]
        for c in range(cols - 1, -1, -1):
            take = below[c + 1] + row[c] if c in row else 0.0
            here[c] = max(take, below[c], here[c + 1])
    pairs: list[tuple[int, int]] = []
    r = c = 0
    while r < rows and c < cols:
        if c in score[r] and best[r][c] == best[r + 1][c + 1] + score[r][c]:
            pairs.append((group[r], candidates[c]))
            r, c = r + 1, c + 1
        elif best[r + 1][c] >= best[r][c + 1]:
            r += 1
        else:
            c += 1
    return pairs


def _runs(sequence: list[str], index: TextIndex) -> list[_Run]:
    """Every maximal diagonal run seeded by a distinctive line that carries enough evidence."""
    keys = index.keys
    size = len(keys)
    runs: list[_Run] = []
    seen: set[tuple[int, int]] = set()
    for s, key in enumerate(sequence):
        found = index.positions.get(key)
        if not found or key in index.trivial or len(found) > MAX_SEED_OCCURRENCES:
            continue
        for position in found:
            diagonal = position - s
            if (s, diagonal) in seen:
                continue
            lo, hi = s, s + 1
            while lo > 0 and lo + diagonal > 0 and keys[lo - 1 + diagonal] == sequence[lo - 1]:
                lo -= 1
            end = len(sequence)
            while hi < end and hi + diagonal < size and keys[hi + diagonal] == sequence[hi]:
                hi += 1
            strength = 0
            unique = False
            core_lo, core_hi = hi, lo
            for t in range(lo, hi):
                seen.add((t, diagonal))
                key_t = sequence[t]
                if key_t not in index.trivial:
                    strength += 1
                    unique = unique or len(index.positions[key_t]) == 1
                    core_lo, core_hi = min(core_lo, t), t + 1
            if unique or strength >= 2:
                runs.append(_Run(lo, hi, core_lo, core_hi, diagonal, strength))
    return runs


def _locate(
    sequence: list[str], block_lo: int, block_hi: int, hint: int, index: TextIndex
) -> dict[int, int]:
    """Phase 1: accepted (claim-sequence index -> current position) pairs."""
    runs = _runs(sequence, index)
    # When a claimed block is deleted, a blank line left between the context above and
    # below can extend both the run above (as the context line before the block) and
    # the run below (as the block's own last, blank line). Content cannot decide, and
    # the claim must not spread on such evidence: the line stays context.
    read_as_context = {
        s + run.diagonal
        for run in runs
        for s in (*range(run.lo, run.core_lo), *range(run.core_hi, run.hi))
        if not block_lo <= s < block_hi
    }
    home = hint - block_lo
    runs.sort(key=lambda run: (-run.strength, -(run.hi - run.lo), abs(run.diagonal - home)))
    pairs: dict[int, int] = {}
    used: set[int] = set()

    def take(s: int, position: int) -> None:
        if s not in pairs and position not in used:
            pairs[s] = position
            used.add(position)

    first = True
    while runs:
        run = runs.pop(0)
        for s in range(run.core_lo, run.core_hi):
            take(s, s + run.diagonal)
        # Each trivial end grows outwards from the core and stops at the first line it
        # must leave to the context reading.
        for end in (range(run.core_lo - 1, run.lo - 1, -1), range(run.core_hi, run.hi)):
            for s in end:
                if block_lo <= s < block_hi and s + run.diagonal in read_as_context:
                    break
                take(s, s + run.diagonal)
        if first:
            # The strongest run sets home; later ties go to runs near it.
            first = False
            runs.sort(key=lambda r: (-r.strength, -(r.hi - r.lo), abs(r.diagonal - run.diagonal)))
    return pairs


def _classify_gaps(
    anchor: Anchor,
    sequence: list[str],
    block_lo: int,
    block_hi: int,
    pairs: dict[int, int],
    index: TextIndex,
    result: dict[int, LineMatch],
) -> None:
    """Phase 2: diff the claimed lines that were not found against the lines between anchors."""
    ordered = sorted(pairs.items())
    # A gap is only the lines between two anchors that are neighbours both in the claim
    # and in the current text. When a piece of the block moved, other anchors lie
    # between its old neighbours: the lines there belong to neither.
    successor = dict(pairwise(sorted(pairs.values())))
    found_any_block_line = any(block_lo <= s < block_hi for s in pairs)
    for (s1, p1), (s2, p2) in pairwise(ordered):
        if successor.get(p1) != p2:
            continue  # out of order, or something else was anchored in between
        missing_lo, missing_hi = max(s1 + 1, block_lo), min(s2, block_hi)
        gap = p2 - p1 - 1
        if gap == 0 or gap > MAX_GAP_LINES:
            continue
        inside_block = block_lo <= s1 and s2 < block_hi
        if missing_lo >= missing_hi:
            if inside_block:
                for position in range(p1 + 1, p2):
                    result[position] = LineMatch(Match.INSERTED, None)
            continue
        missing = missing_hi - missing_lo
        if not found_any_block_line and gap > 2 * missing + 5:
            continue  # only the context survived and the span between is not a rewrite of it
        _diff_gap(anchor, sequence, s1, s2, p1, p2, block_lo, block_hi, index, result)


def _diff_gap(
    anchor: Anchor,
    sequence: list[str],
    s1: int,
    s2: int,
    p1: int,
    p2: int,
    block_lo: int,
    block_hi: int,
    index: TextIndex,
    result: dict[int, LineMatch],
) -> None:
    old = sequence[s1 + 1 : s2]
    new = index.keys[p1 + 1 : p2]
    leading_edge = s1 < block_lo  # the gap starts before the block: align edits to its end
    for tag, i1, i2, j1, j2 in line_opcodes(old, new):
        if tag == "equal":
            for offset in range(i2 - i1):
                s = s1 + 1 + i1 + offset
                if block_lo <= s < block_hi:
                    position = p1 + 1 + j1 + offset
                    claim_line = s - block_lo
                    same = index.unchanged(anchor, claim_line, position)
                    match = Match.SAME if same else Match.REFORMATTED
                    result[position] = LineMatch(match, claim_line)
            continue
        claimed = [s1 + 1 + i for i in range(i1, i2) if block_lo <= s1 + 1 + i < block_hi]
        positions = [p1 + 1 + j for j in range(j1, j2)]
        if anchor.sketch and claimed and positions:
            # Lines still recognisably the claimed ones pair with them first; only the
            # rest pair by position (a rewrite that left nothing to recognise).
            group = [s - block_lo for s in claimed if _recognisable(anchor, s - block_lo, index)]
            recognised = _aligned(anchor, group, positions, index)
            for claim_line, position in recognised:
                result[position] = LineMatch(Match.EDITED, claim_line)
            lines_done = {claim_line + block_lo for claim_line, _ in recognised}
            positions_done = {position for _, position in recognised}
            claimed = [s for s in claimed if s not in lines_done]
            positions = [p for p in positions if p not in positions_done]
        paired = min(len(claimed), len(positions))
        if paired:
            # Edits sit next to the anchor they are measured from: the end of a leading
            # gap, the start of any other.
            if leading_edge:
                edited = zip(positions[-paired:], claimed[-paired:], strict=True)
                extra = positions[:-paired]
            else:
                edited = zip(positions[:paired], claimed[:paired], strict=True)
                extra = positions[paired:]
            for position, s in edited:
                result[position] = LineMatch(Match.EDITED, s - block_lo)
        else:
            extra = positions
        # Lines beyond the replaced count are insertions only when claimed lines
        # surround them; otherwise they were added next to the block, not into it.
        if block_lo < s1 + 1 + i1 and s1 + 1 + i2 < block_hi:
            for position in extra:
                result[position] = LineMatch(Match.INSERTED, None)
