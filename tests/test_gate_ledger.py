"""`ledger_change.compare_ledgers`: what a change may do to the ledger (append valid events) and
what it may not (drop or rewrite the base's events, add lines that are not events,
reuse an id). Order and serialisation are not changes: the ledger is merged with
`merge=union`, which interleaves lines, and a line may be re-serialised."""

from __future__ import annotations

import json
from typing import Any

from foureyes.app.ledger_change import LedgerChange, compare_ledgers


def event(event_id: str, kind: str = "ai", by: str = "jo@example.com", **extra: Any) -> bytes:
    record: dict[str, Any] = {
        "v": 1,
        "id": event_id,
        "kind": kind,
        "at": "2024-01-01T00:00:00Z",
        "by": {"email": by},
        "path": "a.py",
        "anchor": {"line": 1, "lines": ["aa"], "exact": ["bb"]},
        **extra,
    }
    if kind == "ai":
        record.setdefault("agent", "claude-code")
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


A, B, C = event("e-a"), event("e-b", "approval", "sam@example.com"), event("e-c")


def changes(base: bytes, head: bytes) -> list[tuple[int, bool, str | None, str]]:
    found = compare_ledgers(base, head)
    assert all(isinstance(change, LedgerChange) for change in found)
    return [(c.line, c.at_base, c.event_id, c.reason) for c in found]


def test_appending_valid_events_is_fine() -> None:
    assert changes(b"", A + B) == []
    assert changes(A, A + B + C) == []
    assert changes(A + B, A + B) == []


def test_order_copies_and_serialisation_are_not_changes() -> None:
    assert changes(A + B, C + B + A) == []  # a union merge interleaves lines
    assert changes(A + B, A + B + A + b"\n  \n") == []  # a repeated copy, blank lines
    record = json.loads(A)
    respelled = json.dumps(dict(reversed(record.items())), indent=None).encode() + b"\r\n"
    assert changes(A + B, b"\xef\xbb\xbf" + respelled + B) == []  # BOM, key order, CRLF
    assert changes(A + b"{garbage at the base\n", b"{garbage at the base\n" + A) == []
    assert changes(A + B.rstrip(b"\n"), A + B) == []  # a torn base line, ended later


def test_a_deleted_base_event_is_named_with_its_base_line() -> None:
    [(line, at_base, event_id, reason)] = changes(A + B + C, A + C)
    assert (line, at_base, event_id) == (2, True, "e-b")
    assert "deleted since the base" in reason
    assert changes(A + b"garbage\n", A)[0][:3] == (2, True, None)
    missing = compare_ledgers(A + B, b"")
    assert [str(change).split(":")[0] for change in missing] == [
        "line 1 at the base (event e-a)",
        "line 2 at the base (event e-b)",
    ]


def test_a_rewritten_base_event_is_named_once() -> None:
    forged = event("e-b", "approval", "sue@example.com")
    [(line, at_base, event_id, reason)] = changes(A + B, A + forged)
    assert (line, at_base, event_id) == (2, False, "e-b")
    assert "rewritten" in reason and "its line 2" in reason


def test_added_lines_must_be_valid_events() -> None:
    torn = C.rstrip(b"\n")[:-5]  # no newline, cut short
    wrong_kind = event("e-d", kind="aii")
    no_agent = json.dumps({**json.loads(C), "id": "e-e", "agent": None}).encode() + b"\n"
    found = changes(A, A + b"not json\n" + wrong_kind + b"\xff\xfe\n" + no_agent + torn)
    assert [(line, event_id) for line, _, event_id, _ in found] == [
        (2, None),
        (3, "e-d"),
        (4, None),
        (5, "e-e"),
        (6, "e-c"),  # torn, but its id can still be read
    ]
    reasons = [reason for *_, reason in found]
    assert all(r.startswith("added since the base and not a valid event: ") for r in reasons)
    assert "not valid JSON" in reasons[0] and 'unknown "kind"' in reasons[1]
    assert "UTF-8" in reasons[2] and '"agent"' in reasons[3] and "not valid JSON" in reasons[4]


def test_an_added_event_may_not_reuse_an_id() -> None:
    reused = event("e-a", "human")
    [(line, at_base, event_id, reason)] = changes(A, A + reused)
    assert (line, at_base, event_id) == (2, False, "e-a")
    assert "already used by a different event (line 1)" in reason
    # Two added events with one id: each is named, with the other's line.
    first, second = event("e-x"), event("e-x", "human")
    found = changes(A, A + first + second)
    assert [(line, event_id) for line, _, event_id, _ in found] == [(2, "e-x"), (3, "e-x")]
    assert "(line 3)" in found[0][3] and "(line 2)" in found[1][3]
    assert changes(A, A + first + first) == []  # the same event twice is one event


def test_a_reused_id_is_found_however_the_lines_are_written() -> None:
    record = json.loads(A)
    respelled = json.dumps(dict(reversed(record.items()))).encode() + b"\n"  # still e-a
    reused = event("e-a", "human")
    [(line, _, event_id, reason)] = changes(A, respelled + reused)
    assert (line, event_id) == (2, "e-a") and "(line 1)" in reason
    # An escaped duplicate key: JSON keeps the last "id", and so does the gate.
    sneaky = event("e-new", "human")[: -len(b"}\n")] + b',"\\u0069d":"e-a"}\n'
    [(line, _, event_id, reason)] = changes(A, A + sneaky)
    assert (line, event_id) == (2, "e-a") and "already used" in reason
