"""Which lines of a file's current text one tool call wrote, and how many it replaced.

An agent's hook tells us what it did in one of three shapes: a line diff of the
whole file (`structuredPatch`), the file's text before the call (so the two texts
can be diffed), or only the strings it put in (`old_string` -> `new_string`, or a
whole new content). This module turns each shape into runs of written lines of
the current text, numbered from 1, each with the number of old lines it replaced.

A line counts as written when the call changed any part of it, so a line an edit
touched only partly is written, and a line an edit repeated unchanged (context an
agent includes to make `old_string` unique) is not. A run of only trivial lines
(blank, braces, a lone keyword) that a diff finds "unchanged" between two changed
lines is taken as written too: matching a lone `}` or blank line there is
coincidence, not the agent keeping a line, and it would split one block in two.

This module is pure (apart from drawing fresh edit ids): it knows texts and strings,
not payloads, files, git or the ledger.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from foureyes.core.anchor import is_trivial
from foureyes.core.text import line_opcodes, split_lines
from foureyes.store.ledger import new_id

# Above this many (old lines x new lines) the middle of a diff is taken as one
# replaced block: difflib is quadratic in the worst case and a hook must stay fast.
MAX_DIFF_CELLS = 4_000_000

CONFIDENCE_EXACT = 1.0  # the agent told us where, or there was only one place it could be
CONFIDENCE_INFERRED = 0.8  # chosen among identical places, or diffed against git's copy

_BREAKS = re.compile(r"\r\n|\r")


@dataclass(frozen=True, slots=True)
class Edit:
    """One string replacement an agent made: `old` became `new` (every `old` if replace_all).

    `whole_lines` says both strings are whole lines (a patch hunk), so a match
    must start and end at line boundaries.
    """

    old: str
    new: str
    replace_all: bool = False
    whole_lines: bool = False


@dataclass(frozen=True, slots=True)
class Hunk:
    """One hunk of a line diff, as in Claude Code's `structuredPatch` (1-based starts)."""

    old_start: int
    new_start: int
    lines: tuple[str, ...]  # each starts with " ", "-", "+" or "\\"


@dataclass(frozen=True, slots=True)
class Written:
    """Lines `start`..`end` (1-based, inclusive) of the current text were written."""

    start: int
    end: int
    replaced: int = 0  # old lines this run removed or rewrote


@dataclass(slots=True)
class Placement:
    """The written runs of one file, how sure we are of them, and what went wrong."""

    runs: list[Written] = field(default_factory=list)
    confidence: float = CONFIDENCE_EXACT
    warnings: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """Line breaks as "\\n": agents send "\\n" in strings even for files with "\\r\\n"."""
    return _BREAKS.sub("\n", text)


# --- from a diff of two texts -----------------------------------------------------------


def diff_texts(before: str | None, after: str) -> list[Written]:
    """The lines of `after` that differ from `before` (every line when there is no before)."""
    new = split_lines(normalise(after))
    if before is None:
        return [Written(1, len(new))] if new else []
    return diff_lines(split_lines(normalise(before)), new, first_line=1)


def diff_lines(old: Sequence[str], new: Sequence[str], *, first_line: int) -> list[Written]:
    """Runs of `new` (whose first line is line `first_line`) that are not unchanged from `old`."""
    return _runs(line_opcodes(old, new, max_cells=MAX_DIFF_CELLS), new, first_line)


def _runs(
    opcodes: Sequence[tuple[str, int, int, int, int]], new: Sequence[str], first_line: int
) -> list[Written]:
    """Group diff opcodes into written runs (see the module docstring for trivial lines)."""
    groups: list[list[int]] = []  # [new_lo, new_hi, removed], indexes into `new`
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            between = groups and position + 1 < len(opcodes)
            if between and all(is_trivial(line) for line in new[j1:j2]):
                groups[-1][1] = j2
                groups[-1][2] += i2 - i1
            continue
        if groups and groups[-1][1] == j1:  # right after an absorbed trivial run
            groups[-1][1] = j2
            groups[-1][2] += i2 - i1
        else:
            groups.append([j1, j2, i2 - i1])
    # A pure deletion writes no line; its count goes to the run after it (or, when
    # there is none, the last run), so that `replaced` still says code was removed.
    written = [group for group in groups if group[1] > group[0]]
    if not written:
        return []
    for group in groups:
        if group[1] == group[0]:
            after = next((g for g in written if g[0] >= group[0]), written[-1])
            after[2] += group[2]
    return [Written(first_line + lo, first_line + hi - 1, removed) for lo, hi, removed in written]


