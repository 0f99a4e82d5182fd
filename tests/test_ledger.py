"""The ledger: round trips, unknown fields, concurrent writers, tolerant incremental reading.

Every test works on real files in tmp_path, and the concurrency test runs real OS
processes (tests/ledger_writer.py); nothing is mocked.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from foureyes.core.errors import LedgerError
from foureyes.core.model import (
    AiAuthorship,
    Anchor,
    AnchoredClaim,
    Approval,
    ChangesRequested,
    Claim,
    Dismissal,
    HumanAuthorship,
    Identity,
    ReviewRequest,
)
from foureyes.store.ledger import Ledger, new_id, now
from foureyes.store.ledger_codec import FORMAT_VERSION, InvalidEvent, decode, encode, encode_line
from foureyes.store.ledger_snapshot import LedgerSnapshot

WRITER = Path(__file__).with_name("ledger_writer.py")
DANA = Identity(name="Dana", email="dana@example.com")
# Microseconds on purpose: `now()` has them, and the claims `mark` returns carry them.
AT = datetime(2025, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


# --- building claims and ledgers ------------------------------------------------------


def anchor(start: int = 1, count: int = 2) -> Anchor:
    return Anchor(
        start_line=start,
        lines=tuple(f"w{start + i}" for i in range(count)),
        exact=tuple(f"x{start + i}" for i in range(count)),
        before=("b1", "b2"),
        after=("a1",),
    )


def ai(id: str = "ai-1", path: str = "src/app.py", **fields: Any) -> AiAuthorship:
    values: dict[str, Any] = {"id": id, "at": AT, "by": DANA, "path": path, "anchor": anchor()}
    values.update(agent="claude-code", model="claude-x", session="s-1", source="hook")
    values.update(confidence=0.75, replaced=3)
    values.update(fields)
    return AiAuthorship(**values)


def every_kind() -> list[Claim]:
    """One claim of each kind, with every optional field set."""
    anchored: dict[str, Any] = {"at": AT, "by": DANA, "path": "src/app.py", "anchor": anchor()}
    return [
        ai(),
        HumanAuthorship(id="human-1", **anchored, source="manual", note="mine"),
        ReviewRequest(id="req-1", **anchored, reviewers=("r@example.com", "s@x"), note="pls"),
        Approval(id="ok-1", **anchored, note="lgtm", signature="sig"),
        ChangesRequested(id="chg-1", **anchored, note="rename this"),
        Dismissal(id="dis-1", at=AT, by=DANA, targets=("req-1", "ok-1"), reason="stale"),
    ]


def minimal_kinds() -> list[Claim]:
    """One claim of each kind with only the required fields (optional ones left None)."""
    anchored: dict[str, Any] = {
        "at": AT,
        "by": Identity("", "e@x"),
        "path": "p",
        "anchor": anchor(),
    }
    return [
        AiAuthorship(id="m-ai", **anchored, agent="a"),
        HumanAuthorship(id="m-human", **anchored),
        ReviewRequest(id="m-req", **anchored),
        Approval(id="m-ok", **anchored),
        ChangesRequested(id="m-chg", **anchored),
        Dismissal(id="m-dis", at=AT, by=DANA, targets=()),
    ]


def line_of(claim: Claim) -> bytes:
    return encode_line(claim)


def record(**changes: Any) -> dict[str, Any]:
    """A valid "ai" event as a JSON object, with some fields changed (None deletes)."""
    base = encode(ai(id="r-1"))
    for name, value in changes.items():
        if value is None:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def write_lines(path: Path, *lines: bytes | str | dict[str, Any], end: bytes = b"\n") -> None:
    """Write raw ledger lines (bytes as-is, str as UTF-8, dicts as JSON)."""
    parts = []
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line)
        if isinstance(line, str):
            line = line.encode("utf-8")
        parts.append(line.rstrip(b"\n"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\n".join(parts) + end)


def replace_file(path: Path, data: bytes) -> None:
    """Replace the ledger the way `git checkout` does: a new file renamed over the old."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_bytes(data)
    os.replace(fresh, path)


def ids(snapshot: LedgerSnapshot) -> list[str]:
    return [claim.id for claim in snapshot.claims]


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / ".foureyes" / "ledger.jsonl"


@pytest.fixture
def ledger(ledger_path: Path) -> Ledger:
    return Ledger(ledger_path)


# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("claim", every_kind() + minimal_kinds(), ids=lambda c: c.id)
def test_every_kind_encodes_and_decodes_to_an_equal_value(claim: Claim) -> None:
    back = decode(json.loads(encode_line(claim)))
    assert type(back) is type(claim)
    assert back == claim
    assert back.at == claim.at
    assert dict(back.extra) == {}


def test_every_kind_survives_a_real_file(ledger: Ledger, ledger_path: Path) -> None:
    claims = every_kind()
    ledger.append(claims)
    snapshot = Ledger(ledger_path).snapshot()  # a fresh reader: nothing cached
    assert snapshot.problems == ()
    assert list(snapshot.claims) == claims
    assert [type(c) for c in snapshot.claims] == [type(c) for c in claims]


def test_every_written_line_carries_the_format_version(ledger: Ledger, ledger_path: Path) -> None:
    ledger.append(every_kind())
    ledger.append(minimal_kinds())
    raw = ledger_path.read_bytes()
    assert raw.endswith(b"\n")
    lines = raw.split(b"\n")[:-1]
    assert len(lines) == 12
    for line in lines:
        event = json.loads(line)
        assert event["v"] == FORMAT_VERSION == 1
        assert isinstance(event["v"], int)


