"""Import Agent Trace records as ledger claims (`foureyes import --agent-trace`).

Each range is anchored to its content (see sources/agent_trace.py for the format and
the two ways producers number lines). Must not know about argv or terminals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from foureyes.app.edits import diff_texts
from foureyes.core.anchor import make_anchor
from foureyes.core.errors import EnvironmentProblem, UsageError
from foureyes.core.model import AiAuthorship, Contributor, HumanAuthorship
from foureyes.core.text import content_key, split_lines
from foureyes.sources.agent_trace import (
    DEFAULT_PATH,
    MIXED_CONFIDENCE,
    PSEUDO_FILES,
    SOURCE,
    TOOL_NAME,
    TRACE_CONFIDENCE,
    TraceRange,
    agent_name,
    hash_matches,
    range_text,
    read_traces,
)
from foureyes.store.initialise import append_claims
from foureyes.store.ledger import Ledger, now
from foureyes.store.repo import FOUREYES_DIR, Repository

# --- import -------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportResult:
    claims: list[AiAuthorship | HumanAuthorship] = field(default_factory=list)
    already: int = 0  # ranges imported before
    own: int = 0  # ranges foureyes itself exported: their claims are in the ledger already
    notes: list[str] = field(default_factory=list)


def import_traces(repo: Repository, source: Path) -> ImportResult:
    """Append a claim per usable range of `source`; see the module docstring."""
    if not source.exists():
        raise UsageError(
            f"{source} does not exist",
            f"give the traces file: foureyes import --agent-trace PATH (default {DEFAULT_PATH})",
        )
    traces = read_traces(source)
    result = ImportResult(notes=list(traces.problems))
    snapshot = Ledger(repo.ledger_path).snapshot()
    known: dict[str, set[str]] = {}
    texts = _Texts(repo)
    identity = None
    for item in traces.ranges:
        if item.tool == TOOL_NAME:
            result.own += 1  # our own export: those claims are in the ledger already
            continue
        where = f"{item.path}:{item.start}-{item.end} (record {item.record_id})"
        path = _repo_path(repo, item.path)
        if path is None:
            if item.path not in PSEUDO_FILES:
                result.notes.append(f"{where}: not a file in this repository; skipped")
            continue
        if item.contributor is Contributor.UNKNOWN:
            result.notes.append(f"{where}: contributor unknown; nothing to claim")
            continue
        claim_id = _claim_id(item)
        if path not in known:
            known[path] = {claim.id for claim in snapshot.for_path(path)}
        if claim_id in known[path]:
            result.already += 1
            continue
        lines, problem = _lines_for(texts, path, item)
        if lines is None:
            result.notes.append(f"{where}: {problem}; skipped")
            continue
        identity = identity or repo.identity()
        anchor = make_anchor(lines, item.start, item.end)
        at = item.timestamp or now()
        if item.contributor is Contributor.HUMAN:
            claim: AiAuthorship | HumanAuthorship = HumanAuthorship(
                id=claim_id, at=at, by=identity, path=path, anchor=anchor, source=SOURCE,
                note=f"Agent Trace record {item.record_id}",
            )  # fmt: skip
        else:
            mixed = item.contributor is Contributor.MIXED
            claim = AiAuthorship(
                id=claim_id, at=at, by=identity, path=path, anchor=anchor,
                agent=agent_name(item.tool), model=item.model, session=item.conversation,
                source=SOURCE, confidence=MIXED_CONFIDENCE if mixed else TRACE_CONFIDENCE,
            )  # fmt: skip
        known[path].add(claim_id)
        result.claims.append(claim)
    append_claims(repo, result.claims)
    return result


def _claim_id(item: TraceRange) -> str:
    seed = f"{item.record_id}|{item.path}|{item.ordinal}"
    return "at" + content_key(seed, 9)


def _repo_path(repo: Repository, path: str) -> str | None:
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = repo.root / candidate
    try:
        relative = repo.relpath(candidate)
    except UsageError:
        return None
    if relative.split("/", 1)[0] == FOUREYES_DIR:
        return None
    return relative


class _Texts:
    """File texts at revisions and in the working tree, read once each."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.cache: dict[tuple[str | None, str], str | None] = {}

    def get(self, revision: str | None, path: str) -> str | None:
        key = (revision, path)
        if key not in self.cache:
            if revision is None:
                try:
                    self.cache[key] = self.repo.read_text(path)
                except UsageError:
                    self.cache[key] = None
            else:
                try:
                    self.cache[key] = self.repo.git("show", f"{revision}:{path}")
                except EnvironmentProblem:
                    self.cache[key] = None
        return self.cache[key]


def _lines_for(texts: _Texts, path: str, item: TraceRange) -> tuple[list[str] | None, str]:
    """The lines the range's numbers refer to (see the module docstring), or why none."""
    at_revision = texts.get(item.revision, path) if item.revision else None
    worktree = texts.get(None, path)
    candidates: list[tuple[str, str]] = []
    if at_revision is not None and worktree is not None and _new_since(at_revision, worktree, item):
        candidates = [("worktree", worktree), ("revision", at_revision)]
    else:
        candidates = [(n, t) for n, t in (("revision", at_revision), ("worktree", worktree)) if t]
    fitting = [(n, split_lines(t)) for n, t in candidates if item.end <= len(split_lines(t))]
    if not fitting:
        return None, "its lines are beyond the end of the file"
    if item.content_hash:
        unknown_algorithm = False
        for _, lines in fitting:
            verdict = hash_matches(item.content_hash, range_text(lines, item.start, item.end))
            if verdict:
                return lines, ""
            unknown_algorithm = unknown_algorithm or verdict is None
        if not unknown_algorithm:
            return None, "its content_hash matches neither the revision nor the working tree"
    return fitting[0][1], ""


def _new_since(before: str, after: str, item: TraceRange) -> bool:
    """Whether every line of the range in `after` was added or changed since `before`."""
    written: set[int] = set()
    for run in diff_texts(before, after):
        written.update(range(run.start, run.end + 1))
    return all(line in written for line in range(item.start, item.end + 1))
