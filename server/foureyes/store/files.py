"""Where the engine reads file text and the ledger from: the working tree, or a commit.

The editor and a developer's `check` judge the working tree. In CI the gate judges the
commits of a change: the working tree there is only what a checkout made of them, and
a change's own `.gitattributes` (`working-tree-encoding`, filters) can make that
differ from the committed bytes. So `Commit` reads every file and the ledger from git
objects (one long-running `git cat-file --batch`: `catfile.BlobReader`), and
`WorkingTree` reads the disk.

Both decode text the same way (`repo.decode_text`): UTF-8, strictly. Text that is binary,
huge or not UTF-8 is a UsageError naming the file; callers that judge AI code must
treat that as "cannot be checked" (a failure), never as "nothing to check". This
module knows git objects and file systems; it must not know about claims or faces.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol

from foureyes.core.errors import EnvironmentProblem, UsageError
from foureyes.core.text import content_key
from foureyes.store.catfile import BlobReader
from foureyes.store.repo import FOUREYES_DIR, LEDGER_NAME, Repository, decode_text, file_stamp

LEDGER_RELPATH = f"{FOUREYES_DIR}/{LEDGER_NAME}"
_SYMLINK_MODE = "120000"


class Files(Protocol):
    """What the engine needs of a tree of files."""

    label: str  # for messages: "the working tree", "commit 1a2b3c4"

    def read_text(self, path: str) -> str: ...
    def is_file(self, path: str) -> bool: ...
    def stamp(self, path: str) -> object: ...
    def ledger_file(self) -> Path: ...


class WorkingTree:
    """The files on disk, as the editor and a local `check` see them."""

    label = "the working tree"

    def __init__(self, repo: Repository) -> None:
        self.repo = repo

    def read_text(self, path: str) -> str:
        return self.repo.read_text(path)

    def is_file(self, path: str) -> bool:
        return self.repo.abspath(path).is_file()

    def stamp(self, path: str) -> object:
        return file_stamp(self.repo.abspath(path))

    def ledger_file(self) -> Path:
        return self.repo.ledger_path


class Commit:
    """The files of one commit, read from git objects, never from the working tree."""

    def __init__(self, repo: Repository, rev: str = "HEAD") -> None:
        self.repo = repo
        try:
            self.commit = repo.git("rev-parse", "--verify", "-q", f"{rev}^{{commit}}").strip()
        except EnvironmentProblem:
            self.commit = ""
        if not self.commit:
            raise UsageError(f"{rev} is not a commit; there is nothing committed to check")
        self.label = f"commit {self.commit[:10]}"
        listing = repo.git("ls-tree", "-r", "-z", "--full-tree", self.commit)
        self._blobs: dict[str, str] = {}
        self._links: set[str] = set()
        for entry in listing.split("\0"):
            meta, _, name = entry.partition("\t")
            parts = meta.split()
            if len(parts) != 3 or parts[1] != "blob":
                continue
            if parts[0] == _SYMLINK_MODE:
                self._links.add(name)
            else:
                self._blobs[name] = parts[2]
        self._reader = BlobReader(repo)
        self._ledger: Path | None = None
        self._lock = threading.Lock()

    def read_bytes(self, path: str) -> bytes | None:
        """A file's committed bytes; None when the commit has no such regular file."""
        blob = self._blobs.get(path)
        return self._reader.read(blob) if blob is not None else None

    def read_text(self, path: str) -> str:
        if path in self._links:
            raise UsageError(f"{path} is a symbolic link in {self.label}; it holds no code")
        blob = self._blobs.get(path)
        if blob is None:
            raise UsageError(f"{path} does not exist in {self.label}")
        data = self._reader.read(blob)
        if data is None:
            raise EnvironmentProblem(f"git cannot read {path} in {self.label}")
        return decode_text(path, data, self.label)

    def is_file(self, path: str) -> bool:
        return path in self._blobs

    def stamp(self, path: str) -> object:
        return self._blobs.get(path)

    def ledger_file(self) -> Path:
        """The commit's ledger bytes, copied to the cache (the Ledger reads files).

        A ledger that is a symbolic link in the commit is refused: the gate never
        follows a link a change committed."""
        with self._lock:
            if self._ledger is not None:
                return self._ledger
            parts = LEDGER_RELPATH.split("/")
            for depth in range(1, len(parts) + 1):
                name = "/".join(parts[:depth])
                if name in self._links:
                    kind = "file" if name == LEDGER_RELPATH else "folder"
                    raise UsageError(
                        f"{name} is a symbolic link in {self.label}; the gate reads only a "
                        "regular ledger file in a regular folder",
                        f"replace it with a regular {kind} (git rm {name})",
                    )
            blob = self._blobs.get(LEDGER_RELPATH)
            data = self._reader.read(blob) if blob else b""
            if data is None:
                raise EnvironmentProblem(f"git cannot read {LEDGER_RELPATH} in {self.label}")
            folder = self.repo.cache_dir / "commits"
            folder.mkdir(parents=True, exist_ok=True)
            name = content_key(data, 12)
            target = folder / f"ledger-{name}.jsonl"
            if not target.exists():
                partial = target.with_suffix(".part")
                partial.write_bytes(data)
                partial.replace(target)
            self._ledger = target
            return target
