"""History-based attribution: `history_authorship` in real git repositories whose history
mixes commits marked by Claude, Copilot and aider with human commits.

Every repository here is real; commits get their authors and trailers the way the
agents write them. Nothing is mocked: counting git processes uses a `git` shim put
first on PATH.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import GitRepo, code_lines, make_repo
from foureyes.core.model import Contributor, Identity
from foureyes.engine.engine import Engine
from foureyes.sources import history
from foureyes.sources.history import (
    HistoryLine,
    history_authorship,
    history_line_authorship,
    merge_history,
)
from foureyes.sources.trailers import ai_mark, trailers
from foureyes.store.repo import Repository


def commit(
    repo: GitRepo,
    message: str,
    *,
    author: str | None = None,
    committer: tuple[str, str] | None = None,
) -> str:
    repo.git("add", "-A")
    args = ["commit", "-q", "-m", message]
    if author:
        args.append(f"--author={author}")
    env = dict(os.environ)
    if committer:
        env["GIT_COMMITTER_NAME"], env["GIT_COMMITTER_EMAIL"] = committer
    done = subprocess.run(
        ["git", *args], cwd=repo.root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return repo.git("rev-parse", "HEAD").strip()


def lines_of(repo: GitRepo, path: str) -> list[str]:
    return repo.read(path).splitlines()


def write_lines(repo: GitRepo, path: str, lines: list[str]) -> None:
    repo.write(path, "\n".join(lines) + "\n")


def verdicts(repo: GitRepo, path: str, **options: object) -> dict[int, HistoryLine]:
    return history_authorship(Repository(repo.root), path, repo.read(path), **options)  # type: ignore[arg-type]


def ai(found: dict[int, HistoryLine]) -> list[int]:
    return sorted(n for n, v in found.items() if v.contributor is Contributor.AI)


@pytest.fixture(autouse=True)
def _fresh_views() -> None:
    """Each test starts like a new process (the disk cache may still be there)."""
    history._VIEWS.clear()


def mixed_history(repo: GitRepo) -> dict[str, list[int]]:
    """app.py built by a human, Claude Code, the Copilot agent, aider and a human again.

    Returns which current lines each agent's commit left.
    """
    base = code_lines("human", 10)
    write_lines(repo, "app.py", base)
    commit(repo, "Start the app")
    claude = code_lines("claude", 5)
    write_lines(repo, "app.py", base + claude)
    commit(
        repo,
        "Add the refund flow\n\nGenerated with Claude Code\n\n"
        "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>",
    )
    copilot = code_lines("copilot", 3)
    write_lines(repo, "app.py", base + claude + copilot)
    commit(
        repo,
        "Fix the totals",
        author="Copilot <198982749+Copilot@users.noreply.github.com>",
    )
    aider = code_lines("aider", 4)
    write_lines(repo, "app.py", base + claude + copilot + aider)
    commit(
        repo,
        "aider: add coupons",
        author="Dana (aider) <dana@example.com>",
        committer=("Dana (aider)", "dana@example.com"),
    )
    aider_trailer = code_lines("aidertrailer", 2)
    write_lines(repo, "app.py", base + claude + copilot + aider + aider_trailer)
    commit(
        repo,
        "Add discounts\n\nCo-authored-by: aider (openai/gpt-4o) <noreply@aider.chat>",
    )
    human = code_lines("later", 3)
    write_lines(repo, "app.py", base + claude + copilot + aider + aider_trailer + human)
    commit(repo, "Human tail\n\nReviewed-by: Sam <sam@example.com>")
    start = 11
    spans = {}
    for name, block in (("claude", claude), ("copilot", copilot), ("aider", aider),
                        ("aidertrailer", aider_trailer)):  # fmt: skip
        spans[name] = list(range(start, start + len(block)))
        start += len(block)
    return spans


def test_lines_from_ai_marked_commits_are_ai_and_nothing_else(repo: GitRepo) -> None:
    spans = mixed_history(repo)
    found = verdicts(repo, "app.py")
    expected = sorted(n for span in spans.values() for n in span)
    assert ai(found) == expected
    assert {found[n].agent for n in spans["claude"]} == {"claude-code"}
    assert {found[n].model for n in spans["claude"]} == {"claude-opus-4.6"}
    assert {found[n].agent for n in spans["copilot"]} == {"copilot"}
    assert {found[n].agent for n in spans["aider"]} == {"aider"}
    assert {found[n].model for n in spans["aidertrailer"]} == {"openai/gpt-4o"}
    assert all(v.source == "git-trailer" and v.confidence == 0.6 for v in found.values())
    first = found[spans["claude"][0]]
    assert first.orig_line == 11 and first.orig_path == "app.py"
    assert first.evidence == "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>"


def test_a_later_human_commit_takes_the_lines_it_changed(repo: GitRepo) -> None:
    spans = mixed_history(repo)
    lines = lines_of(repo, "app.py")
    changed = spans["claude"][1] - 1
    lines[changed] = "claude_value_1 = rewritten_by_hand(1)"
    write_lines(repo, "app.py", lines)
    commit(repo, "Tidy by hand")
    found = verdicts(repo, "app.py")
    assert spans["claude"][1] not in found
    assert spans["claude"][0] in found and spans["claude"][2] in found


def test_the_working_tree_text_is_what_counts(repo: GitRepo) -> None:
    spans = mixed_history(repo)
    lines = lines_of(repo, "app.py")
    lines.insert(0, "import os  # added, not committed")
    lines[spans["copilot"][0]] = "copilot_value_0 = edited_in_the_buffer()"  # shifted by one
    text = "\n".join(lines) + "\n"
    found = history_authorship(Repository(repo.root), "app.py", text)
    assert 1 not in found
    assert spans["copilot"][0] + 1 not in found  # changed, not committed: no commit owns it
    assert found[spans["copilot"][1] + 1].agent == "copilot"
    assert found[spans["claude"][0] + 1].orig_line == spans["claude"][0]


def test_ledger_claims_committed_with_a_commit_silence_its_trailers(repo: GitRepo) -> None:
    write_lines(repo, "app.py", code_lines("human", 5))
    commit(repo, "Start")
    write_lines(repo, "app.py", code_lines("human", 5) + code_lines("agent", 4))
    assert repo.foureyes("mark", "--ai", "app.py:6-7", "--agent", "claude-code").code == 0
    commit(repo, "With hooks\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
    # The ledger decides for that commit's lines (the engine resolves its claims);
    # the trailer adds nothing, not even for lines 8-9 that no claim covers.
    assert verdicts(repo, "app.py") == {}


def test_extra_markers_from_the_policy(repo: GitRepo) -> None:
    write_lines(repo, "app.py", code_lines("human", 3))
    commit(repo, "Start")
    write_lines(repo, "app.py", code_lines("human", 3) + code_lines("bot", 2))
    commit(repo, "Bot work\n\nX-Made-With: acme-bot (model: acme-7)")
    assert verdicts(repo, "app.py") == {}
    found = verdicts(
        repo,
        "app.py",
        extra_markers=[r"^X-Made-With: (?P<agent>[\w-]+) \(model: (?P<model>[^)]+)\)"],
    )
    assert ai(found) == [4, 5]
    assert (found[4].agent, found[4].model) == ("acme-bot", "acme-7")


def test_renames_are_followed(repo: GitRepo) -> None:
    write_lines(repo, "old.py", code_lines("x", 4))
    commit(repo, "Add\n\nAssisted-by: Claude:claude-sonnet-4-5")
    repo.git("mv", "old.py", "new.py")
    commit(repo, "Rename by hand")
    found = verdicts(repo, "new.py")
    assert ai(found) == [1, 2, 3, 4]
    assert found[1].orig_path == "old.py"
    assert (found[1].agent, found[1].model) == ("claude-code", "claude-sonnet-4-5")


def test_files_git_does_not_know_and_repositories_without_commits(tmp_path: Path) -> None:
    empty = make_repo(tmp_path / "empty")
    empty.write("a.py", "x = 1\n")
    assert verdicts(empty, "a.py") == {}
    repo = make_repo(tmp_path / "repo")
    repo.write("a.py", "x = 1\n")
    commit(repo, "Start\n\nCo-authored-by: Copilot <copilot@github.com>")
    repo.write("b.py", "y = 2\n")  # untracked
    assert verdicts(repo, "b.py") == {}
    assert ai(verdicts(repo, "a.py")) == [1]


def test_works_without_init_and_keeps_its_cache_out_of_git(repo: GitRepo) -> None:
    mixed_history(repo)
    assert not (repo.root / ".foureyes").exists()
    assert verdicts(repo, "app.py")
    assert (repo.root / ".git/foureyes/cache/history").is_dir()
    assert repo.git("status", "--porcelain", "--untracked-files=all") == ""


def _git_shim(tmp_path: Path) -> tuple[Path, Path]:
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "git-calls.log"
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout
    (shim / "git").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real.strip()} "$@"\n')
    (shim / "git").chmod(0o755)
    return shim, log


def test_repeat_calls_do_no_git_work_even_in_a_new_process(repo: GitRepo, tmp_path: Path) -> None:
    mixed_history(repo)
    shim, log = _git_shim(tmp_path)
    probe = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from foureyes.sources.history import history_authorship
        from foureyes.store.repo import Repository
        repo = Repository(Path(sys.argv[1]))
        text = (repo.root / "app.py").read_text()
        first = history_authorship(repo, "app.py", text)
        started = time.perf_counter()
        again = history_authorship(repo, "app.py", text)
        assert again == first
        print(len(first), time.perf_counter() - started)
        """
    )
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}

    def run() -> tuple[int, float]:
        done = subprocess.run(
            [sys.executable, "-c", probe, str(repo.root)], env=env, capture_output=True,
            text=True, check=True,
        )  # fmt: skip
        count, seconds = done.stdout.split()
        return int(count), float(seconds)

    count, repeat_seconds = run()
    assert count == 14
    assert repeat_seconds < 0.005  # answered from memory
    cold_calls = log.read_text().splitlines()
    assert any("blame" in call.split() for call in cold_calls)
    log.write_text("")
    assert run()[0] == 14  # a new process: everything comes from the disk cache
    assert log.read_text() == ""


