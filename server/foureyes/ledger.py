"""The ledger: an append-only JSON Lines log of claims that lives inside the repository.

Writing is atomic and locked: each append takes an exclusive lock on the file, repairs
a torn last line left by a crashed writer (by ending it), and writes whole lines in
one call. Reading is tolerant and incremental: a torn or invalid line is reported
with its line number and skipped, unknown fields are kept, and a second read only
parses what was appended since the first. The format is documented in
docs/ledger-format.md and is a public contract.

This module knows claims and bytes; it must not know about anchoring, git or faces.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from foureyes.errors import LedgerError
from foureyes.model import (
    CLAIM_TYPES,
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

FORMAT_VERSION = 1
_COMMON_FIELDS = frozenset({"v", "id", "kind", "at", "by", "path", "anchor"})
# Kind-specific fields, in the order they are written.
_KIND_FIELDS: Mapping[type[Claim], tuple[str, ...]] = {
    AiAuthorship: ("agent", "model", "session", "source", "confidence", "replaced"),
    HumanAuthorship: ("source", "note"),
    ReviewRequest: ("reviewers", "note"),
    Approval: ("note", "signature"),
    ChangesRequested: ("note",),
    Dismissal: ("targets", "reason"),
}


def new_id() -> str:
    """A random event id: 20 hex digits, collision-free for any realistic ledger."""
    return secrets.token_hex(10)


def now() -> datetime:
    return datetime.now(UTC)


# --- encoding -------------------------------------------------------------------------


def encode(claim: Claim) -> dict[str, Any]:
    """The JSON object for a claim; unknown fields it was read with are written back."""
    record: dict[str, Any] = {
        "v": FORMAT_VERSION,
        "id": claim.id,
        "kind": claim.KIND,
        "at": claim.at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
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
    for name in _KIND_FIELDS[type(claim)]:
        value = getattr(claim, name)
        if value is not None:
            record[name] = list(value) if isinstance(value, tuple) else value
    for name, value in claim.extra.items():
        record.setdefault(name, value)
    return record


def encode_line(claim: Claim) -> bytes:
    text = json.dumps(encode(claim), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


class InvalidEvent(ValueError):
    """A ledger line that is JSON but not a valid event; the message says why."""


def decode(record: object) -> Claim:
    """A claim from a JSON object; raises InvalidEvent naming the field that is wrong."""
    if not isinstance(record, dict):
        raise InvalidEvent("an event must be a JSON object")
    version = record.get("v")
    if not isinstance(version, int) or version < 1:
        raise InvalidEvent('"v" (format version) must be a positive integer')
    kind = record.get("kind")
    cls = CLAIM_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidEvent(f'unknown "kind" {kind!r}')
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
    except ValueError:
        raise InvalidEvent(f'"at" is not an ISO 8601 time: {raw!r}') from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
    if not isinstance(line, int) or line < 1:
        raise InvalidEvent('"anchor.line" must be a positive integer')
    parts: dict[str, tuple[str, ...]] = {}
    for name in ("lines", "exact", "before", "after"):
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


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """Every valid event in the ledger at one moment, in file order."""

    path: Path
    claims: tuple[Claim, ...]
    problems: tuple[LedgerProblem, ...]
    generation: int  # changes whenever the content read changes; a cache key
    dismissed: frozenset[str]  # ids of events that a dismissal withdrew
    _by_path: dict[str, tuple[AnchoredClaim, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def for_path(self, path: str) -> tuple[AnchoredClaim, ...]:
        if not self._by_path and self.claims:
            grouped: dict[str, list[AnchoredClaim]] = {}
            for claim in self.claims:
                if isinstance(claim, AnchoredClaim):
                    grouped.setdefault(claim.path, []).append(claim)
            self._by_path.update({k: tuple(v) for k, v in grouped.items()})
        return self._by_path.get(path, ())

    def paths(self) -> list[str]:
        self.for_path("")
        return sorted(self._by_path)


@dataclass(slots=True)
class _ReadState:
    device_inode: tuple[int, int] = (0, 0)
    offset: int = 0  # bytes consumed (always just after a newline)
    lines: int = 0  # lines consumed
    fingerprint: bytes = b""  # hash of the bytes just before `offset`
    claims: list[Claim] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    dismissed: set[str] = field(default_factory=set)
    problems: list[LedgerProblem] = field(default_factory=list)
    generation: int = 0


_FINGERPRINT_BYTES = 4096


class Ledger:
    """One ledger file. Safe to share between threads; many processes may append at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._state = _ReadState()
        self._generation = 0

    # --- writing ---

    def append(self, claims: Iterable[Claim]) -> None:
        """Append events atomically: all of them land, as whole lines, or none do."""
        data = b"".join(encode_line(claim) for claim in claims)
        if not data:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as error:
            raise LedgerError(f"cannot open the ledger {self.path} for writing: {error}") from None
        try:
            with _file_lock(fd, exclusive=True):
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    data = b"\n" + data  # end a torn line so ours stays whole
                _write_all(fd, data)
                os.fsync(fd)
        except OSError as error:
            raise LedgerError(f"cannot append to the ledger {self.path}: {error}") from None
        finally:
            os.close(fd)

    # --- reading ---

    def snapshot(self) -> LedgerSnapshot:
        """The ledger as it is now; parses only what was appended since the last call."""
        with self._lock:
            state = self._state
            try:
                fd = os.open(self.path, os.O_RDONLY)
            except FileNotFoundError:
                if state.offset or state.problems:
                    self._state = state = _ReadState(generation=self._next_generation())
                return self._freeze(state, ())
            try:
                with _file_lock(fd, exclusive=False):
                    info = os.fstat(fd)
                    identity = (info.st_dev, info.st_ino)
                    if not self._continues(fd, state, identity, info.st_size):
                        state = _ReadState(device_inode=identity)
                    tail_problems = self._read_new(fd, state, info.st_size)
            finally:
                os.close(fd)
            self._state = state
            return self._freeze(state, tail_problems)

    def _next_generation(self) -> int:
        self._generation += 1
        return self._generation

    def _continues(self, fd: int, state: _ReadState, identity: tuple[int, int], size: int) -> bool:
        if state.device_inode != identity or size < state.offset:
            return False
        if not state.offset:
            return True
        start = max(0, state.offset - _FINGERPRINT_BYTES)
        return _fingerprint(os.pread(fd, state.offset - start, start)) == state.fingerprint

    def _read_new(self, fd: int, state: _ReadState, size: int) -> tuple[LedgerProblem, ...]:
        if size == state.offset:
            if not state.generation:
                state.generation = self._next_generation()
            return ()
        data = _read_range(fd, state.offset, size - state.offset)
        complete_end = data.rfind(b"\n") + 1
        complete, torn = data[:complete_end], data[complete_end:]
        if complete:
            for raw in complete.split(b"\n")[:-1]:
                state.lines += 1
                self._ingest(raw, state)
            state.offset += complete_end
            start = max(0, state.offset - _FINGERPRINT_BYTES)
            state.fingerprint = _fingerprint(os.pread(fd, state.offset - start, start))
            state.generation = self._next_generation()
        elif not state.generation:
            state.generation = self._next_generation()
        if torn.strip():
            # Left unconsumed: a later append ends it, and it is then reported as invalid.
            return (LedgerProblem(state.lines + 1, "torn last line (no newline); skipped"),)
        return ()

    @staticmethod
    def _ingest(raw: bytes, state: _ReadState) -> None:
        if not raw.strip():
            return
        try:
            claim = decode(json.loads(raw))
        except (UnicodeDecodeError, json.JSONDecodeError):
            state.problems.append(LedgerProblem(state.lines, "not valid JSON; skipped"))
            return
        except InvalidEvent as error:
            state.problems.append(LedgerProblem(state.lines, f"{error}; skipped"))
            return
        if claim.id in state.ids:
            return  # the same event merged in twice (a union merge of two branches)
        state.ids.add(claim.id)
        state.claims.append(claim)
        if isinstance(claim, Dismissal):
            state.dismissed.update(claim.targets)

    def _freeze(self, state: _ReadState, tail: Sequence[LedgerProblem]) -> LedgerSnapshot:
        return LedgerSnapshot(
            path=self.path,
            claims=tuple(state.claims),
            problems=(*state.problems, *tail),
            generation=state.generation,
            dismissed=frozenset(state.dismissed),
        )


def _fingerprint(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


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