def test_the_written_form_is_the_documented_one(ledger: Ledger, ledger_path: Path) -> None:
    ledger.append([ai(model=None, session=None)])
    event = json.loads(ledger_path.read_bytes())
    assert event == {
        "v": 1,
        "id": "ai-1",
        "kind": "ai",
        "at": "2025-03-14T15:09:26.535897Z",
        "by": {"name": "Dana", "email": "dana@example.com"},
        "path": "src/app.py",
        "anchor": {
            "line": 1,
            "lines": ["w1", "w2"],
            "exact": ["x1", "x2"],
            "before": ["b1", "b2"],
            "after": ["a1"],
        },
        "agent": "claude-code",
        "source": "hook",
        "confidence": 0.75,
        "replaced": 3,
    }  # None-valued optional fields are left out, not written as null


@pytest.mark.parametrize(
    "at",
    [
        AT,
        AT.replace(microsecond=0),
        AT.replace(microsecond=123000),
        AT.astimezone(timezone(timedelta(hours=5, minutes=30))),
        AT.astimezone(timezone(timedelta(hours=-8))),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        now(),
    ],
    ids=["micro", "whole-second", "milli", "plus-0530", "minus-0800", "y2k-eve", "now"],
)
def test_timestamps_survive_to_the_microsecond(ledger: Ledger, at: datetime) -> None:
    ledger.append([ai(at=at)])
    (back,) = ledger.snapshot().claims
    assert back.at == at
    assert back.at.utcoffset() == timedelta(0)  # read back in UTC


