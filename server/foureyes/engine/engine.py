"""The one question every face asks: for this file's text, who wrote each line, which AI
regions are there, and where does each stand in review?

The engine joins the ledger (claims), anchoring (where those claims are now) and the
review policy (who is senior, how many approvals each risk level needs, which paths
are ignored, whether approvals must be signed) into a `FileReport`. Results are
cached by content: the same path, text, ledger generation and policy give the same
report without any work, and a claim is resolved against a given text only once. It
must not know about LSP, argv, terminals or how claims were captured.
"""

from __future__ import annotations

import json
import os
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import PurePosixPath

from foureyes.core.anchor import CONTEXT_LINES, line_hash
from foureyes.core.errors import EnvironmentProblem, UsageError
from foureyes.core.lru import Lru
from foureyes.core.model import (
    AiAuthorship,
    Anchor,
    AnchoredClaim,
    Approval,
    Baseline,
    ChangesRequested,
    Contributor,
    DiscountedApproval,
    Dismissal,
    FileReport,
    HumanAuthorship,
    Identity,
    LineAuthorship,
    PartialApproval,
    Region,
    Review,
    ReviewRequest,
    ReviewState,
    Risk,
    RiskReason,
    Seniors,
)
from foureyes.core.resolve import LineMatch, Match, resolve
from foureyes.core.text import content_key, split_lines
from foureyes.core.text_index import TextIndex
from foureyes.engine.units import Unit, review_units, risk_blocks
from foureyes.risk.assess import Assessor, RegionInput, RiskConfig
from foureyes.risk.catalog import RULES
from foureyes.risk.dependencies import Dependencies
from foureyes.risk.languages import language_of
from foureyes.risk.outline import knows, outline
from foureyes.risk.references import References
from foureyes.rules import four_eyes as rules
from foureyes.rules import signing
from foureyes.rules.policy import Policy, PolicyLoader, digest
from foureyes.sources.history import (
    SOURCE_TRACE,
    commit_people,
    history_authorship,
    history_line_authorship,
    history_paths,
    history_state,
    merge_history,
)
from foureyes.store import gitrefs
from foureyes.store.base import resolve_base
from foureyes.store.diskstore import DiskStore
from foureyes.store.files import LEDGER_RELPATH, Files, WorkingTree
from foureyes.store.ledger import Ledger
from foureyes.store.ledger_snapshot import LedgerSnapshot
from foureyes.store.repo import Repository, file_stamp

_PRESENT = frozenset({Match.SAME, Match.REFORMATTED, Match.EDITED})
_UNCHANGED = frozenset({Match.SAME, Match.REFORMATTED})
_AI_LIKE = frozenset({Contributor.AI, Contributor.MIXED})
_AI_ONLY = frozenset({Contributor.AI})
# How long the claimed files' stats stay good for moved-code detection: asking on every
# report (every keystroke) would stat every file the ledger names each time.
_RESTAT = 1.0