# --- from a structured patch ------------------------------------------------------------


def from_hunks(hunks: Sequence[Hunk], after: str) -> list[Written] | None:
    """The written runs that a line diff of the call describes, or None when the diff does
    not fit the current text (another hook reformatted the file, say): then the caller
    falls back to a less exact source."""
    current = split_lines(normalise(after))
    runs: list[Written] = []
    for hunk in hunks:
        line = hunk.new_start  # 1-based line of the current text
        start: int | None = None
        removed = 0
        for raw in hunk.lines:
            kind, text = (raw[:1], raw[1:]) if raw else (" ", "")
            if kind == "\\":  # "\ No newline at end of file"
                continue
            if kind == "-":
                removed += 1
                continue
            if kind not in " +" or not 1 <= line <= len(current):
                return None
            if normalise(text).rstrip("\n") != current[line - 1]:
                return None
            if kind == "+":
                start = line if start is None else start
            elif start is not None:  # a context line ends a run of added lines
                runs.append(Written(start, line - 1, removed))
                start, removed = None, 0
            # (removed lines not followed by added ones count for the next run, as in _runs)
            line += 1
        if start is not None:
            runs.append(Written(start, line - 1, removed))
        elif removed and runs:
            last = runs[-1]
            runs[-1] = Written(last.start, last.end, last.replaced + removed)
    return merge(runs)


# --- from the strings an agent put in ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Span:
    """`new` sits at `at` in the current text; before the call `old` was there."""

    at: int
    new: str
    old: str


def locate(
    edits: Sequence[Edit], after: str, earlier: Callable[[], str | None] | None = None
) -> Placement:
    """Find where each edit's new text sits in `after` and which lines it wrote.

    Where `new` occurs once, that is the place. Where it occurs several times and the
    edit is not replace_all, the rule is, in order:

    1. drop occurrences that were already there in an earlier version of the file
       (`earlier()`, git's copy), because this call cannot have written them;
    2. of those left, take the one nearest to where `old` was in that version;
    3. with no earlier version, take the first occurrence.

    replace_all takes every occurrence, less those already in the earlier version.
    An edit whose new text is no longer in the file (a later edit or a formatter
    changed it) is skipped with a warning; an edit with an empty new text is a pure
    deletion and writes nothing.
    """
    text = normalise(after)
    starts = _line_starts(text)
    placement = Placement()
    spans: list[_Span] = []
    earlier_cache: list[tuple[str | None, set[int]]] = []

    def earlier_version() -> tuple[str | None, set[int]]:
        if not earlier_cache:
            before = earlier() if earlier else None
            changed: set[int] = set()
            if before is not None:
                for run in diff_texts(before, text):
                    changed.update(range(run.start, run.end + 1))
            earlier_cache.append((None if before is None else normalise(before), changed))
        return earlier_cache[0]

    for number, edit in enumerate(edits, 1):
        old, new = normalise(edit.old), normalise(edit.new)
        label = f"edit {number}" if len(edits) > 1 else "the edit"
        if not new or old == new:
            continue  # a pure deletion, or no change at all
        found = _occurrences(text, new, whole_lines=edit.whole_lines)
        if not found:
            placement.warnings.append(
                f"{label}: its new text is not in the file any more (changed since?); skipped"
            )
            continue
        if len(found) > 1:
            before, changed = earlier_version()
            if before is not None:
                fresh = [at for at in found if _touches(at, new, starts, changed)]
                found = fresh or found
            if not edit.replace_all:
                placement.confidence = min(placement.confidence, CONFIDENCE_INFERRED)
                found = [_nearest(found, old, before, starts)]
        spans.extend(_Span(at, new, old) for at in found)
    placement.runs = merge(_written_by(spans, text, starts, placement.warnings))
    return placement


