"""The engine's inputs at one moment, named by one revision number.

Everything outside the engine that an answer about the workspace depends on is here:
the ledger snapshot, the policy, HEAD and the index (renames, who committed a line),
history's state, the refs the branch's base is chosen from, and the change being
judged (the gate's file list, else the working tree's changes as last listed). The
revision grows whenever any of them changed since the last look and never repeats,
so a derived cache keyed on it can never mistake new inputs for old ones, as a key
built from object ids or claim counts can.

Must not know how answers are derived from the inputs: no claims resolved, no reports.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from foureyes.core.errors import EnvironmentProblem
from foureyes.rules.policy import Policy
from foureyes.store import gitrefs
from foureyes.store.ledger_snapshot import LedgerSnapshot
from foureyes.store.repo import Repository, file_stamp

_BASE_REFS = (
    "refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/master",
    "refs/heads/main", "refs/heads/master",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Inputs:
    """One revision of the engine's inputs. Compared by identity: equal inputs are the
    same object, handed out again by `Revisions.current`."""

    revision: int
    snapshot: LedgerSnapshot
    policy: Policy
    refs: tuple[object, ...]  # HEAD and index stamps (Repository.renames_key)
    history: tuple[object, ...] | None  # history_state, when the policy reads history
    branch: tuple[str, ...] | None  # HEAD and the base refs (None: unreadable layout)
    judged: frozenset[str] | None  # the gate's changed files (Engine.judge_change)
    worktree: frozenset[str]  # `git status` as last listed by a whole-repository question


class Revisions:
    """Hands out the current `Inputs`: the same object while nothing changed, a new one
    with the next revision once anything did. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: Inputs | None = None
        self._judged: frozenset[str] | None = None
        self._worktree: frozenset[str] = frozenset()

    def judge(self, changed: Iterable[str]) -> None:
        with self._lock:
            self._judged = frozenset(changed)

    def listed(self, worktree: frozenset[str]) -> None:
        with self._lock:
            self._worktree = worktree

    def current(
        self,
        snapshot: LedgerSnapshot,
        policy: Policy,
        refs: tuple[object, ...],
        history: tuple[object, ...] | None,
        branch: tuple[str, ...] | None,
    ) -> Inputs:
        with self._lock:
            last = self._last
            if (
                last is not None
                and last.snapshot.generation == snapshot.generation
                and last.policy is policy
                and last.refs == refs
                and last.history == history
                and last.branch == branch
                and last.judged == self._judged
                and last.worktree == self._worktree
            ):
                return last
            revision = last.revision + 1 if last is not None else 1
            self._last = Inputs(
                revision, snapshot, policy, refs, history, branch, self._judged, self._worktree
            )
            return self._last


def branch_stamp(repo: Repository) -> tuple[str, ...] | None:
    """HEAD and every ref the default base could come from, read from the git
    directory without a process; None where that layout cannot be read so."""
    try:
        gitdir = repo.git_dir
    except EnvironmentProblem:
        return None
    parts = [os.environ.get("GITHUB_BASE_REF", "")]
    # The branch HEAD is on, and what moves an upstream: config (which upstream) and
    # a fetch (FETCH_HEAD is rewritten by every fetch).
    common = gitrefs.common_dir(gitdir)
    for stamp_of in (gitdir / "HEAD", common / "config", gitdir / "FETCH_HEAD"):
        parts.append(str(file_stamp(stamp_of)))
    for name in ("HEAD", *_BASE_REFS):
        found = gitrefs.read_ref(gitdir, name)
        if found is False:
            return None
        parts.append(found or "")
    return tuple(parts)