class Engine:
    """Answers for one repository. Thread-safe; share one per repository."""

    def __init__(
        self,
        repo: Repository,
        policy: Policy | None = None,
        *,
        complete_risk: bool = True,
        files: Files | None = None,
    ) -> None:
        """`policy` fixes the review policy; by default it is read from the repository
        (.foureyes.toml or pyproject.toml) and re-read when those files change.

        `complete_risk` decides whether reports include the slow risk signals (jedi):
        the CLI and CI want them; the language server asks for fast reports and
        refines them in the background (`report(..., complete_risk=True)`).

        `files` is where file text and the ledger are read from: the working tree by
        default; the gate in CI reads a commit (`files.Commit`).
        """
        self.repo = repo
        self.files: Files = files or WorkingTree(repo)
        self.complete_risk = complete_risk
        disk = DiskStore(repo.cache_dir, "risk")
        self._disk = DiskStore(repo.cache_dir, "engine")
        self.dependencies = Dependencies(repo, disk, policy_python=lambda: self.policy.python)
        self.assessor = Assessor(self.dependencies, References(repo, disk), disk)
        self._fixed_policy = policy
        self._policy_loader = PolicyLoader(repo.root)
        self._signatures: dict[tuple[str, str, str], str | None] = {}
        self.ledger = Ledger(self.files.ledger_file())
        self._lock = threading.Lock()
        self._reports: Lru[tuple[object, ...], FileReport] = Lru(256)
        # Small on purpose: a resolution is only reused for the same text, and every
        # object kept alive here makes garbage collection pauses longer.
        self._resolutions: Lru[tuple[str, str], dict[int, LineMatch]] = Lru(4096)
        self._indexes: Lru[tuple[str, frozenset[str]], TextIndex] = Lru(16)
        self._latest_indexes: Lru[str, TextIndex] = Lru(64)  # per path, to derive the next
        self._orphans_key: tuple[object, ...] | None = None
        self._orphans_checked = 0.0
        self._changed: frozenset[str] | None = None
        self._branch: tuple[tuple[str, ...] | None, frozenset[str]] | None = None
        self._worktree_changes: frozenset[str] = frozenset()
        self._inside_paths: Lru[str, bool] = Lru(65536)
        self._orphan_claims: tuple[AnchoredClaim, ...] = ()
        self._renamed_key: tuple[object, ...] | None = None
        self._renamed_paths: dict[str, str] = {}
        self._enriched: Lru[tuple[object, ...], tuple[LineAuthorship, LineAuthorship]] = Lru(65536)
        self._region_cache: Lru[tuple[object, ...], tuple[object, object, Region]] = Lru(2048)
        self._verdicts: dict[
            str, tuple[dict[int, LineMatch], dict[int, LineAuthorship], tuple[int, ...]]
        ] = {}
        # Per claim: the last resolution and what it depended on (see _reuse).
        self._last_resolution: dict[
            str, tuple[tuple[object, ...], dict[int, LineMatch], int]
        ] = {}  # claim id -> (signature, resolution, serial of the index it was confirmed on)

    # --- questions ---

    def snapshot(self) -> LedgerSnapshot:
        return self.ledger.snapshot()

    @property
    def policy(self) -> Policy:
        """The review policy in force; raises PolicyError when the policy is broken."""
        return self._fixed_policy or self._policy_loader.load()

    @policy.setter
    def policy(self, policy: Policy | None) -> None:
        self._fixed_policy = policy

    def report(
        self, path: str, text: str | None = None, *, complete_risk: bool | None = None
    ) -> FileReport:
        """Authorship and regions of `path` for `text` (default: the working-tree file)."""
        complete = self.complete_risk if complete_risk is None else complete_risk
        if text is None:
            text = self.files.read_text(path)
        policy = self.policy  # first: a broken policy is an error, never "allow"
        snapshot = self.snapshot()
        claims = self.claims_for(path, snapshot)
        moved = self._moved_here(path, {c.path for c in claims} | {path}, policy)
        text_key = _content_key(text)
        learned = self.assessor.generation
        history = history_state(self.repo) if policy.history else None
        key = (path, text_key, snapshot.generation, policy, len(claims), complete, learned, history,
               tuple(c.id for c in moved))  # fmt: skip
        with self._lock:
            cached = self._reports.get(key)
        if cached is not None:
            return cached
        # Claims that moved here from other files come first: a claim made here later
        # (a human one, say) then stands to them as it would in their own file.
        live = [*moved, *_live(claims, snapshot, policy.seniors_for(path))]
        index = self._index(path, text_key, text, live)
        attributed = self._authorship(live, index, text_key)
        if policy.history:
            # The ledger decides where it speaks; history fills the lines it is silent on.
            found = history_authorship(self.repo, path, text, extra_markers=policy.ai_markers)
            if any(isinstance(c, AiAuthorship) and c.source == SOURCE_TRACE for c in live):
                # Imported Agent Trace records were placed by content; the same records
                # read from history could be numbered another way. The import decides.
                found = {n: v for n, v in found.items() if v.source != SOURCE_TRACE}
            if found:
                lines_from_history = history_line_authorship(path, index.lines, found)
                attributed = merge_history(_relabelled(lines_from_history, attributed),
                                           lines_from_history)  # fmt: skip
        attributed = self._with_committers(path, index.lines, attributed)
        local = frozenset({path, *(c.path for c in claims)})
        regions = self._regions(
            path, attributed, live, index, text_key, policy, complete, text, local
        )
        result = FileReport(path, len(index), attributed, regions, index.lines)
        with self._lock:
            self._reports.put(key, result)
        return result

    def claims_for(self, path: str, snapshot: LedgerSnapshot) -> tuple[AnchoredClaim, ...]:
        """Claims recorded for `path`, and for names it had before a rename git knows of."""
        renamed = self._renamed(snapshot)
        names = [path, *(old for old, current in renamed.items() if current == path)]
        return snapshot.for_paths(names)

    def tracked_paths(self, changed: Iterable[str] | None = None) -> list[str]:
        """The files that may hold AI code and so need a report: the one answer to
        "which files need review" that status, queue, check, SARIF and the language
        server's queue all ask. Raises PolicyError for a broken policy.

        Without `changed`: every file the ledger has claims about (renames followed),
        every file history may attribute AI lines to (AI-marked commits, git-ai notes,
        Agent Trace), and every file that code left by another claimed file moved to.
        With `changed` (the files a change touched, as the gate computes them): those
        of them that exist, whatever the ledger says, since AI code can arrive in any
        file (moved there, or claimed after the fact). The policy's ignored paths are
        left out either way.
        """
        policy = self.policy
        if changed is not None:
            found = set(changed)
        else:
            snapshot = self.snapshot()
            renamed = self._renamed(snapshot)
            found = {renamed.get(path, path) for path in snapshot.paths()}
            self._refresh_worktree_changes()  # a whole-repository question: list them now
            found |= self._history_files(policy)
            found |= self._moved_to()
        return sorted(
            path
            for path in found
            if self._inside(path) and self.files.is_file(path) and not policy.is_ignored(path)
        )

    def may_hold_ai(self, path: str) -> bool:
        """Whether any source puts AI code in `path`: ledger claims (renames followed),
        history, or claims whose code moved here. The gate asks it of a file it cannot
        read: such a file blocks, any other is only skipped."""
        policy = self.policy
        return bool(
            self.claims_for(path, self.snapshot())
            or path in self._history_files(policy)
            or self._moved_here(path, {path}, policy)
        )

    def _history_files(self, policy: Policy) -> set[str]:
        """Current names of the files history may attribute AI lines to."""
        if not policy.history:
            return set()
        return {
            path if self.files.is_file(path) else self.repo.current_name(path) or path
            for path in history_paths(self.repo, policy.ai_markers)
        }

    def _inside(self, path: str) -> bool:
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

    # --- code that moved between files ---

    def _orphans(self) -> tuple[AnchoredClaim, ...]:
        """AI claims and approvals whose block is no longer all in their own file (or
        whose file is gone): code that may have moved to another file. Such claims are
        also resolved against every other file, so cutting AI code out of one file and
        pasting it into another keeps its claim; an approval follows only while its
        block is intact, and only onto lines that moved with it (see `_review`).

        Only files the change touched can have lost code to a move: the files changed
        since the gate's base (`judge_change`), else the working tree's changes against
        HEAD (`git status`). So a large ledger costs nothing here until its files change.
        Worked out once per ledger generation, HEAD/index state and stat of those files.
        """
        snapshot = self.snapshot()
        renamed = self._renamed(snapshot)
        changed = self._changed_files()
        current = {
            old: renamed.get(old, old)
            for old in snapshot.paths()
            if old in changed or renamed.get(old, old) in changed
        }
        paths = list(current)
        base_key = (snapshot.generation, self.repo.renames_key(), changed)
        now = time.monotonic()
        with self._lock:
            cached_key, checked_at = self._orphans_key, self._orphans_checked
        if cached_key is not None and cached_key[0] == base_key and now - checked_at < _RESTAT:
            return self._orphan_claims  # the claimed files were stat'ed a moment ago
        stamps = tuple(
            self.files.stamp(name) if self._inside(name) else None for name in current.values()
        )
        key = (base_key, stamps)
        with self._lock:
            self._orphans_checked = now
            if self._orphans_key == key:
                return self._orphan_claims
        found: list[AnchoredClaim] = []
        for old in paths:
            claims = [c for c in snapshot.for_path(old) if isinstance(c, AiAuthorship | Approval)]
            if not claims:
                continue
            text = self._disk_text(current[old])
            if text is None:
                found.extend(claims)
                continue
            text_key = _content_key(text)
            index = self._index(old, text_key, text, claims)
            for claim in claims:
                matches = self._matches(claim, index, text_key)
                if isinstance(claim, Approval):
                    lost = _approval_damage(claim, matches) is not None
                else:
                    present = sum(1 for m in matches.values() if m.claim_line is not None)
                    lost = present < claim.anchor.line_count
                if lost:
                    found.append(claim)
        with self._lock:
            self._orphans_key, self._orphan_claims = key, tuple(found)
        return self._orphan_claims

    def judge_change(self, changed: Iterable[str]) -> None:
        """The files a change touched (the gate's diff against its base): where moved
        code can have come from and gone to. Without it, the working tree's changes."""
        with self._lock:
            self._changed = frozenset(changed)

    def _changed_files(self) -> frozenset[str]:
        """What the current change touched: the gate's files (`judge_change`), else the
        branch's commits since the merge-base with the default branch (as `check`
        without arguments picks it) plus the working tree's changes as last listed by
        a whole-repository question (`tracked_paths`). A report runs no git for this
        while HEAD and the default branch stay where they were (the branch's files are
        kept in the disk cache)."""
        with self._lock:
            if self._changed is not None:
                return self._changed
            worktree = self._worktree_changes
        return self._branch_changes() | worktree

    def _refresh_worktree_changes(self) -> None:
        found = _status_paths(self.repo)
        with self._lock:
            self._worktree_changes = found

    def _branch_changes(self) -> frozenset[str]:
        key = self._branch_key()
        with self._lock:
            if key is not None and self._branch is not None and self._branch[0] == key:
                return self._branch[1]
        remembered = self._disk.get(("branch-changes", *key)) if key is not None else None
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
            if key is not None:
                self._disk.set(("branch-changes", *key), sorted(found))
        with self._lock:
            self._branch = (key, found)
        return found

    def _branch_key(self) -> tuple[str, ...] | None:
        """HEAD and every ref the default base could come from, read from the git
        directory without a process; None where that layout cannot be read so."""
        try:
            gitdir = self.repo.git_dir
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

    def _disk_text(self, path: str) -> str | None:
        if not self._inside(path):
            return None
        try:
            return self.files.read_text(path)
        except UsageError:
            return None

    def _moved_here(self, path: str, names: set[str], policy: Policy) -> list[AnchoredClaim]:
        """Orphaned claims from other files that this file's report must also resolve."""
        moved = [c for c in self._orphans() if c.path not in names]
        if not moved:
            return []
        snapshot = self.snapshot()
        return [
            claim
            for claim in moved
            if claim in _live([claim], snapshot, policy.seniors_for(claim.path))
        ]

    def _moved_to(self) -> set[str]:
        """Files other than their own where orphaned AI claims now resolve: the files a
        block cut out of one file and pasted into another went to."""
        orphans = [c for c in self._orphans() if isinstance(c, AiAuthorship)]
        if not orphans:
            return set()
        wanted = {key for claim in orphans for key in claim.anchor.lines}
        result: set[str] = set()
        for path in sorted(self._changed_files()):  # code moves only into changed files
            text = self._disk_text(path)
            if text is None or not any(line_hash(line) in wanted for line in split_lines(text)):
                continue
            report = self.report(path, text, complete_risk=False)
            if any(
                verdict.claim is not None and verdict.claim.path != path
                and verdict.contributor in _AI_LIKE
                for verdict in report.attributed.values()
            ):  # fmt: skip
                result.add(path)
        return result

    def _renamed(self, snapshot: LedgerSnapshot) -> dict[str, str]:
        """Ledger paths that no longer exist -> their current names, as git recorded.

        Asked on every report (every keystroke), so it is worked out once per ledger
        generation and HEAD/index state, not with a stat of every ledger path each time.
        """
        key = (snapshot.generation, self.repo.renames_key())
        with self._lock:
            if self._renamed_key == key:
                return self._renamed_paths
        renamed: dict[str, str] = {}
        for old in snapshot.paths():
            if not self.files.is_file(old):
                current = self.repo.current_name(old)
                if current is not None:
                    renamed[old] = current
        with self._lock:
            self._renamed_key, self._renamed_paths = key, renamed
        return renamed

    def _with_committers(
        self, path: str, lines: Sequence[str], attributed: dict[int, LineAuthorship]
    ) -> dict[int, LineAuthorship]:
        """AI lines with the author and committer of the commit that brought them in
        added to their recorders (`LineAuthorship.also_by`)."""
        if not any(v.contributor in _AI_LIKE for v in attributed.values()):
            return attributed
        people = commit_people(self.repo, path, lines)
        if not people:
            return attributed
        result = dict(attributed)
        for line, verdict in attributed.items():
            found = people.get(line)
            if found is None or verdict.contributor not in _AI_LIKE:
                continue
            key = (id(verdict), found)
            with self._lock:
                cached = self._enriched.get(key)
            if cached is not None and cached[0] is verdict:
                result[line] = cached[1]  # the same object: regions stay cached
                continue
            extra = tuple(p for p in found if p not in verdict.recorders)
            enriched = replace(verdict, also_by=(*verdict.also_by, *extra)) if extra else verdict
            with self._lock:
                self._enriched.put(key, (verdict, enriched))
            result[line] = enriched
        return result

    # --- authorship ---

    def _index(
        self, path: str, text_key: str, text: str, claims: Sequence[AnchoredClaim]
    ) -> TextIndex:
        # Only the lines the claims speak about need a place in the position index.
        wanted = frozenset(
            key
            for claim in claims
            for part in (claim.anchor.lines, claim.anchor.before, claim.anchor.after)
            for key in part
        )
        key = (text_key, wanted)
        with self._lock:
            index = self._indexes.get(key)
            previous = self._latest_indexes.get(path)
        if index is None:
            # Typing: the last version of this file differs in a few lines.
            index = previous.edited(text, wanted) if previous else TextIndex(text, wanted)
            with self._lock:
                self._indexes.put(key, index)
        with self._lock:
            self._latest_indexes.put(path, index)
        return index

    def _matches(
        self, claim: AnchoredClaim, index: TextIndex, text_key: str
    ) -> dict[int, LineMatch]:
        key = (claim.id, text_key)
        with self._lock:
            found = self._resolutions.get(key)
            last = self._last_resolution.get(claim.id)
        if found is None:
            found = self._reuse(claim, index, last)
            if found is not None and last is not None:
                with self._lock:  # still this text's resolution: its signature is the same
                    self._last_resolution[claim.id] = (last[0], found, index.serial)
        if found is None:
            found = resolve(claim.anchor, index)
            signature = _resolution_signature(claim, index, found)
            with self._lock:
                self._last_resolution[claim.id] = (signature, found, index.serial)
        with self._lock:
            self._resolutions.put(key, found)
        return found

    @staticmethod
    def _reuse(
        claim: AnchoredClaim,
        index: TextIndex,
        last: tuple[tuple[object, ...], dict[int, LineMatch], int] | None,
    ) -> dict[int, LineMatch] | None:
        """The previous text's resolution, when this text cannot resolve differently.

        A resolution depends only on what `_resolution_signature` records. A keystroke
        elsewhere in the file changes none of it, so typing costs the resolutions it
        can affect, not every claim's. When `index` was derived from the index the
        resolution was last confirmed on, no hash of the claim moved and no changed line
        is one the resolution placed, the signature is the same without computing it.
        """
        if last is None:
            return None
        signature, found, confirmed_on = last
        if signature[0] != len(index):
            return None  # the line count changed: positions shifted, resolve again
        if claim.anchor.sketch and sum(m.claim_line is not None for m in found.values()) < len(
            claim.anchor.lines
        ):
            return None  # lines are missing: any line could now be recognised as one
        if (
            index.parent == confirmed_on
            and index.moved is not None
            and index.changed.isdisjoint(found)
            and (not index.moved or index.moved.isdisjoint(_anchor_keys(claim.anchor)))
        ):
            return found
        return found if _resolution_signature(claim, index, found) == signature else None

    def _authorship(
        self, claims: Sequence[AnchoredClaim], index: TextIndex, text_key: str
    ) -> dict[int, LineAuthorship]:
        """Verdicts for the lines some claim speaks about; the later claim in the ledger
        wins a line (never the later `at`: a writer can date an event as it likes).

        A human claim over lines an AI claim wrote does not make them human: nobody
        turns AI lines into human lines alone. The lines stay AI, and the person who
        relabelled them joins those who may not approve them (see `_relabelled`)."""
        verdicts: dict[int, LineAuthorship] = {}
        inserted_into_ai: set[int] = set()
        for claim in claims:
            if not isinstance(claim, AiAuthorship | HumanAuthorship):
                continue
            own, inserted = self._claim_verdicts(claim, self._matches(claim, index, text_key))
            if isinstance(claim, HumanAuthorship):
                own = _relabelled(verdicts, own)
            verdicts.update(own)
            inserted_into_ai.update(inserted)
        # A line a person inserted into an AI block is theirs, unless a claim says otherwise.
        for line in inserted_into_ai - verdicts.keys():
            verdicts[line] = LineAuthorship(line, Contributor.HUMAN)
        return dict(sorted(verdicts.items()))

    def _claim_verdicts(
        self, claim: AiAuthorship | HumanAuthorship, matches: dict[int, LineMatch]
    ) -> tuple[dict[int, LineAuthorship], tuple[int, ...]]:
        """One claim's verdicts; reused with its resolution (the same dict object)."""
        with self._lock:
            cached = self._verdicts.get(claim.id)
        if cached is not None and cached[0] is matches:
            return cached[1], cached[2]
        is_ai = isinstance(claim, AiAuthorship)
        own: dict[int, LineAuthorship] = {}
        inserted: list[int] = []
        for position, match in matches.items():
            if match.match is Match.INSERTED:
                if is_ai:
                    inserted.append(position + 1)
                continue
            if not is_ai:
                contributor = Contributor.HUMAN
            elif match.match in _UNCHANGED:
                contributor = Contributor.AI
            else:
                contributor = Contributor.MIXED
            own[position + 1] = LineAuthorship(position + 1, contributor, claim, match.claim_line)
        with self._lock:
            self._verdicts[claim.id] = (matches, own, tuple(inserted))
        return own, tuple(inserted)

    # --- regions and review ---

    def _regions(
        self,
        path: str,
        attributed: Mapping[int, LineAuthorship],
        claims: Sequence[AnchoredClaim],
        index: TextIndex,
        text_key: str,
        policy: Policy,
        complete_risk: bool = True,
        text: str | None = None,
        local: frozenset[str] = frozenset(),
    ) -> tuple[Region, ...]:
        if policy.is_ignored(path):
            return ()
        needs_review = _AI_LIKE if policy.mixed_lines_need_review else _AI_ONLY
        language = language_of(path)
        syntax = partial(outline, language) if language is not None and knows(language) else None
        units = review_units(attributed, index.lines, needs_review, syntax)
        if not units:
            return ()
        blocks = risk_blocks(attributed, index.lines, needs_review, syntax)
        reviews = [
            (claim, self._matches(claim, index, text_key))
            for claim in claims
            if isinstance(claim, ReviewRequest | Approval | ChangesRequested)
        ]
        # An approval that moved here from another file covers only the lines that
        # moved with it, never a copy that has a claim of its own.
        reviews = [
            (claim, matches if claim.path in local else _moved_with(claim, matches, attributed))
            for claim, matches in reviews
        ]
        seniors = policy.seniors_for(path)
        critical = policy.critical_match(path)
        config = policy.risk_config()
        regions = []
        learned = self.assessor.generation
        # The slow tier reads the whole text (blast radius); the fast one reuses the
        # counts it found (`learned` grows when it finds more).
        whole = text_key if complete_risk else None
        review_inputs = tuple(matches for _, matches in reviews)
        block_starts = [start for start, _ in blocks]  # in order, not overlapping
        for unit in units:
            body = tuple(index.lines[unit.start - 1 : unit.end])
            first = max(bisect_right(block_starts, unit.start) - 1, 0)
            last = bisect_right(block_starts, unit.end)
            around = tuple(
                (start, end, tuple(index.lines[start - 1 : end]))
                for start, end in blocks[first:last]
                if start <= unit.end and unit.start <= end and (start, end) != unit.span
            )
            # The cached value holds the keyed objects, so their ids cannot be reused.
            key = (path, policy, learned, whole, tuple(map(id, unit.lines)), unit.replaced,
                   tuple(map(id, review_inputs)), body, around)  # fmt: skip
            with self._lock:
                cached = self._region_cache.get(key)
            if cached is not None:
                regions.append(cached[2])
                continue
            region = self._region(
                path, unit, body, around, reviews, index, policy, seniors, critical, config,
                complete_risk, text,
            )  # fmt: skip
            with self._lock:
                self._region_cache.put(key, (unit.lines, review_inputs, region))
            regions.append(region)
        return tuple(regions)

    def _region(
        self,
        path: str,
        unit: Unit,
        body: tuple[str, ...],
        around: Sequence[tuple[int, int, tuple[str, ...]]],
        reviews: Sequence[tuple[AnchoredClaim, dict[int, LineMatch]]],
        index: TextIndex,
        policy: Policy,
        seniors: Seniors,
        critical: str | None,
        config: RiskConfig,
        complete_risk: bool,
        text: str | None,
    ) -> Region:
        region_input = RegionInput(path, unit.start, body, unit.replaced, critical, text)
        risk = self.assessor.assess(region_input, config, slow=complete_risk)
        for start, end, block_body in around:
            # Never less risky than the block of AI code it lies in: splitting one risky
            # function into many small claims must not make many harmless units.
            block = self.assessor.assess(
                RegionInput(path, start, block_body, 0, critical, text), config, slow=complete_risk
            )
            risk = _riskier(risk, block, start, end)
        required = policy.approvals_for(risk.level)
        recorders = rules.recorders(unit.lines)
        review = self._review(unit.lines, reviews, index, policy, seniors, required)
        suggested = policy.suggested_reviewers(path, (*recorders, *review.approvers))
        return Region(
            id=_region_id(unit.lines[0]),
            path=path,
            start_line=unit.start,
            end_line=unit.end,
            lines=unit.lines,
            review=replace(review, suggested=suggested, recorders=recorders),
            risk=risk,
            replaced=unit.replaced,
        )

    def _review(
        self,
        unit_lines: Sequence[LineAuthorship],
        reviews: Iterable[tuple[AnchoredClaim, dict[int, LineMatch]]],
        index: TextIndex,
        policy: Policy,
        seniors: Seniors,
        required: int,
    ) -> Review:
        """A unit's review. Approvals count per line: each line counts the people whose
        approval covers it unchanged (an approval covers the block it reviewed, intact),
        and the unit has the smallest of those counts. So approved lines stay approved
        whatever joins them, and a new line needs its own approvals."""
        positions = {line.line - 1: line for line in unit_lines}
        # Approvals are counted per person (policy aliases, +tags), never per address.
        approvers_per_line: dict[int, dict[str, Identity]] = {p: {} for p in positions}
        latest: dict[str, AnchoredClaim] = {}  # per person: their last counted verdict
        requests: list[ReviewRequest] = []
        changes: list[ChangesRequested] = []
        discounted: list[DiscountedApproval] = []
        counted_lines: list[tuple[Approval, int]] = []
        baselined: set[int] = set()  # lines a counting baseline accepted
        baselines: list[Baseline] = []
        for claim, matches in reviews:  # in ledger order: a later event is a later verdict
            overlapping = [(p, m) for p, m in matches.items() if p in positions]
            if not overlapping:
                continue
            if isinstance(claim, ReviewRequest):
                if any(m.match in _PRESENT for _, m in overlapping):
                    requests.append(claim)
                continue
            if isinstance(claim, ChangesRequested):
                if any(m.match in _UNCHANGED for _, m in overlapping):
                    changes.append(claim)
                    latest[seniors.person(claim.by)] = claim
                continue
            if not isinstance(claim, Approval):
                continue
            reason = self._approval_problem(claim, seniors, policy)
            if reason is None:
                reason = _approval_damage(claim, matches)
            if reason is not None:
                discounted.append(DiscountedApproval(claim, reason))
                continue
            digests = signing.digests_of(claim) if policy.signing.required else None
            approver = seniors.person(claim.by)
            counted = changed = 0
            for position, match in overlapping:
                if rules.brought_in(claim.by, positions[position], seniors):
                    continue  # four eyes: never code one brought in oneself
                # A signed approval covers exactly the text whose digest was signed.
                if digests is None or _digest_matches(
                    digests, match.claim_line, index.lines[position]
                ):
                    approvers_per_line[position][approver] = claim.by
                    counted += 1
                    if isinstance(claim, Baseline):
                        baselined.add(position)
                else:
                    changed += 1
            if counted and isinstance(claim, Baseline):
                baselines.append(claim)
            if counted:
                counted_lines.append((claim, counted))
                latest[approver] = claim
            elif changed:
                reason = f"the approved text has changed since ({changed} line(s))"
                discounted.append(DiscountedApproval(claim, reason))
            else:
                reason = "it is by a person who brought this code in (four eyes)"
                discounted.append(DiscountedApproval(claim, reason))
        # A baselined line has all it needs (it was accepted as it is).
        approvals = min(
            max(len(people), required) if position in baselined else len(people)
            for position, people in approvers_per_line.items()
        )
        common = set.intersection(*(set(people) for people in approvers_per_line.values()))
        everyone = {e: i for line in approvers_per_line.values() for e, i in line.items()}
        approvers = tuple(everyone[person] for person in sorted(common))
        partly = _partial_approvals(counted_lines, common, seniors, len(positions))
        if approvals >= required:
            state = ReviewState.APPROVED
        elif any(isinstance(verdict, ChangesRequested) for verdict in latest.values()):
            state = ReviewState.CHANGES_REQUESTED  # until that reviewer approves, or it changes
        elif everyone:
            state = ReviewState.PARTIALLY_APPROVED
        elif requests:
            state = ReviewState.REVIEW_REQUESTED
        else:
            state = ReviewState.UNREVIEWED
        return Review(
            state=state,
            approvals_required=required,
            approvals=approvals,
            approvers=approvers,
            requests=tuple(requests),
            changes_requested=tuple(changes),
            seniors=seniors,
            discounted=tuple(discounted),
            partly=partly,
            baselines=tuple(baselines),
        )

    def _approval_problem(self, claim: Approval, seniors: Seniors, policy: Policy) -> str | None:
        """Why an approval does not count at all, or None (line checks come after)."""
        if not seniors.includes(claim.by):
            return f"{claim.by.email} is not a senior reviewer for this path in the policy"
        if not policy.signing.required:
            return None
        if not claim.signature:
            return "it is not signed, and the policy requires signed approvals"
        allowed = policy.signing.allowed_signers_text or ""
        key = (claim.id, claim.signature, digest(allowed))
        with self._lock:
            if key in self._signatures:
                return self._signatures[key]
        try:
            verdict = signing.verify(
                signing.canonical(claim), claim.signature, claim.by.email, allowed
            )
        except EnvironmentProblem as error:
            # Unverifiable is not valid; not cached, so it is retried once ssh-keygen exists.
            return f"its signature cannot be checked: {error.message}"
        if verdict is None and signing.digests_of(claim) is None:
            verdict = "it is signed but carries no line digests, so it cannot be tied to text"
        with self._lock:
            self._signatures[key] = verdict
        return verdict