def test_times_are_written_in_utc_with_a_z(ledger: Ledger, ledger_path: Path) -> None:
    plus_two = datetime(2025, 1, 2, 12, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    ledger.append([ai(at=plus_two)])
    assert json.loads(ledger_path.read_bytes())["at"] == "2025-01-02T10:00:00.000Z"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2025-01-02T10:00:00Z", datetime(2025, 1, 2, 10, tzinfo=UTC)),
        ("2025-01-02T10:00:00.5Z", datetime(2025, 1, 2, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2025-01-02T12:00:00+02:00", datetime(2025, 1, 2, 10, tzinfo=UTC)),
        ("2025-01-02T10:00:00", datetime(2025, 1, 2, 10, tzinfo=UTC)),  # no zone: UTC
    ],
)
def test_other_writers_time_forms_are_read(written: str, expected: datetime) -> None:
    claim = decode(record(at=written))
    assert claim.at == expected
    assert claim.at.utcoffset() == timedelta(0)


def test_non_ascii_text_is_written_as_utf8(ledger: Ledger, ledger_path: Path) -> None:
    claim = ai(path="src/Ünïcødé/日本.py", by=Identity("Zoë 🦊", "zoe@example.com"))
    ledger.append([claim])
    assert "日本".encode() in ledger_path.read_bytes()
    assert ledger.snapshot().claims == (claim,)


def test_a_path_with_undecodable_bytes_round_trips(ledger: Ledger, ledger_path: Path) -> None:
    # On POSIX a file name that is not UTF-8 reaches Python as lone surrogates.
    path = os.fsdecode(b"src/caf\xe9.py")
    claim = ai(path=path)
    ledger.append([claim])
    ledger_path.read_bytes().decode("utf-8")  # the ledger itself stays valid UTF-8
    snapshot = Ledger(ledger_path).snapshot()
    assert snapshot.problems == ()
    assert snapshot.claims == (claim,)
    assert snapshot.for_path(path) == (claim,)


def test_new_ids_are_distinct_hex() -> None:
    made = {new_id() for _ in range(10_000)}
    assert len(made) == 10_000
    assert all(len(i) == 20 and int(i, 16) >= 0 for i in made)


# --- unknown fields -------------------------------------------------------------------


def test_unknown_fields_are_kept_and_written_back(tmp_path: Path) -> None:
    newer = record(risk={"score": 0.9, "why": ["auth", "crypto"]}, tool_version="9.1")
    old_ledger = Ledger(tmp_path / "old.jsonl")
    write_lines(old_ledger.path, newer)
    (claim,) = old_ledger.snapshot().claims
    assert dict(claim.extra) == {
        "risk": {"score": 0.9, "why": ["auth", "crypto"]},
        "tool_version": "9.1",
    }
    assert encode(claim)["risk"] == {"score": 0.9, "why": ["auth", "crypto"]}

    # An older reader re-writing the event (say, into another ledger) loses nothing.
    copy = Ledger(tmp_path / "copy.jsonl")
    copy.append([claim])
    assert json.loads(copy.path.read_bytes()) == newer
    assert copy.snapshot().claims[0].extra == claim.extra


def test_a_field_of_another_kind_is_an_unknown_field_of_this_one() -> None:
    dismissal = encode(every_kind()[-1])
    dismissal["note"] = "notes are not a dismissal field"
    claim = decode(dismissal)
    assert dict(claim.extra) == {"note": "notes are not a dismissal field"}
    assert encode(claim) == dismissal


def test_extra_fields_never_override_known_ones() -> None:
    claim = ai(extra={"id": "forged", "kind": "approval", "v": 99, "flag": True})
    written = encode(claim)
    assert (written["id"], written["kind"], written["v"]) == ("ai-1", "ai", 1)
    assert written["flag"] is True


def test_a_newer_format_version_is_still_read(ledger: Ledger) -> None:
    write_lines(ledger.path, record(v=2, new_thing=[1, 2]))
    snapshot = ledger.snapshot()
    assert snapshot.problems == ()
    assert snapshot.claims[0].extra == {"new_thing": [1, 2]}


# --- concurrency: the acceptance criterion --------------------------------------------

WRITERS = 20
EVENTS_PER_WRITER = 500


def test_twenty_processes_appending_at_once_lose_and_tear_nothing(tmp_path: Path) -> None:
    ledger_path = tmp_path / "shared" / "ledger.jsonl"  # the writers race to create it too
    ready = tmp_path / "ready"
    ready.mkdir()
    start = tmp_path / "start"
    command = [sys.executable, str(WRITER), str(ledger_path)]
    writers = [
        subprocess.Popen(
            [*command, str(n), str(EVENTS_PER_WRITER), str(ready), str(start)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(WRITERS)
    ]
    try:
        deadline = time.monotonic() + 30
        while len(list(ready.iterdir())) < WRITERS:
            assert all(w.poll() is None for w in writers), "a writer died before starting"
            assert time.monotonic() < deadline, "the writers did not all start"
            time.sleep(0.01)
        started = time.monotonic()
        start.touch()  # the barrier: every writer is waiting on this file

        # Meanwhile a reader keeps taking snapshots: it must never see a torn line.
        reader = Ledger(ledger_path)
        seen = 0
        while any(w.poll() is None for w in writers):
            snapshot = reader.snapshot()
            assert snapshot.problems == ()
            assert len(snapshot.claims) >= seen
            seen = len(snapshot.claims)
            time.sleep(0.005)
        for writer in writers:
            _out, err = writer.communicate(timeout=60)
            assert writer.returncode == 0, err.decode()
        assert time.monotonic() - started < 55
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()

    raw = ledger_path.read_bytes()
    assert raw.endswith(b"\n")
    lines = raw.split(b"\n")[:-1]
    assert len(lines) == WRITERS * EVENTS_PER_WRITER
    for line in lines:
        json.loads(line)  # every line is valid JSON on its own

    snapshot = Ledger(ledger_path).snapshot()
    assert snapshot.problems == ()
    assert len(snapshot.claims) == 10_000
    assert len(set(ids(snapshot))) == 10_000
    expected = {f"w{w:02d}-{n:05d}" for w in range(WRITERS) for n in range(EVENTS_PER_WRITER)}
    assert set(ids(snapshot)) == expected
    # Each writer's events are in the order it appended them.
    for w in range(WRITERS):
        own = [i for i in ids(snapshot) if i.startswith(f"w{w:02d}-")]
        assert own == sorted(own)
    # The writers really overlapped: their events are interleaved, not one block each.
    writer_runs = 1 + sum(
        1 for a, b in zip(ids(snapshot), ids(snapshot)[1:], strict=False) if a[:3] != b[:3]
    )
    assert writer_runs > WRITERS * 2
    # The reader that followed along incrementally ends where a fresh reader does.
    assert reader.snapshot().claims == snapshot.claims


def test_threads_appending_at_once_lose_nothing(ledger: Ledger, ledger_path: Path) -> None:
    def work(t: int) -> None:
        for n in range(100):
            ledger.append([ai(id=f"t{t}-{n}"), ai(id=f"t{t}-{n}-b")])

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    snapshots = []
    while any(t.is_alive() for t in threads):
        snapshots.append(Ledger(ledger_path).snapshot())
    for thread in threads:
        thread.join()
    assert all(s.problems == () for s in snapshots)
    # An append of two events lands as a pair: a reader never sees one without the other.
    assert all(len(s.claims) % 2 == 0 for s in snapshots)
    final = ledger.snapshot()
    assert final.problems == ()
    assert len(set(ids(final))) == len(final.claims) == 1600


@pytest.mark.skipif(sys.platform == "win32", reason="uses POSIX flock directly")
def test_appends_and_reads_wait_for_the_lock_other_processes_hold(tmp_path: Path) -> None:
    import fcntl

    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.append([ai(id="first")])
    start = tmp_path / "start"
    start.touch()  # no barrier: the writer goes as soon as it can
    holder = os.open(ledger.path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # as another foureyes process appending would
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), str(ledger.path), "7", "1", str(tmp_path), str(start)],
            stderr=subprocess.PIPE,
        )
        reads: list[LedgerSnapshot] = []
        reader = threading.Thread(target=lambda: reads.append(Ledger(ledger.path).snapshot()))
        reader.start()
        deadline = time.monotonic() + 10
        while not (tmp_path / "7").exists():  # the writer is up and about to append
            assert time.monotonic() < deadline and writer.poll() is None
            time.sleep(0.01)
        time.sleep(0.5)
        assert writer.poll() is None, "the writer did not wait for the lock"
        assert reads == [], "the reader did not wait for the lock"
        assert ledger.path.read_bytes() == line_of(ai(id="first"))
    finally:
        fcntl.flock(holder, fcntl.LOCK_UN)
        os.close(holder)
    assert writer.wait(timeout=30) == 0, writer.stderr.read() if writer.stderr else ""
    reader.join(timeout=30)
    assert len(reads) == 1 and reads[0].claims[0].id == "first"
    assert ids(ledger.snapshot()) == ["first", "w07-00000"]


# --- tolerance: the acceptance criterion ----------------------------------------------


def test_garbage_and_a_torn_last_line_are_reported_and_skipped(ledger: Ledger) -> None:
    one, two, three = ai(id="one"), ai(id="two"), ai(id="three")
    torn = line_of(ai(id="torn"))[:60]
    write_lines(
        ledger.path,
        line_of(one),
        line_of(two),
        b"this is not json at all {{{",
        line_of(three),
        torn,
        end=b"",  # the last line was cut off by a crash: no newline
    )
    snapshot = ledger.snapshot()
    assert ids(snapshot) == ["one", "two", "three"]
    assert [p.line for p in snapshot.problems] == [3, 5]
    assert "JSON" in snapshot.problems[0].reason
    assert "torn" in snapshot.problems[1].reason
    assert str(snapshot.problems[0]).startswith("line 3: ")

    # Reading again changes nothing, and a fresh reader agrees.
    again = ledger.snapshot()
    assert (again.claims, again.problems, again.generation) == (
        snapshot.claims,
        snapshot.problems,
        snapshot.generation,
    )
    assert Ledger(ledger.path).snapshot().problems == snapshot.problems

    # A new append ends the torn line instead of gluing itself onto it.
    four = ai(id="four")
    ledger.append([four])
    raw = ledger.path.read_bytes()
    assert raw.endswith(b"\n" + torn + b"\n" + line_of(four))
    for reader in (ledger, Ledger(ledger.path)):  # incremental and from scratch
        after = reader.snapshot()
        assert ids(after) == ["one", "two", "three", "four"]
        assert after.claims[-1] == four
        assert [p.line for p in after.problems] == [3, 5]
        assert "torn" not in after.problems[1].reason  # now a whole line, just invalid
        assert "JSON" in after.problems[1].reason


def test_a_torn_line_that_is_only_whitespace_is_not_a_problem(ledger: Ledger) -> None:
    write_lines(ledger.path, line_of(ai(id="one")), b"   ", end=b"")
    assert ledger.snapshot().problems == ()
    ledger.append([ai(id="two")])
    snapshot = ledger.snapshot()
    assert (ids(snapshot), snapshot.problems) == (["one", "two"], ())


def test_a_whole_last_event_without_a_newline_is_read(ledger: Ledger) -> None:
    # A hand edit whose editor dropped the final newline: the event is whole, so keep it.
    write_lines(ledger.path, line_of(ai(id="one")), line_of(ai(id="two")), end=b"")
    first = ledger.snapshot()
    assert (ids(first), first.problems) == (["one", "two"], ())
    assert ledger.snapshot().generation == first.generation
    ledger.append([ai(id="three")])
    for reader in (ledger, Ledger(ledger.path)):
        after = reader.snapshot()
        assert (ids(after), after.problems) == (["one", "two", "three"], ())
    assert ledger.snapshot().generation != first.generation


def test_a_torn_line_growing_into_an_event_changes_the_snapshot(ledger: Ledger) -> None:
    whole = line_of(ai(id="late"))
    write_lines(ledger.path, line_of(ai(id="one")), whole[:40], end=b"")
    torn = ledger.snapshot()
    assert ids(torn) == ["one"] and len(torn.problems) == 1
    with open(ledger.path, "ab") as file:  # the rest arrives without a newline
        file.write(whole[40:].rstrip(b"\n"))
    grown = ledger.snapshot()
    assert (ids(grown), grown.problems) == (["one", "late"], ())
    assert grown.generation != torn.generation


def test_appending_to_an_empty_or_missing_ledger_adds_no_blank_line(ledger: Ledger) -> None:
    ledger.append([ai(id="one")])
    assert ledger.path.read_bytes() == line_of(ai(id="one"))
    ledger.path.write_bytes(b"")
    ledger.append([ai(id="two")])
    assert ledger.path.read_bytes() == line_of(ai(id="two"))


def test_appending_nothing_creates_nothing(ledger: Ledger) -> None:
    ledger.append([])
    assert not ledger.path.exists()


# --- invalid events -------------------------------------------------------------------

ANCHOR = encode(ai())["anchor"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (record(id=None), '"id"'),
        (record(id=""), '"id"'),
        (record(id=7), '"id"'),
        (record(at=None), '"at"'),
        (record(at="yesterday"), '"at"'),
        (record(at="2025-13-40T99:00:00Z"), '"at"'),
        (record(at=1700000000), '"at"'),
        (record(at="0001-01-01T00:00:00+01:00"), '"at"'),  # before year 1 in UTC
        (record(kind="sonnet"), '"kind"'),
        (record(kind=None), '"kind"'),
        (record(kind=["ai"]), '"kind"'),
        (record(v=None), '"v"'),
        (record(v=0), '"v"'),
        (record(v="1"), '"v"'),
        (record(v=True), '"v"'),
        (record(by=None), '"by"'),
        (record(by={"name": "x"}), '"by"'),
        (record(by="dana@example.com"), '"by"'),
        (record(path=None), '"path"'),
        (record(path=""), '"path"'),
        (record(anchor=None), '"anchor"'),
        (record(anchor=[1, 2]), '"anchor"'),
        (record(anchor={**ANCHOR, "lines": ["a", "b", "c"]}), '"anchor"'),
        (record(anchor={**ANCHOR, "exact": ["a"]}), '"anchor"'),
        (record(anchor={**ANCHOR, "lines": [], "exact": []}), '"anchor"'),
        (record(anchor={**ANCHOR, "line": 0}), '"anchor.line"'),
        (record(anchor={**ANCHOR, "line": "3"}), '"anchor.line"'),
        (record(anchor={**ANCHOR, "line": True}), '"anchor.line"'),
        (record(anchor={**ANCHOR, "before": "b1"}), '"anchor.before"'),
        (record(anchor={**ANCHOR, "lines": ["a", 2]}), '"anchor.lines"'),
        (record(confidence=1.5), '"confidence"'),
        (record(confidence=-0.01), '"confidence"'),
        (record(confidence="0.5"), '"confidence"'),
        (record(confidence=True), '"confidence"'),
        (record(replaced=-1), '"replaced"'),
        (record(replaced=1.5), '"replaced"'),
        (record(agent=None), '"agent"'),
        (record(agent=3), '"agent"'),
        (record(model=["m"]), '"model"'),
        (record(kind="dismissal", targets=None), '"targets"'),
        (record(kind="dismissal", targets="x"), '"targets"'),
        (record(kind="review-request", reviewers=[1]), '"reviewers"'),
        ([record()], "object"),
        ("just a string", "object"),
    ],
)
def test_invalid_events_are_reported_naming_the_field(
    ledger: Ledger, event: object, field: str
) -> None:
    with pytest.raises(InvalidEvent, match=field):
        decode(event)
    write_lines(ledger.path, line_of(ai(id="before")), json.dumps(event), line_of(ai(id="after")))
    snapshot = ledger.snapshot()
    assert ids(snapshot) == ["before", "after"]
    (problem,) = snapshot.problems
    assert problem.line == 2
    assert field in problem.reason
    assert problem.reason.endswith("skipped")


