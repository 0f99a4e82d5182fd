"""Checkpoints: `foureyes checkpoint begin|end` and `foureyes run -- CMD` claim exactly what
changed in between, in real git repositories, through the installed command.

The wrapped "agent" is a real Python script that edits files; nothing is mocked.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from conftest import FOUREYES, GitRepo, ai_lines, blame_json, code_lines, ledger_events

# An "agent" that edits files the way a script-driven agent does: it rewrites two lines
# of app.py, appends a function, creates a new module and deletes a line in notes.txt.
EDIT_SCRIPT = r"""
import pathlib, sys
root = pathlib.Path(".")
app = (root / "app.py").read_text().splitlines()
app[4] = "main_value_4 = compute_main(4, scale=99)  # tuned by the agent"
app[5] = "main_value_5 = compute_main(5, scale=98)  # tuned by the agent"
app += ["", "def added_by_agent(x):", "    return x * 2 + offset_for(x)"]
(root / "app.py").write_text("\n".join(app) + "\n")
(root / "pkg").mkdir(exist_ok=True)
(root / "pkg" / "fresh.py").write_text("def fresh_helper():\n    return 'from the agent'\n")
notes = (root / "notes.txt").read_text().splitlines()
del notes[1]
(root / "notes.txt").write_text("\n".join(notes) + "\n")
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


def setup(repo: GitRepo) -> None:
    repo.write("app.py", "\n".join(code_lines("main", 20)) + "\n")
    repo.write("notes.txt", "first note line\nsecond note line\nthird note line\n")
    repo.write("edit_some_files.py", EDIT_SCRIPT)
    repo.commit("start")


def blame(repo: GitRepo, path: str) -> dict[int, dict[str, Any]]:
    return {line["line"]: line for line in blame_json(repo, path)["lines"]}


def run(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FOUREYES, "run", "--agent", "x", "--model", "m-1", "--", *args],
        cwd=repo.root, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_run_claims_what_the_script_changed_and_nothing_else(repo: GitRepo) -> None:
    setup(repo)
    done = run(repo, sys.executable, "edit_some_files.py")
    assert done.returncode == 0, done.stderr
    assert ai_lines(repo, "app.py") == [5, 6, 21, 22, 23]
    assert ai_lines(repo, "pkg/fresh.py") == [1, 2]
    assert ai_lines(repo, "notes.txt") == []
    assert ai_lines(repo, "edit_some_files.py") == []
    claims = ledger_events(repo)
    assert {c["source"] for c in claims} == {"checkpoint"}
    assert {c["agent"] for c in claims} == {"x"} and {c["model"] for c in claims} == {"m-1"}
    replaced = {(c["path"], c["anchor"]["line"]): c["replaced"] for c in claims}
    assert replaced[("app.py", 5)] == 2  # two lines rewritten
    assert replaced[("pkg/fresh.py", 1)] == 0
    assert "notes.txt: 1 line removed" in done.stderr
    assert "claimed app.py: 5 lines as AI (x; replaced 2 lines)" in done.stderr


def test_a_human_edit_before_run_is_never_claimed(repo: GitRepo) -> None:
    setup(repo)
    # A person edits app.py (uncommitted) and adds an untracked file before the agent runs.
    text = repo.read("app.py").replace("compute_main(10,", "compute_main_by_hand(10,")
    repo.write("app.py", text)
    repo.write("mine.py", "def written_by_a_person():\n    return 42\n")
    done = run(repo, sys.executable, "edit_some_files.py")
    assert done.returncode == 0, done.stderr
    assert ai_lines(repo, "app.py") == [5, 6, 21, 22, 23]
    assert blame(repo, "app.py")[11]["contributor"] == "unknown"
    assert ai_lines(repo, "mine.py") == []


def test_run_returns_the_exit_code_and_claims_even_when_the_command_fails(repo: GitRepo) -> None:
    setup(repo)
    done = run(repo, sys.executable, "edit_some_files.py", "7")
    assert done.returncode == 7
    assert ai_lines(repo, "pkg/fresh.py") == [1, 2]


def test_run_of_a_missing_command_is_a_usage_error_and_leaves_nothing_open(repo: GitRepo) -> None:
    setup(repo)
    done = run(repo, "no-such-agent-binary-here")
    assert done.returncode == 2
    assert "command not found: no-such-agent-binary-here" in done.stderr
    assert list((repo.root / ".git/foureyes/cache/checkpoints").glob("*.json")) == [
        repo.root / ".git/foureyes/cache/checkpoints/last-seen.json"
    ]


