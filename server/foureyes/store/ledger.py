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

The line codec is `ledger_codec.py`, the lines read and their snapshots
`ledger_snapshot.py`. This module knows the file: opening it without following
links, locking, appending, and reading what was appended since; it must not know
about anchoring, git or faces.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from foureyes.core.errors import LedgerError
from foureyes.core.model import Claim, Dismissal
from foureyes.core.text import content_key
from foureyes.store.ledger_codec import InvalidEvent, Unreadable, checked_line, parse_line
from foureyes.store.ledger_snapshot import LedgerProblem, LedgerSnapshot, Lines, against_earlier


def new_id() -> str:
    """A random event id: 20 hex digits, collision-free for any realistic ledger."""
    # secrets.token_hex(10) is exactly this; importing secrets (random, hmac, base64)
    # would cost every agent hook's process a few milliseconds.
    return os.urandom(10).hex()


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _ReadState:
    device_inode: tuple[int, int] = (0, 0)
    offset: int = 0  # bytes consumed (always just after a newline)
    fingerprint: str = ""  # hash of the bytes just before `offset`
    lines: Lines = field(default_factory=Lines)
    generation: int = 0
    # The last line when it has no newline yet: never consumed, re-read every time.
    tail_fingerprint: str = ""  # hash of those bytes; empty when there are none
    tail_claim: Claim | None = None  # a whole event that only lacks its newline
    tail_problem: LedgerProblem | None = None

    @property
    def empty(self) -> bool:
        return not (self.offset or self.tail_fingerprint)


_FINGERPRINT_BYTES = 4096


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
        data = b"".join(checked_line(claim) for claim in claims)
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
        except Unreadable:
            return None, LedgerProblem(line, "torn last line (no newline); skipped")
        except InvalidEvent as error:
            return None, LedgerProblem(line, f"{error}; skipped")
        found = against_earlier(claim, line, state.lines.first_with_id(claim.id, line - 1))
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
