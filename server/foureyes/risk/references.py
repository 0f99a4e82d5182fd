"""Blast radius: how many places use what an AI region defines (Python, with jedi).

A function that forty call sites depend on deserves more care than a helper nobody
calls yet. jedi finds the references; this is slow (it reads the project), so it
only runs in the slow tier, a few definitions per region, cached until the file's
text or the repository's index changes. Must not know about scores or regions.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from foureyes.repo import Repository, file_stamp

# Counting references for every function of a large region would take seconds.
MAX_DEFINITIONS = 3


class References:
    """Reference counts for one repository. Thread-safe."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.root = repo.root
        self._lock = threading.Lock()
        self._counts: dict[tuple[object, ...], int] = {}

    def count(
        self,
        path: str,
        text: str,
        definitions: Sequence[tuple[str, int, int]],
        region: tuple[int, int],
    ) -> list[tuple[str, int]]:
        """(name, references) for up to MAX_DEFINITIONS definitions at (name, 1-based
        line, 0-based column) in `text`, not counting definitions, imports, or uses
        inside the region (first and last line, 1-based) itself."""
        stamp = file_stamp(self.repo.git_dir / "index")
        found: list[tuple[str, int]] = []
        for name, line, column in definitions[:MAX_DEFINITIONS]:
            key = (path, hash(text), name, line, column, stamp)
            with self._lock:
                cached = self._counts.get(key)
            if cached is None:
                cached = self._jedi_count(path, text, line, column, region)
                with self._lock:
                    self._counts[key] = cached
            found.append((name, cached))
        return found

    def _jedi_count(
        self, path: str, text: str, line: int, column: int, region: tuple[int, int]
    ) -> int:
        import jedi  # slow to import; only the slow tier gets here

        try:
            script = jedi.Script(
                code=text, path=str(self.root / path), project=jedi.Project(str(self.root))
            )
            references = script.get_references(line, column)
        except Exception:
            return 0  # when jedi cannot tell, the region is not blamed for it
        target = (self.root / path).resolve()
        count = 0
        for reference in references:
            if reference.is_definition():
                continue
            here = reference.module_path is not None and Path(reference.module_path) == target
            if here and region[0] <= (reference.line or 0) <= region[1]:
                continue
            count += 1
        return count
