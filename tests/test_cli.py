"""The CLI's commands, messages and exit codes, in real git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import GitRepo, code_lines, make_repo
from foureyes.core.errors import EnvironmentProblem
from foureyes.core.model import Identity
from foureyes.store.repo import Repository


def test_init_creates_ledger_and_merge_rule(repo: GitRepo) -> None:
    result = repo.foureyes("init")
    assert result.code == 0
    assert (repo.root / ".foureyes/ledger.jsonl").exists()
    assert repo.git("check-attr", "merge", ".foureyes/ledger.jsonl").strip().endswith("union")
    # Caches live in the git directory: nothing of foureyes' but the ledger is untracked.
    assert repo.foureyes("status").code == 0
    untracked = repo.git("status", "--porcelain", "--untracked-files=all").splitlines()
    assert sorted(line[3:] for line in untracked) == [".foureyes/ledger.jsonl", ".gitattributes"]

    again = repo.foureyes("init")
    assert again.code == 0 and "already set up" in again.out
    assert repo.read(".gitattributes").count("merge=union") == 1


def test_init_keeps_existing_gitattributes(repo: GitRepo) -> None:
    repo.write(".gitattributes", "*.png binary")  # no trailing newline
    assert repo.foureyes("init").code == 0
    assert repo.read(".gitattributes").splitlines() == [
        "*.png binary",
        "/.foureyes/ledger.jsonl merge=union",
    ]


def test_mark_blame_and_status(repo: GitRepo) -> None:
    repo.write("src/app.py", "\n".join(code_lines("x", 12)) + "\n")
    result = repo.foureyes(
        "mark", "--ai", "src/app.py:3-5", "--agent", "claude-code", "--model", "opus"
    )
    assert result.code == 0, result.err
    assert "src/app.py:3-5" in result.out

    blame = repo.foureyes("blame", "--json", "src/app.py").json()
    assert [line["contributor"] for line in blame["lines"]] == (
        ["unknown"] * 2 + ["ai"] * 3 + ["unknown"] * 7
    )
    line3 = blame["lines"][2]
    assert line3["agent"] == "claude-code" and line3["model"] == "opus"
    assert line3["by"] == "dana@example.com" and line3["review"] == "unreviewed"
    assert [(r["start_line"], r["end_line"]) for r in blame["regions"]] == [(3, 5)]

    status = repo.foureyes("status", "--json").json()
    assert status["summary"] == {
        "regions": 1,
        "files": 1,
        "lines": 3,
        "by_state": {"unreviewed": 1},
    }
    region = status["regions"][0]
    assert region["path"] == "src/app.py" and region["agents"] == ["claude-code"]

    text = repo.foureyes("status")
    assert "src/app.py:3-5" in text.out and "unreviewed" in text.out

    # Marking an AI line human does not make it human alone: it stays AI, and whoever
    # relabelled it joins those who brought it in (a senior other than them approves).
    repo.git("config", "user.email", "eli@example.com")
    human = repo.foureyes("mark", "--human", "src/app.py:4")
    assert human.code == 0
    after = repo.foureyes("blame", "--json", "src/app.py").json()
    assert [line["contributor"] for line in after["lines"][2:5]] == ["ai", "ai", "ai"]
    assert len(after["regions"]) == 1
    assert after["regions"][0]["recorded_by"] == ["dana@example.com", "eli@example.com"]


def test_blame_text_output_shows_each_line(repo: GitRepo) -> None:
    repo.write("a.py", "first = 1\nsecond = 2\n")
    repo.foureyes("mark", "--ai", "a.py:2", "--agent", "aider")
    out = repo.foureyes("blame", "a.py").out.splitlines()
    assert out[0].split()[:2] == ["1", "unknown"] and out[0].endswith("| first = 1")
    assert out[1].split()[:3] == ["2", "ai", "aider"] and out[1].endswith("| second = 2")


def test_status_with_nothing_recorded_says_how_to_start(repo: GitRepo) -> None:
    result = repo.foureyes("status")
    assert result.code == 0
    assert "No AI-written code recorded" in result.out and "foureyes mark" in result.out


def test_blame_of_a_multibyte_file(repo: GitRepo) -> None:
    repo.write("u.py", "name = 'Zoë'\nemoji = '🎉 party'\nplain = 1\n")
    repo.foureyes("mark", "--ai", "u.py:2", "--agent", "claude-code")
    lines = repo.foureyes("blame", "--json", "u.py").json()["lines"]
    assert [line["contributor"] for line in lines] == ["unknown", "ai", "unknown"]


# --- errors: each names the input and the fix, with a documented exit code --------------


def test_mark_outside_the_repository_is_refused(repo: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("x = 1\n")
    result = repo.foureyes("mark", "--ai", f"{outside}:1")
    assert result.code == 2
    assert "outside the repository" in result.err
    assert not (repo.root / ".foureyes/ledger.jsonl").exists()


def test_mark_with_bad_ranges(repo: GitRepo) -> None:
    repo.write("a.py", "one = 1\ntwo = 2\n")
    for argument, message in [
        ("a.py", "is not PATH:START-END"),
        ("a.py:x-y", "is not PATH:START-END"),
        ("a.py:2-1", "END must not be before START"),
        ("a.py:0", "lines count from 1"),
        ("a.py:1-9", "outside the file, which has 2 lines"),
        ("missing.py:1", "does not exist"),
        (".git/config:1", "inside .git"),
    ]:
        result = repo.foureyes("mark", "--ai", argument)
        assert result.code == 2, argument
        assert message in result.err, (argument, result.err)
    # Nothing was written for any of them, and a bad range among good ones writes nothing.
    result = repo.foureyes("mark", "--ai", "a.py:1", "a.py:5")
    assert result.code == 2
    assert not (repo.root / ".foureyes/ledger.jsonl").exists()


def test_binary_and_huge_files_get_clear_errors(repo: GitRepo) -> None:
    (repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0binary")
    result = repo.foureyes("blame", "logo.png")
    assert result.code == 2 and "binary file" in result.err
    (repo.root / "huge.txt").write_text("x = 1\n" * (2 * 1024 * 1024))
    result = repo.foureyes("blame", "huge.txt")
    assert result.code == 2 and "skips files over" in result.err


def test_human_mark_takes_no_agent(repo: GitRepo) -> None:
    repo.write("a.py", "one = 1\n")
    result = repo.foureyes("mark", "--human", "a.py:1", "--agent", "x")
    assert result.code == 2 and "do not go with --human" in result.err


def test_not_a_repository(tmp_path: Path) -> None:
    plain = make_repo(tmp_path / "r")
    (plain.root / ".git").rename(tmp_path / "not-git")
    result = plain.foureyes("status")
    assert result.code == 3 and "not inside a git repository" in result.err


def test_missing_identity_is_explained(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    repo.git("config", "--unset", "user.email")
    repo.write("a.py", "one = 1\n")
    result = repo.foureyes("mark", "--ai", "a.py:1")
    assert result.code == 3
    assert "user.email is not set" in result.err and "git config user.email" in result.err


def test_identity_is_what_git_config_get_gives(repo: GitRepo) -> None:
    """Read from one git process, as `git config --get` would read each key: the last
    value set wins, keys are case-insensitive, an empty name is no name."""
    config = repo.root / ".git/config"
    config.write_text(
        config.read_text() + "[User]\n\tEMAIL = old@example.com\n"
        "[user]\n\temail = new@example.com\n\tname =\n\tnamex = Not A Name\n"
    )
    assert Repository(repo.root).identity() == Identity(name="", email="new@example.com")
    repo.git("config", "--add", "user.email", "")
    with pytest.raises(EnvironmentProblem, match=r"user\.email is not set"):
        Repository(repo.root).identity()


def test_broken_ledger_lines_are_warned_about_and_skipped(repo: GitRepo) -> None:
    repo.write("a.py", "one = 1\ntwo = 2\n")
    repo.foureyes("mark", "--ai", "a.py:1", "--agent", "codex")
    ledger = repo.root / ".foureyes/ledger.jsonl"
    with ledger.open("a") as handle:
        handle.write("this is not json\n")
    repo.foureyes("mark", "--ai", "a.py:2", "--agent", "codex")
    with ledger.open("a") as handle:
        handle.write('{"v": 1, "kind": "ai", "id": "torn')
    result = repo.foureyes("blame", "--json", "a.py")
    assert result.code == 0
    assert [line["contributor"] for line in result.json()["lines"]] == ["ai", "ai"]
    assert "line 2: not valid JSON (Expecting value: line 1 column 1 (char 0))" in result.err
    assert "line 4: torn last line" in result.err


def test_installed_command_help_and_exit_codes(repo: GitRepo) -> None:
    result = repo.foureyes_process("--help")
    assert result.code == 0
    for command in ("init", "mark", "blame", "status"):
        assert command in result.out
    assert "exit codes:" in result.out
    assert repo.foureyes_process("blame").code == 2  # missing PATH: argparse usage error
    assert repo.foureyes_process("status", "--json").code == 0


def test_text_that_is_not_utf8_is_an_error_not_replacement_characters(repo: GitRepo) -> None:
    """foureyes never judges text that is not what was written: a file that is not
    UTF-8 is named, never read with replacement characters."""
    (repo.root / "latin.py").write_bytes("name = 'Jos\xe9'\n".encode("latin-1"))
    result = repo.foureyes("mark", "--ai", "latin.py:1", "--agent", "codex")
    assert result.code == 2 and "latin.py is not valid UTF-8" in result.err


# --- issue 14's papercuts: each message says what it means ---------------------------------


def test_counts_are_plural_only_when_they_should_be_and_one_line_ranges_have_no_dash(
    repo: GitRepo,
) -> None:
    repo.write("a.py", "first = 1\nsecond = 2\nthird = 3\n")
    marked = repo.foureyes("mark", "--ai", "a.py:2", "--agent", "aider")
    assert marked.out == "marked a.py:2 as AI (aider)\n"
    status = repo.foureyes("status").out
    assert status.startswith("a.py:2  ") and "; 1 line; " in status
    assert "1 lines" not in status and "a.py:2-2" not in status
    outside = repo.foureyes("mark", "--ai", "a.py:2-4")
    assert "a.py:2-4 is outside the file, which has 3 lines" in outside.err
    repo.commit("start")
    assert repo.foureyes("checkpoint", "begin", "--agent", "aider").code == 0
    repo.write("a.py", "first = 1\nsecond = 2\nthird = 33\n")
    ended = repo.foureyes("checkpoint", "end")
    assert ended.out == "claimed a.py: 1 line as AI (aider; replaced 1 line)\n"


def test_a_malformed_payload_keeps_jsons_whole_message(repo: GitRepo) -> None:
    result = repo.foureyes_process("record", "--agent", "claude-code", "--strict",
                                   stdin='{"tool_name": "Wri')  # fmt: skip
    assert result.code == 2
    assert "Unterminated string starting at: line 1 column 15 (char 14)" in result.err
    repo.write(".claude/settings.json", '{"hooks": {')
    broken = repo.foureyes("hooks", "install", "claude-code")
    assert broken.code == 2
    assert "(Expecting property name enclosed in double quotes: line 1 column 12" in broken.err


def test_top_level_help_lists_every_exit_code(repo: GitRepo) -> None:
    result = repo.foureyes_process("--help")
    assert result.code == 0
    assert "  4  refused: a review rule forbids the action" in result.out


def test_a_line_past_the_end_of_the_file_is_named_as_such(repo: GitRepo) -> None:
    repo.write("a.py", "first = 1\nsecond = 2\nthird = 3\n")
    repo.foureyes("mark", "--ai", "a.py:1-2", "--agent", "aider")
    repo.git("config", "user.email", "sam@example.com")
    for command in ("approve", "reject", "request-review", "review-packet"):
        result = repo.foureyes(command, "a.py:9999")
        assert result.code == 2, command
        assert "a.py:9999 is past the end of the file (3 lines)" in result.err, command
    inside = repo.foureyes("approve", "a.py:3")  # inside the file, not an AI line
    assert inside.code == 2 and "not inside an AI-written region" in inside.err


def test_a_mistyped_command_gets_a_suggestion(repo: GitRepo) -> None:
    for run in (repo.foureyes, repo.foureyes_process):
        result = run("stauts")
        assert result.code == 2
        assert "'stauts' is not a foureyes command" in result.err
        assert "did you mean `foureyes status`?" in result.err
    unknown = repo.foureyes("xyzzy")
    assert unknown.code == 2 and "`foureyes --help` lists the commands" in unknown.err


def test_text_blame_shows_a_confidence_below_one(repo: GitRepo) -> None:
    repo.write("a.py", "first = 1\n")
    repo.commit("start")
    repo.write("a.py", "first = 1\nsecond = compute_second(2, scale=3)\n")
    repo.commit("Agent\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    lines = repo.foureyes("blame", "a.py").out.splitlines()
    assert " 60% " in lines[1] and "60%" not in lines[0]
    # Certain claims show no column at all.
    repo.write("b.py", "only = 1\n")
    repo.foureyes("mark", "--ai", "b.py:1", "--agent", "aider")
    assert "%" not in repo.foureyes("blame", "b.py").out
