"""Git objects by id through one long-running `git cat-file --batch`: one git start-up
for a whole check or a whole history answer, not one per object.

The process is started by `Repository.git_process`, the one place foureyes starts
git. This module knows cat-file's batch protocol; it must not know what the objects
hold (commits, notes, files) or who asks.
"""

from __future__ import annotations

import atexit
import contextlib
import subprocess
import threading
from collections.abc import Sequence

from foureyes.core.errors import EnvironmentProblem
from foureyes.store.repo import Repository


class BlobReader:
    """Raw objects of one repository, read by a `git cat-file --batch` it starts when
    first asked and restarts after a failure; thread-safe (requests take turns)."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None

    def read_all(self, object_ids: Sequence[str]) -> dict[str, bytes | None]:
        """Raw objects by id (or `rev:path`); None for one git does not have."""
        return {object_id: self.read(object_id) for object_id in object_ids}

    def read(self, object_id: str) -> bytes | None:
        """One raw object; None when git does not have it (or git failed: a broken pipe
        starts a fresh process on the next request)."""
        with self.lock:
            try:
                return self._one(object_id)
            except (OSError, ValueError, EnvironmentProblem):
                self._stop()
                return None

    def _one(self, object_id: str) -> bytes | None:
        process = self.process
        if process is None or process.poll() is not None:
            process = self.process = self.repo.git_process("cat-file", "--batch")
            atexit.register(self._stop)
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(object_id.encode() + b"\n")
        process.stdin.flush()
        header = process.stdout.readline().split()
        if not header:
            raise ValueError("git cat-file stopped")
        if header[-1] == b"missing" or len(header) < 3:
            return None
        size = int(header[2])
        data = process.stdout.read(size + 1)
        if len(data) != size + 1:
            raise ValueError("git cat-file stopped mid-object")
        return data[:-1]

    def _stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if process.stdin:
                process.stdin.close()
            process.wait(timeout=5)
