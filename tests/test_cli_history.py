"""`foureyes blame --json` keeps a claim on exactly its lines through real git workflows.

Every test works in a real git repository: inserts, moves, `git mv`, rebase, squash
merge, cherry-pick, and a person's edit of one claimed line.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import FOUREYES, GitRepo, ai_lines, code_lines, contributors
from foureyes.cli.render import _confidence
from foureyes.core.model import AiAuthorship, Contributor
from foureyes.core.text import split_lines
from foureyes.core.untrusted import code_line, one_line
from foureyes.engine.engine import Engine
from foureyes.engine.report_json import file_json, file_json_text
from foureyes.store.repo import Repository

BLOCK = [
    "def refund(payment_id, reason):",
    "    command = f'billing-tool refund {payment_id}'",
    "",
    "    result = run_command(command, shell=True)",
    "    if result.returncode != 0:",
    "        return None",
    "    return result.stdout",
]


def base_file() -> list[str]:
    return [*code_lines("head", 30), "", *code_lines("tail", 40)]


def test_claim_survives_insertions_moves_rename_and_rebase(repo: GitRepo) -> None:
    lines = base_file()
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("base")
    base = repo.git("rev-parse", "HEAD").strip()

    # The agent writes a block after line 31; it is recorded, then committed.
    lines = lines[:31] + BLOCK + lines[31:]
    repo.write("app.py", "\n".join(lines) + "\n")
    assert repo.foureyes("mark", "--ai", "app.py:32-38", "--agent", "claude-code").code == 0
    repo.commit("agent adds refund")
    assert ai_lines(repo, "app.py") == list(range(32, 39))

    # 50 lines inserted above the block.
    lines = code_lines("inserted", 50) + lines
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("insert above")
    assert ai_lines(repo, "app.py") == list(range(82, 89))

    # The block moves lower in the file.
    start = lines.index(BLOCK[0])
    block = lines[start : start + len(BLOCK)]
    rest = lines[:start] + lines[start + len(BLOCK) :]
    lines = rest[:100] + block + rest[100:]
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("move the block lower")
    assert ai_lines(repo, "app.py") == list(range(101, 108))

    # The file is renamed with git mv and committed.
    (repo.root / "billing").mkdir()
    repo.git("mv", "app.py", "billing/payments.py")
    assert ai_lines(repo, "billing/payments.py") == list(range(101, 108))  # staged rename
    repo.commit("rename")
    assert ai_lines(repo, "billing/payments.py") == list(range(101, 108))

    # Meanwhile main moved on; the feature branch is rebased onto it.
    repo.git("branch", "-m", "feature")
    repo.git("checkout", "-q", "-b", "main", base)
    repo.write("other.py", "print('unrelated work on main')\n")
    repo.commit("unrelated work on main")
    repo.git("checkout", "-q", "feature")
    repo.git("rebase", "-q", "main")
    assert (repo.root / "other.py").exists()
    assert ai_lines(repo, "billing/payments.py") == list(range(101, 108))

    # A person edits one claimed line: only that line becomes mixed.
    lines = repo.read("billing/payments.py").splitlines()
    edited = lines.index(BLOCK[3])
    lines[edited] = "    result = run_command(command, shell=False, timeout=30)"
    repo.write("billing/payments.py", "\n".join(lines) + "\n")
    verdicts = contributors(repo, "billing/payments.py")
    assert verdicts == {n: ("mixed" if n == edited + 1 else "ai") for n in range(101, 108)}


def test_claim_survives_squash_merge_and_cherry_pick(repo: GitRepo) -> None:
    lines = base_file()
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    lines = lines[:10] + BLOCK + lines[10:]
    repo.write("app.py", "\n".join(lines) + "\n")
    assert repo.foureyes("mark", "--ai", "app.py:11-17", "--agent", "cursor").code == 0
    feature = repo.commit("agent work")

    repo.git("checkout", "-q", "main")
    repo.write("app.py", "\n".join(code_lines("main_only", 5) + base_file()) + "\n")
    repo.commit("main inserts lines at the top")
    repo.git("merge", "-q", "--squash", "feature")
    repo.commit("squashed feature")
    assert ai_lines(repo, "app.py") == list(range(16, 23))

    repo.git("checkout", "-q", "-b", "release", "HEAD~1")
    repo.git("cherry-pick", feature)
    assert ai_lines(repo, "app.py") == list(range(16, 23))


def test_ledger_merges_from_parallel_branches_without_conflict(repo: GitRepo) -> None:
    repo.write("a.py", "\n".join(code_lines("a", 20)) + "\n")
    repo.write("b.py", "\n".join(code_lines("b", 20)) + "\n")
    assert repo.foureyes("init").code == 0
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "left")
    assert repo.foureyes("mark", "--ai", "a.py:1-5", "--agent", "claude-code").code == 0
    repo.commit("left claims")
    repo.git("checkout", "-q", "main")
    assert repo.foureyes("mark", "--ai", "b.py:3-4", "--agent", "codex").code == 0
    repo.commit("main claims")
    repo.git("merge", "-q", "--no-edit", "left")
    assert ai_lines(repo, "a.py") == [1, 2, 3, 4, 5]
    assert ai_lines(repo, "b.py") == [3, 4]
    assert "<<<<<<<" not in repo.read(".foureyes/ledger.jsonl")


def test_blame_marks_lines_from_ai_marked_commits_without_init(repo: GitRepo) -> None:
    """History alone, no ledger: trailers and authors of Claude, Copilot and aider."""
    lines = code_lines("human", 5)
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("Human start")
    lines += code_lines("claude", 3)
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("Add parser\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>")
    lines += code_lines("person", 2)
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("Small fix by hand")
    lines += code_lines("copilot", 2)
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.commit("Copilot change\n\nCo-authored-by: Copilot <copilot@github.com>")
    lines += code_lines("aider", 2)
    repo.write("app.py", "\n".join(lines) + "\n")
    repo.git("-c", "user.name=Dana (aider)", "commit", "-qam", "aider edit")
    assert not (repo.root / ".foureyes/ledger.jsonl").exists()

    blame = repo.foureyes("blame", "--json", "app.py").json()["lines"]
    ai = {line["line"]: line["agent"] for line in blame if line["contributor"] == "ai"}
    assert ai == {6: "claude-code", 7: "claude-code", 8: "claude-code",
                  11: "copilot", 12: "copilot", 13: "aider", 14: "aider"}  # fmt: skip
    assert all(line["source"] == "git-trailer" for line in blame if line["line"] in ai)
    status = repo.foureyes("status", "--json").json()
    assert [(r["start_line"], r["end_line"], r["agents"]) for r in status["regions"]] == [
        (6, 8, ["claude-code"]),
        (11, 12, ["copilot"]),  # two commits: two review units, even where they touch
        (13, 14, ["aider"]),
    ]


def test_policy_markers_extend_history(repo: GitRepo) -> None:
    repo.write("a.py", "\n".join(code_lines("a", 3)) + "\n")
    repo.commit("start")
    repo.write("a.py", "\n".join(code_lines("a", 3) + code_lines("bot", 2)) + "\n")
    repo.commit("Bot change\n\nMade-by: internal-bot (model-x)")
    assert ai_lines(repo, "a.py") == []
    marker = r"^Made-by: (?P<agent>[\w-]+) \((?P<model>[^)]+)\)"
    repo.write(".foureyes.toml", f"[history]\nai_markers = ['{marker}']\n")
    blame = repo.foureyes("blame", "--json", "a.py").json()["lines"]
    ai = [
        (line["line"], line["agent"], line["model"])
        for line in blame
        if line["contributor"] == "ai"
    ]
    assert ai == [(4, "internal-bot", "model-x"), (5, "internal-bot", "model-x")]
    repo.write(".foureyes.toml", "[history]\nai_markers = ['(unclosed']\n")
    broken = repo.foureyes("blame", "a.py")
    assert broken.code == 2 and "ai_markers" in broken.err


def _mixed_report_repo(repo: GitRepo) -> tuple[str, str]:
    """A file with ledger claims (AI, a person's edit), history lines of two agents, a
    confidence column, non-ASCII text and name, and unknown lines inside and outside
    regions."""
    path = "pkg/modulé.py"
    lines = [*code_lines("human", 6), "name = 'Zoë 🎉'", *code_lines("tail", 4)]
    repo.write(path, "\n".join(lines) + "\n")
    repo.commit("start")
    lines[2:2] = code_lines("claude", 3)
    repo.write(path, "\n".join(lines) + "\n")
    repo.commit("Agent\n\nCo-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>")
    repo.write(path, "\n".join([*lines, "", *code_lines("marked", 4), "end = 1"]) + "\n")
    assert repo.foureyes("mark", "--ai", f"{path}:{len(lines) + 2}-{len(lines) + 5}",
                         "--agent", "aider", "--model", "gpt-4o").code == 0  # fmt: skip
    text = repo.read(path).replace("marked_value_1 =", "marked_value_1_edited =")
    repo.write(path, text)
    return path, text


def test_blame_json_is_exactly_the_documented_shape_dumped(repo: GitRepo) -> None:
    path, text = _mixed_report_repo(repo)
    report = Engine(Repository(repo.root)).report(path, text)
    assert {v.contributor.value for v in report.attributed.values()} >= {"ai", "mixed"}
    assert report.regions and len(report.attributed) < report.line_count
    expected = json.dumps(file_json(report), indent=2, ensure_ascii=False)
    assert file_json_text(report) == expected
    assert repo.foureyes("blame", "--json", path).out == expected + "\n"
    repo.write("empty.py", "")
    empty = Engine(Repository(repo.root)).report("empty.py", "")
    assert file_json_text(empty) == json.dumps(file_json(empty), indent=2, ensure_ascii=False)


def test_blame_text_is_each_lines_verdict_in_columns(repo: GitRepo) -> None:
    """The rows `render_blame` writes, against their definition one line at a time."""
    path, text = _mixed_report_repo(repo)
    report = Engine(Repository(repo.root)).report(path, text)
    region_of = {n: r for r in report.regions for n in range(r.start_line, r.end_line + 1)}
    width = len(str(len(report.lines)))
    guessed = any(_confidence(verdict) for verdict in report.lines)
    assert guessed
    expected = []
    for verdict, content in zip(report.lines, split_lines(text), strict=False):
        claim = verdict.claim
        agent = model = when = state = ""
        if isinstance(claim, AiAuthorship):
            agent, model = one_line(claim.agent), one_line(claim.model or "")
        if claim is not None:
            when = claim.at.date().isoformat()
        region = region_of.get(verdict.line)
        if region is not None and verdict.contributor is not Contributor.UNKNOWN:
            state = region.review.state.value
        sure = f"{_confidence(verdict):>4} " if guessed else ""
        expected.append(
            f"{verdict.line:>{width}} {verdict.contributor.value:<7} {agent[:14]:<14} "
            f"{model[:16]:<16} {when:<10} {sure}{state:<18} | {code_line(content)}\n"
        )
    assert repo.foureyes("blame", path).out == "".join(expected)


def test_a_warm_blame_process_runs_no_git_but_finding_the_repository(
    repo: GitRepo, tmp_path: Path
) -> None:
    path, _ = _mixed_report_repo(repo)
    repo.commit("all of it")
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "git-calls.log"
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout
    (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real.strip()} "$@"\n')
    (shim / "git").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}

    def blame() -> str:
        done = subprocess.run([FOUREYES, "blame", path], cwd=repo.root, env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout

    first = blame()
    assert any(" blame " in f" {call} " for call in log.read_text().splitlines())
    log.write_text("")
    assert blame() == first
    assert log.read_text().splitlines() == ["-c core.quotepath=off rev-parse --show-toplevel"]