def test_a_new_commit_is_seen(repo: GitRepo) -> None:
    mixed_history(repo)
    before = ai(verdicts(repo, "app.py"))
    lines = lines_of(repo, "app.py") + code_lines("gemini", 2)
    write_lines(repo, "app.py", lines)
    commit(repo, "More\n\nCo-authored-by: Gemini <gemini-code-assist@google.com>")
    after = verdicts(repo, "app.py")
    assert ai(after) == [*before, len(lines) - 1, len(lines)]
    assert after[len(lines)].agent == "gemini"


def test_the_engine_merge_ledger_wins_history_fills(repo: GitRepo) -> None:
    """How the engine is to combine them: blame shows exactly the AI commits' lines."""
    spans = mixed_history(repo)
    # A person says they wrote the first Claude line: that alone does not make it human;
    # it stays AI, and the person who said so is one more recorder of it.
    first_claude = spans["claude"][0]
    assert repo.foureyes("mark", "--human", f"app.py:{first_claude}-{first_claude}").code == 0
    engine = Engine(Repository(repo.root))
    text = repo.read("app.py")
    report = engine.report("app.py", text)
    found = history_authorship(engine.repo, "app.py", text)
    merged = merge_history(
        report.attributed, history_line_authorship("app.py", text.splitlines(), found)
    )
    assert merged[first_claude].contributor is Contributor.AI
    assert [p.email for p in merged[first_claude].also_by][:1] == ["dana@example.com"]
    expected = sorted(n for span in spans.values() for n in span)
    assert sorted(n for n, v in merged.items() if v.contributor is Contributor.AI) == expected
    claim = merged[spans["copilot"][0]].claim
    assert claim is not None and claim.by.email == "198982749+Copilot@users.noreply.github.com"
    assert claim.source == "git-trailer"  # type: ignore[union-attr]


