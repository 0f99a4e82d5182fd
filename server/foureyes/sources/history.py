"""AI authorship from git history: blame each line to its commit, then ask what that
commit's records say about the line.

For a file's current text, `history_authorship` returns a verdict for the lines
history knows about:

1. `git blame --porcelain HEAD -- PATH` gives, for each line of HEAD's version, the
   commit that last changed it, and the line's number and path in that commit. The
   current text is matched to HEAD's version line by line (a diff), so a line the
   working tree changed has no commit and gets no verdict, exactly as `git blame
   --contents` would say "Not Committed Yet". Blaming HEAD instead of the buffer
   means an editor that asks on every keystroke costs a diff, not a git process.
2. Where a commit has **line-level records** about a file, they decide for that
   file's lines, and its trailers add nothing there: a git-ai note (`refs/notes/ai`;
   the note's line numbers are the commit's) that lists the file, an Agent Trace
   record whose `vcs.revision` is the commit and that names the file (from
   `.agent-trace/traces.jsonl` in the working tree), or foureyes ledger claims about
   the file committed in it (those are resolved by the engine, so history says
   nothing for those lines). A line of such a file that no record lists stays
   unknown. Precedence is per file: a record about `a.py` says nothing about `b.py`,
   whose lines the commit's trailers still decide.
3. Otherwise a commit **marked as AI** (trailers, aider's author suffix, the Copilot
   coding agent; see trailers.py, plus the policy's `extra_markers`) makes its lines
   AI with confidence 0.6 and the agent and model the mark names.

Everything git answers is cached with diskcache under `history/` in the repository's
cache (`Repository.cache_dir`, in the git directory; derived data, never the ledger),
as JSON converted to and from these types explicitly (a value of the wrong shape is
a miss, and a miss is worked out again: never "no AI"), keyed by what makes it
immutable: blame by (HEAD commit, path), commit messages by commit id, notes by blob
id, the notes list by the notes ref's commit, the commits that carry ledger claims by
HEAD. After a new commit, a file no commit since its last blame touched keeps that
blame (one `git log` per pair of HEADs says which files were touched).

The answer itself is cached too, so that asking again in a new process (`foureyes
blame` of a file nothing changed in) reads one entry and runs no git: keyed by
everything it depends on, the text's lines, HEAD, the notes ref's commit, the traces
file's stamp, the policy's markers and foureyes' version and deciding code
(`_answer_key`); likewise who brought each line in (`commit_people`), by lines and
HEAD. Only answers for HEAD's own text are kept on disk: a text being edited is new
on every keystroke and stays in memory (a repeated call with the same text is
answered from memory). `prefetch` starts the git work for a file in the background
while the caller does other work. Works in any git repository: no `foureyes init`,
no ledger needed; a cache that cannot be written is skipped.

This module knows git and the record formats; it must not know about the engine's
merging (`merge_history` below is offered to it), argv or LSP.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from foureyes import __version__
from foureyes.core.anchor import make_anchor
from foureyes.core.errors import EnvironmentProblem
from foureyes.core.lru import Lru
from foureyes.core.model import AiAuthorship, Contributor, HumanAuthorship, Identity, LineAuthorship
from foureyes.core.text import content_key, line_opcodes, split_lines
from foureyes.sources.agent_trace import DEFAULT_PATH as TRACES_PATH
from foureyes.sources.agent_trace import (
    MIXED_CONFIDENCE,
    TRACE_CONFIDENCE,
    TraceRange,
    agent_name,
    hash_matches,
    range_text,
    read_traces,
)
from foureyes.sources.gitai import GITAI_CONFIDENCE, NOTES_REF, Note, parse_note
from foureyes.sources.trailers import TRAILER_CONFIDENCE, AiMark, ai_mark
from foureyes.store import gitrefs
from foureyes.store.catfile import BlobReader
from foureyes.store.diskstore import DiskStore
from foureyes.store.files import LEDGER_RELPATH
from foureyes.store.repo import Repository, file_stamp

SOURCE_TRAILER = "git-trailer"
SOURCE_GITAI = "git-ai"
SOURCE_TRACE = "agent-trace"
# Bump when what is cached changes shape: old entries are then simply not found.
CACHE_VERSION = 2
_UNCOMMITTED = "0" * 40
# Above this many (old lines x new lines) the changed middle of a file is not diffed
# line by line; its lines get no verdict (they are being edited anyway).
_MAX_DIFF_CELLS = 4_000_000
_CLAIM_KINDS = r'"kind" *: *"(ai|human)"'


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """What history says about one line of the current text."""

    line: int  # 1-based, in the current text
    contributor: Contributor  # ai, mixed or human
    agent: str | None
    model: str | None
    confidence: float
    source: str  # "git-trailer", "git-ai" or "agent-trace"
    commit: str  # the commit blame assigns the line to
    orig_line: int  # the line's number in that commit
    orig_path: str  # the file's path in that commit
    author: Identity  # the commit's author
    at: datetime  # the commit's author time
    session: str | None = None
    evidence: str | None = None  # the trailer or record that said so


# --- what is cached -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Blame:
    """HEAD's version of a file, each line with (commit index, line in commit, path index)."""

    commits: tuple[str, ...]
    paths: tuple[str, ...]
    origins: tuple[tuple[int, int, int], ...]
    texts: tuple[str, ...]


_NO_BLAME = _Blame((), (), (), ())


def _blame_to_json(blame: _Blame) -> dict[str, Any]:
    flat = [number for origin in blame.origins for number in origin]
    return {"commits": list(blame.commits), "paths": list(blame.paths), "origins": flat,
            "texts": list(blame.texts)}  # fmt: skip


