"""Checkpoint snapshots and where they are kept: the working tree's text files at one
moment, and `checkpoints/` in the repository's cache that stores them.

Snapshots live under `checkpoints/` in the repository's cache (`Repository.cache_dir`,
in the git directory, so outside the working tree): a small JSON
manifest per open checkpoint, and file contents stored once each by their hash in
`objects/`, so snapshotting a large tree twice costs one copy of what changed. A file
whose size, times and inode are what the last snapshot saw is not read again.

This module must not know what a checkpoint claims (`checkpoint.py`), argv or terminals.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foureyes.core.text import content_key
from foureyes.store.repo import FOUREYES_DIR, MAX_FILE_BYTES, Repository

# A file modified this close to (or after) the moment its stat was taken may have
# changed again within the file system's time resolution: its stat proves nothing.
_RACY_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class FileState:
    """One file as a snapshot saw it: content hash, and the stat that lets us skip it."""

    digest: str
    mtime_ns: int
    ctime_ns: int
    size: int
    inode: int

    def stat_key(self) -> tuple[int, int, int, int]:
        return (self.mtime_ns, self.ctime_ns, self.size, self.inode)


@dataclass(slots=True)
class Snapshot:
    """The working tree's text files at one moment (what `begin` stores)."""

    files: dict[str, FileState] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> why it was not read
    taken_at: float = 0.0  # time.time() when the listing started


# --- the store ----------------------------------------------------------------------------


class Store:
    """`checkpoints/` in the repository's cache: manifests of open checkpoints and the
    content store."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.root = repo.cache_dir / "checkpoints"
        self.objects = self.root / "objects"

    def manifest_path(self, name: str) -> Path:
        return self.root / f"{name}.json"

    def last_seen_path(self) -> Path:
        return self.root / "last-seen.json"

    def put(self, digest: str, data: bytes) -> None:
        target = self.objects / digest[:2] / digest[2:]
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f"{target.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)

    def has(self, digest: str) -> bool:
        return (self.objects / digest[:2] / digest[2:]).is_file()

    def get(self, digest: str) -> bytes | None:
        try:
            return (self.objects / digest[:2] / digest[2:]).read_bytes()
        except FileNotFoundError:
            return None

    def write_json(self, path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, path)

    def read_json(self, path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def prune(self, keep: Iterable[str]) -> None:
        """Drop stored contents no open checkpoint and no stat cache refers to."""
        wanted = set(keep)
        for manifest in self.root.glob("*.json"):
            data = self.read_json(manifest) or {}
            files = data.get("files")
            if isinstance(files, dict):
                wanted.update(entry[0] for entry in files.values() if isinstance(entry, list))
        if not self.objects.is_dir():
            return
        for folder in self.objects.iterdir():
            for stored in folder.iterdir():
                if folder.name + stored.name not in wanted and not stored.name.endswith(".tmp"):
                    stored.unlink(missing_ok=True)


# --- taking a snapshot ------------------------------------------------------------------


def digest_of(data: bytes) -> str:
    return content_key(data, 20)


def list_files(repo: Repository) -> list[str]:
    """Tracked files and untracked files git does not ignore; never foureyes' own."""
    listing = repo.git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    paths = dict.fromkeys(p for p in listing.split("\0") if p)
    return [p for p in paths if p.split("/", 1)[0] != FOUREYES_DIR]


def take_snapshot(repo: Repository, store: Store, previous: Snapshot | None = None) -> Snapshot:
    """Read every text file (reusing `previous` for files whose stat is unchanged)."""
    snapshot = Snapshot(taken_at=time.time())
    for path in list_files(repo):
        state, reason = _read_state(repo, store, path, previous)
        if state is not None:
            snapshot.files[path] = state
        elif reason is not None:
            snapshot.skipped[path] = reason
    return snapshot


def _read_state(
    repo: Repository, store: Store, path: str, previous: Snapshot | None
) -> tuple[FileState | None, str | None]:
    """The file's state (content stored), or None and why not (None: it is not a file)."""
    full = repo.abspath(path)
    try:
        info = full.lstat()
    except FileNotFoundError:
        return None, None  # deleted in the working tree
    if not _is_regular(info.st_mode):
        return None, None  # a symlink, a submodule, a socket: not text we track
    stat_key = (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
    known = previous.files.get(path) if previous else None
    if (
        known is not None
        and previous is not None
        and known.stat_key() == stat_key
        and info.st_mtime_ns / 1e9 < previous.taken_at - _RACY_SECONDS
        and store.has(known.digest)
    ):
        return known, None
    if info.st_size > MAX_FILE_BYTES:
        return None, f"over {MAX_FILE_BYTES // (1024 * 1024)} MiB"
    try:
        data = full.read_bytes()
    except OSError as error:
        return None, f"cannot be read ({error.strerror or error})"
    if b"\0" in data[:8192]:
        return None, "binary"
    digest = digest_of(data)
    store.put(digest, data)
    return FileState(digest, *stat_key), None


def _is_regular(mode: int) -> bool:
    return stat.S_ISREG(mode)


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "taken_at": snapshot.taken_at,
        "files": {
            path: [s.digest, s.mtime_ns, s.ctime_ns, s.size, s.inode]
            for path, s in snapshot.files.items()
        },
        "skipped": snapshot.skipped,
    }


def snapshot_from(data: dict[str, Any]) -> Snapshot:
    snapshot = Snapshot(taken_at=float(data.get("taken_at") or 0.0))
    files = data.get("files")
    if isinstance(files, dict):
        for path, entry in files.items():
            if isinstance(entry, list) and len(entry) == 5:
                snapshot.files[path] = FileState(str(entry[0]), *(int(v) for v in entry[1:]))
    skipped = data.get("skipped")
    if isinstance(skipped, dict):
        snapshot.skipped = {str(k): str(v) for k, v in skipped.items()}
    return snapshot


def last_seen(store: Store) -> Snapshot | None:
    data = store.read_json(store.last_seen_path())
    return snapshot_from(data) if data else None


def last_seen_digests(store: Store) -> set[str]:
    seen = last_seen(store)
    return {state.digest for state in seen.files.values()} if seen else set()