def test_speed_of_a_warm_call_on_a_big_file(repo: GitRepo) -> None:
    lines = code_lines("big", 5000)
    write_lines(repo, "big.py", lines)
    commit(repo, "Big\n\nCo-authored-by: Codex <codex@openai.com>")
    text = repo.read("big.py")
    history_authorship(Repository(repo.root), "big.py", text)
    edited = text.replace("big_value_2500 =", "big_value_2500_edited =")
    started = time.perf_counter()
    found = history_authorship(Repository(repo.root), "big.py", edited)
    assert time.perf_counter() - started < 0.5  # a diff, not a git process
    assert len(found) == 4999 and 2501 not in found


# --- trailers (pure) --------------------------------------------------------------------------

WHO = Identity("Dana", "dana@example.com")


@pytest.mark.parametrize(
    ("message", "agent", "model"),
    [
        ("x\n\nCo-Authored-By: Claude <noreply@anthropic.com>", "claude-code", None),
        ("x\n\nCo-authored-by: Claude Sonnet 4.5 <noreply@anthropic.com>", "claude-code",
         "claude-sonnet-4.5"),
        ("x\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>", "copilot",
         None),
        ("x\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>", "cursor", None),
        ("x\n\nCo-authored-by: Codex <codex@openai.com>", "codex", None),
        ("x\n\nCo-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users"
         ".noreply.github.com>", "gemini", None),
        ("x\n\nCo-authored-by: aider (anthropic/claude-3-7) <noreply@aider.chat>", "aider",
         "anthropic/claude-3-7"),
        ("x\n\nAssisted-by: Claude:claude-3-opus", "claude-code", "claude-3-opus"),
        ("x\n\nAssisted-by: GitHub Copilot:gpt-4.1", "copilot", "gpt-4.1"),
        ("x\n\nGenerated-by: SomeTool 2.0", "sometool", None),
    ],
)  # fmt: skip
def test_trailers_that_mark_ai(message: str, agent: str, model: str | None) -> None:
    mark = ai_mark(message, WHO, WHO)
    assert mark is not None
    assert (mark.agent, mark.model) == (agent, model)


