"""What a change did to the ledger: the head's ledger bytes compared with the base's.

An append-only ledger only grows: every base line is still there (as the same bytes,
or the same JSON value), and every added line is a valid event, as the ledger itself
decodes it, whose id no different line uses. `compare_ledgers` says how a head's
ledger departs from that. This module compares bytes; it must not know git (which
commit is the base, or where its ledger is read from: `gate.py`), argv or faces.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from foureyes.core.model import Claim
from foureyes.store.ledger_codec import (
    parse_line as ledger_line,  # the one definition of a valid line
)


def event_ids(data: bytes) -> set[str]:
    """Ids of the events in a ledger's bytes; lines that are not events are ignored."""
    ids: set[str] = set()
    for line in data.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            ids.add(record["id"])
    return ids


@dataclass(frozen=True, slots=True)
class LedgerChange:
    """A way the head's ledger departs from the base's that the gate does not accept:
    a base event deleted or rewritten, an invalid line added, an id used twice."""

    line: int  # 1-based; in the head's ledger, or the base's when `at_base`
    event_id: str | None
    reason: str
    at_base: bool = False

    def __str__(self) -> str:
        where = f"line {self.line}{' at the base' if self.at_base else ''}"
        if self.event_id is not None:
            where += f" (event {self.event_id})"
        return f"{where}: {self.reason}"


def compare_ledgers(base: bytes, head: bytes) -> list[LedgerChange]:
    """What the ledger `head` does that an append-only ledger grown from `base` must not.

    Every line of `base` must be in `head` (as the same bytes, or the same JSON value:
    a union merge may reorder lines, and a tool may re-serialise one). Every line of
    `head` not in `base` is added, and must be an event as the ledger reads it
    (`store/ledger_codec.py` decides what is valid) whose id no different line uses; an
    added line with the id of a base line that is gone rewrote that line. Identical
    copies of a line (a union merge can repeat one) are one line.
    """
    base_lines = _lines(base)
    head_lines = _lines(head)
    # Most lines are the same bytes on both sides; only the rest is compared as JSON.
    base_raw = {raw for _, raw in base_lines}
    head_raw = {raw for _, raw in head_lines}
    gone = [(number, raw) for number, raw in base_lines if raw not in head_raw]
    added = [(number, raw) for number, raw in head_lines if raw not in base_raw]
    if gone and added:
        same = {_canonical(raw) for _, raw in gone} & {_canonical(raw) for _, raw in added}
        same.discard(None)
        gone = [(number, raw) for number, raw in gone if _canonical(raw) not in same]
        added = [(number, raw) for number, raw in added if _canonical(raw) not in same]
    gone_by_id = {_event_id(raw): number for number, raw in reversed(gone)}
    gone_by_id.pop(None, None)
    added_lines = {number for number, _ in added}
    used: dict[str, list[tuple[int, bytes]]] = {}  # id -> (head line, line) using it
    for number, raw in head_lines:
        event_id = None if number in added_lines else _event_id(raw)
        if event_id is not None:
            used.setdefault(event_id, []).append((number, raw))
    changes: list[LedgerChange] = []
    events: list[tuple[int, bytes, Claim]] = []
    for number, raw in added:
        try:
            events.append((number, raw, _parse_event(raw)))
        except ValueError as error:
            reason = f"added since the base and not a valid event: {error}"
            changes.append(LedgerChange(number, _event_id(raw), reason))
    for number, raw, claim in events:
        used.setdefault(claim.id, []).append((number, raw))
    rewritten: set[int] = set()
    for number, raw, claim in events:
        replaced = gone_by_id.get(claim.id)
        if replaced is not None:
            rewritten.add(replaced)
            reason = (
                f"rewritten: the base has a different event {claim.id} (its line "
                f"{replaced}); ledger events are never changed, only added"
            )
            changes.append(LedgerChange(number, claim.id, reason))
            continue
        key = _key(raw)  # only lines sharing an id are compared as JSON: few
        others = sorted({line for line, other in used[claim.id] if _key(other) != key})
        if others:
            listed = ", ".join(str(line) for line in others)
            reason = (
                f"the id {claim.id} is already used by a different event (line "
                f"{listed}); the ledger would keep only one of them"
            )
            changes.append(LedgerChange(number, claim.id, reason))
    for number, raw in gone:
        if number not in rewritten:
            reason = "deleted since the base; ledger events are never removed"
            changes.append(LedgerChange(number, _event_id(raw), reason, at_base=True))
    changes.sort(key=lambda change: (change.at_base, change.line))
    return changes


def _lines(data: bytes) -> list[tuple[int, bytes]]:
    """The non-blank lines of a ledger's bytes with their 1-based numbers, split as the
    ledger reads them (a last line without its newline counts)."""
    return [(number, raw) for number, raw in enumerate(data.split(b"\n"), 1) if raw.strip()]


def _json(raw: bytes) -> object:
    """A line's JSON value; ValueError when it is not UTF-8 JSON."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _canonical(raw: bytes) -> bytes | None:
    """The line's JSON value written one way (sorted keys, ASCII), or None if not JSON."""
    try:
        value = _json(raw)
        return json.dumps(value, sort_keys=True, ensure_ascii=True).encode("ascii")
    except (ValueError, RecursionError):
        return None


def _key(raw: bytes) -> bytes:
    """What makes two lines the same line: their JSON value, else their bytes."""
    canonical = _canonical(raw)
    return raw if canonical is None else canonical


# How the ledger writes a line's start: {"v":1,"id":"...". In a line without a
# backslash (no escaped key) holding "id" once, that is the top-level id, for sure.
_ID_FIRST = re.compile(rb'\{\s*"v"\s*:\s*[0-9]+\s*,\s*"id"\s*:\s*"([^"]*)"')


def _event_id(raw: bytes) -> str | None:
    """The top-level "id" of a line that is a JSON object (valid event or not), or None.

    Read from the line's start when it is written as the ledger writes lines; the
    JSON is decoded otherwise."""
    if b"\\" not in raw and raw.count(b'"id"') == 1:
        found = _ID_FIRST.match(raw.strip())
        if found is not None:
            try:
                return found.group(1).decode("utf-8")
            except UnicodeDecodeError:
                return None
    try:
        value = _json(raw)
    except ValueError:
        return None
    event_id = value.get("id") if isinstance(value, dict) else None
    return event_id if isinstance(event_id, str) else None


def _parse_event(raw: bytes) -> Claim:
    """One ledger line as the ledger itself decodes it; ValueError when it is not an
    event (so "valid" means here what it means to every reader)."""
    try:
        return ledger_line(raw)
    except RecursionError:
        raise ValueError("not valid JSON (nested too deeply)") from None