_BASE_REFS = (
    "refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/master",
    "refs/heads/main", "refs/heads/master",
)  # fmt: skip


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


def _status_paths(repo: Repository) -> frozenset[str]:
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


def _live(
    claims: Sequence[AnchoredClaim], snapshot: LedgerSnapshot, seniors: Seniors
) -> list[AnchoredClaim]:
    """The claims no dismissal withdrew. A dismissal counts only when the rules say its
    author may withdraw that event (`rules.may_dismiss`); any other is ignored."""
    by_target: dict[str, list[Dismissal]] = {}
    for dismissal in snapshot.dismissals:
        for target in dismissal.targets:
            by_target.setdefault(target, []).append(dismissal)
    if not by_target:
        return list(claims)
    return [
        claim
        for claim in claims
        if not any(rules.may_dismiss(d, claim, seniors) for d in by_target.get(claim.id, ()))
    ]


def _moved_with(
    claim: AnchoredClaim, matches: dict[int, LineMatch], attributed: Mapping[int, LineAuthorship]
) -> dict[int, LineMatch]:
    kept = {}
    for position, match in matches.items():
        verdict = attributed.get(position + 1)
        if verdict is not None and verdict.claim is not None and verdict.claim.path == claim.path:
            kept[position] = match
    return kept if len(kept) != len(matches) else matches