@pytest.mark.parametrize(
    "message",
    [
        "Fix\n\nCo-authored-by: Sam Smith <sam@example.com>",
        "Mention Claude in the subject only",
        "Body says Co-authored-by: Claude <noreply@anthropic.com> inline, not as a trailer",
        "Fix\n\nSigned-off-by: Dana <dana@example.com>",
    ],
)
def test_messages_that_do_not(message: str) -> None:
    assert ai_mark(message, WHO, WHO) is None


def test_authors_that_mark_ai() -> None:
    aider = Identity("Dana (aider)", "dana@example.com")
    assert ai_mark("x", aider, WHO).agent == "aider"  # type: ignore[union-attr]
    assert ai_mark("x", WHO, aider).agent == "aider"  # type: ignore[union-attr]
    copilot = Identity("Copilot", "198982749+Copilot@users.noreply.github.com")
    assert ai_mark("x", copilot, WHO).agent == "copilot"  # type: ignore[union-attr]
    assert ai_mark("x", Identity("Copilot Fan", "fan@example.com"), WHO) is None


def test_trailer_block_is_the_last_paragraph() -> None:
    message = "Subject\n\nBody mentions Key: value here\n\nGenerated with Claude Code\nA-B: c"
    assert trailers(message) == [("A-B", "c")]


def test_a_bad_extra_marker_names_the_pattern() -> None:
    with pytest.raises(ValueError, match=r"AI marker pattern '\(' is not a valid regex"):
        ai_mark("x\n\nA: b", WHO, WHO, ["("])