def test_confidence_nan_and_infinity_are_invalid(ledger: Ledger) -> None:
    base = json.dumps(record())
    write_lines(
        ledger.path,
        base.replace('"confidence": 0.75', '"confidence": NaN'),
        base.replace('"confidence": 0.75', '"confidence": Infinity'),
    )
    snapshot = ledger.snapshot()
    assert snapshot.claims == ()
    assert [p.line for p in snapshot.problems] == [1, 2]
    assert all('"confidence"' in p.reason for p in snapshot.problems)


def test_confidence_bounds_are_valid() -> None:
    assert decode(record(confidence=0)).confidence == 0.0
    assert decode(record(confidence=1)).confidence == 1.0


def test_null_optional_fields_mean_absent() -> None:
    claim = decode(record(model=None, note=None) | {"session": None})
    assert isinstance(claim, AiAuthorship)
    assert (claim.model, claim.session) == (None, None)


def test_append_refuses_an_event_readers_would_skip(ledger: Ledger) -> None:
    ledger.append([ai(id="fine")])
    before = ledger.path.read_bytes()
    for bad, field in [
        (ai(confidence=1.5), '"confidence"'),
        (ai(confidence=math.nan), '"confidence"'),
        (ai(id=""), '"id"'),
        (ai(path=""), '"path"'),
        (ai(at=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))), '"at"'),
        (Dismissal(id="d", at=AT, by=Identity("No email", ""), targets=()), '"by"'),
    ]:
        with pytest.raises(LedgerError, match="invalid event") as raised:
            ledger.append([ai(id="good"), bad])
        assert field in str(raised.value)
    with pytest.raises(LedgerError, match="JSON"):
        ledger.append([ai(extra={"x": math.inf})])
    with pytest.raises(LedgerError, match="JSON"):
        ledger.append([ai(extra={"x": object()})])
    assert ledger.path.read_bytes() == before  # all or nothing: "good" did not land either


