"""Scan's persisted state: what one scan leaves in `scan.json` for the next, and
reading it back without trusting it.

The state is plain JSON with a version, read back field by field: a missing, torn,
foreign or wrong-shaped file is a cache miss (a full scan), never an error, and
nothing in it can run code. It lives in the repository's cache (under the git
directory), never in the working tree.

This module must not know how files are resolved or which keys a scan computes
(`scan.py`), terminals or argv.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foureyes import __version__

STATE_NAME = "scan.json"
STATE_VERSION = 2


@dataclass(frozen=True, slots=True)
class FileSummary:
    """One file's authorship in numbers."""

    path: str
    lines: int
    ai: int
    mixed: int
    human: int
    by_source: dict[str, int]  # AI and mixed lines per source ("hook:claude-code", "git-ai", ...)
    by_agent: dict[str, int]  # AI and mixed lines per agent
    blocks: int  # maximal runs of AI or mixed lines (blank lines inside do not split one)
    review: dict[str, int]  # the engine's regions per review state

    @property
    def unknown(self) -> int:
        return self.lines - self.ai - self.mixed - self.human


@dataclass(slots=True)
class Entry:
    stat: tuple[int, int, int, int]  # mtime_ns, ctime_ns, size, inode
    digest: str
    key: str  # the global key as canonical JSON (see scan.py)
    summary: FileSummary | None
    skipped: str | None = None


@dataclass(slots=True)
class State:
    listing_key: str = ""  # canonical JSON
    paths: list[str] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    taken_at: float = 0.0


class _BadState(ValueError):
    """The state file is not one this version wrote."""


def load_state(path: Path) -> State:
    """The previous scan's state; an empty one when the file is missing, torn, from
    another version or of the wrong shape (the scan is then simply not incremental)."""
    try:
        data = json.loads(path.read_bytes())
        return _state_from(data)
    except Exception:  # OSError, ValueError, RecursionError, _BadState: start over
        return State()


def save_state(path: Path, state: State) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(_state_to(state), encoding="utf-8")
        os.replace(temporary, path)
    except (OSError, ValueError):
        pass  # a read-only git directory: the next scan is simply not incremental


def _state_to(state: State) -> str:
    keys: dict[str, int] = {}
    entries = {}
    for path, entry in state.entries.items():
        summary = entry.summary
        entries[path] = {
            "stat": list(entry.stat),
            "digest": entry.digest,
            "key": keys.setdefault(entry.key, len(keys)),  # most entries share one key
            "summary": None if summary is None else {
                "lines": summary.lines, "ai": summary.ai, "mixed": summary.mixed,
                "human": summary.human, "by_source": summary.by_source,
                "by_agent": summary.by_agent, "blocks": summary.blocks,
                "review": summary.review,
            },
            "skipped": entry.skipped,
        }  # fmt: skip
    return json.dumps({
        "version": STATE_VERSION, "foureyes": __version__, "listing_key": state.listing_key,
        "paths": state.paths, "taken_at": state.taken_at, "keys": list(keys),
        "entries": entries,
    }, ensure_ascii=True, separators=(",", ":"))  # fmt: skip


def _state_from(data: object) -> State:
    """Raises _BadState (or another ValueError) unless `data` has exactly our shape."""
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        raise _BadState("another version")
    if data.get("foureyes") != __version__:
        raise _BadState("another foureyes")
    keys = _list_of(data.get("keys"), str)
    paths = _list_of(data.get("paths"), str)
    taken_at = data.get("taken_at")
    if not isinstance(taken_at, int | float) or isinstance(taken_at, bool):
        raise _BadState("taken_at")
    state = State(
        listing_key=_typed(data.get("listing_key"), str), paths=paths, taken_at=float(taken_at)
    )
    entries = data.get("entries")
    if not isinstance(entries, dict):
        raise _BadState("entries")
    for path, raw in entries.items():
        if not isinstance(raw, dict):
            raise _BadState("entry")
        stat_key = _list_of(raw.get("stat"), int)
        index = _typed(raw.get("key"), int)
        if len(stat_key) != 4 or not 0 <= index < len(keys):
            raise _BadState("entry")
        skipped = raw.get("skipped")
        if skipped is not None and not isinstance(skipped, str):
            raise _BadState("skipped")
        summary = raw.get("summary")
        state.entries[path] = Entry(
            stat=(stat_key[0], stat_key[1], stat_key[2], stat_key[3]),
            digest=_typed(raw.get("digest"), str),
            key=keys[index],
            summary=None if summary is None else _summary_from(path, summary),
            skipped=skipped,
        )
    return state


def _summary_from(path: str, raw: object) -> FileSummary:
    if not isinstance(raw, dict):
        raise _BadState("summary")
    counts = {name: _typed(raw.get(name), int) for name in ("lines", "ai", "mixed", "human",
                                                              "blocks")}  # fmt: skip
    if any(value < 0 for value in counts.values()):
        raise _BadState("summary")
    return FileSummary(
        path=path, lines=counts["lines"], ai=counts["ai"], mixed=counts["mixed"],
        human=counts["human"], blocks=counts["blocks"],
        by_source=_counter(raw.get("by_source")), by_agent=_counter(raw.get("by_agent")),
        review=_counter(raw.get("review")),
    )  # fmt: skip


def _counter(raw: object) -> dict[str, int]:
    if not isinstance(raw, dict):
        raise _BadState("counter")
    return {_typed(name, str): _typed(count, int) for name, count in raw.items()}


def _typed(value: object, kind: type[Any]) -> Any:
    # bool is an int to isinstance; never a count or an index here.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _BadState(f"not a {kind.__name__}")
    return value


def _list_of(value: object, kind: type[Any]) -> list[Any]:
    if not isinstance(value, list):
        raise _BadState("not a list")
    return [_typed(item, kind) for item in value]