def test_after_a_commit_only_touched_files_are_blamed_again(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_lines(repo, "a.py", code_lines("a", 5))
    write_lines(repo, "b.py", code_lines("b", 5))
    commit(repo, "Start\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    for path in ("a.py", "b.py"):
        assert ai(verdicts(repo, path)) == [1, 2, 3, 4, 5]
    write_lines(repo, "b.py", [*code_lines("b", 5), "b_tail = 1  # by hand"])
    commit(repo, "Human edit of b")
    history._VIEWS.clear()
    shim, log = _git_shim(tmp_path)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    assert ai(verdicts(repo, "a.py")) == [1, 2, 3, 4, 5]
    assert ai(verdicts(repo, "b.py")) == [1, 2, 3, 4, 5]
    blamed = [call for call in log.read_text().splitlines() if "blame" in call.split()]
    assert len(blamed) == 1 and blamed[0].endswith("-- b.py")


def test_a_rewritten_history_is_blamed_afresh(repo: GitRepo) -> None:
    write_lines(repo, "a.py", code_lines("a", 3))
    commit(repo, "Start\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    assert ai(verdicts(repo, "a.py")) == [1, 2, 3]
    repo.git("commit", "-q", "--amend", "-m", "Start, by hand")  # same tree, no trailer
    history._VIEWS.clear()
    assert verdicts(repo, "a.py") == {}


def test_unusual_file_names(repo: GitRepo) -> None:
    name = 'we ird"näme\tx.py'
    write_lines(repo, name, code_lines("w", 3))
    commit(repo, "Start")
    first = repo.git("rev-parse", "HEAD").strip()
    note = repo.root.parent / "note.txt"
    quoted = '"we ird\\"näme\\tx.py"'
    note.write_text(f"{quoted}\n  d9978a8723e02b52 2\n---\n{{}}")
    repo.git("notes", "--ref=ai", "add", "-F", str(note), first)
    found = verdicts(repo, name)
    assert ai(found) == [2]
    assert found[2].orig_path == name


# --- the cached answer ----------------------------------------------------------------------


def _cache_db(repo: GitRepo) -> Path:
    return Repository(repo.root).cache_dir / "history" / "cache.db"


def _cached_and_fresh(repo: GitRepo, path: str, **options: object) -> tuple[dict, dict]:
    """The answer of a new process that finds the cache, and of one without any cache."""
    history._VIEWS.clear()
    cached = verdicts(repo, path, **options)
    cached_people = history.commit_people(Repository(repo.root), path, lines_of(repo, path))
    history._VIEWS.clear()
    moved = _cache_db(repo).parent.with_name("history-aside")
    _cache_db(repo).parent.rename(moved)
    try:
        fresh = verdicts(repo, path, **options)
        fresh_people = history.commit_people(Repository(repo.root), path, lines_of(repo, path))
    finally:
        history._VIEWS.clear()
        shutil.rmtree(_cache_db(repo).parent)
        moved.rename(_cache_db(repo).parent)
    assert cached_people == fresh_people
    return cached, fresh


def _answer_rows(repo: GitRepo) -> list[str]:
    with sqlite3.connect(_cache_db(repo)) as db:
        keys = [row[0] for row in db.execute("SELECT key FROM Cache")]
    db.close()
    return [key for key in keys if key.startswith('[2,"answer"') or key.startswith('[2,"people"')]


def test_the_answer_is_cached_whole_and_a_new_process_reads_it(repo: GitRepo) -> None:
    mixed_history(repo)
    first = verdicts(repo, "app.py")
    history.commit_people(Repository(repo.root), "app.py", lines_of(repo, "app.py"))
    kinds = {json.loads(key)[1] for key in _answer_rows(repo)}
    assert kinds == {"answer", "people"}
    cached, fresh = _cached_and_fresh(repo, "app.py")
    assert cached == fresh == first
    assert list(cached) == sorted(cached)  # the same order as a fresh answer, too


def test_a_stale_cache_gives_the_new_answer(repo: GitRepo) -> None:
    spans = mixed_history(repo)
    was = ai(verdicts(repo, "app.py"))  # cached
    # The file changed in the working tree: a Claude line deleted, a line typed.
    lines = lines_of(repo, "app.py")
    gone = spans["claude"][0]
    write_lines(repo, "app.py", ["typed = 1", *lines[: gone - 1], *lines[gone:]])
    cached, fresh = _cached_and_fresh(repo, "app.py")
    assert cached == fresh
    assert 1 not in cached and len(ai(cached)) == len(was) - 1
    write_lines(repo, "app.py", lines)
    before = verdicts(repo, "app.py")
    # A new note arrived: the Claude commit's note lists only its first line.
    claude = repo.git("log", "--format=%H", "--grep=refund").strip()
    note = repo.root.parent / "note.txt"
    note.write_text(f"app.py\n  s_1::t_1 {gone}\n---\n{{}}")
    repo.git("notes", "--ref=ai", "add", "-F", str(note), claude)
    cached, fresh = _cached_and_fresh(repo, "app.py")
    assert cached == fresh != before
    assert cached[gone].source == "git-ai"
    assert all(n not in cached for n in spans["claude"][1:])
    # A new AI commit: the Copilot agent rewrites a line a person wrote.
    lines = lines_of(repo, "app.py")
    lines[0] = "human_line_rewritten = 1"
    write_lines(repo, "app.py", lines)
    commit(repo, "Fix", author="Copilot <198982749+Copilot@users.noreply.github.com>")
    cached, fresh = _cached_and_fresh(repo, "app.py")
    assert cached == fresh and cached[1].agent == "copilot"
    # Other policy markers: another answer.
    marked = ["^Reviewed-by: Sam"]
    cached, fresh = _cached_and_fresh(repo, "app.py", extra_markers=marked)
    assert cached == fresh and len(ai(cached)) > len(ai(verdicts(repo, "app.py")))


@pytest.mark.parametrize(
    "damage",
    [
        '{"groups": [["ai"]], "lines": [1, 0, 1]}',  # JSON of the wrong shape
        '{"groups": [], "lines": [1, 7, 1]}',  # a group that is not there
        '{"who": [["a"]], "runs": [1, 1, 0]}',  # people of the wrong shape
        "[1, 2",  # not JSON
        "pickle",  # a row foureyes did not write
    ],
)
def test_a_corrupted_cache_entry_is_ignored_and_recomputed(repo: GitRepo, damage: str) -> None:
    mixed_history(repo)
    expected = verdicts(repo, "app.py")
    people = history.commit_people(Repository(repo.root), "app.py", lines_of(repo, "app.py"))
    assert ai(expected) and people
    rows = _answer_rows(repo)
    with sqlite3.connect(_cache_db(repo)) as db:
        for key in rows:
            if damage == "pickle":
                db.execute("UPDATE Cache SET mode = 4, value = ? WHERE key = ?",
                           (pickle.dumps({"groups": [], "lines": []}), key))  # fmt: skip
            else:
                db.execute("UPDATE Cache SET value = ? WHERE key = ?", (damage, key))
    db.close()
    history._VIEWS.clear()
    assert verdicts(repo, "app.py") == expected  # never "no AI"
    assert history.commit_people(Repository(repo.root), "app.py", lines_of(repo, "app.py")) == (
        people
    )
    history._VIEWS.clear()  # and the entries were written again, whole
    with sqlite3.connect(_cache_db(repo)) as db:
        values = [db.execute("SELECT value FROM Cache WHERE key = ?", (k,)).fetchone()[0]
                  for k in rows]  # fmt: skip
    db.close()
    assert all(isinstance(json.loads(value), dict) for value in values)


def test_an_unreadable_cache_file_costs_only_speed(repo: GitRepo) -> None:
    mixed_history(repo)
    expected = verdicts(repo, "app.py")
    history._VIEWS.clear()
    for name in _cache_db(repo).parent.iterdir():
        name.unlink()
    _cache_db(repo).write_bytes(b"this is not a database" * 100)
    assert verdicts(repo, "app.py") == expected


def test_an_edited_text_is_answered_but_not_kept_on_disk(repo: GitRepo) -> None:
    """An editor asks on every keystroke: those answers stay in memory."""
    mixed_history(repo)
    verdicts(repo, "app.py")
    kept = len(_answer_rows(repo))
    write_lines(repo, "app.py", [*lines_of(repo, "app.py"), "typed = 1"])
    assert ai(verdicts(repo, "app.py"))
    assert len(_answer_rows(repo)) == kept


def test_a_prefetch_blames_once_and_changes_nothing(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mixed_history(repo)
    expected = verdicts(repo, "app.py")
    shutil.rmtree(_cache_db(repo).parent)
    history._VIEWS.clear()
    shim, log = _git_shim(tmp_path)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    history.prefetch(Repository(repo.root), "app.py")
    assert verdicts(repo, "app.py") == expected  # waits for the blame under way
    blamed = [call for call in log.read_text().splitlines() if "blame" in call.split()]
    assert len(blamed) == 1
    history._VIEWS.clear()
    log.write_text("")
    history.prefetch(Repository(repo.root), "app.py")  # blamed at this HEAD: nothing to do
    assert verdicts(repo, "app.py") == expected
    assert log.read_text() == ""


def test_blame_output_parsed_line_by_line_and_at_once_agree(repo: GitRepo) -> None:
    mixed_history(repo)
    repo.git("mv", "app.py", "app2.py")
    write_lines(repo, "app2.py", ["\r", *lines_of(repo, "app2.py"), "tail\r"])
    commit(repo, "Move")
    output = repo.git("blame", "--porcelain", "HEAD", "--", "app2.py")
    fast = history._parse_blame(output)
    assert fast == history._parse_blame_lines(output)
    assert len(fast.texts) == len(lines_of(repo, "app2.py")) and len(fast.paths) == 2
    # An empty line among a commit's details (no git writes one): read line by line.
    odd = output.replace("\nsummary ", "\n\nsummary ", 1)
    assert history._ENTRY.findall(odd) != history._ENTRY.findall(output)
    assert history._parse_blame(odd) == history._parse_blame_lines(odd) == fast


def test_a_failed_git_blame_is_asked_again_in_the_next_process(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git failing once (a lock, memory) must not mean "no history" from then on."""
    mixed_history(repo)
    expected = verdicts(repo, "app.py")
    shutil.rmtree(_cache_db(repo).parent)
    history._VIEWS.clear()
    shim = tmp_path / "failing"
    shim.mkdir()
    real = subprocess.run(["which", "git"], capture_output=True, text=True, check=True).stdout
    flag = tmp_path / "fail-blame"
    flag.touch()
    (shim / "git").write_text(
        f'#!/bin/sh\nfor a in "$@"; do [ "$a" = blame ] && [ -e {flag} ] && exit 128; done\n'
        f'exec {real.strip()} "$@"\n'
    )
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    assert verdicts(repo, "app.py") == {}  # this process could not know
    flag.unlink()
    history._VIEWS.clear()
    assert verdicts(repo, "app.py") == expected
