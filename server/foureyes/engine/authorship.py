"""Who wrote each line of a text: claims resolved against it, and their verdicts.

A claim's resolution (where its anchored lines are in this text) is a pure function
of the claim and the text, so it is cached by claim id and the text's content key,
never by the engine's inputs revision: a new ledger event elsewhere leaves it valid.
Typing reuses the previous text's index and, where an edit cannot change it, the
previous resolution (`_reuse`). Must not know about review, risk, policies or git.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import replace

from foureyes.core.anchor import CONTEXT_LINES
from foureyes.core.lru import Lru
from foureyes.core.model import (
    AiAuthorship,
    Anchor,
    AnchoredClaim,
    Contributor,
    Dismissal,
    HumanAuthorship,
    LineAuthorship,
    Seniors,
)
from foureyes.core.resolve import LineMatch, Match, resolve
from foureyes.core.text_index import TextIndex
from foureyes.rules import four_eyes as rules
from foureyes.store.ledger_snapshot import LedgerSnapshot

UNCHANGED = frozenset({Match.SAME, Match.REFORMATTED})
AI_LIKE = frozenset({Contributor.AI, Contributor.MIXED})

# What the shortcut compares: the signature `resolve` read, the resolution, and the
# serial of the index it was last confirmed on.
Last = tuple[tuple[object, ...], dict[int, LineMatch], int]


class Authorship:
    """Resolutions and line verdicts for one repository's claims. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # Small on purpose: a resolution is only reused for the same text, and every
        # object kept alive here makes garbage collection pauses longer.
        self._resolutions: Lru[tuple[str, str], dict[int, LineMatch]] = Lru(4096)
        self._indexes: Lru[tuple[str, frozenset[str]], TextIndex] = Lru(16)
        self._latest_indexes: Lru[str, TextIndex] = Lru(64)  # per path, to derive the next
        # Per claim: its verdicts, reused with its resolution (the same dict object).
        self._verdicts: Lru[
            str, tuple[dict[int, LineMatch], dict[int, LineAuthorship], tuple[int, ...]]
        ] = Lru(4096)
        # Per claim: the last resolution and what it depended on (see _reuse). Losing
        # one costs only the shortcut for that claim.
        self._last: Lru[str, Last] = Lru(4096)

    def last_resolution(self, claim_id: str) -> Last | None:
        """The resolution the shortcut would start from for this claim, if any."""
        return self._last.get(claim_id)

    def index(
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

    def matches(
        self, claim: AnchoredClaim, index: TextIndex, text_key: str
    ) -> dict[int, LineMatch]:
        key = (claim.id, text_key)
        with self._lock:
            found = self._resolutions.get(key)
            last = self._last.get(claim.id)
        if found is None:
            found = _reuse(claim, index, last)
            if found is not None and last is not None:
                with self._lock:  # still this text's resolution: its signature is the same
                    self._last.put(claim.id, (last[0], found, index.serial))
        if found is None:
            found = resolve(claim.anchor, index)
            signature = _resolution_signature(claim, index, found)
            with self._lock:
                self._last.put(claim.id, (signature, found, index.serial))
        with self._lock:
            self._resolutions.put(key, found)
        return found

    def lines(
        self, claims: Sequence[AnchoredClaim], index: TextIndex, text_key: str
    ) -> dict[int, LineAuthorship]:
        """Verdicts for the lines some claim speaks about; the later claim in the ledger
        wins a line (never the later `at`: a writer can date an event as it likes).

        A human claim over lines an AI claim wrote does not make them human: nobody
        turns AI lines into human lines alone. The lines stay AI, and the person who
        relabelled them joins those who may not approve them (see `relabelled`)."""
        verdicts: dict[int, LineAuthorship] = {}
        inserted_into_ai: set[int] = set()
        for claim in claims:
            if not isinstance(claim, AiAuthorship | HumanAuthorship):
                continue
            own, inserted = self._claim_verdicts(claim, self.matches(claim, index, text_key))
            if isinstance(claim, HumanAuthorship):
                own = relabelled(verdicts, own)
            verdicts.update(own)
            inserted_into_ai.update(inserted)
        # A line a person inserted into an AI block is theirs, unless a claim says otherwise.
        for line in inserted_into_ai - verdicts.keys():
            verdicts[line] = LineAuthorship(line, Contributor.HUMAN)
        return dict(sorted(verdicts.items()))

    def _claim_verdicts(
        self, claim: AiAuthorship | HumanAuthorship, matches: dict[int, LineMatch]
    ) -> tuple[dict[int, LineAuthorship], tuple[int, ...]]:
        """One claim's verdicts; reused with its resolution (the same dict object, which
        the cached entry holds, so it is never another object at a reused address)."""
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
            elif match.match in UNCHANGED:
                contributor = Contributor.AI
            else:
                contributor = Contributor.MIXED
            own[position + 1] = LineAuthorship(position + 1, contributor, claim, match.claim_line)
        with self._lock:
            self._verdicts.put(claim.id, (matches, own, tuple(inserted)))
        return own, tuple(inserted)


def live(
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


def moved_with(
    claim: AnchoredClaim, matches: dict[int, LineMatch], attributed: Mapping[int, LineAuthorship]
) -> dict[int, LineMatch]:
    """The part of a moved claim's resolution on lines that came from its own file."""
    kept = {}
    for position, match in matches.items():
        verdict = attributed.get(position + 1)
        if verdict is not None and verdict.claim is not None and verdict.claim.path == claim.path:
            kept[position] = match
    return kept if len(kept) != len(matches) else matches


def relabelled(
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
            and before.contributor in AI_LIKE
            and verdict.contributor is Contributor.HUMAN
            and isinstance(claim, HumanAuthorship)
        ):
            result[line] = replace(before, also_by=(*before.also_by, claim.by))
        else:
            result[line] = verdict
    return result


def _reuse(
    claim: AnchoredClaim, index: TextIndex, last: Last | None
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
