"""Resolve a whole repository: every tracked text file, ledger claims plus history.

`scan` answers "how much of this repository did agents write, and where?" for every
file git tracks: the engine's verdicts from the ledger, filled in by history
(`sources/history.py`: trailers, git-ai notes, Agent Trace) where the ledger says nothing.
The policy's ignored paths (`paths.ignored`) are left out, as `status` leaves them
out: both ask `Policy.is_ignored`.

It is incremental. The result for each file is kept in `scan.json` in the repository's
cache (`Repository.cache_dir`, under the git directory) with the file's stat and
content hash, under a key made of everything else the answer
depends on: HEAD, the notes ref, the ledger, the traces file and the policy files,
all read from the file system (no git process). The list of tracked files is kept
under HEAD and the index's stat. A second scan of an unchanged repository therefore
stats each file and runs no git at all. A file whose stat changed is read and hashed;
only a file whose content (or key) changed is resolved again; after a new commit,
history blames again only the files the new commits touched. Files modified within
two seconds of the last scan are always re-read, since their stat may not show a
change made in the same tick. The state and how it is read back without trusting it
are `scan_state.py`.

Until the engine merges history itself, this module merges it (`merge_history`); once
it does, `_resolve` should take the engine's report as it is. This module must not
know about terminals or argv; progress goes to a callback.
"""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foureyes import __version__
from foureyes.app.scan_state import (
    STATE_NAME,
    STATE_VERSION,
    Entry,
    FileSummary,
    State,
    load_state,
    save_state,
)
from foureyes.core.errors import EnvironmentProblem
from foureyes.core.model import AiAuthorship, Contributor, LineAuthorship
from foureyes.core.text import content_key, split_lines
from foureyes.engine.engine import Engine
from foureyes.rules.policy import PolicyLoader
from foureyes.sources.history import history_state
from foureyes.store import gitrefs
from foureyes.store.repo import FOUREYES_DIR, MAX_FILE_BYTES, Repository, file_stamp

_RACY_SECONDS = 2.0
_POLICY_FILES = (".foureyes.toml", "pyproject.toml", "CODEOWNERS", ".github/CODEOWNERS",
                 "docs/CODEOWNERS")  # fmt: skip

Progress = Callable[[int, int, str], None]  # (done, total, path)
Ignored = Callable[[str], bool]  # repository-relative path -> left out of the scan


@dataclass(slots=True)
class ScanResult:
    files: list[FileSummary] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    reused: int = 0  # files answered from the previous scan without resolving
    resolved: int = 0  # files resolved this time
    listed_by_git: bool = False  # whether `git ls-files` had to run
    seconds: float = 0.0

    def totals(self) -> dict[str, Any]:
        by_source: Counter[str] = Counter()
        by_agent: Counter[str] = Counter()
        review: Counter[str] = Counter()
        for item in self.files:
            by_source.update(item.by_source)
            by_agent.update(item.by_agent)
            review.update(item.review)
        return {
            "files": len(self.files),
            "files_with_ai": sum(1 for f in self.files if f.ai or f.mixed),
            "lines": sum(f.lines for f in self.files),
            "ai_lines": sum(f.ai for f in self.files),
            "mixed_lines": sum(f.mixed for f in self.files),
            "human_lines": sum(f.human for f in self.files),
            "unknown_lines": sum(f.unknown for f in self.files),
            "ai_blocks": sum(f.blocks for f in self.files),
            "by_source": dict(by_source.most_common()),
            "by_agent": dict(by_agent.most_common()),
            "regions_by_review": dict(sorted(review.items())),
        }


def scan(
    repo: Repository,
    *,
    progress: Progress | None = None,
    extra_markers: Sequence[str] = (),
    workers: int | None = None,
    engine: Engine | None = None,
    ignored: Ignored | None = None,
) -> ScanResult:
    """Resolve every tracked text file that `ignored` (by default the policy's
    `is_ignored`, as `status` asks it) does not leave out; see the module docstring."""
    started = time.perf_counter()
    result = ScanResult()
    state_path = repo.cache_dir / STATE_NAME
    previous = load_state(state_path)
    global_key = _global_key(repo, tuple(extra_markers))
    key = _canonical(global_key)
    listing_key = _canonical((global_key[1], _stamp_of(repo, "index")))
    if previous.listing_key == listing_key and previous.paths:
        paths = previous.paths
    else:
        paths = _tracked(repo)
        result.listed_by_git = True
    state = State(listing_key=listing_key, paths=paths, taken_at=time.time())
    # Filtered after the listing is cached: the listing's key does not cover the policy.
    is_ignored = ignored or _policy_ignores(repo, engine)
    paths = [path for path in paths if not is_ignored(path)]
    todo: list[tuple[str, str, tuple[int, int, int, int]]] = []
    for path in paths:
        entry, text, stat_key = _check(repo, path, previous, key)
        if entry is not None:
            state.entries[path] = entry
            result.reused += entry.summary is not None
        elif text is not None and stat_key is not None:
            todo.append((path, text, stat_key))
    if todo and engine is None:
        engine = Engine(repo)  # a caller's engine keeps what it resolves for its own reports
    done_count = len(paths) - len(todo)
    lock = threading.Lock()

    def resolve(item: tuple[str, str, tuple[int, int, int, int]]) -> None:
        nonlocal done_count
        path, text, stat_key = item
        assert engine is not None
        summary = _resolve(engine, path, text, extra_markers)
        digest = _digest(text)
        with lock:
            state.entries[path] = Entry(stat_key, digest, key, summary)
            done_count += 1
            if progress:
                progress(done_count, len(paths), path)

    if progress:
        progress(done_count, len(paths), "")
    count = workers or min(8, (os.cpu_count() or 2))
    if count <= 1 or len(todo) <= 1:
        for item in todo:
            resolve(item)
    elif todo:
        # Threads suffice: most of the time is spent waiting for `git blame`.
        with ThreadPoolExecutor(max_workers=count) as pool:
            for _ in pool.map(resolve, todo):
                pass
    result.resolved = len(todo)
    for path in paths:
        entry = state.entries.get(path)
        if entry is None:
            continue
        if entry.summary is not None:
            result.files.append(entry.summary)
        elif entry.skipped:
            result.skipped.append((path, entry.skipped))
    save_state(state_path, state)
    result.seconds = time.perf_counter() - started
    return result


