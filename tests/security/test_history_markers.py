"""Commit messages and the policy's `[history] ai_markers` cannot make foureyes hang.

Whoever pushes commits writes their messages, and whoever edits the policy writes
the markers. With Python's `re`, the marker `(a+)+$` against a line of 50,000 `a`s
followed by `!` backtracks for longer than anyone waits: `status`, `blame`, `check`
and the editor stopped. Markers now run under RE2 (linear time); the built-in trailer
and identity parsing must not backtrack either. Each command runs as the installed
`foureyes` in a subprocess with a timeout: a hang fails the test instead of the suite.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import FOUREYES, GitRepo, Result, code_lines, make_repo

TIMEOUT_SECONDS = 20


def run(repo: GitRepo, *args: str) -> Result:
    try:
        done = subprocess.run(
            [FOUREYES, *args], cwd=repo.root, capture_output=True, text=True,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise AssertionError(
            f"foureyes {' '.join(args)} did not finish in {TIMEOUT_SECONDS} s"
        ) from None
    return Result(done.returncode, done.stdout, done.stderr)


def commit_with_message(repo: GitRepo, message: str, tmp_path: Path) -> None:
    message_file = tmp_path / "message.txt"
    message_file.write_text(message, encoding="utf-8")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-F", str(message_file))


def append_lines(repo: GitRepo, path: str, lines: list[str]) -> None:
    existing = repo.read(path).splitlines() if (repo.root / path).exists() else []
    repo.write(path, "\n".join([*existing, *lines]) + "\n")


def ai_of(blame: Result) -> dict[int, str]:
    assert blame.code == 0, blame.err
    return {
        line["line"]: line["agent"] for line in blame.json()["lines"] if line["contributor"] == "ai"
    }


def test_a_backtracking_marker_neither_hangs_status_nor_blame(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    append_lines(repo, "a.py", code_lines("start", 3))
    repo.commit("start")
    # The evil commit: a subject and a trailer-looking line of 50,000 a's and a "!".
    append_lines(repo, "a.py", code_lines("evil", 2))
    evil = "a" * 50_000 + "!"
    commit_with_message(repo, f"{evil}\n\nNote: {evil}", tmp_path)
    # A commit a marker does match.
    append_lines(repo, "a.py", code_lines("bot", 2))
    repo.commit("Bot change\n\nMade-by: internal-bot (model-x)")
    made_by = r"^Made-by: (?P<agent>[\w-]+) \((?P<model>[^)]+)\)"
    repo.write(".foureyes.toml", f"[history]\nai_markers = ['(a+)+$', '{made_by}']\n")

    blame = run(repo, "blame", "--json", "a.py")
    assert ai_of(blame) == {6: "internal-bot", 7: "internal-bot"}

    status = run(repo, "status", "--json")
    assert status.code == 0, status.err
    regions = status.json()["regions"]
    assert [(r["path"], r["start_line"], r["end_line"], r["agents"]) for r in regions] == [
        ("a.py", 6, 7, ["internal-bot"])
    ]


def test_long_runs_of_spaces_in_trailers_do_not_hang(tmp_path: Path) -> None:
    """The built-in parsing took time quadratic in a run of spaces inside a trailer
    value or a co-author's name (minutes for this message)."""
    repo = make_repo(tmp_path / "repo")
    append_lines(repo, "a.py", code_lines("start", 3))
    repo.commit("start")
    append_lines(repo, "a.py", code_lines("spaces", 2))
    gap = " " * 200_000
    commit_with_message(
        repo, f"Spaces\n\nNote: a{gap}b\nCo-authored-by: x{gap}y <x@example.com>", tmp_path
    )
    append_lines(repo, "a.py", code_lines("claude", 2))
    repo.commit("Agent work\n\nCo-authored-by: Claude <noreply@anthropic.com>")

    assert ai_of(run(repo, "blame", "--json", "a.py")) == {6: "claude-code", 7: "claude-code"}
    status = run(repo, "status", "--json")
    assert status.code == 0, status.err
    assert [(r["start_line"], r["end_line"]) for r in status.json()["regions"]] == [(6, 7)]


def test_a_marker_re2_cannot_compile_is_a_policy_error_with_line_and_hint(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    append_lines(repo, "a.py", code_lines("start", 3))
    repo.commit("start")
    for marker in ("^(?=Made-by)", "(?P<agent>\\w+) \\1"):
        repo.write(".foureyes.toml", f"# markers\n[history]\nai_markers = ['{marker}']\n")
        broken = run(repo, "blame", "a.py")
        assert broken.code == 2, (marker, broken.out, broken.err)
        assert ".foureyes.toml:3" in broken.err and "history.ai_markers" in broken.err
        assert repr(marker) in broken.err
        assert "RE2" in broken.err and "hint:" in broken.err and "docs/policy.md" in broken.err
        assert "Traceback" not in broken.err


def test_a_long_run_of_spaces_in_an_author_name_does_not_hang(tmp_path: Path) -> None:
    """Reading a commit's author took time quadratic in a run of spaces in the name."""
    repo = make_repo(tmp_path / "repo")
    append_lines(repo, "a.py", code_lines("start", 3))
    repo.git("add", "-A")
    name = "Eve" + " " * 100_000 + "x"  # an argument may not exceed 128 KiB
    subprocess.run(
        ["git", "commit", "-q", "-m", "start\n\nCo-authored-by: Claude <noreply@anthropic.com>"],
        cwd=repo.root, check=True, env={**os.environ, "GIT_AUTHOR_NAME": name},
    )  # fmt: skip
    blame = run(repo, "blame", "--json", "a.py")
    assert blame.code == 0, blame.err
    assert ai_of(blame) == {n: "claude-code" for n in range(1, 4)}
