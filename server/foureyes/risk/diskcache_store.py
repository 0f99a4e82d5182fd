"""A disk cache for risk facts that outlive a process: syntax facts by region
content and rules version, jedi's verdicts on imports by environment.

A command line run or a CI job starts cold; without this, every run would re-ask
jedi about every import. Derived data only: under `.foureyes/cache/risk`, ignored
by git, safe to delete. Any failure only costs speed. Must not know about scores.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

_SIZE_LIMIT = 256 * 2**20


class DiskStore:
    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._cache: Any = None
        self._opened = False

    def get(self, key: tuple[object, ...]) -> Any:
        cache = self._open()
        if cache is None:
            return None
        try:
            return cache.get(key)
        except Exception:
            return None

    def set(self, key: tuple[object, ...], value: object) -> None:
        cache = self._open()
        if cache is None:
            return
        with contextlib.suppress(Exception):  # a full or read-only disk only costs speed
            cache.set(key, value)

    def _open(self) -> Any:
        with self._lock:
            if self._opened:
                return self._cache
            self._opened = True
            try:
                import diskcache

                self.cache_dir.mkdir(parents=True, exist_ok=True)
                # Keeps the cache out of `git status` even where `foureyes init` never ran.
                ignore = self.cache_dir / ".gitignore"
                if not ignore.exists():
                    ignore.write_text("*\n", encoding="utf-8")
                self._cache = diskcache.Cache(str(self.cache_dir / "risk"), size_limit=_SIZE_LIMIT)
            except Exception:
                self._cache = None
            return self._cache
