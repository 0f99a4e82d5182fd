"""The ledger: an append-only JSON Lines log of claims that lives inside the repository.

Writing is atomic and locked: each append takes an exclusive lock on the file, repairs
a torn last line left by a crashed writer (by ending it), and writes whole lines in
one call; a write that fails midway (a full disk) is cut back to where it started. It
refuses an event that readers would skip, so a mistake fails loudly instead of
vanishing. Reading is tolerant and incremental: a torn or invalid line is reported
with its line number and skipped, unknown fields are kept, and a second read only
parses what was appended since the first. An event whose id an earlier, different
event already has is reported too (a true duplicate, the same event merged in twice,
is dropped quietly). The format is documented in docs/ledger-format.md and is a
public contract.

The ledger is in the working tree, which a commit controls, so neither reading nor
writing follows a symbolic link: a ledger file, or the folder holding it, that is a
link is a LedgerError saying so (a link could send appends anywhere, or point the
gate at an empty file).

This module knows claims and bytes; it must not know about anchoring, git or faces.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from foureyes.core.errors import LedgerError
from foureyes.core.model import (
    CLAIM_TYPES,
    AiAuthorship,
    Anchor,
    AnchoredClaim,
    Approval,
    Baseline,
    ChangesRequested,
    Claim,
    ClaimBase,
    Dismissal,
    HumanAuthorship,
    Identity,
    ReviewRequest,
)
from foureyes.core.text import content_key

FORMAT_VERSION = 1
_COMMON_FIELDS = frozenset({"v", "id", "kind", "at", "by", "path", "anchor"})
# Kind-specific fields, in the order they are written.
_KIND_FIELDS: Mapping[type[Claim], tuple[str, ...]] = {
    AiAuthorship: ("agent", "model", "session", "source", "confidence", "replaced", "edit"),
    HumanAuthorship: ("source", "note"),
    ReviewRequest: ("reviewers", "note"),
    Approval: ("note", "signature"),
    Baseline: ("note", "signature", "commit"),
    ChangesRequested: ("note",),
    Dismissal: ("targets", "reason"),
}


def new_id() -> str:
    """A random event id: 20 hex digits, collision-free for any realistic ledger."""
    # secrets.token_hex(10) is exactly this; importing secrets (random, hmac, base64)
    # would cost every agent hook's process a few milliseconds.
    return os.urandom(10).hex()


def now() -> datetime:
    return datetime.now(UTC)


# --- encoding -------------------------------------------------------------------------


def encode(claim: Claim) -> dict[str, Any]:
    """The JSON object for a claim; unknown fields it was read with are written back.

    Raises InvalidEvent if `at` cannot be expressed in UTC (year 1 with a positive offset).
    """
    record: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "id": claim.id,
        "kind": claim.KIND,
        "at": _format_time(claim.at),
        "by": {"name": claim.by.name, "email": claim.by.email},
    }
    if isinstance(claim, AnchoredClaim):
        anchor = claim.anchor
        record["path"] = claim.path
        record["anchor"] = {
            "line": anchor.start_line,
            "lines": list(anchor.lines),
            "exact": list(anchor.exact),
            "before": list(anchor.before),
            "after": list(anchor.after),
        }
        if anchor.raw:
            record["anchor"]["raw"] = list(anchor.raw)
        if anchor.sketch:
            record["anchor"]["sketch"] = list(anchor.sketch)
    for name in _KIND_FIELDS[type(claim)]:
        value = getattr(claim, name)
        if value is not None:
            record[name] = list(value) if isinstance(value, tuple) else value
    for name, value in claim.extra.items():
        record.setdefault(name, value)
    return record


def encode_line(claim: Claim) -> bytes:
    """One ledger line for a claim: compact UTF-8 JSON and a newline.

    Raises ValueError or TypeError for what JSON cannot hold (NaN, an object in `extra`).
    """
    return _dump(encode(claim))


def _dump(record: Mapping[str, Any]) -> bytes:
    # allow_nan=False: NaN and Infinity are not JSON, and other readers would choke on them.
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:
        # A lone surrogate: a POSIX file name that is not UTF-8, as Python decodes it.
        # Escaping it keeps the line valid UTF-8 and reads back as the same string.
        text = json.dumps(record, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        return text.encode("ascii") + b"\n"


def _format_time(at: datetime) -> str:
    # A naive time is UTC, as decode reads one. Microseconds are kept when present, so
    # that a claim read back equals the one written (`now()` has them); whole
    # milliseconds keep the shorter form.
    try:
        utc = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset
        raise InvalidEvent(f'"at" cannot be written in UTC: {at}') from None
    spec = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return utc.isoformat(timespec=spec).replace("+00:00", "Z")


class InvalidEvent(ValueError):
    """A ledger line that is JSON but not a valid event, or a claim that cannot be
    written as one; the message names the field that is wrong."""


def decode(record: object) -> Claim:
    """A claim from a JSON object; raises InvalidEvent naming the field that is wrong."""
    if not isinstance(record, dict):
        raise InvalidEvent("an event must be a JSON object")
    version = record.get("v")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise InvalidEvent('"v" (format version) must be a positive integer')
    kind = record.get("kind")
    cls = CLAIM_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidEvent(f'unknown "kind" {_shown(kind)}')
    values: dict[str, Any] = {
        "id": _text(record, "id"),
        "at": _time(record),
        "by": _identity(record),
    }
    if issubclass(cls, AnchoredClaim):
        values["path"] = _text(record, "path")
        values["anchor"] = _anchor(record.get("anchor"))
    for name in _KIND_FIELDS[cls]:
        if name in record and record[name] is not None:
            values[name] = _field(cls, name, record[name])
    if cls is AiAuthorship and "agent" not in values:
        raise InvalidEvent('an "ai" event needs "agent"')
    if cls is Dismissal and "targets" not in values:
        raise InvalidEvent('a "dismissal" event needs "targets"')
    known = _COMMON_FIELDS | set(_KIND_FIELDS[cls])
    extra = {k: v for k, v in record.items() if k not in known}
    try:
        return cls(**values, extra=MappingProxyType(extra))
    except (TypeError, ValueError) as error:
        raise InvalidEvent(str(error)) from None


def _text(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidEvent(f'"{name}" must be a non-empty string')
    return value


def _time(record: Mapping[str, Any]) -> datetime:
    raw = _text(record, "at")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        # In UTC, as it is written back; a time that cannot be (year 1 with a positive
        # offset) would make encode fail later, so it is invalid here.
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidEvent(f'"at" is not an ISO 8601 time: {_shown(raw)}') from None


def _shown(value: object) -> str:
    """A value for a problem's reason, cut short: a line may be megabytes long."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _identity(record: Mapping[str, Any]) -> Identity:
    by = record.get("by")
    if not isinstance(by, dict) or not isinstance(by.get("email"), str) or not by["email"]:
        raise InvalidEvent('"by" must be an object with a non-empty "email"')
    name = by.get("name")
    return Identity(name=name if isinstance(name, str) else "", email=by["email"])