def _blame_from_json(value: object) -> _Blame | None:
    """A cached blame, or None unless `value` is exactly what _blame_to_json makes."""
    if not isinstance(value, dict):
        return None
    commits, paths = _strings(value.get("commits")), _strings(value.get("paths"))
    texts, flat = _strings(value.get("texts")), value.get("origins")
    if commits is None or paths is None or texts is None or not isinstance(flat, list):
        return None
    if len(flat) != 3 * len(texts) or not all(type(n) is int for n in flat):
        return None
    origins = tuple(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
    if not all(0 <= c < len(commits) and n >= 0 and 0 <= p < len(paths) for c, n, p in origins):
        return None
    return _Blame(tuple(commits), tuple(paths), origins, tuple(texts))


@dataclass(frozen=True, slots=True)
class _Commit:
    author: Identity
    committer: Identity
    at: datetime
    message: str  # the last paragraph only: where trailers live


def _commit_to_json(commit: _Commit) -> dict[str, Any]:
    return {
        "author": [commit.author.name, commit.author.email],
        "committer": [commit.committer.name, commit.committer.email],
        "at": commit.at.isoformat(), "message": commit.message,
    }  # fmt: skip


def _commit_from_json(value: object) -> _Commit | None:
    if not isinstance(value, dict):
        return None
    author, committer = _strings(value.get("author")), _strings(value.get("committer"))
    at, message = value.get("at"), value.get("message")
    if author is None or committer is None or len(author) != 2 or len(committer) != 2:
        return None
    when = _aware_time(at)
    if when is None or not isinstance(message, str):
        return None
    return _Commit(Identity(*author), Identity(*committer), when, message)


def _aware_time(value: object) -> datetime | None:
    """An ISO 8601 time with its offset, as this module writes them; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _strings(value: object) -> list[str] | None:
    """`value` if it is a list of strings, else None."""
    if isinstance(value, list) and all(type(item) is str for item in value):
        return value
    return None


def _lines_id(lines: Sequence[str]) -> str:
    """What answers about a text depend on of it: its lines (a final line break, or
    \\r\\n instead of \\n, changes none of them)."""
    return content_key(f"{len(lines)}\n" + "\n".join(lines))


# The modules whose code decides what history says: a checkout that changes one of them
# (a development install) must not be answered from what the old code decided.
_DECIDERS = ("history.py", "trailers.py", "gitai.py", "agent_trace.py")


def _code_stamp() -> list[object]:
    here = Path(__file__).parent
    return [__version__, *(list(file_stamp(here / name) or ()) for name in _DECIDERS)]


def _answer_key(
    path: str, lines: Sequence[str], state: tuple[object, ...], markers: tuple[str, ...]
) -> tuple[object, ...]:
    """The disk key of history's answer for `lines` of `path`: everything it depends on.
    HEAD (blame, commits, the ledger's commits), the notes ref's commit, the traces
    file's stamp, the policy's markers, and foureyes' version and deciding code."""
    head, notes_commit, traces = state
    traces_key = list(traces) if isinstance(traces, tuple) else None
    return ("answer", _code_stamp(), path, _lines_id(lines), head, notes_commit, traces_key,
            list(markers))  # fmt: skip


_CONTRIBUTORS = {c.value: c for c in (Contributor.AI, Contributor.MIXED, Contributor.HUMAN)}


def _answer_to_json(answer: Mapping[int, HistoryLine]) -> dict[str, Any]:
    """Verdicts as (line, group, line in its commit) triples; what lines of one commit
    share (who, which record, the commit) is written once per group."""
    groups: dict[tuple[object, ...], int] = {}
    flat: list[int] = []
    for number, verdict in answer.items():
        group = (
            verdict.contributor.value, verdict.agent, verdict.model, verdict.confidence,
            verdict.source, verdict.commit, verdict.orig_path, verdict.author.name,
            verdict.author.email, verdict.at.isoformat(), verdict.session, verdict.evidence,
        )  # fmt: skip
        flat += (number, groups.setdefault(group, len(groups)), verdict.orig_line)
    return {"groups": [list(group) for group in groups], "lines": flat}


def _answer_from_json(value: object) -> dict[int, HistoryLine] | None:
    """A cached answer, or None unless `value` is exactly what _answer_to_json makes."""
    if not isinstance(value, dict) or set(value) != {"groups", "lines"}:
        return None
    groups, flat = value["groups"], value["lines"]
    if not isinstance(groups, list) or not isinstance(flat, list) or len(flat) % 3:
        return None
    made = []
    for group in groups:
        fields = _group_from_json(group)
        if fields is None:
            return None
        made.append(fields)
    answer: dict[int, HistoryLine] = {}
    for number, index, orig_line in zip(flat[0::3], flat[1::3], flat[2::3], strict=True):
        if not (type(number) is int and type(index) is int and type(orig_line) is int):
            return None
        if number < 1 or orig_line < 1 or not 0 <= index < len(made) or number in answer:
            return None
        answer[number] = HistoryLine(line=number, orig_line=orig_line, **made[index])
    return answer


def _group_from_json(group: object) -> dict[str, Any] | None:
    if not isinstance(group, list) or len(group) != 12:
        return None
    kind, agent, model, confidence, source, commit, orig_path, name, email, at = group[:10]
    session, evidence = group[10:]
    texts = (kind, source, commit, orig_path, name, email, at)
    optional = (agent, model, session, evidence)
    if not all(type(t) is str for t in texts) or kind not in _CONTRIBUTORS:
        return None
    if not all(o is None or type(o) is str for o in optional) or type(confidence) is not float:
        return None
    when = _aware_time(at)
    if when is None:
        return None
    return {
        "contributor": _CONTRIBUTORS[kind], "agent": agent, "model": model,
        "confidence": confidence, "source": source, "commit": commit, "orig_path": orig_path,
        "author": Identity(name, email), "at": when, "session": session, "evidence": evidence,
    }  # fmt: skip


def _people_to_json(people: Mapping[int, tuple[Identity, ...]]) -> dict[str, Any]:
    """Runs of consecutive lines brought in by the same people: (first line, count, who)."""
    who: dict[tuple[Identity, ...], int] = {}
    by_object: dict[int, int] = {}  # the lines of one commit share one tuple: no hashing
    runs: list[int] = []
    for number, identities in people.items():
        index = by_object.get(id(identities))
        if index is None:
            index = by_object[id(identities)] = who.setdefault(identities, len(who))
        if runs and runs[-3] + runs[-2] == number and runs[-1] == index:
            runs[-2] += 1
        else:
            runs += (number, 1, index)
    named = [[part for person in group for part in (person.name, person.email)] for group in who]
    return {"who": named, "runs": runs}


def _people_from_json(value: object) -> dict[int, tuple[Identity, ...]] | None:
    """Cached people, or None unless `value` is exactly what _people_to_json makes."""
    if not isinstance(value, dict) or set(value) != {"who", "runs"}:
        return None
    named, runs = value["who"], value["runs"]
    if not isinstance(named, list) or not isinstance(runs, list) or len(runs) % 3:
        return None
    groups = []
    for parts in named:
        if _strings(parts) is None or not parts or len(parts) % 2:
            return None
        groups.append(tuple(Identity(n, e) for n, e in zip(parts[0::2], parts[1::2], strict=True)))
    people: dict[int, tuple[Identity, ...]] = {}
    for first, count, index in zip(runs[0::3], runs[1::3], runs[2::3], strict=True):
        if not (type(first) is int and type(count) is int and type(index) is int):
            return None
        if first < 1 or count < 1 or not 0 <= index < len(groups):
            return None
        for number in range(first, first + count):
            if number in people:
                return None
            people[number] = groups[index]
    return people


@dataclass(slots=True)
class _Records:
    """Line-level records that concern one blamed commit."""

    note: Note | None = None
    traces: dict[str, list[TraceRange]] = field(default_factory=dict)  # path -> ranges
    ledger: frozenset[str] = frozenset()  # paths the commit added ledger claims about

    @property
    def any(self) -> bool:
        return self.note is not None or bool(self.traces) or bool(self.ledger)

    def name(self, path: str) -> bool:
        """Whether a line-level record of the commit speaks about `path`: then the
        records decide its lines. A record about one file says nothing about another."""
        in_note = self.note is not None and path in self.note.files
        return in_note or path in self.traces or path in self.ledger


# --- the public functions ---------------------------------------------------------------


def history_authorship(
    repo: Repository, path: str, text: str, *, extra_markers: Sequence[str] = ()
) -> dict[int, HistoryLine]:
    """Verdicts for the lines of `text` (the current content of `path`) that history
    attributes; lines absent from the result are unknown to history. See the module
    docstring. Never raises for git trouble (a path git does not know, no commits):
    it then knows nothing."""
    return _view(repo).authorship(path, text, tuple(extra_markers))


def history_state(repo: Repository) -> tuple[object, ...]:
    """A cheap key that changes whenever history's answers may (HEAD, the notes ref, the
    traces file); for callers that cache reports. Runs no git in the usual layouts."""
    return _view(repo).state()


def commit_people(
    repo: Repository, path: str, lines: Sequence[str]
) -> dict[int, tuple[Identity, ...]]:
    """For each of the current `lines` that HEAD has unchanged, the author and committer of the
    commit that brought it in (as `git blame` says). Whoever committed AI code brought
    it in as much as whoever recorded it: neither may approve it. Lines the working
    tree changed, and files git does not know, have none. Never raises for git trouble.
    """
    return _view(repo).people(path, lines)


def prefetch(repo: Repository, path: str) -> None:
    """Start, in the background, the git work that `history_authorship` of `path` will
    need and has not cached (blame of HEAD's version, its commits, the ledger's commits,
    the notes list), so that git runs while the caller does other work: `foureyes
    blame` imports the engine meanwhile. Returns at once and never raises; the later
    call waits for what is under way instead of starting it again. Nothing is started
    when HEAD's blame of the file is already cached."""
    view = _view(repo)
    head = view.ref("HEAD")
    if isinstance(head, str):
        threading.Thread(
            target=view.prefetch, args=(head, path), name="foureyes-history", daemon=True
        ).start()


def history_paths(repo: Repository, markers: Sequence[str] = ()) -> frozenset[str]:
    """Paths that history may attribute AI lines to: files that AI-marked commits on
    HEAD's history touched, and files git-ai notes or Agent Trace records name. A
    superset of the files with AI lines from history (a later human commit may have
    rewritten them); the engine's report of each decides. Paths are as those commits
    had them. Cached per history state; never raises for git trouble."""
    view = _view(repo)
    state = (*view.state(), tuple(markers))
    head = state[0]
    if not isinstance(head, str):
        return frozenset()
    with _PATHS_LOCK:
        cached = _PATHS.get(repo.root)
        if cached is not None and cached[0] == state:
            return cached[1]
    found: set[str] = set()
    try:
        commits = repo.git("rev-list", head).split()
    except EnvironmentProblem:
        commits = []
    infos = view.commit_infos(commits)
    marked = [c for c, info in infos.items() if info is not None
              and view.mark(c, info, tuple(markers)) is not None]  # fmt: skip
    if marked:
        try:
            output = repo.git("diff-tree", "--stdin", "-r", "-z", "--no-commit-id",
                              "--name-only", "--root", stdin="\n".join(marked) + "\n")  # fmt: skip
        except EnvironmentProblem:
            output = ""
        found.update(name for name in output.split("\0") if name.strip())
    notes_commit = state[1]
    if isinstance(notes_commit, str):
        for note in view.parse_notes(set(view.notes_list(notes_commit).values())).values():
            found.update(note.paths)
    for by_path in view.traces().values():
        found.update(by_path)
    result = frozenset(found)
    with _PATHS_LOCK:
        _PATHS[repo.root] = (state, result)
    return result


_PATHS: dict[Path, tuple[tuple[object, ...], frozenset[str]]] = {}
_PATHS_LOCK = threading.Lock()


def history_line_authorship(
    path: str, lines: Sequence[str], history: Mapping[int, HistoryLine]
) -> dict[int, LineAuthorship]:
    """History verdicts as the engine's LineAuthorship, each carrying a synthetic claim.

    One claim per (source, commit, agent, model): its id is stable (`git:` + source +
    commit + agent + model hashed), `by` is the commit's author (so the four-eyes rule
    keeps them from approving what they committed), `at` the author time, and its
    anchor is the first line it covers (a hint only). `claim_line` is the line's
    number in that commit, minus one, so region ids stay put when lines above move.
    """
    groups: dict[tuple[str, str, str | None, str | None, Contributor], list[HistoryLine]] = {}
    for verdict in history.values():
        key = (verdict.source, verdict.commit, verdict.agent, verdict.model, verdict.contributor)
        groups.setdefault(key, []).append(verdict)
    result: dict[int, LineAuthorship] = {}
    for (source, commit, agent, model, kind), members in groups.items():
        first = min(members, key=lambda v: v.line)
        seed = f"{source}|{commit}|{agent}|{model}|{kind.value}"
        claim_id = "git" + content_key(seed, 9)
        anchor = make_anchor(lines, first.line, first.line)
        claim: AiAuthorship | HumanAuthorship
        if kind is Contributor.HUMAN:
            claim = HumanAuthorship(
                id=claim_id, at=first.at, by=first.author, path=path, anchor=anchor,
                source=source, note=first.evidence,
            )  # fmt: skip
        else:
            claim = AiAuthorship(
                id=claim_id, at=first.at, by=first.author, path=path, anchor=anchor,
                agent=agent or "unspecified", model=model, session=first.session,
                source=source, confidence=max(v.confidence for v in members),
            )  # fmt: skip
        for verdict in members:
            result[verdict.line] = LineAuthorship(
                verdict.line, verdict.contributor, claim, verdict.orig_line - 1
            )
    return dict(sorted(result.items()))


def merge_history(
    attributed: Mapping[int, LineAuthorship], history: Mapping[int, LineAuthorship]
) -> dict[int, LineAuthorship]:
    """Ledger verdicts win; history fills only lines the ledger has no verdict for."""
    merged = dict(attributed)
    for line, verdict in history.items():
        merged.setdefault(line, verdict)
    return dict(sorted(merged.items()))


# --- the per-repository view -------------------------------------------------------------

_VIEWS: dict[Path, _View] = {}
_VIEWS_LOCK = threading.Lock()


def _view(repo: Repository) -> _View:
    with _VIEWS_LOCK:
        view = _VIEWS.get(repo.root)
        if view is None:
            view = _VIEWS[repo.root] = _View(repo)
        return view


class _View:
    """Caches and git access for one repository; thread-safe."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.lock = threading.Lock()
        self.disk = DiskStore(repo.cache_dir, "history", size_limit=2**30)
        self._touched_lock = threading.Lock()
        self.cat = BlobReader(repo)  # one cat-file process, shared by the threads
        self._gitdir: Path | None = None
        self._answers: Lru[tuple[object, ...], dict[int, HistoryLine]] = Lru(512)
        self._commits: dict[str, _Commit | None] = {}
        self._notes_lists: dict[str, dict[str, str]] = {}
        self._notes: dict[str, Note] = {}
        self._ledger_commits: dict[str, dict[str, frozenset[str]]] = {}
        self._traces: tuple[object, dict[str, dict[str, list[TraceRange]]]] | None = None
        self._marks: dict[tuple[str, tuple[str, ...]], AiMark | None] = {}
        self._could: dict[tuple[object, ...], bool] = {}
        self._hashes: dict[tuple[object, ...], bool] = {}
        self._blames: Lru[tuple[str, str], _Blame] = Lru(64)
        self._people: Lru[tuple[object, ...], dict[int, tuple[Identity, ...]]] = Lru(64)
        self._mappings: Lru[tuple[object, ...], dict[int, int | None]] = Lru(8)
        # One lock per piece of git work under way (a blame, a log), so that a thread
        # that needs it waits for the one computing it instead of running git again.
        self._flights: Lru[tuple[object, ...], threading.Lock] = Lru(1024)

    def _flight(self, key: tuple[object, ...]) -> threading.Lock:
        with self.lock:
            found = self._flights.get(key)
            if found is None:
                found = threading.Lock()
                self._flights.put(key, found)
            return found

    # --- state ---

    def gitdir(self) -> Path:
        if self._gitdir is None:
            self._gitdir = self.repo.git_dir
        return self._gitdir

    def ref(self, name: str) -> str | None:
        found = gitrefs.read_ref(self.gitdir(), name)
        if found is not False:
            return found if isinstance(found, str) else None
        try:
            return self.repo.git("rev-parse", "--verify", "-q", name).strip() or None
        except EnvironmentProblem:
            return None

    def state(self) -> tuple[object, ...]:
        traces = file_stamp(self.repo.root / TRACES_PATH)
        return (self.ref("HEAD"), self.ref(NOTES_REF), traces)

    # --- the answer ---

    def authorship(self, path: str, text: str, markers: tuple[str, ...]) -> dict[int, HistoryLine]:
        state = self.state()
        head = state[0]
        if not isinstance(head, str):
            return {}
        text_key = content_key(text)
        key = (path, text_key, state, markers)
        found = self._answers.get(key)
        if found is not None:
            return found
        lines = split_lines(text)
        # Everything the answer depends on: the lines, HEAD, the notes ref, the traces
        # file, the policy's markers and the code that decides (see _answer_key).
        disk_key = _answer_key(path, lines, state, markers)
        answer = _answer_from_json(self._get(disk_key))
        if answer is None:  # a miss, or an entry of the wrong shape: work it out again
            answer, blame = self._compute(head, state[1], path, lines, markers)
            if lines == list(blame.texts):
                # Kept on disk only for HEAD's own text (what a terminal, `scan` and the
                # gate mostly ask about): a text being edited is new on every keystroke.
                self._set(disk_key, _answer_to_json(answer))
        self._answers.put(key, answer)
        return answer

    def _compute(
        self, head: str, notes_commit: object, path: str, current: list[str],
        markers: tuple[str, ...],
    ) -> tuple[dict[int, HistoryLine], _Blame]:  # fmt: skip
        blame = self.blame(head, path)
        if not blame.origins or not self._could_attribute(head, notes_commit, path, blame, markers):
            return {}, blame
        mapping = self._mapping(head, path, blame, current)
        wanted = {blame.origins[old][0] for old in mapping.values() if old is not None}
        commit_ids = [blame.commits[i] for i in sorted(wanted)]
        commit_ids = [c for c in commit_ids if c != _UNCOMMITTED]
        infos = self.commit_infos(commit_ids)
        records = self.records(head, notes_commit, commit_ids)
        # Most lines of a large file come from commits that say nothing: found out once
        # per commit (and path) here instead of once per line in _decide.
        speaking = {
            commit for commit, info in infos.items()
            if info is not None and self.mark(commit, info, markers) is not None
        }  # fmt: skip
        named = {
            (commit, name) for commit, found in records.items() for name in blame.paths
            if found.name(name)
        }  # fmt: skip
        result: dict[int, HistoryLine] = {}
        for number, old in mapping.items():
            if old is None:
                continue
            commit_index, orig_line, path_index = blame.origins[old]
            commit = blame.commits[commit_index]
            if commit not in speaking and (commit, blame.paths[path_index]) not in named:
                continue  # _decide would say nothing: no records name the file, no mark
            info = infos.get(commit)
            if info is None:
                continue
            verdict = self._decide(
                number, commit, orig_line, blame.paths[path_index], info,
                records.get(commit), markers,
            )  # fmt: skip
            if verdict is not None:
                result[number] = verdict
        return dict(sorted(result.items())), blame

    def _mapping(
        self, head: str, path: str, blame: _Blame, current: Sequence[str]
    ) -> dict[int, int | None]:
        """`_map_lines` of HEAD's version to `current`, remembered for the next question
        about the same text (the people who brought its lines in)."""
        key = (head, path, _lines_id(current))
        found = self._mappings.get(key)
        if found is None:
            found = _map_lines(blame.texts, current)
            self._mappings.put(key, found)
        return found

    def people(self, path: str, lines: Sequence[str]) -> dict[int, tuple[Identity, ...]]:
        """See `commit_people`. Cached by (path, lines, HEAD), which is all it depends on."""
        head = self.ref("HEAD")
        if not isinstance(head, str):
            return {}
        key = ("people", path, _lines_id(lines), head)
        found = self._people.get(key)
        if found is not None:
            return found
        found = _people_from_json(self._get(key))
        if found is None:
            blame = self.blame(head, path)
            found = self._people_now(head, path, blame, lines)
            if list(lines) == list(blame.texts):
                self._set(key, _people_to_json(found))
        self._people.put(key, found)
        return found

    def _people_now(
        self, head: str, path: str, blame: _Blame, lines: Sequence[str]
    ) -> dict[int, tuple[Identity, ...]]:
        if not blame.origins:
            return {}
        mapping = self._mapping(head, path, blame, lines)
        commits = {
            blame.commits[blame.origins[old][0]] for old in mapping.values() if old is not None
        }
        infos = self.commit_infos(sorted(commits - {_UNCOMMITTED}))
        people: dict[str, tuple[Identity, ...]] = {
            commit: tuple(dict.fromkeys((info.author, info.committer)))
            for commit, info in infos.items()
            if info is not None
        }
        result: dict[int, tuple[Identity, ...]] = {}
        for number, old in sorted(mapping.items()):
            if old is not None:
                found = people.get(blame.commits[blame.origins[old][0]])
                if found:
                    result[number] = found
        return result

    def prefetch(self, head: str, path: str) -> None:
        """See `prefetch`: the git work for (HEAD, path) that the policy's markers do not
        change, started at once: blame, its commits and their notes in this thread, the
        ledger's log and the notes list in another."""
        notes_commit = self.ref(NOTES_REF)

        def lists() -> None:
            self.ledger_commits(head)
            if isinstance(notes_commit, str):
                self.notes_list(notes_commit)

        try:
            if self._get(("blamed-at", path)) == head:
                return  # blamed at this HEAD already: nothing of this file to ask git
            other = threading.Thread(target=lists, name="foureyes-history", daemon=True)
            other.start()
            blame = self.blame(head, path)
            commits = [c for c in dict.fromkeys(blame.commits) if c != _UNCOMMITTED]
            self.commit_infos(commits)
            other.join()
            self.records(head, notes_commit, commits)  # reads the notes these commits have
        except Exception:  # only a head start: the caller's own call does it properly
            return

    def _could_attribute(
        self, head: str, notes_commit: object, path: str, blame: _Blame, markers: tuple[str, ...]
    ) -> bool:
        """Whether any commit the file's lines come from carries records or an AI mark.

        Most files have neither; answering that once per (HEAD, file) spares the line
        diff that mapping the current text to HEAD costs on every keystroke.
        """
        key = (head, notes_commit, path, markers)
        with self.lock:
            if key in self._could:
                return self._could[key]
        commits = [c for c in dict.fromkeys(blame.commits) if c != _UNCOMMITTED]
        infos = self.commit_infos(commits)
        records = self.records(head, notes_commit, commits)
        found = bool(records) or any(
            info is not None and self.mark(commit, info, markers) is not None
            for commit, info in infos.items()
        )
        with self.lock:
            self._could[key] = found
        return found

    def _decide(
        self,
        number: int,
        commit: str,
        orig_line: int,
        orig_path: str,
        info: _Commit,
        records: _Records | None,
        markers: tuple[str, ...],
    ) -> HistoryLine | None:
        base = {
            "line": number, "commit": commit, "orig_line": orig_line, "orig_path": orig_path,
            "author": info.author, "at": info.at,
        }  # fmt: skip
        if records is not None and records.name(orig_path):
            if records.note is not None:
                author = records.note.author_of(orig_path, orig_line)
                if author is not None:
                    return HistoryLine(
                        contributor=author.contributor, agent=author.agent, model=author.model,
                        confidence=GITAI_CONFIDENCE, source=SOURCE_GITAI, session=author.session,
                        evidence=f"git-ai note on {commit[:12]}", **base,  # type: ignore[arg-type]
                    )  # fmt: skip
            for item in records.traces.get(orig_path, ()):
                if item.start <= orig_line <= item.end and self._hash_holds(commit, item):
                    if item.contributor is Contributor.UNKNOWN:
                        return None
                    mixed = item.contributor is Contributor.MIXED
                    return HistoryLine(
                        contributor=item.contributor, agent=agent_name(item.tool),
                        model=item.model, session=item.conversation,
                        confidence=MIXED_CONFIDENCE if mixed else TRACE_CONFIDENCE,
                        source=SOURCE_TRACE, evidence=f"Agent Trace record {item.record_id}",
                        **base,  # type: ignore[arg-type]
                    )  # fmt: skip
            return None  # line-level records decide this file, and do not list this line
        mark = self.mark(commit, info, markers)
        if mark is None:
            return None
        return HistoryLine(
            contributor=Contributor.AI, agent=mark.agent, model=mark.model,
            confidence=TRAILER_CONFIDENCE, source=SOURCE_TRAILER, evidence=mark.evidence,
            **base,  # type: ignore[arg-type]
        )  # fmt: skip

    def _hash_holds(self, commit: str, item: TraceRange) -> bool:
        """False when a range's content_hash does not match the file at the commit.

        Producers disagree on what a record's line numbers refer to (the spec: the
        file at `vcs.revision`; the reference implementation: the edited working
        tree). Where a hash can tell, a range that does not fit is not applied here;
        `foureyes import` places such records by their hash instead.
        """
        if not item.content_hash:
            return True
        key = (commit, item.record_id, item.path, item.start, item.end)
        with self.lock:
            if key in self._hashes:
                return self._hashes[key]
        data = self.cat.read(f"{commit}:{item.path}")
        lines = split_lines(data.decode("utf-8", "replace")) if data is not None else []
        fits = hash_matches(item.content_hash, range_text(lines, item.start, item.end))
        with self.lock:
            self._hashes[key] = fits is not False
        return fits is not False

    def mark(self, commit: str, info: _Commit, markers: tuple[str, ...]) -> AiMark | None:
        key = (commit, markers)
        with self.lock:
            if key in self._marks:
                return self._marks[key]
        found = ai_mark(info.message, info.author, info.committer, markers)
        with self.lock:
            self._marks[key] = found
        return found

    # --- git, cached ---

    def _get(self, key: tuple[object, ...]) -> Any:
        return self.disk.get((CACHE_VERSION, *key))

    def _set(self, key: tuple[object, ...], value: object) -> None:
        self.disk.set((CACHE_VERSION, *key), value)

    def _set_many(self, items: Sequence[tuple[tuple[object, ...], object]]) -> None:
        self.disk.set_many([((CACHE_VERSION, *key), value) for key, value in items])

    def blame(self, head: str, path: str) -> _Blame:
        # In memory too: an editor asks about the same file on every keystroke, and
        # decoding a large file's blame from disk each time would be wasted work.
        known = self._blames.get((head, path))
        if known is not None:
            return known
        with self._flight(("blame", head, path)):  # a prefetch may be blaming it now
            known = self._blames.get((head, path))
            if known is not None:
                return known
            found = _blame_from_json(self._get(("blame", head, path)))
            blame = found if found is not None else self._blame_now(head, path)
            self._blames.put((head, path), blame)
            return blame

    def _blame_now(self, head: str, path: str) -> _Blame:
        key = ("blame", head, path)
        blame = self._carried(head, path)
        if blame is None:
            try:
                output = self.repo.git("blame", "--porcelain", head, "--", path)
            except EnvironmentProblem:
                # Not in HEAD (new, untracked), a directory, no such path, or git failed
                # (a lock, memory): known to this process only, never kept on disk, so
                # that a failure is asked again instead of meaning "no history" for good.
                return _NO_BLAME
            blame = _parse_blame(output)
        self._set_many([(key, _blame_to_json(blame)), (("blamed-at", path), head)])
        return blame

    def _carried(self, head: str, path: str) -> _Blame | None:
        """The blame from an earlier HEAD, when no commit since then touched the path.

        After a commit, only the files it touched need blaming again: for every other
        file, blame at the new HEAD is blame at the old one, line for line.
        """
        previous = self._get(("blamed-at", path))
        if not isinstance(previous, str) or previous == head:
            return None
        touched = self.touched(previous, head)
        if touched is None or path in touched:
            return None
        return _blame_from_json(self._get(("blame", previous, path)))

    def touched(self, old: str, new: str) -> frozenset[str] | None:
        """Paths any commit in old..new changed; None when old is not an ancestor of new
        (a rebase or reset: history was rewritten, nothing carries over)."""
        key = ("touched", old, new)
        with self._touched_lock:  # one git run per pair, however many threads ask
            found = self._get(key)
            names = _strings(found)
            if names is not None:
                return frozenset(names)
            if found == "unrelated":
                return None
            try:
                self.repo.git("merge-base", "--is-ancestor", old, new)
                output = self.repo.git(
                    "log", "-z", "--format=", "--name-only", "--no-renames", f"{old}..{new}"
                )
            except EnvironmentProblem:
                self._set(key, "unrelated")
                return None
            # -z: names unquoted, whatever characters they hold
            touched = frozenset(name.strip("\n") for name in output.split("\0") if name.strip())
            self._set(key, sorted(touched))
            return touched

    def commit_infos(self, commits: Iterable[str]) -> dict[str, _Commit | None]:
        result: dict[str, _Commit | None] = {}
        missing = []
        for commit in commits:
            with self.lock:
                known = self._commits.get(commit, False)
            if known is not False:
                result[commit] = known  # type: ignore[assignment]
                continue
            cached = _commit_from_json(self._get(("commit", commit)))
            if cached is not None:
                result[commit] = cached
            else:
                missing.append(commit)
        if missing:
            fresh: list[tuple[tuple[object, ...], object]] = []
            for commit, data in self.cat.read_all(missing).items():
                info = _parse_commit(data) if data is not None else None
                result[commit] = info
                if info is not None:
                    fresh.append((("commit", commit), _commit_to_json(info)))
            self._set_many(fresh)
        with self.lock:
            self._commits.update(result)
        return result

    def records(
        self, head: str, notes_commit: object, commits: Sequence[str]
    ) -> dict[str, _Records]:
        found: dict[str, _Records] = {}
        ledger = self.ledger_commits(head)
        notes = self.notes_list(notes_commit) if isinstance(notes_commit, str) else {}
        traces = self.traces()
        blobs = {notes[c] for c in commits if c in notes}
        parsed = self.parse_notes(blobs)
        short = [rev for rev in traces if len(rev) < 40]
        for commit in commits:
            records = _Records(ledger=ledger.get(commit, frozenset()))
            blob = notes.get(commit)
            if blob is not None:
                records.note = parsed.get(blob)
            by_path = traces.get(commit)
            if by_path is None and short:
                rev = next((r for r in short if commit.startswith(r)), None)
                by_path = traces.get(rev) if rev else None
            if by_path:
                records.traces = by_path
            if records.any:
                found[commit] = records
        return found

    def ledger_commits(self, head: str) -> dict[str, frozenset[str]]:
        """Commits that added authorship claims to the ledger -> the paths those claims
        are about: for those files, the commit's lines are the ledger's."""
        with self.lock:
            if head in self._ledger_commits:
                return self._ledger_commits[head]
        with self._flight(("ledger-paths", head)):
            return self._ledger_commits_now(head)

    def _ledger_commits_now(self, head: str) -> dict[str, frozenset[str]]:
        with self.lock:
            if head in self._ledger_commits:
                return self._ledger_commits[head]
        remembered = self._get(("ledger-paths", head))
        found: dict[str, frozenset[str]] = {}
        if isinstance(remembered, dict) and all(
            _strings(paths) is not None for paths in remembered.values()
        ):
            found = {commit: frozenset(paths) for commit, paths in remembered.items()}
        else:
            try:
                output = self.repo.git(
                    "log", "--format=%x00%H", "-p", "--unified=0", "--no-ext-diff",
                    "--no-color", "--extended-regexp", f"-G{_CLAIM_KINDS}", head, "--",
                    LEDGER_RELPATH,
                )  # fmt: skip
            except EnvironmentProblem:
                output = ""
            found = _claimed_paths(output)
            self._set(("ledger-paths", head), {c: sorted(p) for c, p in found.items()})
        with self.lock:
            self._ledger_commits[head] = found
        return found

    def notes_list(self, notes_commit: str) -> dict[str, str]:
        """commit -> note blob, for the notes ref at `notes_commit`."""
        with self.lock:
            if notes_commit in self._notes_lists:
                return self._notes_lists[notes_commit]
        with self._flight(("notes-list", notes_commit)):
            return self._notes_list_now(notes_commit)

    def _notes_list_now(self, notes_commit: str) -> dict[str, str]:
        with self.lock:
            if notes_commit in self._notes_lists:
                return self._notes_lists[notes_commit]
        found = self._get(("notes-list", notes_commit))
        if not (isinstance(found, dict) and all(type(blob) is str for blob in found.values())):
            try:
                output = self.repo.git("notes", f"--ref={NOTES_REF}", "list")
            except EnvironmentProblem:
                output = ""
            found = {}
            for line in output.splitlines():
                parts = line.split()
                if len(parts) == 2:
                    found[parts[1]] = parts[0]
            self._set(("notes-list", notes_commit), found)
        with self.lock:
            self._notes_lists[notes_commit] = found
        return found

    def parse_notes(self, blobs: Iterable[str]) -> dict[str, Note]:
        result: dict[str, Note] = {}
        missing = []
        for blob in blobs:
            with self.lock:
                known = self._notes.get(blob)
            if known is None:
                # The note's text is cached, not the parsed Note: parsing is cheap, and
                # a cache must hold plain JSON.
                cached = self._get(("note", blob))
                known = parse_note(cached) if isinstance(cached, str) else None
            if known is None:
                missing.append(blob)
            else:
                result[blob] = known
        if missing:
            fresh: list[tuple[tuple[object, ...], object]] = []
            for blob, data in self.cat.read_all(missing).items():
                text = data.decode("utf-8", "replace") if data else ""
                result[blob] = parse_note(text)
                fresh.append((("note", blob), text))
            self._set_many(fresh)
        with self.lock:
            self._notes.update(result)
        return result

    def traces(self) -> dict[str, dict[str, list[TraceRange]]]:
        """Agent Trace ranges of the working tree's traces file, by revision and path."""
        path = self.repo.root / TRACES_PATH
        stamp = file_stamp(path)
        with self.lock:
            if self._traces is not None and self._traces[0] == stamp:
                return self._traces[1]
        index: dict[str, dict[str, list[TraceRange]]] = {}
        if stamp is not None:
            try:
                ranges = read_traces(path).ranges
            except Exception:  # an unreadable traces file must not break blame
                ranges = []
            for item in ranges:
                if item.revision:
                    index.setdefault(item.revision, {}).setdefault(item.path, []).append(item)
        with self.lock:
            self._traces = (stamp, index)
        return index


# --- parsing git's output ------------------------------------------------------------------

_CLAIM_LINE = re.compile(_CLAIM_KINDS)
_PATH_FIELD = re.compile(r'"path" *: *("(?:[^"\\]|\\.)*")')


def _claimed_paths(log: str) -> dict[str, frozenset[str]]:
    """From `git log -p` of the ledger: commit -> paths of the authorship claims its
    added lines hold."""
    found: dict[str, set[str]] = {}
    for chunk in log.split("\0"):
        commit, _, patch = chunk.partition("\n")
        commit = commit.strip()
        if len(commit) != 40:
            continue
        paths = found.setdefault(commit, set())
        for line in patch.splitlines():
            if not line.startswith("+") or line.startswith("+++") or not _CLAIM_LINE.search(line):
                continue
            match = _PATH_FIELD.search(line)
            if match:
                with contextlib.suppress(ValueError):
                    paths.add(json.loads(match[1]))
    return {commit: frozenset(paths) for commit, paths in found.items() if paths}


_HEADER = re.compile(r"^([0-9a-f]{40}) (\d+) (\d+)(?: (\d+))?$")
# One line of porcelain blame: its header, the commit's details the first time the
# commit appears (and its filename again where the commit has several), its content.
_ENTRY = re.compile(
    r"^([0-9a-f]{40}) (\d+) \d+(?: \d+)?\n((?:[^\t\n][^\n]*\n)*)\t([^\n]*)$", re.MULTILINE
)


def _parse_blame(output: str) -> _Blame:
    """`git blame --porcelain` output as a _Blame. The regular expression reads every
    line's entry in C; should it not account for every content line (output it was
    not written for), the line-by-line reading decides."""
    entries = _ENTRY.findall(output)
    if len(entries) != output.count("\n\t") + output.startswith("\t"):
        return _parse_blame_lines(output)
    commits: dict[str, int] = {}
    paths: dict[str, int] = {}
    origins: list[tuple[int, int, int]] = []
    texts: list[str] = []
    # commit -> (its index, the index of its current filename)
    known: dict[str, tuple[int, int]] = {}
    filename_of: dict[str, str] = {}
    for commit, orig, details, content in entries:
        if details:
            for line in details.split("\n"):
                if line.startswith("filename "):
                    filename_of[commit] = _unquote(line[len("filename ") :])
                    known.pop(commit, None)
        found = known.get(commit)
        if found is None:
            name = filename_of.get(commit, "")
            found = known[commit] = (
                commits.setdefault(commit, len(commits)),
                paths.setdefault(name, len(paths)),
            )
        origins.append((found[0], int(orig), found[1]))
        texts.append(content[:-1] if content[-1:] == "\r" else content)
    return _Blame(tuple(commits), tuple(paths), tuple(origins), tuple(texts))


def _parse_blame_lines(output: str) -> _Blame:
    commits: dict[str, int] = {}
    paths: dict[str, int] = {}
    origins: list[tuple[int, int, int]] = []
    texts: list[str] = []
    filename_of: dict[str, str] = {}
    commit, orig = "", 0
    for line in output.split("\n"):
        if line.startswith("\t"):
            content = line[1:]
            if content.endswith("\r"):
                content = content[:-1]
            texts.append(content)
            name = filename_of.get(commit, "")
            origins.append(
                (commits.setdefault(commit, len(commits)), orig, paths.setdefault(name, len(paths)))
            )
            continue
        header = _HEADER.match(line)
        if header:
            commit, orig = header[1], int(header[2])
            continue
        if line.startswith("filename "):
            filename_of[commit] = _unquote(line[len("filename ") :])
    return _Blame(tuple(commits), tuple(paths), tuple(origins), tuple(texts))


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _unquote(name: str) -> str:
    """git C-quotes unusual file names ("a\\tb", "\\303\\274"); undo it."""
    if len(name) < 2 or name[0] != '"' or name[-1] != '"':
        return name
    out = bytearray()
    text = name[1:-1]
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            following = text[i + 1]
            octal = text[i + 1 : i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out.append(int(octal, 8))
                i += 4
                continue
            if following in _ESCAPES:
                out.append(_ESCAPES[following])
                i += 2
                continue
        out.extend(char.encode("utf-8", "surrogatepass"))
        i += 1
    return out.decode("utf-8", "replace")


def _identity(value: bytes) -> tuple[Identity, datetime]:
    # Split at the angle brackets instead of a regex: a lazy `(.*?)\s*<` takes time
    # quadratic in a run of spaces, and a commit's author line is untrusted.
    text = value.decode("utf-8", "replace")
    name, opened, rest = text.partition("<")
    email, closed, tail = rest.partition(">")
    if not opened or not closed:
        return Identity(text, ""), datetime.fromtimestamp(0, UTC)
    seconds = tail.strip().split(" ", 1)[0]
    when = datetime.fromtimestamp(int(seconds), UTC) if seconds.isdigit() else None
    return Identity(name.strip(), email), when or datetime.fromtimestamp(0, UTC)


def _parse_commit(data: bytes) -> _Commit:
    head, _, body = data.partition(b"\n\n")
    author = committer = Identity("", "")
    at = datetime.fromtimestamp(0, UTC)
    for line in head.split(b"\n"):
        if line.startswith(b"author "):
            author, at = _identity(line[len(b"author ") :])
        elif line.startswith(b"committer "):
            committer, _ = _identity(line[len(b"committer ") :])
    message = body.decode("utf-8", "replace")
    paragraphs = re.split(r"\n[ \t]*\n", message.strip())
    # Keep the subject too: trailers() needs two paragraphs to tell a trailer block.
    kept = f"{paragraphs[0]}\n\n{paragraphs[-1]}" if len(paragraphs) > 1 else message.strip()
    return _Commit(author, committer, at, kept)


def _map_lines(old: Sequence[str], new: Sequence[str]) -> dict[int, int | None]:
    """Current line number (1-based) -> index of the same, unchanged line in HEAD's version."""
    if len(old) == len(new) and list(old) == list(new):
        return {i + 1: i for i in range(len(new))}
    mapping: dict[int, int | None] = {}
    for tag, i1, i2, j1, _ in line_opcodes(old, new, max_cells=_MAX_DIFF_CELLS):
        if tag == "equal":
            for offset in range(i2 - i1):
                mapping[j1 + offset + 1] = i1 + offset
    return mapping