# --- incremental reading --------------------------------------------------------------


def test_a_missing_ledger_is_an_empty_snapshot(ledger: Ledger) -> None:
    snapshot = ledger.snapshot()
    assert (snapshot.claims, snapshot.problems, snapshot.dismissed) == ((), (), frozenset())
    assert snapshot.paths() == [] and snapshot.for_path("x") == ()
    assert ledger.snapshot().generation == snapshot.generation
    assert not ledger.path.exists()  # reading creates nothing


def test_a_ledger_whose_directory_is_a_file_reads_as_missing(tmp_path: Path) -> None:
    (tmp_path / ".foureyes").write_text("not a directory")
    snapshot = Ledger(tmp_path / ".foureyes" / "ledger.jsonl").snapshot()
    assert (snapshot.claims, snapshot.problems) == ((), ())


def test_snapshots_see_appends_and_keep_earlier_events(ledger: Ledger) -> None:
    ledger.append([ai(id="one"), ai(id="two")])
    first = ledger.snapshot()
    assert ids(first) == ["one", "two"]
    assert ledger.snapshot().generation == first.generation  # nothing changed

    ledger.append([ai(id="three")])
    second = ledger.snapshot()
    assert ids(second) == ["one", "two", "three"]
    assert second.generation != first.generation
    assert ids(first) == ["one", "two"]  # an earlier snapshot is a fixed moment
    # Only the new line was parsed: the earlier events are the very same objects.
    assert second.claims[0] is first.claims[0]
    assert second.claims[1] is first.claims[1]
    assert ledger.snapshot().generation == second.generation


def test_other_ledger_objects_see_appends(ledger_path: Path) -> None:
    reader, writer = Ledger(ledger_path), Ledger(ledger_path)
    assert reader.snapshot().claims == ()
    writer.append([ai(id="one")])
    assert ids(reader.snapshot()) == ["one"]
    writer.append([ai(id="two")])
    assert ids(reader.snapshot()) == ["one", "two"]


def test_an_empty_file_and_a_missing_one_are_both_empty(ledger: Ledger) -> None:
    missing = ledger.snapshot()
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_bytes(b"")
    empty = ledger.snapshot()
    assert empty.claims == () and empty.problems == ()
    assert ledger.snapshot().generation == empty.generation
    assert missing.claims == ()


