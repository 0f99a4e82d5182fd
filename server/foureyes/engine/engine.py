"""The one question every face asks: for this file's text, who wrote each line, which AI
regions are there, and where does each stand in review?

The engine joins the ledger (claims), anchoring (where those claims are now) and the
review policy (who is senior, how many approvals each risk level needs, which paths
are ignored, whether approvals must be signed) into a `FileReport`. Everything it
reads from outside is one `Inputs` revision (`inputs.py`); a report is cached by path,
text and that revision, so the same text and inputs give the same report without any
work, and a claim is resolved against a given text only once (`authorship.py`).
Workspace questions live in `workspace.py`, regions and review in `regions.py` and
`review_state.py`. It must not know about LSP, argv, terminals or how claims were
captured.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from foureyes.core.lru import Lru
from foureyes.core.model import AiAuthorship, FileReport, LineAuthorship
from foureyes.core.text import content_key
from foureyes.engine.authorship import AI_LIKE, Authorship, live, relabelled
from foureyes.engine.inputs import Inputs, Revisions, branch_stamp
from foureyes.engine.regions import Regions
from foureyes.engine.workspace import Workspace, status_paths
from foureyes.risk.assess import Assessor
from foureyes.risk.dependencies import Dependencies
from foureyes.risk.references import References
from foureyes.rules.policy import Policy, PolicyLoader
from foureyes.sources.history import (
    SOURCE_TRACE,
    commit_people,
    history_authorship,
    history_line_authorship,
    history_state,
    merge_history,
)
from foureyes.store.diskstore import DiskStore
from foureyes.store.files import Files, WorkingTree
from foureyes.store.ledger import Ledger
from foureyes.store.ledger_snapshot import LedgerSnapshot
from foureyes.store.repo import Repository


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
        self.dependencies = Dependencies(repo, disk, policy_python=lambda: self.policy.python)
        self.assessor = Assessor(self.dependencies, References(repo, disk), disk)
        self._fixed_policy = policy
        self._policy_loader = PolicyLoader(repo.root)
        self.ledger = Ledger(self.files.ledger_file())
        self._revisions = Revisions()
        self.authorship = Authorship()
        self.workspace = Workspace(
            repo, self.files, DiskStore(repo.cache_dir, "engine"), self.authorship
        )
        self._regions = Regions(self.assessor)
        self._reports: Lru[tuple[object, ...], FileReport] = Lru(256)

    # --- inputs ---

    def snapshot(self) -> LedgerSnapshot:
        return self.ledger.snapshot()

    @property
    def policy(self) -> Policy:
        """The review policy in force; raises PolicyError when the policy is broken."""
        return self._fixed_policy or self._policy_loader.load()

    @policy.setter
    def policy(self, policy: Policy | None) -> None:
        self._fixed_policy = policy

    def inputs(self) -> Inputs:
        """Everything the answers depend on, now; raises PolicyError for a broken policy."""
        policy = self.policy  # first: a broken policy is an error, never "allow"
        return self._revisions.current(
            self.snapshot(),
            policy,
            self.repo.renames_key(),
            history_state(self.repo) if policy.history else None,
            branch_stamp(self.repo),
        )

    def judge_change(self, changed: Iterable[str]) -> None:
        """The files a change touched (the gate's diff against its base): where moved
        code can have come from and gone to. Without it, the working tree's changes."""
        self._revisions.judge(changed)

    # --- questions ---

    def report(
        self, path: str, text: str | None = None, *, complete_risk: bool | None = None
    ) -> FileReport:
        """Authorship and regions of `path` for `text` (default: the working-tree file)."""
        complete = self.complete_risk if complete_risk is None else complete_risk
        if text is None:
            text = self.files.read_text(path)
        inputs = self.inputs()
        policy, snapshot = inputs.policy, inputs.snapshot
        claims = self.workspace.claims_for(path, inputs)
        moved = self.workspace.moved_here(path, {c.path for c in claims} | {path}, inputs)
        text_key = content_key(text)
        # What the risk assessor has learned is its own cache, not an input: counting it
        # in the revision would throw away the workspace answers whenever jedi learns.
        learned = self.assessor.generation
        key = (path, text_key, inputs.revision, complete, learned, tuple(c.id for c in moved))
        cached = self._reports.get(key)
        if cached is not None:
            return cached
        # Claims that moved here from other files come first: a claim made here later
        # (a human one, say) then stands to them as it would in their own file.
        live_claims = [*moved, *live(claims, snapshot, policy.seniors_for(path))]
        index = self.authorship.index(path, text_key, text, live_claims)
        attributed = self.authorship.lines(live_claims, index, text_key)
        if policy.history:
            # The ledger decides where it speaks; history fills the lines it is silent on.
            found = history_authorship(self.repo, path, text, extra_markers=policy.ai_markers)
            if any(isinstance(c, AiAuthorship) and c.source == SOURCE_TRACE for c in live_claims):
                # Imported Agent Trace records were placed by content; the same records
                # read from history could be numbered another way. The import decides.
                found = {n: v for n, v in found.items() if v.source != SOURCE_TRACE}
            if found:
                lines_from_history = history_line_authorship(path, index.lines, found)
                attributed = merge_history(relabelled(lines_from_history, attributed),
                                           lines_from_history)  # fmt: skip
        attributed = self._with_committers(path, index.lines, attributed)
        regions = self._regions.of(
            path, attributed, live_claims, index,
            lambda claim: self.authorship.matches(claim, index, text_key), policy,
            complete_risk=complete, text=text, text_key=text_key,
            local=frozenset({path, *(c.path for c in claims)}),
        )  # fmt: skip
        result = FileReport(path, len(index), attributed, regions, index.lines)
        self._reports.put(key, result)
        return result

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
            # A whole-repository question: list the working tree's changes now.
            self._revisions.listed(status_paths(self.repo))
            inputs = self.inputs()
            renamed = self.workspace.renamed(inputs)
            found = {renamed.get(path, path) for path in inputs.snapshot.paths()}
            found |= self.workspace.history_files(policy)
            found |= self.workspace.moved_to(
                inputs, lambda path, text: self.report(path, text, complete_risk=False)
            )
        return sorted(
            path
            for path in found
            if self.workspace.inside(path)
            and self.files.is_file(path)
            and not policy.is_ignored(path)
        )

    def may_hold_ai(self, path: str) -> bool:
        """Whether any source puts AI code in `path`: ledger claims (renames followed),
        history, or claims whose code moved here. The gate asks it of a file it cannot
        read: such a file blocks, any other is only skipped."""
        inputs = self.inputs()
        return bool(
            self.workspace.claims_for(path, inputs)
            or path in self.workspace.history_files(inputs.policy)
            or self.workspace.moved_here(path, {path}, inputs)
        )

    def _with_committers(
        self, path: str, lines: Sequence[str], attributed: dict[int, LineAuthorship]
    ) -> dict[int, LineAuthorship]:
        """AI lines with the author and committer of the commit that brought them in
        added to their recorders (`LineAuthorship.also_by`)."""
        if not any(v.contributor in AI_LIKE for v in attributed.values()):
            return attributed
        people = commit_people(self.repo, path, lines)
        if not people:
            return attributed
        result = dict(attributed)
        for line, verdict in attributed.items():
            found = people.get(line)
            if found is None or verdict.contributor not in AI_LIKE:
                continue
            extra = tuple(p for p in found if p not in verdict.recorders)
            if extra:
                result[line] = replace(verdict, also_by=(*verdict.also_by, *extra))
        return result