def _anchor(raw: object) -> Anchor:
    if not isinstance(raw, dict):
        raise InvalidEvent('"anchor" must be an object')
    line = raw.get("line")
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise InvalidEvent('"anchor.line" must be a positive integer')
    parts: dict[str, tuple[str, ...]] = {}
    for name in ("lines", "exact", "before", "after", "raw", "sketch"):
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InvalidEvent(f'"anchor.{name}" must be a list of strings')
        parts[name] = tuple(value)
    try:
        return Anchor(start_line=line, **parts)
    except ValueError as error:
        raise InvalidEvent(f'"anchor": {error}') from None


def _field(cls: type[Claim], name: str, value: object) -> object:
    if name in ("reviewers", "targets"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidEvent(f'"{name}" must be a list of strings')
        return tuple(value)
    if name == "confidence":
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise InvalidEvent('"confidence" must be a number from 0 to 1')
        return float(value)
    if name == "replaced":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidEvent('"replaced" must be a non-negative integer')
        return value
    if not isinstance(value, str):
        raise InvalidEvent(f'"{name}" must be a string')
    return value


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerProblem:
    """A line that was skipped, with its 1-based line number and the reason."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class _Lines:
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
        self.eager_problems: list[LedgerProblem] = []
        self.dismissals: list[Dismissal] = []  # in ledger order; the engine decides who counts
        self.eager_paths: dict[str, list[int]] = {}  # anchored events found by decoding

    def add(self, raw: bytes) -> None:
        index = len(self.raw)
        self.raw.append(raw)
        if not raw.strip():
            self.decoded[index] = None
            return
        path, event_id = _scan(raw)
        if event_id is not None:
            self.lines_of_id.setdefault(event_id, []).append(index)
        if path is None or event_id is None:
            self._decode_now(index)
        else:
            self.by_path.setdefault(path, []).append(index)

    def _decode_now(self, index: int) -> None:
        found = self.decode(index)
        if isinstance(found, LedgerProblem):
            self.eager_problems.append(found)
        elif isinstance(found, Dismissal):
            self.dismissals.append(found)
        elif isinstance(found, AnchoredClaim):
            self.eager_paths.setdefault(found.path, []).append(index)

    def decode(self, index: int) -> Claim | LedgerProblem | None:
        with self.lock:
            if index in self.decoded:
                return self.decoded[index]
        try:
            found: Claim | LedgerProblem | None = parse_line(self.raw[index])
        except ValueError as error:  # _Unreadable or InvalidEvent
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
        return _against(claim, index + 1, self.first_with_id(claim.id, index))

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


def _against(
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
        f"id {_shown(claim.id)} is already used by line {index + 1} for a different event; skipped",
    )


def _same_event(one: Claim, other: Claim) -> bool:
    """Whether two decoded events are the same event (equal canonical JSON)."""
    try:
        return _canonical(one) == _canonical(other)
    except (InvalidEvent, TypeError, ValueError):
        return False


def _canonical(claim: Claim) -> str:
    return json.dumps(encode(claim), sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _scan(raw: bytes) -> tuple[str | None, str | None]:
    """The top-level path and id of a line without decoding it; None when unsure.

    A field of that name inside another value could mislead the scan, so a line
    where either name occurs more than once, or a dismissal, is left to the decoder.
    """
    if raw.count(b'"path"') > 1 or raw.count(b'"id"') > 1 or b'"dismissal"' in raw:
        return None, None
    path = _PATH_FIELD.search(raw)
    event_id = _ID_FIELD.search(raw)
    try:
        return (_json_string(path.group(1)) if path else None,
                _json_string(event_id.group(1)) if event_id else None)  # fmt: skip
    except (UnicodeDecodeError, ValueError):
        return None, None


def _json_string(quoted: bytes) -> str:
    # Most paths and ids have no escapes; decoding those directly is much cheaper.
    if b"\\" in quoted:
        return str(json.loads(quoted.decode("utf-8")))
    return quoted[1:-1].decode("utf-8")


_PATH_FIELD = re.compile(rb'"path"\s*:\s*("(?:[^"\\]|\\.)*")')
_ID_FIELD = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.)*")')


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """The ledger at one moment: the first `count` lines, plus a whole last line that
    lacks its newline. Events are decoded on demand, per file."""

    path: Path
    generation: int  # changes whenever the content read changes; a cache key
    dismissals: tuple[Dismissal, ...]  # in ledger order; whether each counts is the engine's
    _lines: _Lines = field(compare=False, repr=False)
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


@dataclass(slots=True)
class _ReadState:
    device_inode: tuple[int, int] = (0, 0)
    offset: int = 0  # bytes consumed (always just after a newline)
    fingerprint: str = ""  # hash of the bytes just before `offset`
    lines: _Lines = field(default_factory=_Lines)
    generation: int = 0
    # The last line when it has no newline yet: never consumed, re-read every time.
    tail_fingerprint: str = ""  # hash of those bytes; empty when there are none
    tail_claim: Claim | None = None  # a whole event that only lacks its newline
    tail_problem: LedgerProblem | None = None

    @property
    def empty(self) -> bool:
        return not (self.offset or self.tail_fingerprint)


_FINGERPRINT_BYTES = 4096


class _Unreadable(ValueError):
    """A ledger line that is not UTF-8 JSON at all; the message says why."""


class Ledger:
    """One ledger file. Safe to share between threads; many processes may append at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._state = _ReadState()
        self._generation = 0
        self._snapshot: LedgerSnapshot | None = None

    # --- writing ---

    def append(self, claims: Iterable[Claim]) -> None:
        """Append events atomically: all of them land, as whole lines, or none do.

        Raises LedgerError, writing nothing, if any event is one a reader would skip
        or the file cannot be written.
        """
        data = b"".join(_checked_line(claim) for claim in claims)
        if not data:
            return
        directory = self.path.parent
        _refuse_link(directory, "write", "folder")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise LedgerError(
                f"cannot create the ledger's directory {directory}: {error.strerror or error}",
                f"make sure {directory} can be a directory: no file in its place, and "
                "permission to write to its parent",
            ) from None
        _refuse_link(directory, "write", "folder")
        try:
            # O_NONBLOCK: opening a FIFO in the ledger's place must fail, not hang.
            # O_NOFOLLOW: a link in the ledger's place must fail, not be followed.
            flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | _NONBLOCK | _NOFOLLOW
            if not _NOFOLLOW:
                _refuse_link(self.path, "write", "file")
            fd = os.open(self.path, flags, 0o644)
        except OSError as error:
            _refuse_link(self.path, "write", "file", error)
            raise LedgerError(
                f"cannot open the ledger {self.path} for writing: {error.strerror or error}",
                "make sure it is a regular file you may write to",
            ) from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise LedgerError(
                    f"cannot write the ledger {self.path}: it is not a regular file",
                    "move it out of the way; foureyes creates the ledger when it needs one",
                )
            with _file_lock(fd, exclusive=True):
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # end a torn line so ours stays whole
                try:
                    _write_all(fd, data)
                    os.fsync(fd)
                except OSError:
                    # All or nothing: a write cut short (ENOSPC, EIO, a quota) must not
                    # leave part of a line for the next append to glue onto.
                    _truncate(fd, size)
                    raise
        except OSError as error:
            raise LedgerError(
                f"cannot append to the ledger {self.path}: {error.strerror or error}; "
                "nothing was written"
            ) from None
        finally:
            os.close(fd)

    # --- reading ---

    def snapshot(self) -> LedgerSnapshot:
        """The ledger as it is now; parses only what was appended since the last call.

        A missing ledger is empty. Raises LedgerError only when the file exists but
        cannot be read at all (no permission, a directory); bad content never raises.
        """
        with self._lock:
            state = self._state
            # A folder that is a link is refused even when no ledger is behind it: the
            # gate must not read "no claims" from wherever a commit points it.
            _refuse_link(self.path.parent, "read", "folder")
            if not _NOFOLLOW:
                _refuse_link(self.path, "read", "file")
            try:
                fd = os.open(self.path, os.O_RDONLY | _NONBLOCK | _NOFOLLOW)
            except (FileNotFoundError, NotADirectoryError):  # no ledger (yet) on this branch
                if not state.empty:  # it was there before: deleted, or a checkout removed it
                    self._state = _ReadState(generation=self._next_generation())
                return self._freeze(self._state)
            except OSError as error:
                _refuse_link(self.path, "read", "file", error)
                raise _unreadable(self.path, error) from None
            try:
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    raise LedgerError(
                        f"cannot read the ledger {self.path}: it is not a regular file",
                        "move it out of the way; foureyes creates the ledger when it needs one",
                    )
                with _file_lock(fd, exclusive=False):
                    info = os.fstat(fd)  # again: a writer may have grown it while we waited
                    identity = (info.st_dev, info.st_ino)
                    if not self._continues(fd, state, identity, info.st_size):
                        state = _ReadState(device_inode=identity)
                    self._read_new(fd, state, info.st_size)
            except OSError as error:
                # The half-updated state is dropped: the next read starts from scratch.
                self._state = _ReadState(generation=self._next_generation())
                raise _unreadable(self.path, error) from None
            finally:
                os.close(fd)
            self._state = state
            return self._freeze(state)

    def _next_generation(self) -> int:
        self._generation += 1
        return self._generation

    def _continues(self, fd: int, state: _ReadState, identity: tuple[int, int], size: int) -> bool:
        """Whether the file is the one read last time, grown or unchanged (not replaced)."""
        if state.device_inode != identity or size < state.offset:
            return False
        if not state.offset:
            return True
        start = max(0, state.offset - _FINGERPRINT_BYTES)
        return _fingerprint(os.pread(fd, state.offset - start, start)) == state.fingerprint

    def _read_new(self, fd: int, state: _ReadState, size: int) -> None:
        data = _read_range(fd, state.offset, size - state.offset)
        complete_end = data.rfind(b"\n") + 1
        changed = not state.generation  # a fresh state always gets a generation
        if complete_end:
            for raw in data[:complete_end].split(b"\n")[:-1]:
                state.lines.add(raw)
            state.offset += complete_end
            start = max(0, state.offset - _FINGERPRINT_BYTES)
            state.fingerprint = _fingerprint(os.pread(fd, state.offset - start, start))
            changed = True
        torn = data[complete_end:]
        del data
        tail = _fingerprint(torn) if torn.strip() else ""
        if changed or tail != state.tail_fingerprint:
            # The tail is left unconsumed: a later append ends it with a newline, and it
            # is then read as the whole line it has become.
            state.tail_fingerprint = tail
            state.tail_claim, state.tail_problem = (
                self._read_tail(torn, state) if tail else (None, None)
            )
            changed = True
        if changed:
            state.generation = self._next_generation()

    @staticmethod
    def _read_tail(torn: bytes, state: _ReadState) -> tuple[Claim | None, LedgerProblem | None]:
        """A last line without a newline: a whole event (an editor dropped the final
        newline) is read, anything else is a torn write and is reported."""
        line = len(state.lines.raw) + 1
        try:
            claim = parse_line(torn)
        except _Unreadable:
            return None, LedgerProblem(line, "torn last line (no newline); skipped")
        except InvalidEvent as error:
            return None, LedgerProblem(line, f"{error}; skipped")
        found = _against(claim, line, state.lines.first_with_id(claim.id, line - 1))
        if isinstance(found, LedgerProblem):
            return None, found
        return found, None

    def _freeze(self, state: _ReadState) -> LedgerSnapshot:
        cached = self._snapshot
        if cached is not None and cached.generation == state.generation:
            return cached
        dismissals = list(state.lines.dismissals)
        if isinstance(state.tail_claim, Dismissal):
            dismissals.append(state.tail_claim)
        self._snapshot = LedgerSnapshot(
            path=self.path,
            generation=state.generation,
            dismissals=tuple(dismissals),
            _lines=state.lines,
            _count=len(state.lines.raw),
            _tail_claim=state.tail_claim,
            _tail_problem=state.tail_problem,
        )
        return self._snapshot


def _checked_line(claim: Claim) -> bytes:
    """The ledger line for a claim, refusing one that every reader would skip."""
    try:
        record = encode(claim)
        decode(record)  # exactly what a reader will check
    except InvalidEvent as error:
        raise LedgerError(
            f"refusing to write an invalid event {_shown(claim.id)}: {error}",
            "this is a bug in whatever made the claim; nothing was written",
        ) from None
    try:
        return _dump(record)
    except (TypeError, ValueError) as error:
        raise LedgerError(
            f"cannot write the event {_shown(claim.id)} as JSON: {error}",
            "extra fields must be JSON values (no NaN or Infinity); nothing was written",
        ) from None


def parse_line(raw: bytes) -> Claim:
    """The event on one line; raises _Unreadable or InvalidEvent saying what is wrong."""
    try:
        # Strictly UTF-8 (json.loads would guess UTF-16 or UTF-32 from bytes); a byte
        # order mark, which some Windows editors add, is allowed.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _Unreadable(f"not valid UTF-8 (byte {error.start + 1})") from None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        # The whole message: "Unterminated string starting at: line 1 column 13 (char 12)".
        raise _Unreadable(f"not valid JSON ({error})") from None
    except RecursionError:
        raise _Unreadable("not valid JSON (nested too deeply)") from None
    except ValueError:  # an integer of more digits than int() accepts
        raise _Unreadable("not valid JSON (a number too long)") from None
    return decode(record)


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _refuse_link(path: Path, doing: str, kind: str, error: OSError | None = None) -> None:
    """Raise LedgerError if `path` (the ledger's "file" or its "folder") is a symbolic
    link. After `error`, only when that is how opening it failed: with O_NOFOLLOW, a
    link fails with ELOOP (EMLINK on some BSDs)."""
    if error is not None and error.errno not in (errno.ELOOP, errno.EMLINK):
        return
    if not path.is_symlink():
        return
    raise LedgerError(
        f"refusing to {doing} the ledger: {path} is a symbolic link, and foureyes never "
        "follows one to or in the ledger (a committed link could point anywhere)",
        f"replace the link with a regular {kind} (git rm it, then `foureyes init`)",
    )


def _truncate(fd: int, size: int) -> None:
    with suppress(OSError):  # if even this fails, the next append ends the torn line
        os.ftruncate(fd, size)


def _unreadable(path: Path, error: OSError) -> LedgerError:
    return LedgerError(
        f"cannot read the ledger {path}: {error.strerror or error}",
        "make sure it is a regular file you may read",
    )


def _fingerprint(data: bytes) -> str:
    return content_key(data)


def _read_range(fd: int, offset: int, length: int) -> bytes:
    chunks: list[bytes] = []
    while length > 0:
        chunk = os.pread(fd, min(length, 1 << 20), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        length -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@contextmanager
def _file_lock(fd: int, *, exclusive: bool) -> Iterator[None]:
    """An advisory whole-file lock shared with every other foureyes process."""
    try:
        import fcntl
    except ImportError:  # Windows: msvcrt locks are exclusive only
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
        try:
            yield
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