def test_a_checkout_that_replaces_the_file_is_read_from_scratch(ledger: Ledger) -> None:
    ledger.append([ai(id="main-1"), ai(id="main-2"), ai(id="main-3")])
    before = ledger.snapshot()
    # Another branch: a longer ledger that shares nothing with this one.
    other = b"".join(line_of(ai(id=f"topic-{n}")) for n in range(5)) + b"junk\n"
    replace_file(ledger.path, other)
    after = ledger.snapshot()
    assert ids(after) == [f"topic-{n}" for n in range(5)]
    assert [p.line for p in after.problems] == [6]
    assert after.generation != before.generation
    # And back: a shorter file again.
    replace_file(ledger.path, line_of(ai(id="main-1")))
    back = ledger.snapshot()
    assert (ids(back), back.problems) == (["main-1"], ())


def test_a_checkout_sharing_a_prefix_shows_exactly_the_new_content(ledger: Ledger) -> None:
    shared = [ai(id=f"shared-{n}") for n in range(3)]
    ledger.append([*shared, ai(id="main-only")])
    assert ledger.snapshot().claims[-1].id == "main-only"
    topic = b"".join(map(line_of, shared)) + line_of(ai(id="topic-1")) + line_of(ai(id="topic-2"))
    replace_file(ledger.path, topic)
    assert ids(ledger.snapshot()) == ["shared-0", "shared-1", "shared-2", "topic-1", "topic-2"]


def test_a_checkout_differing_only_early_in_a_long_ledger_is_noticed(ledger: Ledger) -> None:
    # The last few KB before where the reader stopped are the same on both branches,
    # and so is the size: only the file's identity tells that it was replaced.
    shared = [ai(id=f"shared-{n:02d}") for n in range(30)]
    assert sum(len(line_of(c)) for c in shared) > 8192
    ledger.append([ai(id="main-0"), *shared])
    assert ledger.snapshot().claims[0].id == "main-0"
    replace_file(ledger.path, b"".join(map(line_of, [ai(id="topc-0"), *shared])))
    after = ledger.snapshot()
    assert ids(after)[0] == "topc-0"
    assert len(after.claims) == 31


def test_a_file_rewritten_in_place_is_read_from_scratch(ledger: Ledger) -> None:
    ledger.append([ai(id="a"), ai(id="b")])
    ledger.snapshot()
    inode = ledger.path.stat().st_ino
    # Same inode, longer content, different bytes before the old end.
    with open(ledger.path, "r+b") as file:
        file.write(b"".join(line_of(ai(id=f"new-{n}")) for n in range(4)))
    assert ledger.path.stat().st_ino == inode
    assert ids(ledger.snapshot()) == ["new-0", "new-1", "new-2", "new-3"]


def test_a_truncated_file_is_read_from_scratch(ledger: Ledger) -> None:
    ledger.append([ai(id="a"), ai(id="b"), ai(id="c")])
    before = ledger.snapshot()
    with open(ledger.path, "r+b") as file:
        file.truncate(len(line_of(ai(id="a"))))
    after = ledger.snapshot()
    assert ids(after) == ["a"]
    assert after.generation != before.generation
    ledger.path.write_bytes(b"")  # truncated to nothing
    emptied = ledger.snapshot()
    assert (emptied.claims, emptied.problems) == ((), ())
    assert emptied.generation != after.generation
    ledger.append([ai(id="d")])
    assert ids(ledger.snapshot()) == ["d"]


def test_a_deleted_ledger_empties_the_snapshot(ledger: Ledger) -> None:
    write_lines(ledger.path, line_of(ai(id="a")), b"garbage")
    before = ledger.snapshot()
    assert len(before.problems) == 1
    ledger.path.unlink()
    gone = ledger.snapshot()
    assert (gone.claims, gone.problems, gone.dismissed) == ((), (), frozenset())
    assert gone.generation != before.generation
    assert ledger.snapshot().generation == gone.generation
    ledger.append([ai(id="b")])
    assert ids(ledger.snapshot()) == ["b"]


def test_a_deleted_ledger_with_only_a_torn_line_empties_the_snapshot(ledger: Ledger) -> None:
    write_lines(ledger.path, line_of(ai(id="a")), end=b"")  # whole but unterminated
    before = ledger.snapshot()
    ledger.path.unlink()
    gone = ledger.snapshot()
    assert (gone.claims, gone.problems) == ((), ())
    assert gone.generation != before.generation


def test_generations_differ_between_different_contents(ledger: Ledger) -> None:
    seen = [ledger.snapshot().generation]
    for n in range(5):
        ledger.append([ai(id=f"e{n}")])
        seen.append(ledger.snapshot().generation)
        assert ledger.snapshot().generation == seen[-1]
    assert len(set(seen)) == len(seen)


def test_many_small_reads_match_one_big_read(ledger: Ledger) -> None:
    follower = Ledger(ledger.path)
    lines = [line_of(ai(id=f"e{n}")) for n in range(40)]
    lines[7] = b'{"v": 1, "kind": "ai"}\n'
    data = b"".join(lines)
    ledger.path.parent.mkdir(parents=True)
    # Grow the file a few bytes at a time, cutting lines anywhere; read after each step.
    with open(ledger.path, "ab") as file:
        for start in range(0, len(data), 97):
            file.write(data[start : start + 97])
            file.flush()
            follower.snapshot()
    whole = Ledger(ledger.path).snapshot()
    final = follower.snapshot()
    assert final.claims == whole.claims
    assert final.problems == whole.problems
    assert len(final.claims) == 39 and [p.line for p in final.problems] == [8]


