"""`foureyes scan`: the whole repository, ledger plus history, incremental.

The installed command runs in real repositories; git processes are counted with a
`git` shim first on PATH, which logs every call and runs the real git.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import time
from pathlib import Path

from conftest import FOUREYES, GitRepo, code_lines


def write_lines(repo: GitRepo, path: str, lines: list[str]) -> None:
    repo.write(path, "\n".join(lines) + "\n")


def build(repo: GitRepo) -> None:
    write_lines(repo, "src/base.py", code_lines("base", 20))
    write_lines(repo, "src/human.py", code_lines("human", 8))
    (repo.root / "logo.png").write_bytes(b"\x89PNG\0\0binary")
    repo.commit("Start")
    write_lines(repo, "src/base.py", code_lines("base", 20) + code_lines("claude", 6))
    write_lines(repo, "src/agent.py", code_lines("agent", 10))
    repo.commit("Agent\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>")
    write_lines(repo, "src/human.py", [*code_lines("human", 8), "", *code_lines("late", 3)])
    assert repo.foureyes("mark", "--ai", "src/human.py:10-11", "--agent", "cursor").code == 0
    repo.commit("Cursor lines recorded in the ledger")


def shim(tmp_path: Path) -> tuple[dict[str, str], Path]:
    folder = tmp_path / "shim"
    folder.mkdir(exist_ok=True)
    log = tmp_path / "git-calls.log"
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True)
    (folder / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real.stdout.strip()} "$@"\n')
    (folder / "git").chmod(0o755)
    log.write_text("")
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}, log


def scan(repo: GitRepo, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [FOUREYES, "scan", "--json"], cwd=repo.root, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress bar
    return json.loads(done.stdout)


def test_scan_summarises_ledger_and_history(repo: GitRepo) -> None:
    build(repo)
    result = scan(repo)
    summary = result["summary"]
    assert summary["files"] == 4  # with the .gitattributes `mark` wrote
    assert summary["ai_lines"] == 6 + 10 + 2
    assert summary["by_agent"] == {"claude-code": 16, "cursor": 2}
    assert summary["by_source"] == {"git-trailer": 16, "manual": 2}
    assert summary["files_with_ai"] == 3
    assert summary["ai_blocks"] == 3
    # History's AI lines are regions like the ledger's: each of the 3 blocks needs review.
    assert summary["regions_by_review"] == {"unreviewed": 3}
    assert result["skipped"] == [{"path": "logo.png", "reason": "binary"}]
    files = {f["path"]: f for f in result["files"]}
    assert files["src/base.py"]["ai"] == 6 and files["src/base.py"]["lines"] == 26


def test_a_second_scan_runs_no_git_and_is_much_faster(repo: GitRepo, tmp_path: Path) -> None:
    build(repo)
    for i in range(60):
        write_lines(repo, f"pkg/m{i}.py", code_lines(f"m{i}", 40))
    repo.commit("Many files\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>")
    env, log = shim(tmp_path)
    started = time.perf_counter()
    cold = scan(repo, env)
    cold_seconds = time.perf_counter() - started
    assert cold["incremental"]["resolved"] == 64
    assert any("blame" in line.split() for line in log.read_text().splitlines())
    log.write_text("")
    warm = scan(repo, env)
    assert log.read_text() == ""  # not one git process
    assert warm["incremental"] == {"reused": 64, "resolved": 0, "listed_by_git": False}
    assert warm["summary"] == cold["summary"]
    # The in-process work; process start-up (importing Python) is the same for both.
    assert warm["seconds"] * 10 <= cold["seconds"], (warm["seconds"], cold["seconds"])
    assert cold_seconds > 0


def test_an_edited_file_is_resolved_again_without_git(repo: GitRepo, tmp_path: Path) -> None:
    build(repo)
    env, log = shim(tmp_path)
    scan(repo, env)
    log.write_text("")
    lines = repo.read("src/base.py").splitlines()
    lines[21] = "claude_value_1 = edited_by_a_person()"
    write_lines(repo, "src/base.py", lines)
    result = scan(repo, env)
    assert result["incremental"]["resolved"] == 1
    assert {f["path"]: f["ai"] for f in result["files"]}["src/base.py"] == 5
    assert log.read_text() == ""  # blame of HEAD is cached; the edit is matched by a diff


def test_a_new_commit_or_ledger_change_is_seen(repo: GitRepo) -> None:
    build(repo)
    scan(repo)
    write_lines(repo, "src/new.py", code_lines("new", 4))
    repo.commit("New\n\nCo-authored-by: Codex <codex@openai.com>")
    result = scan(repo)
    assert result["incremental"]["listed_by_git"] is True
    assert result["summary"]["by_agent"]["codex"] == 4
    # A ledger claim is seen too (a human claim would not do: relabelling AI lines as
    # human needs a senior's approval, so they stay AI).
    assert repo.foureyes("mark", "--ai", "src/new.py:1-2", "--agent", "aider").code == 0
    again = scan(repo)
    assert again["summary"]["by_agent"]["codex"] == 2
    assert again["summary"]["by_agent"]["aider"] == 2


def test_progress_bar_on_a_terminal(repo: GitRepo) -> None:
    build(repo)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(repo.root)
        os.execv(FOUREYES, [FOUREYES, "scan"])
    output = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    text = output.decode()
    assert "[" in text and "5/5" in text and "\r" in text
    assert "AI-written: 18 lines" in text
    assert "Most AI-written files:" in text


def test_text_output_when_nothing_is_ai(repo: GitRepo) -> None:
    write_lines(repo, "a.py", code_lines("a", 3))
    repo.commit("Start")
    result = repo.foureyes("scan")
    assert result.code == 0, result.err
    assert "Scanned 1 file, 3 lines" in result.out
    assert "AI-written: 0 lines (0.0%)" in result.out


def test_after_a_commit_only_the_files_it_touched_are_blamed(repo: GitRepo, tmp_path: Path) -> None:
    build(repo)
    env, log = shim(tmp_path)
    scan(repo, env)
    write_lines(repo, "src/agent.py", [*code_lines("agent", 10), "agent_tail = 1"])
    repo.commit("Touch one file")
    log.write_text("")
    result = scan(repo, env)
    assert result["incremental"]["listed_by_git"] is True
    blamed = [line for line in log.read_text().splitlines() if "blame" in line.split()]
    assert len(blamed) == 1 and blamed[0].endswith("-- src/agent.py")
    assert result["summary"]["ai_lines"] == 18


def test_ignored_paths_are_left_out_as_status_leaves_them_out(repo: GitRepo) -> None:
    """Issue 14: `scan` counted files the policy's `paths.ignored` names."""
    build(repo)
    before = scan(repo)  # cached: the listing and every file's result
    assert "src/agent.py" in {f["path"] for f in before["files"]}
    repo.write(".foureyes.toml", '[paths]\nignored = ["src/agent.py", "*.png"]\n')
    result = scan(repo)
    paths = {f["path"] for f in result["files"]}
    assert "src/agent.py" not in paths and "src/base.py" in paths
    assert result["summary"]["ai_lines"] == 6 + 2
    assert result["summary"]["by_agent"] == {"claude-code": 6, "cursor": 2}
    assert result["skipped"] == []  # logo.png is ignored, not skipped
    status = repo.foureyes("status", "--json").json()
    assert {region["path"] for region in status["regions"]} == {"src/base.py", "src/human.py"}
    text = repo.foureyes("scan")
    assert text.code == 0 and "src/agent.py" not in text.out
