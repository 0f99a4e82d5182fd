"""Write and remove the agents' hook configuration that runs `foureyes record`.

Per agent, in the project (see docs/capture.md for the shapes and what is uncertain):

- claude-code: `.claude/settings.json`, `hooks.PostToolUse`, matcher `Write|Edit|MultiEdit`;
- cursor: `.cursor/hooks.json`, `hooks.afterFileEdit` (with `"version": 1`);
- codex: `.codex/hooks.json`, `hooks.PostToolUse`, matcher `apply_patch|Edit|Write`;
- gemini: `.gemini/settings.json`, `hooks.AfterTool`, matcher `write_file|replace`.

Edits are merges: other hooks, other settings and unknown keys are kept, installing
twice changes nothing the second time, and uninstalling removes only foureyes'
entries (recognised by their `foureyes record --agent NAME` command, wherever the
executable lives). A file that is not valid JSON, or whose shape is not what the
agent documents, is refused rather than overwritten, and so is one that is (or whose
folder is) a symbolic link: a committed `.claude` -> `~/.claude` must not make
foureyes read or rewrite files outside the repository. This module must not know about
argv or terminals; the caller supplies the command to run.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foureyes.core.errors import UsageError
from foureyes.store.repo import refuse_links

HOOK_AGENTS = ("claude-code", "cursor", "codex", "gemini")


@dataclass(frozen=True, slots=True)
class HookSpec:
    """Where and how one agent is told to run a command after each edit."""

    agent: str
    path: str  # relative to the repository root
    event: str
    matcher: str | None  # None: the agent's format has no matcher groups (Cursor)
    extra: tuple[tuple[str, str], ...] = ()  # further fields of the hook entry
    note: str | None = None  # what the user may still have to do


SPECS = {
    "claude-code": HookSpec(
        "claude-code", ".claude/settings.json", "PostToolUse", "Write|Edit|MultiEdit"
    ),
    "cursor": HookSpec("cursor", ".cursor/hooks.json", "afterFileEdit", None),
    "codex": HookSpec(
        "codex",
        ".codex/hooks.json",
        "PostToolUse",
        "apply_patch|Edit|Write",
        note="Codex loads project hooks only when the project is trusted, and versions "
        "before hooks were on by default need `[features] codex_hooks = true` in "
        "~/.codex/config.toml",
    ),
    "gemini": HookSpec(
        "gemini",
        ".gemini/settings.json",
        "AfterTool",
        "write_file|replace",
        extra=(("name", "foureyes"),),
        note="older Gemini CLI versions run hooks only when they are enabled in "
        "settings (`tools.enableHooks` / `hooks.enabled`); see docs/capture.md",
    ),
}


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """What install or uninstall did to one agent's configuration file."""

    spec: HookSpec
    path: Path
    changed: bool
    present: bool  # whether foureyes' hook is configured afterwards


def record_command(executable: str, agent: str) -> str:
    """The shell command an agent runs: `EXECUTABLE record --agent AGENT`."""
    return f"{_quoted(executable)} record --agent {agent}"


def _quoted(word: str) -> str:
    # Shell-quote only when needed, so the common case stays readable in the config.
    if re.fullmatch(r"[A-Za-z0-9_./:@%+=,\\-]+", word):
        return word
    return "'" + word.replace("'", "'\"'\"'") + "'"


def is_ours(command: object, agent: str) -> bool:
    """Whether a configured command is foureyes' recorder for `agent` (any install path)."""
    if not isinstance(command, str):
        return False
    executable = r"(?:^|[\s/\\'\"])foureyes(?:\.exe)?['\"]?"
    pattern = rf"{executable}\s+record\s+--agent[\s=]{re.escape(agent)}\b"
    return re.search(pattern, command) is not None


