"""A disk cache for derived data that should outlive a process (blame, jedi's verdicts,
syntax facts), under `.foureyes/cache/NAME`.

Derived data only: ignored by git (even where `foureyes init` never ran), safe to
delete, and any failure (read-only checkout, full disk, locked database) only costs
speed, never an error. Must not know what is stored.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class DiskStore:
    def __init__(self, cache_dir: Path, name: str, size_limit: int = 256 * 2**20) -> None:
        self.cache_dir = cache_dir
        self.name = name
        self.size_limit = size_limit
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
        if cache is not None:
            with contextlib.suppress(Exception):
                cache.set(key, value)

    def set_many(self, items: Sequence[tuple[tuple[object, ...], object]]) -> None:
        """Several entries in one transaction (one commit to disk instead of many)."""
        cache = self._open()
        if cache is None or not items:
            return
        with contextlib.suppress(Exception), cache.transact():
            for key, value in items:
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
                self._cache = diskcache.Cache(
                    str(self.cache_dir / self.name), size_limit=self.size_limit
                )
            except Exception:
                self._cache = None
            return self._cache