def _relabelled(
    earlier: Mapping[int, LineAuthorship], later: Mapping[int, LineAuthorship]
) -> dict[int, LineAuthorship]:
    """`later`'s verdicts, except that a human claim does not win a line `earlier` says
    an AI wrote: that line keeps its AI verdict, and the relabelling person is one more
    recorder of it (`also_by`), so it needs someone else's approval like any AI line."""
    result: dict[int, LineAuthorship] = {}
    for line, verdict in later.items():
        before = earlier.get(line)
        claim = verdict.claim
        if (
            before is not None
            and before.contributor in _AI_LIKE
            and verdict.contributor is Contributor.HUMAN
            and isinstance(claim, HumanAuthorship)
        ):
            result[line] = replace(before, also_by=(*before.also_by, claim.by))
        else:
            result[line] = verdict
    return result


def _approval_damage(approval: Approval, matches: Mapping[int, LineMatch]) -> str | None:
    """Why the approved block is not all there as it was reviewed, or None when it is:
    every line unchanged, in the same order, nothing inserted between. An approval
    covers the block, so reordering its lines or deleting one voids it, not only
    changing one."""
    found = [m for m in matches.values() if m.claim_line is not None]
    changed = sum(1 for m in found if m.match is not Match.SAME)
    offsets = {p - m.claim_line for p, m in matches.items() if m.claim_line is not None}
    if len(matches) == len(found) == approval.anchor.line_count and len(offsets) == 1:
        if not changed:
            return None
        return f"the approved text has changed since ({changed} line(s))"
    return (
        "the approved block has changed since it was reviewed (lines were removed, "
        "moved or inserted)"
    )


