"""git-ai authorship notes (`refs/notes/ai`, "authorship/3.0.0"): which lines of a commit
an AI wrote, in that commit's numbering.

A note is an attestation section, a line that is exactly `---`, and a JSON object.
The attestation lists files (at column 0, quoted when they contain whitespace), each
followed by entries indented two spaces: `<key> <ranges>`, ranges 1-based inclusive
(`1-10,15,20-22`). Keys: `s_<hex>::t_<hex>` is an AI session (its agent in the
metadata's `sessions[s_<hex>].agent_id`), a bare hex key (16 digits, 7 in old notes)
is a legacy AI prompt (`prompts[key].agent_id`), `h_<hex>` is a known human
(`humans`). Lines a note does not list are untracked: unknown, not human.

Parsing is lenient: an unreadable line or a broken metadata object is reported and
skipped, and whatever else the note says still counts. This module is pure: it must
not know about git, blame or the ledger.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from foureyes.core.model import Contributor

NOTES_REF = "refs/notes/ai"
# git-ai records exactly which lines its hooks saw an agent write, but through another
# tool's bookkeeping (and across rewrites it had to follow), so a little below a hook.
GITAI_CONFIDENCE = 0.9

_HEX = re.compile(r"^[0-9a-fA-F]{7,64}$")
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


@dataclass(frozen=True, slots=True)
class Author:
    """Who a note's key stands for."""

    contributor: Contributor  # ai or human
    agent: str | None = None
    model: str | None = None
    session: str | None = None
    human: str | None = None  # "Name <email>" for h_ keys, when the note says


@dataclass(slots=True)
class _FileLines:
    starts: list[int] = field(default_factory=list)  # sorted range starts
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, key)


@dataclass(slots=True)
class Note:
    """One parsed authorship note."""

    files: dict[str, _FileLines] = field(default_factory=dict)
    authors: dict[str, Author] = field(default_factory=dict)  # attestation key -> author
    schema_version: str | None = None
    problems: list[str] = field(default_factory=list)

    def author_of(self, path: str, line: int) -> Author | None:
        """Who wrote `line` (1-based) of `path` as the commit has it; None when untracked."""
        lines = self.files.get(path)
        if lines is None:
            return None
        index = bisect_right(lines.starts, line) - 1
        # Ranges of different keys may interleave, so look back over the ranges that
        # start at or before the line (few: a file rarely has many keys).
        while index >= 0:
            start, end, key = lines.spans[index]
            if start <= line <= end:
                return self.authors.get(key) or _author_for_key(key, {})
            index -= 1
        return None

    @property
    def paths(self) -> list[str]:
        return list(self.files)


def parse_note(text: str) -> Note:
    """A note's attestation and metadata; never raises (problems are collected)."""
    note = Note()
    attestation, divider, metadata_text = _split(text)
    metadata: dict[str, object] = {}
    if divider:
        try:
            loaded = json.loads(metadata_text) if metadata_text.strip() else {}
            metadata = loaded if isinstance(loaded, dict) else {}
            if not isinstance(loaded, dict):
                note.problems.append("the metadata after --- is not a JSON object; ignored")
        except ValueError as error:
            note.problems.append(f"the metadata after --- is not JSON ({error}); ignored")
    else:
        note.problems.append("no --- line: read as an attestation without metadata")
    version = metadata.get("schema_version")
    note.schema_version = version if isinstance(version, str) else None
    current: _FileLines | None = None
    keys: set[str] = set()
    for number, raw in enumerate(attestation.splitlines(), 1):
        if not raw.strip():
            continue
        if not raw[0].isspace():
            path = _unquote(raw.rstrip("\r"))
            current = note.files.setdefault(path, _FileLines())
            continue
        if current is None:
            note.problems.append(f"line {number}: an entry before any file path; skipped")
            continue
        parts = raw.strip().split()
        if len(parts) != 2:
            note.problems.append(f"line {number}: expected '<key> <ranges>'; skipped")
            continue
        key, ranges = parts
        spans = _ranges(ranges)
        if spans is None:
            note.problems.append(f"line {number}: bad line ranges {ranges!r}; skipped")
            continue
        keys.add(key)
        current.spans.extend((start, end, key) for start, end in spans)
    for lines in note.files.values():
        lines.spans.sort()
        lines.starts = [start for start, _, _ in lines.spans]
    for key in keys:
        note.authors[key] = _author_for_key(key, metadata)
    return note


def _split(text: str) -> tuple[str, bool, str]:
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        if line == "---":
            return "\n".join(lines[:index]), True, "\n".join(lines[index + 1 :])
    return text, False, ""


def _unquote(path: str) -> str:
    if len(path) >= 2 and path[0] == path[-1] == '"':
        inner = path[1:-1]
        try:
            decoded = json.loads(path)  # git-ai writes JSON-style escapes, if any
            return decoded if isinstance(decoded, str) else inner
        except ValueError:
            return inner
    return path


def _ranges(text: str) -> list[tuple[int, int]] | None:
    spans = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if not match:
            return None
        start = int(match[1])
        end = int(match[2]) if match[2] else start
        if start < 1 or end < start:
            return None
        spans.append((start, end))
    return spans


def _author_for_key(key: str, metadata: dict[str, object]) -> Author:
    if key.startswith("h_"):
        record = _record(metadata.get("humans"), key)
        author = record.get("author") if record else None
        return Author(Contributor.HUMAN, human=author if isinstance(author, str) else None)
    if key.startswith("s_"):
        session_key = key.split("::", 1)[0]
        record = _record(metadata.get("sessions"), session_key) or _record(
            metadata.get("sessions"), key
        )
        return _ai_author(record, key)
    if _HEX.match(key):
        return _ai_author(_record(metadata.get("prompts"), key), key)
    # An unknown kind of key: git-ai lists only attributed lines, and every key but a
    # human one stands for an AI, so an unknown key is read as AI of unknown agent.
    return _ai_author(None, key)


def _record(table: object, key: str) -> dict[str, object] | None:
    if isinstance(table, dict):
        record = table.get(key)
        if isinstance(record, dict):
            return record
    return None


def _ai_author(record: dict[str, object] | None, key: str) -> Author:
    agent_id = record.get("agent_id") if record else None
    tool = model = session = None
    if isinstance(agent_id, dict):
        tool = agent_id.get("tool") if isinstance(agent_id.get("tool"), str) else None
        model = agent_id.get("model") if isinstance(agent_id.get("model"), str) else None
        session = agent_id.get("id") if isinstance(agent_id.get("id"), str) else None
    return Author(
        Contributor.AI,
        agent=_agent_name(tool) if tool else "git-ai",
        model=model or None,
        session=session or key,
    )


_TOOLS = {"claude": "claude-code", "claude_code": "claude-code", "github-copilot": "copilot"}


def _agent_name(tool: str) -> str:
    lowered = tool.strip().lower()
    return _TOOLS.get(lowered, lowered)