def _occurrences(text: str, needle: str, *, whole_lines: bool) -> list[int]:
    found: list[int] = []
    at = text.find(needle)
    while at != -1:
        end = at + len(needle)
        aligned = (at == 0 or text[at - 1] == "\n") and (
            end == len(text) or text[end] == "\n" or needle.endswith("\n")
        )
        if aligned or not whole_lines:
            found.append(at)
            at = text.find(needle, end)
        else:
            at = text.find(needle, at + 1)
    return found


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer("\n", text))]


def _line_of(offset: int, starts: Sequence[int]) -> int:
    """1-based line number of a character offset."""
    return bisect_right(starts, offset)


def _touches(at: int, new: str, starts: Sequence[int], changed: set[int]) -> bool:
    first = _line_of(at, starts)
    last = _line_of(at + max(len(new) - 1, 0), starts)
    return any(line in changed for line in range(first, last + 1))


def _nearest(found: Sequence[int], old: str, before: str | None, starts: Sequence[int]) -> int:
    if before is None or not old or old not in before:
        return found[0]
    was = before.count("\n", 0, before.find(old)) + 1
    return min(found, key=lambda at: (abs(_line_of(at, starts) - was), at))


def _written_by(
    spans: list[_Span], text: str, starts: Sequence[int], warnings: list[str]
) -> list[Written]:
    """Diff the lines around each span (spans on shared lines together) against what
    they were before the call: the old text put back in the new text's place."""
    spans.sort(key=lambda span: span.at)
    kept: list[_Span] = []
    for span in spans:
        if kept and span.at < kept[-1].at + len(kept[-1].new):
            warnings.append("two edits claim the same text; the later one is skipped")
            continue
        kept.append(span)
    runs: list[Written] = []
    group: list[_Span] = []
    for span in kept:
        if group and _line_of(span.at, starts) > _last_line(group[-1], starts):
            runs.extend(_written_in(group, text, starts))
            group = []
        group.append(span)
    if group:
        runs.extend(_written_in(group, text, starts))
    return runs


def _last_line(span: _Span, starts: Sequence[int]) -> int:
    return _line_of(span.at + len(span.new) - 1, starts)


def _written_in(group: Sequence[_Span], text: str, starts: Sequence[int]) -> list[Written]:
    first_line = _line_of(group[0].at, starts)
    block_start = starts[first_line - 1]
    end_line = _last_line(group[-1], starts)
    block_end = starts[end_line] if end_line < len(starts) else len(text)
    new_block = text[block_start:block_end]
    old_parts: list[str] = []
    cursor = block_start
    for span in group:
        old_parts.append(text[cursor : span.at])
        old_parts.append(span.old)
        cursor = span.at + len(span.new)
    old_parts.append(text[cursor:block_end])
    old_lines = split_lines("".join(old_parts))
    return diff_lines(old_lines, split_lines(new_block), first_line=first_line)


# --- combining --------------------------------------------------------------------------


def edit_id(runs: Sequence[Written]) -> str | None:
    """The id the claims of one edit's runs share, so they form one review unit: an edit
    that kept old lines in its middle wrote several runs. None for a single run."""
    return new_id() if len(runs) > 1 else None


def merge(runs: Sequence[Written]) -> list[Written]:
    """Runs sorted, with overlapping or adjacent ones joined (their replaced counts added)."""
    merged: list[Written] = []
    for run in sorted(runs, key=lambda r: (r.start, r.end)):
        if merged and run.start <= merged[-1].end + 1:
            last = merged[-1]
            merged[-1] = Written(last.start, max(last.end, run.end), last.replaced + run.replaced)
        else:
            merged.append(run)
    return merged
