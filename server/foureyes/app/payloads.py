"""Read the JSON that an agent's hook sends into one agent-neutral `ToolCall`.

Supported (docs/capture.md has the details and examples):

- claude-code: `PostToolUse` for Write, Edit and MultiEdit; uses
  `tool_response.structuredPatch` and `tool_response.originalFile` when present.
- cursor: `afterFileEdit` (and `afterTabFileEdit`, same shape) with `file_path` and
  `edits`; `postToolUse` for Write, StrReplace and ApplyPatch.
- codex: `PostToolUse` for `apply_patch` (the patch is `tool_input.command`), and
  Claude-style Write/Edit payloads.
- gemini: `AfterTool` for `write_file` and `replace`; uses
  `tool_response.returnDisplay.originalContent` when present.
- generic: `{"agent", "model"?, "session"?, "cwd"?, "file_path", "edits" | "content",
  "original_content"?}`.

Parsing is lenient: unknown fields are ignored. A payload that cannot describe an
edit raises `PayloadError` naming what is missing; a call that is not an edit (Bash,
Read, a PreToolUse event) comes back with `ignored` set. This module is pure: it
knows the agents' JSON shapes, not files, git or the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from foureyes.app.apply_patch import BEGIN, PatchError, parse_patch
from foureyes.app.edits import Edit, Hunk

AGENTS = ("claude-code", "cursor", "codex", "gemini", "generic")


class PayloadError(ValueError):
    """A hook payload that does not describe a usable edit; the message says why."""


@dataclass(frozen=True, slots=True)
class FileChange:
    """What one tool call did to one file, in whatever detail the agent sent.

    Either `content` (the whole new text: a write) or `edits` (replacements) is set.
    `original` is the file's text just before the call, `hunks` a line diff of the
    call, `created` that the agent says the file is new; each is optional.
    """

    path: str  # as the agent gave it: absolute, or relative to the call's base directory
    content: str | None = None
    edits: tuple[Edit, ...] = ()
    original: str | None = None
    hunks: tuple[Hunk, ...] | None = None
    created: bool = False


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call of one agent, reduced to what foureyes records."""

    agent: str  # the agent name stored in claims ("claude-code", or the generic payload's)
    source: str  # the claims' source, "hook:<agent key>"
    tool: str  # the tool's name as the agent calls it, for messages
    base: str | None = None  # directory that relative paths are relative to (cwd)
    session: str | None = None
    model: str | None = None
    changes: tuple[FileChange, ...] = ()
    ignored: str | None = None  # why nothing is to be recorded, when nothing is
    quiet: bool = True  # False when the ignored reason deserves a line in the log


def parse_payload(agent: str, raw: bytes | str) -> ToolCall:
    """The tool call a hook payload describes; raises PayloadError for a malformed one."""
    if agent not in AGENTS:
        raise PayloadError(f"unknown agent {agent!r}; use one of: {', '.join(AGENTS)}")
    data = _json(raw)
    parser = _PARSERS[agent]
    return parser(data)