def install(root: Path, agent: str, command: str) -> ConfigChange:
    """Configure `agent` to run `command` after each edit; idempotent."""
    spec = SPECS[agent]
    path = root / spec.path
    refuse_links(root, path)
    config = _load(path)
    entries = _event_list(config, spec, create=True)
    assert entries is not None
    entry: dict[str, Any] = {"command": command}
    if spec.matcher is not None:
        entry = {"type": "command", "command": command, **dict(spec.extra)}
    changed = False
    found = False
    for holder in _hook_holders(entries, spec):
        kept: list[Any] = []
        for hook in holder:
            if isinstance(hook, dict) and is_ours(hook.get("command"), agent):
                if found:
                    changed = True  # a duplicate from an earlier hand edit: drop it
                    continue
                found = True
                if hook.get("command") != command:
                    hook["command"] = command  # the executable moved (a new venv, say)
                    changed = True
            kept.append(hook)
        holder[:] = kept
    if not found:
        if spec.matcher is None:
            entries.append(entry)
        else:
            entries.append({"matcher": spec.matcher, "hooks": [entry]})
        changed = True
    if spec.agent == "cursor" and "version" not in config:
        config["version"] = 1
        changed = True
    if changed:
        _save(path, _ordered(config, spec))
    return ConfigChange(spec, path, changed, present=True)


def uninstall(root: Path, agent: str) -> ConfigChange:
    """Remove foureyes' hook for `agent`, keeping everything else; idempotent."""
    spec = SPECS[agent]
    path = root / spec.path
    refuse_links(root, path)
    if not path.exists():
        return ConfigChange(spec, path, changed=False, present=False)
    config = _load(path)
    entries = _event_list(config, spec, create=False)
    if entries is None:
        return ConfigChange(spec, path, changed=False, present=False)
    changed = False
    emptied: list[int] = []  # ids of hook lists that removing our hook left empty
    for holder in _hook_holders(entries, spec):
        kept = [h for h in holder if not (isinstance(h, dict) and is_ours(h.get("command"), agent))]
        if len(kept) != len(holder):
            holder[:] = kept
            changed = True
            if not kept:
                emptied.append(id(holder))
    if changed:
        # Drop only the containers that we emptied; anything else the user had stays.
        if spec.matcher is not None:
            entries[:] = [
                group
                for group in entries
                if not (isinstance(group, dict) and id(group.get("hooks")) in emptied)
            ]
        hooks = config["hooks"]
        if not entries:
            del hooks[spec.event]
        if not hooks:
            del config["hooks"]
        _save(path, config)
    return ConfigChange(spec, path, changed, present=False)


# --- the JSON file -------------------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            f"cannot read {path}: {error}", "make sure it is a readable UTF-8 text file"
        ) from None
    if not text.strip():
        return {}  # an empty file holds no settings to keep
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{path} is not valid JSON ({error}); foureyes will not overwrite it",
            "fix the file (or move it away) and run the command again",
        ) from None
    if not isinstance(data, dict):
        raise UsageError(
            f"{path} holds a JSON {type(data).__name__}, not an object; foureyes will not "
            "overwrite it",
            "fix the file (or move it away) and run the command again",
        )
    return data


def _event_list(config: dict[str, Any], spec: HookSpec, *, create: bool) -> list[Any] | None:
    """The list of hook entries for the spec's event, refusing a shape we do not know."""
    hooks = config.get("hooks")
    if hooks is None:
        if not create:
            return None
        hooks = config["hooks"] = {}
    if not isinstance(hooks, dict):
        raise _shape_error(spec, '"hooks" is not an object')
    entries = hooks.get(spec.event)
    if entries is None:
        if not create:
            return None
        entries = hooks[spec.event] = []
    if not isinstance(entries, list):
        raise _shape_error(spec, f'"hooks.{spec.event}" is not a list')
    return entries


def _hook_holders(entries: list[Any], spec: HookSpec) -> list[list[Any]]:
    """The lists that hold hook entries: the event's list itself (Cursor) or the `hooks`
    list of each matcher group. Groups of a shape we do not know are left alone."""
    if spec.matcher is None:
        return [entries]
    return [
        group["hooks"]
        for group in entries
        if isinstance(group, dict) and isinstance(group.get("hooks"), list)
    ]


def _ordered(config: dict[str, Any], spec: HookSpec) -> dict[str, Any]:
    """Cursor's example files put "version" first; keep other files' key order as is."""
    if spec.agent != "cursor" or "version" not in config:
        return config
    return {"version": config["version"], **{k: v for k, v in config.items() if k != "version"}}


def _shape_error(spec: HookSpec, what: str) -> UsageError:
    return UsageError(
        f"{spec.path}: {what}, which is not the shape {spec.agent} documents; foureyes will "
        "not overwrite it",
        "fix the file (or move it away) and run the command again",
    )


def _save(path: Path, config: dict[str, Any]) -> None:
    """Write atomically: an agent reading the file meanwhile sees the old or the new one."""
    text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