def test_checkpoint_begin_end_by_hand(repo: GitRepo) -> None:
    setup(repo)
    begun = repo.foureyes("checkpoint", "begin", "--agent", "aider", "--model", "deepseek")
    assert begun.code == 0, begun.err
    again = repo.foureyes("checkpoint", "begin", "--agent", "aider")
    assert again.code == 2 and "already open" in again.err
    repo.write("app.py", repo.read("app.py") + "tail_value = compute_tail(1, scale=2)\n")
    ended = repo.foureyes("checkpoint", "end")
    assert ended.code == 0, ended.err
    assert "claimed app.py: 1 line as AI (aider; nothing replaced)" in ended.out
    assert ai_lines(repo, "app.py") == [21]
    assert ledger_events(repo)[0]["model"] == "deepseek"
    none_open = repo.foureyes("checkpoint", "end")
    assert none_open.code == 2 and "no checkpoint 'default' is open" in none_open.err


def test_binary_and_huge_files_are_skipped_with_a_note(repo: GitRepo) -> None:
    setup(repo)
    assert repo.foureyes("checkpoint", "begin", "--agent", "x").code == 0
    (repo.root / "blob.bin").write_bytes(b"\0\1\2binary")
    (repo.root / "huge.txt").write_text("x = 1\n" * (9 * 1024 * 1024 // 6))
    ended = repo.foureyes("checkpoint", "end")
    assert ended.code == 0, ended.err
    assert "blob.bin: skipped (binary)" in ended.err
    assert "huge.txt: skipped (over 8 MiB)" in ended.err
    assert ledger_events(repo) == []


def test_ignored_files_and_the_cache_stay_out_of_git(repo: GitRepo) -> None:
    setup(repo)
    repo.write(".gitignore", "build/\n")
    repo.commit("ignore build")
    assert repo.foureyes("checkpoint", "begin", "--agent", "x").code == 0
    repo.write("build/out.py", "generated = True\n")
    ended = repo.foureyes("checkpoint", "end")
    assert ended.code == 0 and ledger_events(repo) == []
    status = repo.git("status", "--porcelain", "--untracked-files=all")
    assert "cache" not in status
    assert (repo.root / ".git/foureyes/cache/checkpoints").is_dir()  # in the git directory


def test_unchanged_files_are_not_read_again(repo: GitRepo) -> None:
    """The snapshot is content-addressed: a second begin stores nothing new."""
    setup(repo)
    objects = repo.root / ".git/foureyes/cache/checkpoints/objects"
    assert repo.foureyes("checkpoint", "begin", "--agent", "x").code == 0
    first = sorted(p.name for p in objects.rglob("*") if p.is_file())
    assert repo.foureyes("checkpoint", "end").code == 0
    assert repo.foureyes("checkpoint", "begin", "--agent", "x").code == 0
    assert sorted(p.name for p in objects.rglob("*") if p.is_file()) == first


# --- signals -------------------------------------------------------------------------------

# Writes a file, reports readiness, then counts the SIGINTs delivered to it (one byte per
# delivery through the wakeup fd) for a second after the first, and exits 130. It spins
# rather than sleeps so that it takes each signal at once: two signals pending at the
# same moment merge into one, which would hide a duplicate. (So a duplicate is caught
# most of the time, not always; a correct foureyes never fails this test.)
SIGNAL_SCRIPT = r"""
import os, pathlib, signal, sys, time
read_end, write_end = os.pipe()
os.set_blocking(write_end, False)
signal.set_wakeup_fd(write_end)
signal.signal(signal.SIGINT, lambda signo, frame: None)
pathlib.Path("written.py").write_text("def written_before_ctrl_c():\n    return 1\n")
print("ready", flush=True)
os.set_blocking(read_end, False)
count, deadline, first = 0, time.time() + 20, None
while time.time() < deadline and (first is None or time.time() < first + 1.0):
    try:
        count += len(os.read(read_end, 16))
        first = first or time.time()
    except BlockingIOError:
        pass  # spin: a running process takes a signal at once, so two never merge
pathlib.Path("count.txt").write_text(str(count))
sys.exit(130)
"""


def _wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while not path.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert path.exists(), f"{path} never appeared"


def test_a_signal_sent_to_foureyes_is_forwarded_once(repo: GitRepo) -> None:
    setup(repo)
    repo.write("agent.py", SIGNAL_SCRIPT)
    repo.commit("agent")
    process = subprocess.Popen(
        [FOUREYES, "run", "--agent", "x", "--", sys.executable, "agent.py"],
        cwd=repo.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGINT)  # kill(2): only foureyes gets it; it must pass it on
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert repo.read("count.txt") == "1"
    assert ai_lines(repo, "written.py") == [1, 2]


def test_ctrl_c_in_a_terminal_reaches_the_command_exactly_once(repo: GitRepo) -> None:
    """The terminal sends SIGINT to the whole foreground group; foureyes must not add one."""
    setup(repo)
    repo.write("agent.py", SIGNAL_SCRIPT)
    repo.commit("agent")
    pid, fd = pty.fork()
    if pid == 0:  # the child: becomes foureyes, with the pty as its controlling terminal
        os.chdir(repo.root)
        os.execv(FOUREYES, [FOUREYES, "run", "--agent", "x", "--", sys.executable, "agent.py"])
    output = b""
    deadline = time.time() + 30
    while b"ready" not in output and time.time() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                output += os.read(fd, 1024)
            except OSError:
                break
    assert b"ready" in output, output
    os.write(fd, b"\x03")  # Ctrl-C, as typed
    _wait_for(repo.root / "count.txt")
    _, status = os.waitpid(pid, 0)
    while True:  # drain the pty so nothing blocks
        try:
            if not os.read(fd, 1024):
                break
        except OSError:
            break
    os.close(fd)
    assert os.WEXITSTATUS(status) == 130
    assert repo.read("count.txt") == "1"
    assert ai_lines(repo, "written.py") == [1, 2]


def test_named_checkpoints_restart_and_discard(repo: GitRepo) -> None:
    setup(repo)
    assert repo.foureyes("checkpoint", "begin", "--agent", "a", "--name", "one").code == 0
    assert repo.foureyes("checkpoint", "begin", "--agent", "b", "--name", "two").code == 0
    repo.write("app.py", repo.read("app.py") + "late_value = compute_late(1, scale=3)\n")
    # Restarting "one" snapshots again, so the line above is not its agent's.
    assert (
        repo.foureyes("checkpoint", "begin", "--agent", "a", "--name", "one", "--restart").code == 0
    )
    ended_one = repo.foureyes("checkpoint", "end", "--name", "one")
    assert "nothing to claim" in ended_one.out
    discarded = repo.foureyes("checkpoint", "discard", "--name", "two")
    assert discarded.code == 0 and "nothing recorded" in discarded.out
    assert ledger_events(repo) == []
    bad = repo.foureyes("checkpoint", "begin", "--agent", "a", "--name", "../x")
    assert bad.code == 2 and "not a usable checkpoint name" in bad.err
    missing = repo.foureyes("checkpoint", "begin")
    assert missing.code == 2 and "needs --agent" in missing.err


def test_run_inside_an_open_checkpoint_leaves_it_open(repo: GitRepo) -> None:
    setup(repo)
    assert repo.foureyes("checkpoint", "begin", "--agent", "outer").code == 0
    done = run(repo, sys.executable, "edit_some_files.py")
    assert done.returncode == 0, done.stderr
    assert {c["agent"] for c in ledger_events(repo)} == {"x"}
    ended = repo.foureyes("checkpoint", "end")
    assert ended.code == 0  # the outer checkpoint saw the same changes
    assert {c["agent"] for c in ledger_events(repo)} == {"x", "outer"}


def test_hints_about_a_named_checkpoint_name_it(repo: GitRepo) -> None:
    """Issue 14: the hint said `checkpoint end`, which ends the default checkpoint."""
    setup(repo)
    assert repo.foureyes("checkpoint", "begin", "--agent", "a", "--name", "one").code == 0
    again = repo.foureyes("checkpoint", "begin", "--agent", "a", "--name", "one")
    assert again.code == 2
    assert "`foureyes checkpoint end --name one`" in again.err
    assert "`foureyes checkpoint begin --agent a --name one --restart`" in again.err
    missing = repo.foureyes("checkpoint", "end", "--name", "two")
    assert missing.code == 2
    assert "`foureyes checkpoint begin --agent NAME --name two`" in missing.err
    not_open = repo.foureyes("checkpoint", "discard", "--name", "two")
    assert not_open.code == 2 and "--name two" in not_open.err
    # The default checkpoint needs no --name.
    assert repo.foureyes("checkpoint", "begin", "--agent", "a").code == 0
    default = repo.foureyes("checkpoint", "begin", "--agent", "a")
    assert "`foureyes checkpoint end` to record" in default.err
