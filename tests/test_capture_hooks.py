"""`foureyes hooks install|uninstall AGENT`: merging into the agents' own config files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import FOUREYES, GitRepo, ai_lines
from foureyes.app.hook_config import is_ours, record_command

CONFIG = {
    "claude-code": ".claude/settings.json",
    "cursor": ".cursor/hooks.json",
    "codex": ".codex/hooks.json",
    "gemini": ".gemini/settings.json",
}

# A project's Claude Code settings as a team might have them: permissions, env, and
# hooks of their own on the same event and on others.
CLAUDE_SETTINGS: dict[str, Any] = {
    "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
    "env": {"NODE_ENV": "development"},
    "hooks": {
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "./scripts/guard.sh"}]}
        ],
        "PostToolUse": [
            {
                "matcher": "Write|Edit",
                "hooks": [{"type": "command", "command": 'npx prettier --write "$FILE"'}],
            }
        ],
    },
    "someFutureSetting": {"nested": [1, 2, 3]},
}


def read_json(repo: GitRepo, path: str) -> Any:
    return json.loads((repo.root / path).read_text(encoding="utf-8"))


def our_commands(config: Any, agent: str) -> list[str]:
    """Every foureyes record command in an agent's config, wherever it sits."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if is_ours(node.get("command"), agent):
                found.append(node["command"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return found


def without_foureyes_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH as on a machine where foureyes lives only in a venv (git still found)."""
    keep = [d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "foureyes").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join(keep))
    assert shutil.which("foureyes") is None and shutil.which("git")


@pytest.mark.parametrize("agent", sorted(CONFIG))
def test_install_and_uninstall_are_idempotent(
    repo: GitRepo, agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_foureyes_on_path(monkeypatch)
    path = CONFIG[agent]
    first = repo.foureyes("hooks", "install", agent)
    assert first.code == 0, first.err
    assert first.out.startswith("installed:") and path in first.out
    written = (repo.root / path).read_bytes()
    [command] = our_commands(read_json(repo, path), agent)
    executable, _, rest = command.partition(" ")
    assert rest == f"record --agent {agent}"
    assert Path(executable).is_absolute() and Path(executable).name == "foureyes"
    assert "warning: `foureyes` is not on PATH" in first.err

    again = repo.foureyes("hooks", "install", agent)
    assert again.code == 0 and again.out.startswith("already installed:")
    assert (repo.root / path).read_bytes() == written

    removed = repo.foureyes("hooks", "uninstall", agent)
    assert removed.code == 0 and "removed" in removed.out
    assert our_commands(read_json(repo, path), agent) == []
    assert repo.foureyes("hooks", "uninstall", agent).out.startswith("no foureyes hook")


def test_claude_code_settings_shape(repo: GitRepo) -> None:
    assert repo.foureyes("hooks", "install", "claude-code").code == 0
    settings = read_json(repo, ".claude/settings.json")
    [group] = settings["hooks"]["PostToolUse"]
    assert group["matcher"] == "Write|Edit|MultiEdit"
    [hook] = group["hooks"]
    assert hook["type"] == "command" and hook["command"].endswith(" record --agent claude-code")


def test_cursor_gemini_and_codex_shapes(repo: GitRepo) -> None:
    for agent in ("cursor", "gemini", "codex"):
        assert repo.foureyes("hooks", "install", agent).code == 0
    cursor = read_json(repo, ".cursor/hooks.json")
    assert list(cursor) == ["version", "hooks"] and cursor["version"] == 1
    [entry] = cursor["hooks"]["afterFileEdit"]
    assert entry["command"].endswith(" record --agent cursor")
    [group] = read_json(repo, ".gemini/settings.json")["hooks"]["AfterTool"]
    assert group["matcher"] == "write_file|replace" and group["hooks"][0]["name"] == "foureyes"
    [group] = read_json(repo, ".codex/hooks.json")["hooks"]["PostToolUse"]
    assert "apply_patch" in group["matcher"].split("|")


def test_install_merges_with_existing_settings_and_uninstall_restores_them(
    repo: GitRepo,
) -> None:
    repo.write(".claude/settings.json", json.dumps(CLAUDE_SETTINGS, indent=4))
    assert repo.foureyes("hooks", "install", "claude-code").code == 0
    settings = read_json(repo, ".claude/settings.json")
    assert {k: v for k, v in settings.items() if k != "hooks"} == {
        k: v for k, v in CLAUDE_SETTINGS.items() if k != "hooks"
    }
    assert settings["hooks"]["PreToolUse"] == CLAUDE_SETTINGS["hooks"]["PreToolUse"]
    prettier, ours = settings["hooks"]["PostToolUse"]
    assert prettier == CLAUDE_SETTINGS["hooks"]["PostToolUse"][0]
    assert ours["matcher"] == "Write|Edit|MultiEdit"
    assert list(settings) == list(CLAUDE_SETTINGS)  # key order kept

    assert repo.foureyes("hooks", "uninstall", "claude-code").code == 0
    assert read_json(repo, ".claude/settings.json") == CLAUDE_SETTINGS


def test_install_updates_a_moved_executable_in_place(repo: GitRepo) -> None:
    stale = "/old/venv/bin/foureyes record --agent claude-code"
    settings = {"hooks": {"PostToolUse": [{"matcher": "Edit", "hooks": [{"command": stale}]}]}}
    repo.write(".claude/settings.json", json.dumps(settings))
    result = repo.foureyes("hooks", "install", "claude-code")
    assert result.code == 0 and result.out.startswith("installed:")
    after = read_json(repo, ".claude/settings.json")
    [group] = after["hooks"]["PostToolUse"]
    assert group["matcher"] == "Edit"  # the user's choice of matcher is theirs
    [command] = our_commands(after, "claude-code")
    assert command != stale and command.endswith(" record --agent claude-code")


def test_cursor_keeps_other_hooks_and_its_version(repo: GitRepo) -> None:
    existing = {
        "version": 1,
        "hooks": {
            "afterFileEdit": [{"command": "./hooks/format.sh"}],
            "beforeShellExecution": [{"command": "./hooks/audit.sh"}],
        },
    }
    repo.write(".cursor/hooks.json", json.dumps(existing))
    assert repo.foureyes("hooks", "install", "cursor").code == 0
    hooks = read_json(repo, ".cursor/hooks.json")["hooks"]
    assert hooks["afterFileEdit"][0] == {"command": "./hooks/format.sh"}
    assert len(hooks["afterFileEdit"]) == 2
    assert hooks["beforeShellExecution"] == existing["hooks"]["beforeShellExecution"]
    assert repo.foureyes("hooks", "uninstall", "cursor").code == 0
    assert read_json(repo, ".cursor/hooks.json") == existing


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"hooks": {"PostToolUse": [}', "not valid JSON"),
        ("[1, 2]", "not an object"),
        ('{"hooks": []}', '"hooks" is not an object'),
        ('{"hooks": {"PostToolUse": {"matcher": "Edit"}}}', "is not a list"),
    ],
)
def test_a_config_foureyes_cannot_read_is_refused_not_overwritten(
    repo: GitRepo, content: str, reason: str
) -> None:
    repo.write(".claude/settings.json", content)
    for action in ("install", "uninstall"):
        result = repo.foureyes("hooks", action, "claude-code")
        assert result.code == 2, action
        assert reason in result.err and ".claude/settings.json" in result.err
        assert "hint:" in result.err
        assert repo.read(".claude/settings.json") == content


def test_unknown_agent_is_a_usage_error(repo: GitRepo) -> None:
    assert repo.foureyes_process("hooks", "install", "copilot").code == 2
    assert not (repo.root / ".claude").exists()


def agent_writes_with(repo: GitRepo, command: str) -> None:
    """Claude Code writes src/new.py and runs the configured hook `command` through the
    shell, as it does, with its PostToolUse payload on stdin."""
    repo.write("src/new.py", "def added_by_the_agent():\n    return 42\n")
    payload = {
        "session_id": "abc",
        "cwd": str(repo.root),
        "hook_event_name": "PostToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": str(repo.root / "src/new.py"), "content": ""},
        "tool_response": {"type": "create"},
    }
    done = subprocess.run(
        ["sh", "-c", command], cwd=repo.root, input=json.dumps(payload), text=True,
        capture_output=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_installed_command_records_an_edit(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: install with the real command, then run what the agent would run."""
    without_foureyes_on_path(monkeypatch)
    result = repo.foureyes_process("hooks", "install", "claude-code")
    assert result.code == 0, result.err
    [command] = our_commands(read_json(repo, ".claude/settings.json"), "claude-code")
    assert command == record_command(FOUREYES, "claude-code")

    agent_writes_with(repo, command)
    blame = repo.foureyes("blame", "--json", "src/new.py").json()
    assert [line["contributor"] for line in blame["lines"]] == ["ai", "ai"]


def test_record_command_quotes_a_path_with_spaces() -> None:
    command = record_command("/Users/dana/My Tools/bin/foureyes", "cursor")
    assert command == "'/Users/dana/My Tools/bin/foureyes' record --agent cursor"
    assert is_ours(command, "cursor") and not is_ours(command, "claude-code")
    assert not is_ours("notfoureyes record --agent cursor", "cursor")


def test_with_foureyes_on_path_the_hook_works_on_every_machine(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared .claude/settings.json must not carry one developer's venv path: with
    foureyes on PATH the command is plain `foureyes`, and it records for whoever runs it."""
    without_foureyes_on_path(monkeypatch)
    assert repo.foureyes("hooks", "install", "claude-code").code == 0  # an absolute path
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(FOUREYES).parent), os.environ["PATH"]]))
    result = repo.foureyes("hooks", "install", "claude-code")
    assert result.code == 0 and result.out.startswith("installed:")
    assert "on PATH" in result.out and not result.err
    [command] = our_commands(read_json(repo, ".claude/settings.json"), "claude-code")
    assert command == "foureyes record --agent claude-code"  # the old path was replaced

    agent_writes_with(repo, command)
    assert ai_lines(repo, "src/new.py") == [1, 2]


def test_a_machine_path_in_a_tracked_config_is_called_out(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write(".claude/settings.json", "{}\n")
    repo.write("README.md", "x\n")
    repo.commit("shared agent settings")
    without_foureyes_on_path(monkeypatch)
    result = repo.foureyes("hooks", "install", "claude-code")
    assert result.code == 0
    assert "git tracks .claude/settings.json, so everyone who pulls it gets this path" in (
        result.err
    )
    assert "foureyes hooks install claude-code` again" in result.err