def _json(raw: bytes | str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        raise PayloadError(f"the payload is not UTF-8 (byte {error.start + 1})") from None
    if not text.strip():
        raise PayloadError("the payload is empty (expected a JSON object on stdin)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # str(error), not error.msg: the message ends in "at" and needs its position
        # ("Unterminated string starting at: line 1 column 13 (char 12)").
        raise PayloadError(f"the payload is not JSON ({error})") from None
    except (RecursionError, ValueError):
        raise PayloadError("the payload is not JSON that can be read") from None
    if not isinstance(data, dict):
        raise PayloadError("the payload must be a JSON object")
    return data


# --- field helpers ----------------------------------------------------------------------


def _opt_text(data: Mapping[str, Any], *names: str) -> str | None:
    """The first of `names` that is a non-empty string."""
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _any_text(data: Mapping[str, Any], name: str) -> str | None:
    """A string field that may be empty (the text of a file that was empty), or None."""
    value = data.get(name)
    return value if isinstance(value, str) else None


def _need_text(data: Mapping[str, Any], where: str, *names: str) -> str:
    value = _opt_text(data, *names)
    if value is None:
        raise PayloadError(f"{where} has no {' or '.join(repr(n) for n in names)}")
    return value


def _string(data: Mapping[str, Any], name: str, where: str) -> str:
    """A string field that may be empty (new_string of a deletion) but must be there."""
    value = data.get(name)
    if not isinstance(value, str):
        raise PayloadError(f"{where} has no string {name!r}")
    return value


def _object(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A field that must be an object (tool_input of an edit); absent is empty."""
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{name!r} must be a JSON object")
    return value


def _details(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    """An optional object (tool_response): anything else, a string say, is no details."""
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _edit(item: object, where: str) -> Edit:
    if not isinstance(item, dict):
        raise PayloadError(f"{where} must be an object with old_string and new_string")
    replace_all = item.get("replace_all") is True
    return Edit(_string(item, "old_string", where), _string(item, "new_string", where), replace_all)


def _edits(items: object, where: str) -> tuple[Edit, ...]:
    if not isinstance(items, list):
        raise PayloadError(f"{where} must be a list of edits")
    return tuple(_edit(item, f"{where}[{n}]") for n, item in enumerate(items))


def _hunks(value: object) -> tuple[Hunk, ...] | None:
    """Claude Code's structuredPatch, or None when it is absent or not understood."""
    if not isinstance(value, list) or not value:
        return None
    hunks: list[Hunk] = []
    for item in value:
        if not isinstance(item, dict):
            return None
        lines = item.get("lines")
        old_start, new_start = item.get("oldStart"), item.get("newStart")
        if not (isinstance(old_start, int) and isinstance(new_start, int)):
            return None
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            return None
        hunks.append(Hunk(old_start, new_start, tuple(lines)))
    return tuple(hunks)


def _ignored(agent: str, data: Mapping[str, Any], tool: str, reason: str) -> ToolCall:
    return ToolCall(
        agent=agent, source=f"hook:{agent}", tool=tool, base=_opt_text(data, "cwd"),
        ignored=reason,
    )  # fmt: skip


def _event_mismatch(agent: str, data: Mapping[str, Any], *expected: str) -> ToolCall | None:
    """A call for an event that fires before the edit (or not for edits) records nothing."""
    event = data.get("hook_event_name")
    if isinstance(event, str) and event not in expected:
        tool = _opt_text(data, "tool_name") or event
        reason = (
            f"event {event} is not one foureyes records (it needs {' or '.join(expected)}, "
            "which fire after the edit); check the hook configuration"
        )
        return ToolCall(
            agent=agent, source=f"hook:{agent}", tool=tool, base=_opt_text(data, "cwd"),
            ignored=reason, quiet=False,
        )  # fmt: skip
    return None


# --- Claude Code (and Claude-shaped payloads from other agents) --------------------------


def _claude_code(data: dict[str, Any]) -> ToolCall:
    mismatch = _event_mismatch("claude-code", data, "PostToolUse")
    return mismatch or _claude_shaped("claude-code", data)


def _claude_shaped(agent: str, data: dict[str, Any]) -> ToolCall:
    tool = _need_text(data, "the payload", "tool_name")
    if tool not in ("Write", "Edit", "MultiEdit"):
        return _ignored(agent, data, tool, f"{tool} does not edit files")
    tool_input = _object(data, "tool_input")
    response = _details(data, "tool_response")
    if response.get("success") is False:
        return _ignored(agent, data, tool, f"the {tool} call failed")
    path = _need_text(tool_input, "tool_input", "file_path")
    original = _any_text(response, "originalFile")
    hunks = _hunks(response.get("structuredPatch"))
    if tool == "Write":
        change = FileChange(
            path=path, content=_string(tool_input, "content", "tool_input"), original=original,
            hunks=hunks, created=response.get("type") == "create",
        )  # fmt: skip
    elif tool == "Edit":
        edit = _edit(tool_input, "tool_input")
        change = FileChange(path=path, edits=(edit,), original=original, hunks=hunks)
    else:
        edits = _edits(tool_input.get("edits"), "tool_input.edits")
        change = FileChange(path=path, edits=edits, original=original, hunks=hunks)
    return ToolCall(
        agent=agent, source=f"hook:{agent}", tool=tool, base=_opt_text(data, "cwd"),
        session=_opt_text(data, "session_id"), model=_opt_text(data, "model"),
        changes=(change,),
    )  # fmt: skip


# --- Cursor -----------------------------------------------------------------------------


def _cursor(data: dict[str, Any]) -> ToolCall:
    event = _opt_text(data, "hook_event_name")
    roots = data.get("workspace_roots")
    root = roots[0] if isinstance(roots, list) and roots and isinstance(roots[0], str) else None
    base = _opt_text(data, "cwd") or root
    session = _opt_text(data, "conversation_id")
    model = _opt_text(data, "model")
    if event in ("afterFileEdit", "afterTabFileEdit") or (event is None and "edits" in data):
        path = _need_text(data, "the payload", "file_path")
        change = FileChange(path=path, edits=_edits(data.get("edits"), "edits"))
        tool = event or "afterFileEdit"
    elif event == "postToolUse" or (event is None and "tool_name" in data):
        tool = _need_text(data, "the payload", "tool_name")
        found = _cursor_tool(tool, data)
        if isinstance(found, str):
            return ToolCall(
                agent="cursor", source="hook:cursor", tool=tool, base=base, ignored=found
            )
        return ToolCall(
            agent="cursor", source="hook:cursor", tool=tool, base=base, session=session,
            model=model, changes=found,
        )  # fmt: skip
    else:
        mismatch = _event_mismatch("cursor", data, "afterFileEdit", "postToolUse")
        if mismatch is not None:
            return mismatch
        raise PayloadError("the payload has neither hook_event_name, edits nor tool_name")
    return ToolCall(
        agent="cursor", source="hook:cursor", tool=tool, base=base, session=session,
        model=model, changes=(change,),
    )  # fmt: skip


def _cursor_tool(tool: str, data: Mapping[str, Any]) -> tuple[FileChange, ...] | str:
    """The changes of a Cursor postToolUse call, or why it records nothing."""
    if tool not in ("Write", "StrReplace", "Edit", "ApplyPatch"):
        return f"{tool} does not write lines"
    tool_input = _object(data, "tool_input")
    if tool == "ApplyPatch":
        return _patch_changes(tool_input, "tool_input")
    path = _need_text(tool_input, "tool_input", "file_path", "path")
    if tool == "Write":
        content = tool_input.get("contents", tool_input.get("content"))
        if not isinstance(content, str):
            raise PayloadError("tool_input has no string 'contents' or 'content'")
        return (FileChange(path=path, content=content),)
    return (FileChange(path=path, edits=(_edit(tool_input, "tool_input"),)),)


# --- Codex ------------------------------------------------------------------------------


def _codex(data: dict[str, Any]) -> ToolCall:
    mismatch = _event_mismatch("codex", data, "PostToolUse")
    if mismatch is not None:
        return mismatch
    tool = _need_text(data, "the payload", "tool_name")
    if tool != "apply_patch":
        return _claude_shaped("codex", data)
    raw = data.get("tool_input")
    tool_input = {"command": raw} if isinstance(raw, str) else _object(data, "tool_input")
    changes = _patch_changes(tool_input, "tool_input")
    return ToolCall(
        agent="codex", source="hook:codex", tool=tool, base=_opt_text(data, "cwd"),
        session=_opt_text(data, "session_id"), model=_opt_text(data, "model"),
        changes=changes,
    )  # fmt: skip


def _patch_changes(tool_input: Mapping[str, Any], where: str) -> tuple[FileChange, ...]:
    """The changes of an apply_patch call: the patch text is in `command` (Codex) or in
    another string field; an argv list such as ["apply_patch", PATCH] works too."""
    candidates: list[object] = [tool_input.get(k) for k in ("command", "input", "patch")]
    candidates.extend(tool_input.values())
    text = next((t for t in _strings(candidates) if BEGIN in t), None)
    if text is None:
        raise PayloadError(f'{where} has no patch text (a "{BEGIN}" envelope)')
    try:
        patched = parse_patch(text)
    except PatchError as error:
        raise PayloadError(f"the patch cannot be read: {error}") from None
    return tuple(
        FileChange(path=f.path, content=f.content, edits=f.edits, created=f.content is not None)
        for f in patched
    )


def _strings(values: Sequence[object]) -> list[str]:
    found: list[str] = []
    for value in values:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, str))
    return found


# --- Gemini CLI -------------------------------------------------------------------------


def _gemini(data: dict[str, Any]) -> ToolCall:
    mismatch = _event_mismatch("gemini", data, "AfterTool")
    if mismatch is not None:
        return mismatch
    tool = _need_text(data, "the payload", "tool_name")
    if tool not in ("write_file", "replace"):
        return _ignored("gemini", data, tool, f"{tool} does not edit files")
    tool_input = _object(data, "tool_input")
    response = _details(data, "tool_response")
    if response.get("error"):
        return _ignored("gemini", data, tool, f"the {tool} call failed")
    path = _need_text(tool_input, "tool_input", "file_path", "absolute_path", "path")
    display = response.get("returnDisplay")
    original = _any_text(display, "originalContent") if isinstance(display, dict) else None
    if tool == "write_file":
        content = _string(tool_input, "content", "tool_input")
        change = FileChange(path=path, content=content, original=original)
    else:
        expected = tool_input.get("expected_replacements")
        many = isinstance(expected, int) and not isinstance(expected, bool) and expected > 1
        edit = _edit(tool_input, "tool_input")
        edit = Edit(edit.old, edit.new, replace_all=many)
        change = FileChange(path=path, edits=(edit,), original=original)
    return ToolCall(
        agent="gemini", source="hook:gemini", tool=tool, base=_opt_text(data, "cwd"),
        session=_opt_text(data, "session_id"), model=_opt_text(data, "model"),
        changes=(change,),
    )  # fmt: skip


# --- generic ----------------------------------------------------------------------------


def _generic(data: dict[str, Any]) -> ToolCall:
    agent = _need_text(data, "the payload", "agent")
    path = _need_text(data, "the payload", "file_path")
    has_edits, has_content = "edits" in data, "content" in data
    if has_edits == has_content:
        raise PayloadError('the payload needs exactly one of "edits" and "content"')
    content = _string(data, "content", "the payload") if has_content else None
    edits = () if has_content else _edits(data["edits"], "edits")
    original = _any_text(data, "original_content")
    change = FileChange(path=path, content=content, edits=edits, original=original)
    return ToolCall(
        agent=agent, source="hook:generic", tool="edit" if has_edits else "write",
        base=_opt_text(data, "cwd"), session=_opt_text(data, "session", "session_id"),
        model=_opt_text(data, "model"), changes=(change,),
    )  # fmt: skip


_PARSERS = {
    "claude-code": _claude_code,
    "cursor": _cursor,
    "codex": _codex,
    "gemini": _gemini,
    "generic": _generic,
}
