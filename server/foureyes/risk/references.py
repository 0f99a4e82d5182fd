"""Blast radius: how many places use what an AI region defines (Python, with jedi).

A function that forty call sites depend on deserves more care than a helper nobody
calls yet. jedi finds the references; this is slow (it reads the project), so it
only runs in the slow tier, a few definitions per region, cached until the file's
lines that mention what it counts or the repository's index change, and only for
names mentioned often enough to matter (one `git grep` tells). Must not know
about scores or regions.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path

from foureyes.core.errors import EnvironmentProblem
from foureyes.core.lru import Lru
from foureyes.core.text import content_key
from foureyes.risk.catalog import BLAST_RADIUS_FLOOR
from foureyes.store.diskstore import DiskStore
from foureyes.store.repo import Repository, file_stamp

# Counting references for every function of a large region would take seconds.
MAX_DEFINITIONS = 3
_IDENTIFIER = re.compile(r"\w")


class References:
    """Reference counts for one repository. Thread-safe.

    A count is keyed by what it can depend on: the name, the lines of the file that
    mention it (each with whether it lies in the region), and the repository's index
    (other files). So typing anywhere else in the file, or moving the region, costs
    no jedi work, and a later process reuses the count from disk.
    """

    def __init__(self, repo: Repository, disk: DiskStore | None = None) -> None:
        self.repo = repo
        self.root = repo.root
        self.disk = disk
        self._lock = threading.Lock()
        self._counts: Lru[str, int] = Lru(8192)
        self.generation = 0  # grows with every count learned (see Assessor.generation)

    def count(
        self,
        path: str,
        text: str,
        definitions: Sequence[tuple[str, int, int]],
        region: tuple[int, int],
        *,
        known_only: bool = False,
    ) -> list[tuple[str, int]] | None:
        """(name, references) for up to MAX_DEFINITIONS definitions at (name, 1-based
        line, 0-based column) in `text`, not counting definitions, imports, or uses
        inside the region (first and last line, 1-based) itself. With `known_only`,
        jedi is not asked: None unless every count is already known."""
        stamp = file_stamp(self.repo.git_dir / "index")
        found: list[tuple[str, int]] = []
        for name, line, column in definitions[:MAX_DEFINITIONS]:
            key = self._key(path, text, name, line, region, stamp)
            cached = self._counts.get(key)
            if cached is None and self.disk is not None:
                remembered = self.disk.get(("references", key))
                cached = remembered if type(remembered) is int else None
            if cached is None and known_only:
                return None
            if cached is None:
                mentions = self._mentions(path, text, name, line, region)
                if mentions is not None and mentions < BLAST_RADIUS_FLOOR:
                    cached = mentions  # jedi could only find fewer: no weight either way
                else:
                    cached = self._jedi_count(path, text, line, column, region)
                if self.disk is not None:
                    self.disk.set(("references", key), cached)
            if self._counts.get(key) is None:
                with self._lock:
                    self.generation += 1
            self._counts.put(key, cached)
            found.append((name, cached))
        return found

    def _key(
        self,
        path: str,
        text: str,
        name: str,
        line: int,
        region: tuple[int, int],
        stamp: tuple[int, ...] | None,
    ) -> str:
        """What jedi's count for `name` reads in this file: every line that mentions the
        name as a word, whether it is the definition's own line, and whether it lies in
        the region (uses there are not counted)."""
        mentions = _mentions_in(text, name, line, region)
        seed = json.dumps([path, name, mentions, list(stamp) if stamp else None])
        return content_key(seed)

    def _mentions(
        self, path: str, text: str, name: str, line: int, region: tuple[int, int]
    ) -> int | None:
        """How often `name` occurs as a word where a reference could be: in the other
        Python files (one `git grep`, tracked and untracked ones) and in `text` outside
        its definition's line and the region. Every reference jedi finds is one of
        these, so few mentions means few references, and jedi, which reads and infers
        each candidate file, is not needed: below the floor the mention count stands in
        for the count (an upper bound; both add no weight). None when git cannot tell."""
        try:
            # Exit code 1 is "no match", which a new name not saved yet often has.
            found = self.repo.git(
                "grep", "-o", "-w", "-F", "--untracked", "-I", "-e", name,
                "--", "*.py", "*.pyi", ok=(0, 1),
            )  # fmt: skip
        except EnvironmentProblem:
            return None  # git cannot tell: let jedi decide
        here = f"{path}:"
        elsewhere = sum(1 for hit in found.splitlines() if not hit.startswith(here))
        mentions = _mentions_in(text, name, line, region)
        return elsewhere + sum(1 for _, own, inside in mentions if not own and not inside)

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


def _mentions_in(
    text: str, name: str, line: int, region: tuple[int, int]
) -> list[tuple[str, bool, bool]]:
    """Each occurrence of `name` as a word in `text`: its line's content, whether that is
    the definition's line (`line`, 1-based), and whether it lies in `region`."""
    mentions: list[tuple[str, bool, bool]] = []
    number, counted = 1, 0  # line numbers by counting breaks once, left to right
    at = text.find(name) if name else -1
    while at != -1:
        end = at + len(name)
        before = text[at - 1] if at else " "
        after = text[end] if end < len(text) else " "
        if not _IDENTIFIER.match(before) and not _IDENTIFIER.match(after):
            number += text.count("\n", counted, at)
            counted = at
            line_start = text.rfind("\n", 0, at) + 1
            line_end = text.find("\n", at)
            content = text[line_start : line_end if line_end != -1 else len(text)]
            mentions.append((content, number == line, region[0] <= number <= region[1]))
        at = text.find(name, end)
    return mentions