# --- duplicates, paths, dismissals ----------------------------------------------------


def test_an_event_merged_in_twice_is_kept_once(ledger: Ledger) -> None:
    one, two = line_of(ai(id="one")), line_of(ai(id="two"))
    dismissal = line_of(Dismissal(id="dis", at=AT, by=DANA, targets=("one",)))
    # A union merge of two branches that both carry `one` and `dis`.
    write_lines(ledger.path, one, dismissal, two, one, dismissal)
    snapshot = ledger.snapshot()
    assert ids(snapshot) == ["one", "dis", "two"]
    assert snapshot.problems == ()
    assert snapshot.dismissed == {"one"}
    ledger.append([ai(id="two")])  # appended again later: still once
    assert ids(ledger.snapshot()) == ["one", "dis", "two"]


def test_for_path_paths_and_dismissed(ledger: Ledger) -> None:
    a1, b1, a2 = (
        ai(id="a1", path="src/a.py"),
        ai(id="b1", path="lib/b.py"),
        ai(id="a2", path="src/a.py"),
    )
    review = ReviewRequest(id="r1", at=AT, by=DANA, path="src/a.py", anchor=anchor())
    approval = Approval(id="ok1", at=AT, by=DANA, path="docs/c.md", anchor=anchor())
    withdraw = Dismissal(id="d1", at=AT, by=DANA, targets=("r1", "ghost"), reason="done")
    ledger.append([a1, b1, review, withdraw, a2, approval])
    snapshot = ledger.snapshot()
    assert snapshot.for_path("src/a.py") == (a1, review, a2)  # in ledger order
    assert snapshot.for_path("lib/b.py") == (b1,)
    assert snapshot.for_path("docs/c.md") == (approval,)
    assert snapshot.for_path("src") == () and snapshot.for_path("nope.py") == ()
    assert snapshot.paths() == ["docs/c.md", "lib/b.py", "src/a.py"]
    assert snapshot.dismissed == frozenset({"r1", "ghost"})
    assert all(isinstance(c, AnchoredClaim) for p in snapshot.paths() for c in snapshot.for_path(p))

    # A later snapshot groups its own claims; the earlier one is unchanged.
    ledger.append(
        [ai(id="a3", path="src/a.py"), Dismissal(id="d2", at=AT, by=DANA, targets=("a1",))]
    )
    later = ledger.snapshot()
    assert [c.id for c in later.for_path("src/a.py")] == ["a1", "r1", "a2", "a3"]
    assert later.dismissed == {"r1", "ghost", "a1"}
    assert [c.id for c in snapshot.for_path("src/a.py")] == ["a1", "r1", "a2"]
    assert snapshot.dismissed == {"r1", "ghost"}


def test_a_ledger_of_only_dismissals_has_no_paths(ledger: Ledger) -> None:
    ledger.append([Dismissal(id="d", at=AT, by=DANA, targets=("x",))])
    snapshot = ledger.snapshot()
    assert snapshot.paths() == [] and snapshot.for_path("") == ()
    assert snapshot.dismissed == {"x"}


def test_an_unchanged_ledger_gives_the_same_snapshot(ledger: Ledger) -> None:
    # The same object, so its grouping by path is not redone for every question asked.
    ledger.append([ai(id=f"e{n}", path=f"p{n % 7}.py") for n in range(70)])
    first = ledger.snapshot()
    assert ledger.snapshot() is first
    ledger.append([ai(id="new", path="p0.py")])
    second = ledger.snapshot()
    assert second is not first
    assert [c.id for c in second.for_path("p0.py")][-1] == "new"
    assert "new" not in [c.id for c in first.for_path("p0.py")]


def test_events_are_decoded_only_for_the_files_asked_about(ledger: Ledger) -> None:
    """A large ledger stays cheap: asking about one file decodes that file's events.

    An invalid event about another file is not found until the whole ledger is read;
    unreadable lines and pathless events (dismissals) are found at once.
    """
    bad_elsewhere = record(id="bad", path="other.py", confidence=7)
    write_lines(
        ledger.path,
        encode(ai(id="a", path="x.py")),
        bad_elsewhere,
        "garbage",
        encode(Dismissal(id="d", at=AT, by=DANA, targets=("a",))),
        record(id="odd", path="y.py", extra={"path": "not-this"}),
    )
    snapshot = ledger.snapshot()
    assert [c.id for c in snapshot.for_path("x.py")] == ["a"]
    assert [p.line for p in snapshot.known_problems()] == [3]  # garbage, found at once
    assert snapshot.dismissed == frozenset({"a"})
    assert snapshot.paths() == ["other.py", "x.py", "y.py"]
    # A line the scan cannot read with certainty (two "path" fields) is decoded at once.
    assert [c.id for c in snapshot.for_path("y.py")] == ["odd"]
    assert [p.line for p in snapshot.problems] == [2, 3]  # the full read finds the rest
    assert [p.line for p in snapshot.known_problems()] == [2, 3]


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b'{"v": 1, "id": "caf\xe9"}', "UTF-8"),
        (b"\xff\xfe{\x00}\x00", "UTF-8"),  # UTF-16 is not UTF-8
        (b'{"v": 1,\x00 "id": "x"}', "JSON"),
        (b"\x00\x00\x00\x00", "JSON"),
        (b"\x00{\x00}", "JSON"),  # looks like UTF-16: still not read as such
        (b"[" * 200_000 + b"]" * 200_000, "JSON"),  # nested too deeply to parse
        (b'{"v": 1, "replaced": ' + b"9" * 5000 + b"}", "JSON"),  # an integer too long
        (b'"\\ud800"', "object"),
        (b"NaN", "object"),
        (b"null", "object"),
    ],
    ids=[
        "latin1",
        "utf16",
        "nul-inside",
        "nuls",
        "utf16-like",
        "deep",
        "bigint",
        "surrogate",
        "nan",
        "null",
    ],
)
def test_bad_bytes_are_a_problem_not_a_crash(ledger: Ledger, bad: bytes, reason: str) -> None:
    write_lines(ledger.path, line_of(ai(id="one")), bad, line_of(ai(id="two")))
    snapshot = ledger.snapshot()
    assert ids(snapshot) == ["one", "two"]
    (problem,) = snapshot.problems
    assert problem.line == 2
    assert reason in problem.reason
    assert len(problem.reason) < 300  # a reason, not the line echoed back


