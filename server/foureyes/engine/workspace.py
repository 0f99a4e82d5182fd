"""The workspace questions: which paths a record may name, which ledger paths were
renamed, what the current change touched, and which claims lost their code to a move
(and where it went).

Each answer is derived from one `Inputs` revision (plus, for moves, the stat of the
changed files) and cached under it. Must not know about review state, risk or how a
report is put together; it asks the engine for reports through a callable.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import PurePosixPath

from foureyes.core.anchor import line_hash
from foureyes.core.errors import EnvironmentProblem, UsageError
from foureyes.core.lru import Lru
from foureyes.core.model import AiAuthorship, AnchoredClaim, Approval, FileReport
from foureyes.core.text import content_key, split_lines
from foureyes.engine.authorship import AI_LIKE, Authorship, live
from foureyes.engine.inputs import Inputs
from foureyes.engine.review_state import approval_damage
from foureyes.rules.policy import Policy
from foureyes.sources.history import history_paths
from foureyes.store.base import resolve_base
from foureyes.store.diskstore import DiskStore
from foureyes.store.files import LEDGER_RELPATH, Files
from foureyes.store.repo import Repository

# How long the claimed files' stats stay good for moved-code detection: asking on every
# report (every keystroke) would stat every file the ledger names each time.
_RESTAT = 1.0

Report = Callable[[str, str], FileReport]


class Workspace:
    """Answers about one repository's files and change. Thread-safe."""

    def __init__(
        self, repo: Repository, files: Files, disk: DiskStore, authorship: Authorship
    ) -> None:
        self.repo = repo
        self.files = files
        self._disk = disk
        self._authorship = authorship
        self._lock = threading.Lock()
        self._inside_paths: Lru[str, bool] = Lru(65536)
        # One entry each: the answer for the latest revision.
        self._renamed: tuple[int, dict[str, str]] | None = None
        self._branch: tuple[int, frozenset[str]] | None = None
        self._orphans: tuple[tuple[object, ...], tuple[AnchoredClaim, ...]] | None = None
        self._orphans_checked = 0.0

    def inside(self, path: str) -> bool:
        """Whether a path some record names is a file of this working tree: ledger lines,
        trace records and a change's file list are untrusted, and `../x`, `/etc/x`,
        `.git/x` or a link that leads out of the tree are never read."""
        known = self._inside_paths.get(path)
        if known is not None:
            return known
        parts = PurePosixPath(path).parts
        if not parts or parts[0] in ("/", ".git") or ".." in parts or "\0" in path:
            inside = False
        else:
            try:
                inside = self.repo.abspath(path).resolve().is_relative_to(self.repo.root)
            except (OSError, RuntimeError):
                inside = False
        self._inside_paths.put(path, inside)
        return inside

    def disk_text(self, path: str) -> str | None:
        if not self.inside(path):
            return None
        try:
            return self.files.read_text(path)
        except UsageError:
            return None

    def renamed(self, inputs: Inputs) -> dict[str, str]:
        """Ledger paths that no longer exist -> their current names, as git recorded.

        Asked on every report (every keystroke), so it is worked out once per inputs
        revision, not with a stat of every ledger path each time."""
        with self._lock:
            if self._renamed is not None and self._renamed[0] == inputs.revision:
                return self._renamed[1]
        renamed: dict[str, str] = {}
        for old in inputs.snapshot.paths():
            if not self.files.is_file(old):
                current = self.repo.current_name(old)
                if current is not None:
                    renamed[old] = current
        with self._lock:
            self._renamed = (inputs.revision, renamed)
        return renamed

    def claims_for(self, path: str, inputs: Inputs) -> tuple[AnchoredClaim, ...]:
        """Claims recorded for `path`, and for names it had before a rename git knows of."""
        renamed = self.renamed(inputs)
        names = [path, *(old for old, current in renamed.items() if current == path)]
        return inputs.snapshot.for_paths(names)

    def history_files(self, policy: Policy) -> set[str]:
        """Current names of the files history may attribute AI lines to."""
        if not policy.history:
            return set()
        return {
            path if self.files.is_file(path) else self.repo.current_name(path) or path
            for path in history_paths(self.repo, policy.ai_markers)
        }

    # --- what the change touched ---

    def changed_files(self, inputs: Inputs) -> frozenset[str]:
        """What the current change touched: the gate's files (`Engine.judge_change`),
        else the branch's commits since the merge-base with the default branch (as
        `check` without arguments picks it) plus the working tree's changes as last
        listed by a whole-repository question (`Engine.tracked_paths`). A report runs
        no git for this while HEAD and the default branch stay where they were (the
        branch's files are kept in the disk cache)."""
        if inputs.judged is not None:
            return inputs.judged
        return self._branch_changes(inputs) | inputs.worktree

    def _branch_changes(self, inputs: Inputs) -> frozenset[str]:
        stamp = inputs.branch
        with self._lock:
            branch = self._branch
        if stamp is not None and branch is not None and branch[0] == inputs.revision:
            return branch[1]
        remembered = self._disk.get(("branch-changes", *stamp)) if stamp is not None else None
        if isinstance(remembered, list) and all(isinstance(p, str) for p in remembered):
            found = frozenset(remembered)
        else:
            try:
                base = resolve_base(self.repo, None)  # the gate's own choice of base
                output = patch = ""
                if base is not None:
                    output = self.repo.git(
                        "diff", "--name-only", "-z", "--no-renames", base.commit, "HEAD"
                    )
                    if LEDGER_RELPATH in output.split("\0"):
                        patch = self.repo.git(
                            "diff", "-U0", "--no-color", base.commit, "HEAD", "--", LEDGER_RELPATH
                        )
            except (EnvironmentProblem, UsageError):
                output = patch = ""
            # Files the branch's new ledger events speak about count too: a file added
            # and emptied again within the branch is in no diff, but its claims are.
            found = frozenset(name for name in output.split("\0") if name) | _claimed_in(patch)
            if stamp is not None:
                self._disk.set(("branch-changes", *stamp), sorted(found))
        with self._lock:
            self._branch = (inputs.revision, found)
        return found

    # --- code that moved between files ---

    def orphans(self, inputs: Inputs) -> tuple[AnchoredClaim, ...]:
        """AI claims and approvals whose block is no longer all in their own file (or
        whose file is gone): code that may have moved to another file. Such claims are
        also resolved against every other file, so cutting AI code out of one file and
        pasting it into another keeps its claim; an approval follows only while its
        block is intact, and only onto lines that moved with it (see `regions`).

        Only files the change touched can have lost code to a move (`changed_files`).
        So a large ledger costs nothing here until its files change. Worked out once
        per inputs revision and stat of those files.
        """
        snapshot = inputs.snapshot
        renamed = self.renamed(inputs)
        changed = self.changed_files(inputs)
        current = {
            old: renamed.get(old, old)
            for old in snapshot.paths()
            if old in changed or renamed.get(old, old) in changed
        }
        now = time.monotonic()
        with self._lock:
            cached, checked_at = self._orphans, self._orphans_checked
        if cached is not None and cached[0][0] == inputs.revision and now - checked_at < _RESTAT:
            return cached[1]  # the claimed files were stat'ed a moment ago
        stamps = tuple(
            self.files.stamp(name) if self.inside(name) else None for name in current.values()
        )
        key = (inputs.revision, stamps)
        with self._lock:
            self._orphans_checked = now
            if self._orphans is not None and self._orphans[0] == key:
                return self._orphans[1]
        found: list[AnchoredClaim] = []
        for old, name in current.items():
            claims = [c for c in snapshot.for_path(old) if isinstance(c, AiAuthorship | Approval)]
            if not claims:
                continue
            text = self.disk_text(name)
            if text is None:
                found.extend(claims)
                continue
            text_key = content_key(text)
            index = self._authorship.index(old, text_key, text, claims)
            for claim in claims:
                matches = self._authorship.matches(claim, index, text_key)
                if isinstance(claim, Approval):
                    lost = approval_damage(claim, matches) is not None
                else:
                    present = sum(1 for m in matches.values() if m.claim_line is not None)
                    lost = present < claim.anchor.line_count
                if lost:
                    found.append(claim)
        with self._lock:
            self._orphans = (key, tuple(found))
        return tuple(found)

    def moved_here(self, path: str, names: set[str], inputs: Inputs) -> list[AnchoredClaim]:
        """Orphaned claims from other files that this file's report must also resolve."""
        moved = [c for c in self.orphans(inputs) if c.path not in names]
        if not moved:
            return []
        policy = inputs.policy
        return [
            claim
            for claim in moved
            if claim in live([claim], inputs.snapshot, policy.seniors_for(claim.path))
        ]

    def moved_to(self, inputs: Inputs, report: Report) -> set[str]:
        """Files other than their own where orphaned AI claims now resolve: the files a
        block cut out of one file and pasted into another went to."""
        orphans = [c for c in self.orphans(inputs) if isinstance(c, AiAuthorship)]
        if not orphans:
            return set()
        wanted = {key for claim in orphans for key in claim.anchor.lines}
        result: set[str] = set()
        for path in sorted(self.changed_files(inputs)):  # code moves only into changed files
            text = self.disk_text(path)
            if text is None or not any(line_hash(line) in wanted for line in split_lines(text)):
                continue
            if any(
                verdict.claim is not None and verdict.claim.path != path
                and verdict.contributor in AI_LIKE
                for verdict in report(path, text).attributed.values()
            ):  # fmt: skip
                result.add(path)
        return result


def _claimed_in(patch: str) -> frozenset[str]:
    """The paths of the events a ledger diff adds (lines that are not events add none)."""
    found: set[str] = set()
    for line in patch.splitlines():
        if not line.startswith("+") or line.startswith("+++"):
            continue
        try:
            record = json.loads(line[1:])
        except ValueError:
            continue
        path = record.get("path") if isinstance(record, dict) else None
        if isinstance(path, str):
            found.add(path)
    return frozenset(found)


def status_paths(repo: Repository) -> frozenset[str]:
    """Every path `git status` reports changed against HEAD (both names of a rename),
    untracked files included. It never refreshes the index (`--no-optional-locks`):
    caches key on the index's stat."""
    try:
        output = repo.git(
            "--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all"
        )
    except EnvironmentProblem:
        return frozenset()
    found: set[str] = set()
    fields = iter(output.split("\0"))
    for entry in fields:
        if len(entry) < 4:
            continue
        found.add(entry[3:])
        if entry[0] in "RC" or entry[1] in "RC":
            found.add(next(fields, ""))  # the rename's original name follows
    found.discard("")
    return frozenset(found)
