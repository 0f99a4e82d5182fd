"""Agent Trace (v0.1 RFC): the record format, read and hashed; import and export live in app/.

A trace record says which line ranges of which files a contributor (ai, human,
mixed, unknown) produced, grouped by conversation; `vcs.revision` names the commit
the line numbers refer to. Producers disagree on that last point: the spec says the
numbers are positions *at* the revision, while the reference implementation records
HEAD from before the edit and numbers the lines of the edited working tree. Both are
used:

- `history.py` applies the spec's rule (blame a line -> its commit -> a record with
  that revision -> the range holding the line), for records already in the repository.
- `app/import_trace.py` anchors each range to its content and appends ledger claims, which
  then follow the code like any claim. The text a range refers to is the file at the
  revision, or the working tree when the range's lines there are new since the
  revision (the reference implementation's shape); a `content_hash` we can compute
  (`sha256:`, `murmur3:`) picks the candidate that matches. Importing twice adds
  nothing: claim ids derive from the record id.
- `app/trace_export.py` writes records for our own claims.

This module must not know about argv or terminals.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeGuard

import mmh3

from foureyes.core.errors import UsageError
from foureyes.core.model import Contributor

DEFAULT_PATH = ".agent-trace/traces.jsonl"
SOURCE = "agent-trace"
# What we write in `version`: the JSON schema (schemas/trace-record.json) requires
# MAJOR.MINOR, and the reference implementation writes "1.0". We read any version.
WRITE_VERSION = "1.0"
TOOL_NAME = "foureyes"
TRACE_CONFIDENCE = 0.9  # line-level, but recorded by another tool
MIXED_CONFIDENCE = 0.7  # AI output a person changed: still AI-derived, less sure which part
# Pseudo files the reference implementation records shell commands and sessions under.
PSEUDO_FILES = frozenset({".shell-history", ".sessions", ".unknown"})


@dataclass(frozen=True, slots=True)
class TraceRange:
    """One attributed range of one file in one record (1-based, inclusive)."""

    record_id: str
    path: str
    start: int
    end: int
    contributor: Contributor
    model: str | None
    tool: str | None
    revision: str | None
    conversation: str | None  # the conversation url, or an id from the metadata
    content_hash: str | None
    timestamp: datetime | None
    ordinal: tuple[int, int, int]  # (file, conversation, range) inside the record


@dataclass(slots=True)
class TraceFile:
    """Every range of a traces.jsonl, and the lines that could not be read."""

    ranges: list[TraceRange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_traces(path: Path) -> TraceFile:
    """Parse a traces.jsonl leniently (a bad line or field is reported and skipped).
    A missing file is empty; a file that cannot be read raises UsageError."""
    found = TraceFile()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return found
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    for number, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            found.problems.append(f"{path.name}:{number}: not valid JSON; skipped")
            continue
        if not isinstance(record, dict):
            found.problems.append(f"{path.name}:{number}: not a JSON object; skipped")
            continue
        try:
            found.ranges.extend(_ranges_of(record))
        except _Bad as error:
            found.problems.append(f"{path.name}:{number}: {error}; skipped")
    return found


class _Bad(ValueError):
    pass


def _ranges_of(record: Mapping[str, Any]) -> Iterator[TraceRange]:
    record_id = record.get("id")
    if not isinstance(record_id, str) or not record_id:
        raise _Bad('"id" must be a non-empty string')
    files = record.get("files")
    if not isinstance(files, list):
        raise _Bad('"files" must be a list')
    vcs = record.get("vcs")
    revision = None
    if isinstance(vcs, dict) and vcs.get("type", "git") == "git":
        value = vcs.get("revision")
        revision = value.lower() if isinstance(value, str) and value else None
    tool = record.get("tool")
    tool_name = tool.get("name") if isinstance(tool, dict) else None
    tool_name = tool_name if isinstance(tool_name, str) and tool_name else None
    timestamp = _time(record.get("timestamp"))
    metadata = record.get("metadata")
    meta_conversation = None
    if isinstance(metadata, dict):
        for key in ("conversation_id", "session_id"):
            if isinstance(metadata.get(key), str):
                meta_conversation = metadata[key]
                break
    for f_index, entry in enumerate(files):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            continue
        conversations = entry.get("conversations")
        if not isinstance(conversations, list):
            continue
        for c_index, conversation in enumerate(conversations):
            if not isinstance(conversation, dict) or not isinstance(
                conversation.get("ranges"), list
            ):
                continue
            default = _contributor(conversation.get("contributor"))
            url = conversation.get("url") if isinstance(conversation.get("url"), str) else None
            for r_index, item in enumerate(conversation["ranges"]):
                if not isinstance(item, dict):
                    continue
                start, end = item.get("start_line"), item.get("end_line")
                if not (_positive(start) and _positive(end)) or end < start:
                    continue
                who = _contributor(item.get("contributor")) or default
                kind = who[0] if who else Contributor.UNKNOWN
                model = who[1] if who else None
                digest = item.get("content_hash")
                yield TraceRange(
                    record_id=record_id, path=entry["path"], start=start, end=end,
                    contributor=kind, model=model, tool=tool_name, revision=revision,
                    conversation=url or meta_conversation,
                    content_hash=digest if isinstance(digest, str) else None,
                    timestamp=timestamp, ordinal=(f_index, c_index, r_index),
                )  # fmt: skip


def _positive(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _contributor(value: object) -> tuple[Contributor, str | None] | None:
    if not isinstance(value, dict):
        return None
    try:
        kind = Contributor(str(value.get("type", "")).lower())
    except ValueError:
        return None
    model = value.get("model_id")
    return kind, model if isinstance(model, str) and model else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def agent_name(tool: str | None) -> str:
    """Our agent name for a trace's tool name."""
    if not tool:
        return SOURCE
    lowered = tool.strip().lower()
    return {"claude": "claude-code", "claude code": "claude-code"}.get(lowered, lowered)


# --- content hashes -----------------------------------------------------------------------


def range_text(lines: Sequence[str], start: int, end: int) -> str:
    """The text a range's content_hash covers: its lines joined by \\n (no final one)."""
    return "\n".join(lines[start - 1 : end])


def content_hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_matches(expected: str, text: str) -> bool | None:
    """Whether `text` has the hash; None when the algorithm is one we cannot compute.

    Producers differ on whether the text ends with a newline, so both are tried.
    """
    algorithm, _, value = expected.partition(":")
    value = value.strip().lower()
    candidates = (text, text + "\n")
    if algorithm.lower() == "sha256":
        return any(hashlib.sha256(t.encode()).hexdigest() == value for t in candidates)
    if algorithm.lower() in ("murmur3", "murmur3_32", "murmur3-32"):
        return any(f"{murmur3_32(t.encode()):08x}" == value.zfill(8) for t in candidates)
    return None


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit (unsigned), the hash the spec's examples name."""
    return mmh3.hash(data, seed, signed=False)
