"""The one question every face asks: for this file's text, who wrote each line, which AI
regions are there, and where does each stand in review?

The engine joins the ledger (claims), anchoring (where those claims are now) and the
review rules into a `FileReport`. Results are cached by content: the same path, text
and ledger generation give the same report without any work, and a claim is resolved
against a given text only once. It must not know about LSP, argv, terminals or how
claims were captured.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from foureyes.anchor import LineMatch, Match, TextIndex, resolve
from foureyes.ledger import Ledger, LedgerSnapshot
from foureyes.model import (
    AiAuthorship,
    AnchoredClaim,
    Approval,
    ChangesRequested,
    Contributor,
    FileReport,
    HumanAuthorship,
    Identity,
    LineAuthorship,
    Region,
    Review,
    ReviewRequest,
    ReviewState,
)
from foureyes.repo import Repository

_PRESENT = frozenset({Match.SAME, Match.REFORMATTED, Match.EDITED})
_UNCHANGED = frozenset({Match.SAME, Match.REFORMATTED})
_AI_LIKE = frozenset({Contributor.AI, Contributor.MIXED})


@dataclass(frozen=True, slots=True)
class ReviewRules:
    """What the engine needs from the review policy (the policy module fills this in)."""

    approvals_required: int = 1


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class Engine:
    """Answers for one repository. Thread-safe; share one per repository."""

    def __init__(self, repo: Repository, rules: ReviewRules | None = None) -> None:
        self.repo = repo
        self.rules = rules or ReviewRules()
        self.ledger = Ledger(repo.ledger_path)
        self._lock = threading.Lock()
        self._reports: _Lru[tuple[object, ...], FileReport] = _Lru(256)
        self._resolutions: _Lru[tuple[str, str], dict[int, LineMatch]] = _Lru(50_000)
        self._indexes: _Lru[str, TextIndex] = _Lru(16)

    # --- questions ---

    def snapshot(self) -> LedgerSnapshot:
        return self.ledger.snapshot()

    def report(self, path: str, text: str | None = None) -> FileReport:
        """Authorship and regions of `path` for `text` (default: the working-tree file)."""
        if text is None:
            text = self.repo.read_text(path)
        snapshot = self.snapshot()
        claims = self.claims_for(path, snapshot)
        text_key = _content_key(text)
        key = (path, text_key, snapshot.generation, self.rules, len(claims))
        with self._lock:
            cached = self._reports.get(key)
        if cached is not None:
            return cached
        index = self._index(text_key, text)
        dismissed = snapshot.dismissed
        live = [c for c in claims if c.id not in dismissed]
        attributed = self._authorship(live, index, text_key)
        regions = self._regions(path, attributed, live, index, text_key)
        result = FileReport(path, len(index), attributed, regions)
        with self._lock:
            self._reports.put(key, result)
        return result

    def claims_for(self, path: str, snapshot: LedgerSnapshot) -> tuple[AnchoredClaim, ...]:
        """Claims recorded for `path`, and for names it had before a rename git knows of."""
        claims = list(snapshot.for_path(path))
        for old in snapshot.paths():
            moved = old != path and not self.repo.abspath(old).exists()
            if moved and self.repo.current_name(old) == path:
                claims.extend(snapshot.for_path(old))
        return tuple(claims)

    def tracked_paths(self) -> list[str]:
        """Current names of every file the ledger has claims about (renames followed)."""
        snapshot = self.snapshot()
        found: dict[str, None] = {}
        for path in snapshot.paths():
            if self.repo.abspath(path).is_file():
                found[path] = None
            else:
                current = self.repo.current_name(path)
                if current is not None and self.repo.abspath(current).is_file():
                    found[current] = None
        return sorted(found)

    # --- authorship ---

    def _index(self, text_key: str, text: str) -> TextIndex:
        with self._lock:
            index = self._indexes.get(text_key)
        if index is None:
            index = TextIndex(text)
            with self._lock:
                self._indexes.put(text_key, index)
        return index

    def _matches(
        self, claim: AnchoredClaim, index: TextIndex, text_key: str
    ) -> dict[int, LineMatch]:
        key = (claim.id, text_key)
        with self._lock:
            found = self._resolutions.get(key)
        if found is None:
            found = resolve(claim.anchor, index)
            with self._lock:
                self._resolutions.put(key, found)
        return found

    def _authorship(
        self, claims: Sequence[AnchoredClaim], index: TextIndex, text_key: str
    ) -> dict[int, LineAuthorship]:
        """Verdicts for the lines some claim speaks about; the latest claim wins a line."""
        verdicts: dict[int, LineAuthorship] = {}
        inserted_into_ai: set[int] = set()
        authorship = [c for c in claims if isinstance(c, AiAuthorship | HumanAuthorship)]
        authorship.sort(key=lambda claim: claim.at)  # stable: ledger order breaks ties
        for claim in authorship:
            is_ai = isinstance(claim, AiAuthorship)
            for position, match in self._matches(claim, index, text_key).items():
                if match.match is Match.INSERTED:
                    if is_ai:
                        inserted_into_ai.add(position + 1)
                    continue
                if not is_ai:
                    contributor = Contributor.HUMAN
                elif match.match in _UNCHANGED:
                    contributor = Contributor.AI
                else:
                    contributor = Contributor.MIXED
                verdicts[position + 1] = LineAuthorship(
                    position + 1, contributor, claim, match.claim_line
                )
        # A line a person inserted into an AI block is theirs, unless a claim says otherwise.
        for line in inserted_into_ai - verdicts.keys():
            verdicts[line] = LineAuthorship(line, Contributor.HUMAN)
        return dict(sorted(verdicts.items()))

    # --- regions and review ---

    def _regions(
        self,
        path: str,
        attributed: Mapping[int, LineAuthorship],
        claims: Sequence[AnchoredClaim],
        index: TextIndex,
        text_key: str,
    ) -> tuple[Region, ...]:
        runs = _ai_runs(attributed, index.lines)
        if not runs:
            return ()
        reviews = [
            (claim, self._matches(claim, index, text_key))
            for claim in claims
            if isinstance(claim, ReviewRequest | Approval | ChangesRequested)
        ]
        return tuple(
            Region(
                id=_region_id(run[0]),
                path=path,
                start_line=run[0].line,
                end_line=run[-1].line,
                lines=tuple(run),
                review=self._review(run, reviews),
            )
            for run in runs
        )

    def _review(
        self,
        run: Sequence[LineAuthorship],
        reviews: Iterable[tuple[AnchoredClaim, dict[int, LineMatch]]],
    ) -> Review:
        positions = {line.line - 1: line for line in run}
        approvers_per_line: dict[int, dict[str, Identity]] = {p: {} for p in positions}
        events: list[AnchoredClaim] = []
        requests: list[ReviewRequest] = []
        changes: list[ChangesRequested] = []
        for claim, matches in reviews:
            overlapping = [(p, m) for p, m in matches.items() if p in positions]
            if isinstance(claim, Approval):
                for position, match in overlapping:
                    brought_in_by = positions[position].claim
                    # An approval covers exactly the reviewed text, and never one's own AI code.
                    if match.match is Match.SAME and (
                        brought_in_by is None or brought_in_by.by.email != claim.by.email
                    ):
                        approvers_per_line[position][claim.by.email] = claim.by
                if overlapping:
                    events.append(claim)
            elif isinstance(claim, ReviewRequest):
                if any(m.match in _PRESENT for _, m in overlapping):
                    requests.append(claim)
                    events.append(claim)
            elif isinstance(claim, ChangesRequested) and any(
                m.match in _UNCHANGED for _, m in overlapping
            ):
                changes.append(claim)
                events.append(claim)
        common = set.intersection(*(set(a) for a in approvers_per_line.values()))
        everyone = {e: i for line in approvers_per_line.values() for e, i in line.items()}
        approvers = tuple(everyone[email] for email in sorted(common))
        required = self.rules.approvals_required
        if len(approvers) >= required:
            state = ReviewState.APPROVED
        elif not events:
            state = ReviewState.UNREVIEWED
        elif isinstance(max(events, key=lambda e: e.at), ChangesRequested):
            state = ReviewState.CHANGES_REQUESTED
        else:
            state = ReviewState.REVIEW_REQUESTED
        return Review(
            state=state,
            approvals_required=required,
            approvers=approvers,
            requests=tuple(requests),
            changes_requested=tuple(changes),
        )


def _ai_runs(
    attributed: Mapping[int, LineAuthorship], texts: Sequence[str]
) -> list[list[LineAuthorship]]:
    """Maximal runs of ai/mixed lines, from a non-blank line to a non-blank line.

    Blank lines between two AI lines do not split a run (unless a person claimed
    them); blank AI lines at its ends are left out so a region starts and ends on code.
    """
    runs: list[list[LineAuthorship]] = []
    current: list[LineAuthorship] = []
    for number, verdict in attributed.items():  # in line order
        if verdict.contributor not in _AI_LIKE:
            continue
        blank = not texts[number - 1].strip()
        if current and not _only_blank_between(current[-1].line, number, attributed, texts):
            runs.append(current)
            current = []
        if current or not blank:
            current.append(verdict)
    if current:
        runs.append(current)
    return [_trim_blank_end(run, texts) for run in runs]


def _only_blank_between(
    first: int, last: int, attributed: Mapping[int, LineAuthorship], texts: Sequence[str]
) -> bool:
    for number in range(first + 1, last):
        verdict = attributed.get(number)
        if texts[number - 1].strip() or (verdict and verdict.contributor is Contributor.HUMAN):
            return False
    return True


def _trim_blank_end(run: list[LineAuthorship], texts: Sequence[str]) -> list[LineAuthorship]:
    while run and not texts[run[-1].line - 1].strip():
        run.pop()
    return run


def _content_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _region_id(first: LineAuthorship) -> str:
    """Stable while the region's first line is the same captured line."""
    seed = f"{first.claim.id if first.claim else ''}:{first.claim_line}"
    return hashlib.blake2b(seed.encode(), digest_size=5).hexdigest()