def _check(
    repo: Repository, path: str, previous: State, key: str
) -> tuple[Entry | None, str | None, tuple[int, int, int, int] | None]:
    """(entry to keep, or None and the text to resolve, and the file's stat); all None
    for a path that is not a regular file now."""
    full = repo.abspath(path)
    try:
        info = full.stat()
    except OSError:
        return None, None, None  # deleted in the working tree, or a submodule
    if not stat.S_ISREG(info.st_mode):
        return None, None, None
    stat_key = (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)
    old = previous.entries.get(path)
    settled = info.st_mtime_ns / 1e9 < previous.taken_at - _RACY_SECONDS
    if old is not None and old.stat == stat_key and old.key == key and settled:
        return old, None, stat_key
    if info.st_size > MAX_FILE_BYTES:
        reason = f"over {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        return Entry(stat_key, "", key, None, reason), None, stat_key
    try:
        data = full.read_bytes()
    except OSError as error:
        return Entry(stat_key, "", key, None, f"unreadable ({error.strerror})"), None, stat_key
    if b"\0" in data[:8192]:
        return Entry(stat_key, "", key, None, "binary"), None, stat_key
    text = data.decode("utf-8", errors="replace")
    if old is not None and old.key == key and old.digest == _digest(text):
        return Entry(stat_key, old.digest, key, old.summary), None, stat_key
    return None, text, stat_key


def _resolve(engine: Engine, path: str, text: str, markers: Sequence[str]) -> FileSummary:
    # The engine merges history (with the policy's markers) into its report.
    report = engine.report(path, text)
    lines = split_lines(text)
    attributed = dict(report.attributed)
    kinds: Counter[Contributor] = Counter(v.contributor for v in attributed.values())
    by_source: Counter[str] = Counter()
    by_agent: Counter[str] = Counter()
    for verdict in attributed.values():
        if verdict.contributor in (Contributor.AI, Contributor.MIXED) and isinstance(
            verdict.claim, AiAuthorship
        ):
            by_source[verdict.claim.source] += 1
            by_agent[verdict.claim.agent] += 1
    review = Counter(region.review.state.value for region in report.regions)
    return FileSummary(
        path=path, lines=len(lines), ai=kinds[Contributor.AI], mixed=kinds[Contributor.MIXED],
        human=kinds[Contributor.HUMAN], by_source=dict(by_source), by_agent=dict(by_agent),
        blocks=_blocks(attributed, lines), review=dict(review),
    )  # fmt: skip


def _blocks(attributed: dict[int, LineAuthorship], lines: Sequence[str]) -> int:
    """Maximal runs of AI or mixed lines; blank lines between two of them do not split."""
    count = 0
    inside = False
    for number in range(1, len(lines) + 1):
        verdict = attributed.get(number)
        ai_like = verdict is not None and verdict.contributor in (
            Contributor.AI, Contributor.MIXED,
        )  # fmt: skip
        if ai_like:
            count += not inside
            inside = True
        elif lines[number - 1].strip() or verdict is not None:
            inside = False
    return count


# --- keys and state --------------------------------------------------------------------------


def _global_key(repo: Repository, markers: tuple[str, ...]) -> tuple[object, ...]:
    """Everything besides a file's own content that its answer depends on (no git run)."""
    root = repo.root
    return (
        STATE_VERSION,
        history_state(repo),  # HEAD, notes ref, traces file
        file_stamp(repo.ledger_path),
        tuple(file_stamp(root / name) for name in _POLICY_FILES),
        markers,
        __version__,
    )


def _policy_ignores(repo: Repository, engine: Engine | None) -> Ignored:
    """The policy's `is_ignored` (file reads, no git); raises PolicyError for a broken
    policy, as `status` does: a policy that cannot be read never means "ignore nothing"."""
    policy = engine.policy if engine is not None else PolicyLoader(repo.root).load()
    return policy.is_ignored


def _stamp_of(repo: Repository, name: str) -> object:
    gitdir = repo.git_dir
    return file_stamp(gitdir / name)


def _tracked(repo: Repository) -> list[str]:
    try:
        listing = repo.git("ls-files", "-z", "--cached")
    except EnvironmentProblem as error:
        raise EnvironmentProblem(
            f"cannot list the files git tracks: {error.message}", "is this a git working tree?"
        ) from None
    paths = dict.fromkeys(p for p in listing.split("\0") if p)
    return [p for p in paths if p.split("/", 1)[0] != FOUREYES_DIR]


def _digest(text: str) -> str:
    return content_key(text)


def _canonical(value: object) -> str:
    """A key as JSON text: compares equal exactly when the key does (tuples and lists
    alike), and survives a round trip through the state file unchanged."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True)


def discover_root(start: Path | None = None) -> Repository:
    """The repository around `start` (default: cwd) without running git when possible."""
    where = (start or Path.cwd()).resolve()
    root = gitrefs.find_root(where)
    if root is not None:
        return Repository(root)
    return Repository.discover(where)
