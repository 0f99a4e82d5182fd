"""Export our ledger's AI claims as Agent Trace records (`foureyes export --agent-trace`).

One record per file with AI lines, resolved by the engine against the working tree:
ranges of AI lines grouped into conversations by (agent, model, session), mixed lines
(AI code a person changed) as ranges with a `mixed` contributor, and a `content_hash`
(`sha256:` of the range's lines joined by \\n) on every range. `vcs` is HEAD when the
file is unchanged since HEAD, so the positions are positions at that revision, as the
spec reads them; for a file with uncommitted changes it is left out. Our claim ids
and agent names go in `metadata["dev.foureyes"]`, one entry per conversation.

Kept apart from agent_trace.py because it needs the engine, and the engine may come
to need what agent_trace.py reads. It must not know about argv or terminals.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from foureyes import __version__
from foureyes.core.errors import UsageError
from foureyes.core.model import AiAuthorship, Contributor
from foureyes.core.text import split_lines
from foureyes.engine.engine import Engine
from foureyes.sources.agent_trace import TOOL_NAME, WRITE_VERSION, content_hash, range_text
from foureyes.store.repo import Repository


def export_traces(repo: Repository, engine: Engine | None = None) -> list[dict[str, Any]]:
    """One Agent Trace record per file with AI lines from the ledger (see module docstring)."""
    engine = engine or Engine(repo)
    head = repo.head()
    dirty = _changed_since_head(repo) if head else set()
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    records = []
    for path in engine.tracked_paths():
        try:
            text = repo.read_text(path)
        except UsageError:
            continue
        report = engine.report(path, text)
        lines = split_lines(text)
        conversations, notes = _conversations(report.attributed, lines)
        if not conversations:
            continue
        record: dict[str, Any] = {
            "version": WRITE_VERSION,
            "id": str(uuid.uuid4()),
            "timestamp": stamp,
        }
        if head and path not in dirty:
            record["vcs"] = {"type": "git", "revision": head}
        record["tool"] = {"name": TOOL_NAME, "version": __version__}
        record["files"] = [{"path": path, "conversations": conversations}]
        record["metadata"] = {"dev.foureyes": {"conversations": notes}}
        records.append(record)
    return records


def _changed_since_head(repo: Repository) -> set[str]:
    listing = repo.git("diff", "--name-only", "-z", "HEAD")
    untracked = repo.git("ls-files", "-z", "--others", "--exclude-standard")
    return {p for p in (listing + untracked).split("\0") if p}


def _conversations(
    attributed: Mapping[int, Any], lines: Sequence[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Ranges of AI and mixed lines grouped by (agent, model, session)."""
    groups: dict[tuple[str, str | None, str | None], list[tuple[int, Contributor, str]]] = {}
    for number, verdict in attributed.items():
        claim = verdict.claim
        if verdict.contributor not in (Contributor.AI, Contributor.MIXED):
            continue
        if not isinstance(claim, AiAuthorship):
            continue
        key = (claim.agent, claim.model, claim.session)
        groups.setdefault(key, []).append((number, verdict.contributor, claim.id))
    conversations, notes = [], []
    for (agent, model, session), members in groups.items():
        members.sort()
        ranges: list[dict[str, Any]] = []
        for number, kind, _ in members:
            last = ranges[-1] if ranges else None
            if last and last["end_line"] == number - 1 and last["_kind"] is kind:
                last["end_line"] = number
            else:
                ranges.append({"start_line": number, "end_line": number, "_kind": kind})
        for item in ranges:
            kind = item.pop("_kind")
            item["content_hash"] = content_hash(
                range_text(lines, item["start_line"], item["end_line"])
            )
            if kind is Contributor.MIXED:
                item["contributor"] = {"type": "mixed"}
        contributor: dict[str, Any] = {"type": "ai"}
        model_id = model_identifier(model)
        if model_id:
            contributor["model_id"] = model_id[:250]
        conversations.append({"contributor": contributor, "ranges": ranges})
        notes.append(
            {
                "agent": agent,
                "model": model,
                "session": session,
                "claims": sorted({claim_id for _, _, claim_id in members}),
            }
        )
    return conversations, notes


def model_identifier(model: str | None) -> str | None:
    """models.dev style `provider/model` where the provider is plain from the name."""
    if not model:
        return None
    if "/" in model:
        return model
    for prefix, provider in (("claude", "anthropic"), ("gpt-", "openai"), ("o1", "openai"),
                             ("o3", "openai"), ("o4", "openai"), ("gemini", "google")):  # fmt: skip
        if model.lower().startswith(prefix):
            return f"{provider}/{model}"
    return model