def _riskier(own: Risk, block: Risk, start: int, end: int) -> Risk:
    """The unit's own risk, or its block's when that is higher (with a reason saying so)."""
    complete = own.complete and block.complete
    if (block.level.rank, block.score) <= (own.level.rank, own.score):
        return replace(own, complete=complete)
    sentence = RULES["risky-block"].sentence.format(start=start, end=end, level=block.level.value)
    why = RiskReason("This AI code " + sentence, start, end, "risky-block", 0)
    return replace(block, reasons=(why, *block.reasons), complete=complete)


def _partial_approvals(
    counted: Sequence[tuple[Approval, int]], common: set[str], seniors: Seniors, size: int
) -> tuple[PartialApproval, ...]:
    """Per person whose approvals count on some of the unit's lines but not all: the
    approval that covers most of them."""
    best: dict[str, tuple[Approval, int]] = {}
    for approval, lines in counted:
        person = seniors.person(approval.by)
        if person not in common and lines > best.get(person, (approval, 0))[1]:
            best[person] = (approval, lines)
    return tuple(PartialApproval(a, lines, size) for a, lines in best.values())


def _digest_matches(digests: Sequence[str], claim_line: int | None, text: str) -> bool:
    if claim_line is None or not 0 <= claim_line < len(digests):
        return False
    return digests[claim_line] == signing.line_digest(text)


