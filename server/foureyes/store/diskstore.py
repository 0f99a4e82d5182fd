"""A disk cache for derived data that should outlive a process (blame, jedi's verdicts,
syntax facts), under `Repository.cache_dir / NAME` (in the git directory).

Derived data only: outside the working tree, safe to delete, and any failure
(read-only checkout, full disk, locked database, a corrupt or foreign file) only
costs speed, never an error. Must not know what is stored.

JSON only, never pickle: keys and values are JSON-encoded, and values are stored as
text in the database itself. Reading a cache must never run code, whoever wrote it,
so the diskcache `Disk` used here refuses every row it did not write that way: a
pickled row (diskcache's default for anything but str, bytes and numbers), a value
kept in a file, a pickled key. Such a row, or a value that is not valid JSON, reads
as a miss. Callers store JSON-compatible data (dicts, lists, str, numbers, bools,
None) and check the shape of what they get back.

Reads do not load diskcache: they run diskcache's own fast-path query on the database
with sqlite3 and accept only the rows this module writes (raw text, no file), so a
process that only reads (a warm `foureyes blame`) spares importing diskcache and
opening its caches (about 40 ms). Writes go through diskcache, which keeps the size
limit.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_MISS = object()


class DiskStore:
    def __init__(self, cache_dir: Path, name: str, size_limit: int = 256 * 2**20) -> None:
        self.cache_dir = cache_dir
        self.name = name
        self.size_limit = size_limit
        self._lock = threading.Lock()
        self._cache: Any = None
        self._opened = False
        self._reader: sqlite3.Connection | None = None
        self._read_lock = threading.Lock()

    def get(self, key: tuple[object, ...]) -> Any:
        """The JSON value stored under `key`, decoded; None for a miss (or any failure)."""
        try:
            with self._read_lock:
                reader = self._reading()
                if reader is None:
                    return None
                rows = reader.execute(_SELECT, (_key(key), time.time())).fetchall()
            if len(rows) != 1:
                return None
            ((mode, filename, text),) = rows
            if mode != _MODE_RAW or filename is not None or type(text) is not str:
                return None  # a row foureyes did not write: a miss, never unpickled
            return json.loads(text)
        except Exception:
            return None

    def _reading(self) -> sqlite3.Connection | None:
        """A plain sqlite3 connection to the database, once it exists (reading never
        creates it: diskcache does, with its tables, on the first write)."""
        if self._reader is None:
            database = self.cache_dir / self.name / _DATABASE
            if not database.is_file():
                return None
            self._reader = sqlite3.connect(
                str(database), timeout=5, isolation_level=None, check_same_thread=False
            )
        return self._reader

    def set(self, key: tuple[object, ...], value: object) -> None:
        """Store a JSON-compatible value; one that is not is silently not stored."""
        cache = self._open()
        if cache is not None:
            with contextlib.suppress(Exception):
                cache.set(_key(key), _value(value))

    def set_many(self, items: Sequence[tuple[tuple[object, ...], object]]) -> None:
        """Several entries in one transaction (one commit to disk instead of many)."""
        cache = self._open()
        if cache is None or not items:
            return
        with contextlib.suppress(Exception):
            encoded = [(_key(key), _value(value)) for key, value in items]
            with cache.transact():
                for key, value in encoded:
                    cache.set(key, value)

    def _open(self) -> Any:
        with self._lock:
            if self._opened:
                return self._cache
            self._opened = True
            try:
                import diskcache

                self.cache_dir.mkdir(parents=True, exist_ok=True)
                self._cache = diskcache.Cache(
                    str(self.cache_dir / self.name),
                    size_limit=self.size_limit,
                    disk=_jsondisk(diskcache),
                )
            except Exception:
                self._cache = None
            return self._cache


_DATABASE = "cache.db"  # diskcache's file in its directory
_MODE_RAW = 1  # diskcache.core.MODE_RAW: the value is the row's own text
# diskcache's own query for `Cache.get` (its fast path: no statistics, and the eviction
# policy foureyes uses, least recently stored, updates nothing on a read).
_SELECT = (
    "SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = 1"
    " AND (expire_time IS NULL OR expire_time > ?)"
)


def _key(key: tuple[object, ...]) -> str:
    return json.dumps(key, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


_DISK: Any = None


def _jsondisk(diskcache: Any) -> Any:
    """The `diskcache.Disk` subclass that only ever reads what it wrote: text rows."""
    global _DISK
    if _DISK is not None:
        return _DISK
    Disk = diskcache.Disk
    raw = diskcache.core.MODE_RAW

    class JsonDisk(Disk):  # type: ignore[valid-type,misc]  # diskcache ships no types
        """Keys and values are str (JSON text), kept in the database row itself."""

        def __init__(self, directory: str, **_settings: object) -> None:
            # Settings come from the database too; none of them may change how values
            # are kept (no files, no pickle protocol).
            super().__init__(directory, min_file_size=2**62, pickle_protocol=0)

        def put(self, key: object) -> tuple[object, bool]:
            if type(key) is not str:
                raise TypeError("foureyes' disk cache keys are JSON text")
            return key, True

        def get(self, key: object, raw: bool) -> object:
            if not raw or type(key) is not str:
                raise ValueError("a cache key foureyes did not write (not JSON text)")
            return key

        def store(self, value: object, read: bool, key: object = None) -> tuple[Any, ...]:
            if read or type(value) is not str:
                raise TypeError("foureyes' disk cache values are JSON text")
            return 0, raw, None, value

        def fetch(self, mode: int, filename: object, value: object, read: bool) -> object:
            # Never diskcache's own fetch: it unpickles MODE_PICKLE rows and opens the
            # file a row names. A row foureyes did not write is a miss.
            if mode != raw or filename is not None or type(value) is not str or read:
                return _MISS
            return value

        def remove(self, file_path: str) -> None:
            pass  # this disk never writes files; a row naming one is not ours to delete

    _DISK = JsonDisk
    return JsonDisk
