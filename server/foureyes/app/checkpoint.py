"""Checkpoints: snapshot the working tree before an agent acts, diff after, claim what changed.

This is the capture path for any agent without hooks (and for scripts that write
code): `begin` records the content of every tracked and untracked-but-not-ignored
text file; `end` compares the working tree with that snapshot and appends one AI
authorship claim per run of added or changed lines (source "checkpoint"), with the
lines the run replaced counted on it. A person's edit made before `begin` is in the
snapshot, so it is never claimed. Snapshots and their store are `checkpoint_store.py`.

This module must not know about argv, terminals, exit codes or how the agent is run
(`process.py` runs a wrapped command).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from foureyes.app.checkpoint_store import (
    Snapshot,
    Store,
    last_seen,
    last_seen_digests,
    snapshot_from,
    snapshot_json,
    take_snapshot,
)
from foureyes.app.edits import Written, diff_texts, edit_id, normalise
from foureyes.core.anchor import make_anchor
from foureyes.core.errors import UsageError
from foureyes.core.model import AiAuthorship
from foureyes.core.text import split_lines
from foureyes.core.wording import count
from foureyes.store.initialise import append_claims, initialise
from foureyes.store.ledger import new_id, now
from foureyes.store.repo import Repository

SOURCE = "checkpoint"
# A checkpoint knows exactly what changed between begin and end, but not who changed
# it: a person typing in the same files meanwhile would be counted too.
CONFIDENCE = 0.9
DEFAULT_NAME = "default"
MANIFEST_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """An open checkpoint: who is about to act, and the snapshot from before."""

    name: str
    agent: str
    model: str | None
    session: str | None
    started: datetime
    snapshot: Snapshot


@dataclass(slots=True)
class FileChange:
    """What changed in one file between begin and end."""

    path: str
    runs: list[Written] = field(default_factory=list)
    removed: int = 0  # lines removed in total (also counted in the runs' `replaced`)
    created: bool = False
    deleted: bool = False


@dataclass(slots=True)
class CheckpointResult:
    """What `end` found and recorded."""

    checkpoint: Checkpoint
    changes: list[FileChange] = field(default_factory=list)
    claims: list[AiAuthorship] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files skipped, deletions not claimable

    @property
    def lines_claimed(self) -> int:
        return sum(run.end - run.start + 1 for change in self.changes for run in change.runs)


# --- begin and end ------------------------------------------------------------------------


def name_option(name: str) -> str:
    """The `--name` option that names this checkpoint in a command a hint suggests: a
    hint that drops it would act on the default checkpoint, not this one."""
    return "" if name == DEFAULT_NAME else f" --name {name}"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise UsageError(
            f"{name!r} is not a usable checkpoint name",
            "use letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit",
        )
    return name


def begin(
    repo: Repository,
    agent: str,
    *,
    model: str | None = None,
    session: str | None = None,
    name: str = DEFAULT_NAME,
    restart: bool = False,
) -> Checkpoint:
    """Snapshot the working tree and open a checkpoint; raises if one of that name is open."""
    check_name(name)
    if not agent.strip():
        raise UsageError("--agent must name the agent, e.g. --agent aider")
    store = Store(repo)
    existing = load(repo, name)
    if existing is not None and not restart:
        named = name_option(name)
        raise UsageError(
            f"checkpoint {name!r} is already open (agent {existing.agent}, since "
            f"{existing.started.isoformat(timespec='seconds')})",
            f"run `foureyes checkpoint end{named}` to record it first, or `foureyes "
            f"checkpoint begin --agent {agent}{named} --restart` to drop it and snapshot again",
        )
    initialise(repo)  # makes .foureyes/ and ignores its cache/ folder
    previous = last_seen(store)
    snapshot = take_snapshot(repo, store, previous)
    checkpoint = Checkpoint(name, agent, model, session, now(), snapshot)
    store.write_json(
        store.manifest_path(name),
        {
            "version": MANIFEST_VERSION,
            "name": name,
            "agent": agent,
            "model": model,
            "session": session,
            "started": checkpoint.started.isoformat(),
            **snapshot_json(snapshot),
        },
    )
    store.write_json(store.last_seen_path(), snapshot_json(snapshot))
    return checkpoint


def load(repo: Repository, name: str = DEFAULT_NAME) -> Checkpoint | None:
    """The open checkpoint of that name, or None."""
    store = Store(repo)
    data = store.read_json(store.manifest_path(check_name(name)))
    if data is None or not isinstance(data.get("agent"), str):
        return None
    try:
        started = datetime.fromisoformat(str(data.get("started")))
    except ValueError:
        started = now()
    return Checkpoint(
        name=name,
        agent=data["agent"],
        model=data.get("model") if isinstance(data.get("model"), str) else None,
        session=data.get("session") if isinstance(data.get("session"), str) else None,
        started=started,
        snapshot=snapshot_from(data),
    )


def discard(repo: Repository, name: str = DEFAULT_NAME) -> bool:
    """Close a checkpoint without recording anything; False when none was open."""
    store = Store(repo)
    path = store.manifest_path(check_name(name))
    if not path.exists():
        return False
    path.unlink()
    store.prune(last_seen_digests(store))
    return True


def end(
    repo: Repository,
    name: str = DEFAULT_NAME,
    *,
    agent: str | None = None,
    model: str | None = None,
) -> CheckpointResult:
    """Diff the working tree against the checkpoint's snapshot, claim what changed, close it.

    `agent` and `model` override what `begin` was told. Raises UsageError when no
    checkpoint of that name is open.
    """
    store = Store(repo)
    checkpoint = load(repo, name)
    if checkpoint is None:
        raise UsageError(
            f"no checkpoint {name!r} is open",
            f"start one with `foureyes checkpoint begin --agent NAME{name_option(name)}` "
            "before the agent acts",
        )
    if agent or model:
        checkpoint = Checkpoint(
            checkpoint.name, agent or checkpoint.agent, model or checkpoint.model,
            checkpoint.session, checkpoint.started, checkpoint.snapshot,
        )  # fmt: skip
    before = checkpoint.snapshot
    after = take_snapshot(repo, store, before)
    result = CheckpointResult(checkpoint)
    texts: dict[str, str] = {}
    for path in sorted(set(before.files) | set(after.files) | set(after.skipped)):
        change = _compare(store, path, before, after, texts, result.notes)
        if change is not None:
            result.changes.append(change)
    claims_from(repo, result, texts)
    append_claims(repo, result.claims)
    store.manifest_path(name).unlink(missing_ok=True)
    store.write_json(store.last_seen_path(), snapshot_json(after))
    store.prune(last_seen_digests(store))
    return result


def _compare(
    store: Store,
    path: str,
    before: Snapshot,
    after: Snapshot,
    texts: dict[str, str],
    notes: list[str],
) -> FileChange | None:
    old, new = before.files.get(path), after.files.get(path)
    if path in after.skipped:
        if old is not None or path not in before.skipped:
            notes.append(f"{path}: skipped ({after.skipped[path]})")
        return None
    if new is None:
        if old is None:
            return None
        removed = len(split_lines(normalise(_text(store.get(old.digest)))))
        gone = count(removed, "line")
        notes.append(f"{path}: deleted ({gone}); a deletion leaves no line to claim")
        return FileChange(path, removed=removed, deleted=True)
    if old is not None and old.digest == new.digest:
        return None
    after_text = _text(store.get(new.digest))
    if old is None and path in before.skipped:
        notes.append(f"{path}: was skipped at begin ({before.skipped[path]}); not claimed")
        return None
    before_text = None if old is None else _text(store.get(old.digest))
    runs = diff_texts(before_text, after_text)
    texts[path] = after_text
    removed = 0
    if before_text is not None:
        kept = sum(run.end - run.start + 1 for run in runs)
        removed = len(split_lines(normalise(before_text))) - (len(split_lines(after_text)) - kept)
    if not runs and removed:
        gone = count(removed, "line")
        notes.append(f"{path}: {gone} removed; a deletion leaves no line to claim")
    return FileChange(path, runs=runs, removed=max(removed, 0), created=old is None)


def _text(data: bytes | None) -> str:
    if data is None:
        # The content store was cleaned by hand: treat the file as new rather than fail.
        return ""
    return data.decode("utf-8", errors="replace")


def claims_from(repo: Repository, result: CheckpointResult, texts: dict[str, str]) -> None:
    """One AI claim per run of written lines in each changed file."""
    runs = [(change.path, run) for change in result.changes for run in change.runs]
    if not runs:
        return
    identity = repo.identity()
    at = now()
    checkpoint = result.checkpoint
    lines_of_path = {path: split_lines(texts[path]) for path in {path for path, _ in runs}}
    edits = {change.path: edit_id(change.runs) for change in result.changes}
    for path, run in runs:
        result.claims.append(
            AiAuthorship(
                id=new_id(), at=at, by=identity, path=path,
                anchor=make_anchor(lines_of_path[path], run.start, run.end),
                agent=checkpoint.agent, model=checkpoint.model, session=checkpoint.session,
                source=SOURCE, confidence=CONFIDENCE, replaced=run.replaced, edit=edits[path],
            )
        )  # fmt: skip