def _anchor_keys(anchor: Anchor) -> frozenset[str]:
    return frozenset((*anchor.before, *anchor.lines, *anchor.after))


def _resolution_signature(
    claim: AnchoredClaim, index: TextIndex, found: Mapping[int, LineMatch]
) -> tuple[object, ...]:
    """What `resolve` read: where the claim's line hashes occur, how long the file is
    (its end is an anchor, gaps are diffed by length), and the matched lines' exact
    text (same or reformatted). A line that holds none of the claim's hashes before
    and after an edit cannot change the answer.

    Trivial hashes (blank lines, braces) occur all over a file but only matter near
    the claim's distinctive lines: runs grow from those by at most the claim's length,
    and gaps lie between them. Only that window of their positions is compared.
    """
    anchor = claim.anchor
    keys = (*anchor.before, *anchor.lines, *anchor.after)
    trivial = index.trivial
    distinctive = [p for k in keys if k not in trivial for p in index.positions.get(k, ())]
    low, high = -1, len(index)
    if distinctive:
        reach = len(keys) + 1
        if len(anchor.before) >= CONTEXT_LINES:  # else the file's start is an anchor
            low = min(distinctive) - reach
        if len(anchor.after) >= CONTEXT_LINES:  # else the file's end is an anchor
            high = max(distinctive) + reach
    where = []
    for key in keys:
        found_at: Sequence[int] = index.positions.get(key, ())
        if key in trivial:
            found_at = found_at[bisect_left(found_at, low) : bisect_right(found_at, high)]
        where.append(tuple(found_at))
    matched = tuple(index.lines[position] for position in sorted(found))
    return (len(index), tuple(where), matched)


def _content_key(text: str) -> str:
    return content_key(text)


def _region_id(first: LineAuthorship) -> str:
    """Stable while the region's first line is the same captured line."""
    seed = f"{first.claim.id if first.claim else ''}:{first.claim_line}"
    return content_key(seed, 5)
