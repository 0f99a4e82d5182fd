"""The ledger as read: its lines indexed by path and id, and snapshots of them.

Decoding JSON is what makes a large ledger slow, so lines are indexed by the path
and id `scan_line` finds, and decoded the first time their file is asked about. An
event whose id an earlier, different event already has is reported (a true
duplicate, the same event merged in twice, is dropped quietly). A snapshot is a
prefix of the lines (a line count) plus a whole last line that lacks its newline.

This module knows lines and claims; it must not know about the file (opening,
locking, what was appended since), anchoring, git or faces.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from foureyes.core.model import AnchoredClaim, Claim, ClaimBase, Dismissal
from foureyes.store.ledger_codec import InvalidEvent, encode, parse_line, scan_line, shown


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    """A line that was skipped, with its 1-based line number and the reason."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class Lines:
    """The complete lines read so far, indexed by path and decoded only when asked for.

    Decoding JSON is what makes a large ledger slow, and most events are about files
    nobody asked about. So each line's path and id are found with a cheap scan, and a
    line is decoded the first time its file is asked about. Lines without a path
    (dismissals, garbage) and lines the scan cannot read with certainty are decoded
    at once. Lines are only ever added, so a snapshot is a prefix (a line count).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.raw: list[bytes] = []
        self.by_path: dict[str, list[int]] = {}
        self.lines_of_id: dict[str, list[int]] = {}  # a union merge can repeat an event
        self.decoded: dict[int, Claim | LedgerProblem | None] = {}  # None: blank or duplicate
        self.dismissals: list[Dismissal] = []  # in ledger order; the engine decides who counts
        self.eager_paths: dict[str, list[int]] = {}  # anchored events found by decoding

    def add(self, raw: bytes) -> None:
        index = len(self.raw)
        self.raw.append(raw)
        if not raw.strip():
            self.decoded[index] = None
            return
        path, event_id = scan_line(raw)
        if event_id is not None:
            self.lines_of_id.setdefault(event_id, []).append(index)
        if path is None or event_id is None:
            self._decode_now(index)
        else:
            self.by_path.setdefault(path, []).append(index)

    def _decode_now(self, index: int) -> None:
        found = self.decode(index)
        if isinstance(found, Dismissal):
            self.dismissals.append(found)
        elif isinstance(found, AnchoredClaim):
            self.eager_paths.setdefault(found.path, []).append(index)

    def decode(self, index: int) -> Claim | LedgerProblem | None:
        with self.lock:
            if index in self.decoded:
                return self.decoded[index]
        try:
            found: Claim | LedgerProblem | None = parse_line(self.raw[index])
        except ValueError as error:  # Unreadable or InvalidEvent
            found = LedgerProblem(index + 1, f"{error}; skipped")
        if isinstance(found, ClaimBase):
            found = self._unless_seen(found, index)
        with self.lock:
            return self.decoded.setdefault(index, found)

    def _unless_seen(self, claim: Claim, index: int) -> Claim | LedgerProblem | None:
        """`claim` (on line index + 1), unless an earlier line already has its id: None
        for the same event merged in twice, a problem for a different event."""
        with self.lock:
            same = self.lines_of_id.setdefault(claim.id, [])
            if index not in same:
                same.append(index)
                same.sort()
        return against_earlier(claim, index + 1, self.first_with_id(claim.id, index))

    def first_with_id(self, event_id: str, before: int) -> tuple[int, Claim] | None:
        """(index, event) of the first valid event with this id before line index
        `before`: the one that counts."""
        with self.lock:
            earlier = [i for i in self.lines_of_id.get(event_id, ()) if i < before]
        for i in earlier:
            found = self.decode(i)
            if isinstance(found, ClaimBase):
                return i, found
        return None


def against_earlier(
    claim: Claim, line: int, earlier: tuple[int, Claim] | None
) -> Claim | LedgerProblem | None:
    if earlier is None:
        return claim
    index, first = earlier
    if _same_event(first, claim):
        return None  # the same event merged in twice: the first one counts
    # Someone gave this event another's id (which would make it vanish as a
    # "duplicate"), or two tools picked the same id: either way, say so.
    return LedgerProblem(
        line,
        f"id {shown(claim.id)} is already used by line {index + 1} for a different event; skipped",
    )


def _same_event(one: Claim, other: Claim) -> bool:
    """Whether two decoded events are the same event (equal canonical JSON)."""
    try:
        return _canonical(one) == _canonical(other)
    except (InvalidEvent, TypeError, ValueError):
        return False


def _canonical(claim: Claim) -> str:
    return json.dumps(encode(claim), sort_keys=True, ensure_ascii=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """The ledger at one moment: the first `count` lines, plus a whole last line that
    lacks its newline. Events are decoded on demand, per file."""

    path: Path
    generation: int  # changes whenever the content read changes; a cache key
    dismissals: tuple[Dismissal, ...]  # in ledger order; whether each counts is the engine's
    _lines: Lines = field(compare=False, repr=False)
    _count: int = field(compare=False, repr=False)
    _tail_claim: Claim | None = field(default=None, compare=False, repr=False)
    _tail_problem: LedgerProblem | None = field(default=None, compare=False, repr=False)

    def for_path(self, path: str) -> tuple[AnchoredClaim, ...]:
        """The events about `path`, in file order."""
        lines = self._lines
        indexes = [i for i in lines.by_path.get(path, ()) if i < self._count]
        indexes += [i for i in lines.eager_paths.get(path, ()) if i < self._count]
        found: list[AnchoredClaim] = []
        for index in sorted(indexes):
            claim = lines.decode(index)
            if isinstance(claim, AnchoredClaim) and claim.path == path:
                found.append(claim)
        tail = self._tail_claim
        if isinstance(tail, AnchoredClaim) and tail.path == path:
            found.append(tail)
        return tuple(found)

    @property
    def dismissed(self) -> frozenset[str]:
        """Ids some dismissal names; whether a dismissal counts is the engine's call."""
        return frozenset(target for d in self.dismissals for target in d.targets)

    def for_paths(self, paths: Sequence[str]) -> tuple[AnchoredClaim, ...]:
        """The events about any of `paths` (a file and its names before renames), in
        ledger order: the order events were appended is the only order foureyes trusts
        (an event's own `at` is whatever its writer said)."""
        lines = self._lines
        wanted = set(paths)
        indexes = {i for p in wanted for i in lines.by_path.get(p, ()) if i < self._count}
        indexes |= {i for p in wanted for i in lines.eager_paths.get(p, ()) if i < self._count}
        found: list[AnchoredClaim] = []
        for index in sorted(indexes):
            claim = lines.decode(index)
            if isinstance(claim, AnchoredClaim) and claim.path in wanted:
                found.append(claim)
        tail = self._tail_claim
        if isinstance(tail, AnchoredClaim) and tail.path in wanted:
            found.append(tail)
        return tuple(found)

    def paths(self) -> list[str]:
        """Every path some event is about (by the scan; confirmed when decoded)."""
        lines = self._lines
        found = {p for p, ix in lines.by_path.items() if ix and ix[0] < self._count}
        found |= {p for p, ix in lines.eager_paths.items() if ix and ix[0] < self._count}
        if isinstance(self._tail_claim, AnchoredClaim):
            found.add(self._tail_claim.path)
        return sorted(found)

    @property
    def claims(self) -> tuple[Claim, ...]:
        """Every valid event in file order (decodes the whole ledger)."""
        decoded = (self._lines.decode(i) for i in range(self._count))
        found = [c for c in decoded if c is not None and not isinstance(c, LedgerProblem)]
        if self._tail_claim is not None:
            found.append(self._tail_claim)
        return tuple(found)

    @property
    def problems(self) -> tuple[LedgerProblem, ...]:
        """Every skipped line (decodes the whole ledger)."""
        decoded = (self._lines.decode(i) for i in range(self._count))
        found = [c for c in decoded if isinstance(c, LedgerProblem)]
        if self._tail_problem is not None:
            found.append(self._tail_problem)
        return tuple(found)

    def known_problems(self) -> tuple[LedgerProblem, ...]:
        """Skipped lines found so far: unreadable lines, and bad events about the files
        asked about. Cheap: what a command that read one file should warn about."""
        lines = self._lines
        with lines.lock:
            found = [
                problem
                for index, problem in lines.decoded.items()
                if isinstance(problem, LedgerProblem) and index < self._count
            ]
        if self._tail_problem is not None:
            found.append(self._tail_problem)
        return tuple(sorted(found, key=lambda problem: problem.line))