def test_an_enormous_line_is_a_problem_not_a_crash(ledger: Ledger) -> None:
    huge = b'{"v": 1, "id": "' + b"x" * (5 * 1024 * 1024)  # 5 MB, never closed
    write_lines(ledger.path, line_of(ai(id="one")), huge, line_of(ai(id="two")))
    snapshot = ledger.snapshot()
    assert ids(snapshot) == ["one", "two"]
    assert [p.line for p in snapshot.problems] == [2]
    assert len(snapshot.problems[0].reason) < 300


def test_an_enormous_valid_event_is_read(ledger: Ledger) -> None:
    big = ai(id="big", extra={"blob": "y" * (5 * 1024 * 1024)})
    ledger.append([ai(id="one"), big])
    ledger.append([ai(id="two")])
    assert ids(Ledger(ledger.path).snapshot()) == ["one", "big", "two"]


def test_an_enormous_torn_last_line_is_a_problem_not_a_crash(ledger: Ledger) -> None:
    write_lines(ledger.path, line_of(ai(id="one")), b"{" + b" " * (5 * 1024 * 1024), end=b"")
    snapshot = ledger.snapshot()
    assert ids(snapshot) == ["one"]
    assert [p.line for p in snapshot.problems] == [2]
    ledger.append([ai(id="two")])
    assert ids(ledger.snapshot()) == ["one", "two"]


def test_a_whole_binary_file_is_a_problem_not_a_crash(ledger: Ledger) -> None:
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_bytes(bytes(range(256)) * 64 + b"\n" + line_of(ai(id="one")))
    snapshot = ledger.snapshot()
    assert ids(snapshot) == ["one"]
    assert len(snapshot.problems) >= 1


def test_windows_line_endings_blank_lines_and_a_bom_are_tolerated(ledger: Ledger) -> None:
    one, two = line_of(ai(id="one")).rstrip(b"\n"), line_of(ai(id="two")).rstrip(b"\n")
    ledger.path.parent.mkdir(parents=True)
    ledger.path.write_bytes(b"\xef\xbb\xbf" + one + b"\r\n\r\n   \n" + two + b"\r\n")
    snapshot = ledger.snapshot()
    assert (ids(snapshot), snapshot.problems) == (["one", "two"], ())


def test_a_reason_never_echoes_a_huge_value(ledger: Ledger) -> None:
    write_lines(ledger.path, record(kind="k" * 1_000_000), record(at="t" * 1_000_000))
    snapshot = ledger.snapshot()
    assert [p.line for p in snapshot.problems] == [1, 2]
    assert '"kind"' in snapshot.problems[0].reason and '"at"' in snapshot.problems[1].reason
    assert all(len(p.reason) < 300 for p in snapshot.problems)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_in_the_ledgers_place_is_an_error_not_a_hang(ledger_path: Path) -> None:
    ledger_path.parent.mkdir(parents=True)
    os.mkfifo(ledger_path)
    outcomes: list[BaseException | None] = []

    def attempt(action: str) -> None:
        try:
            getattr(Ledger(ledger_path), action)(*([[ai()]] if action == "append" else []))
            outcomes.append(None)
        except BaseException as error:
            outcomes.append(error)

    for action in ("snapshot", "append"):
        outcomes.clear()
        thread = threading.Thread(target=attempt, args=(action,), daemon=True)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), f"{action} hung on a FIFO"
        (outcome,) = outcomes
        assert isinstance(outcome, LedgerError), outcome
        assert "not a regular file" in str(outcome)


def test_a_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / ".foureyes"
    blocker.write_text("a file where the ledger's directory should be")
    ledger = Ledger(blocker / "ledger.jsonl")
    with pytest.raises(LedgerError) as raised:
        ledger.append([ai()])
    message = str(raised.value)
    assert str(blocker) in message
    assert "directory" in message
    assert raised.value.hint


def test_a_ledger_that_is_a_directory_is_a_clear_error(ledger_path: Path) -> None:
    ledger_path.mkdir(parents=True)
    with pytest.raises(LedgerError, match=r"ledger\.jsonl"):
        Ledger(ledger_path).append([ai()])
    with pytest.raises(LedgerError, match="cannot read"):
        Ledger(ledger_path).snapshot()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_ledger_is_a_clear_error(ledger: Ledger) -> None:
    ledger.append([ai(id="one")])
    ledger.path.chmod(0o444)
    try:
        with pytest.raises(LedgerError, match="writing"):
            ledger.append([ai(id="two")])
        assert ids(ledger.snapshot()) == ["one"]  # reading still works
    finally:
        ledger.path.chmod(0o644)
