"""git-ai interoperability: hand-written `refs/notes/ai` notes in real repositories.

The rule git-ai applies (and foureyes must agree with line for line): blame a line of
the current file to its commit and its line number there; the note on that commit
says whether that line was AI. The test computes that rule on its own, from
`git blame --line-porcelain` and a minimal reading of the notes, and compares.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import GitRepo, code_lines
from foureyes.core.model import Contributor
from foureyes.sources import history
from foureyes.sources.gitai import parse_note
from foureyes.sources.history import history_authorship
from foureyes.store.repo import Repository


@pytest.fixture(autouse=True)
def _fresh_views() -> None:
    history._VIEWS.clear()


def write_lines(repo: GitRepo, path: str, lines: list[str]) -> None:
    repo.write(path, "\n".join(lines) + "\n")


def add_note(repo: GitRepo, commit: str, text: str) -> None:
    note = repo.root.parent / "note.txt"
    note.write_text(text)
    repo.git("notes", "--ref=ai", "add", "-f", "-F", str(note), commit)


def metadata(**extra: object) -> str:
    data = {
        "schema_version": "authorship/3.0.0",
        "base_commit_sha": "0" * 40,
        "prompts": {},
        **extra,
    }
    return json.dumps(data, indent=2)


SESSIONS = {
    "s_c9883b05a2487d": {"agent_id": {"tool": "cursor", "id": "conv-1", "model": "sonnet-4.5"}},
    "s_e7f2a90b31cc48": {"agent_id": {"tool": "claude", "id": "conv-2", "model": "opus-4.6"}},
}
HUMANS = {"h_31dce776f88375": {"author": "Dana <dana@example.com>"}}
PROMPTS = {
    "d9978a8723e02b52": {"agent_id": {"tool": "copilot", "id": "p-1", "model": "gpt-4o"}},
}


def git_ai_rule(repo: GitRepo, path: str) -> dict[int, str]:
    """Independent reference: current line -> "ai"/"human", as git-ai decides it."""
    blame = repo.git("blame", "--line-porcelain", "--", path)
    notes: dict[str, str] = {}
    for line in repo.git("notes", "--ref=ai", "list").splitlines():
        blob, commit = line.split()
        notes[commit] = repo.git("cat-file", "-p", blob)
    result: dict[int, str] = {}
    current = commit = orig_path = ""
    orig = 0
    for line in blame.splitlines():
        header = re.match(r"^([0-9a-f]{40}) (\d+) (\d+)", line)
        if header:
            commit, orig, current = header[1], int(header[2]), header[3]
        elif line.startswith("filename "):
            orig_path = line[len("filename ") :]
        elif line.startswith("\t") and commit in notes:
            attestation = notes[commit].split("\n---\n")[0]
            in_file = False
            for entry in attestation.splitlines():
                if not entry.startswith(" "):
                    in_file = entry.strip('"') == orig_path
                    continue
                key, ranges = entry.split()
                if in_file and any(_in(part, orig) for part in ranges.split(",")):
                    result[int(current)] = "human" if key.startswith("h_") else "ai"
    return result


def _in(part: str, line: int) -> bool:
    start, _, end = part.partition("-")
    return int(start) <= line <= int(end or start)


def ours(repo: GitRepo, path: str) -> dict[int, str]:
    found = history_authorship(Repository(repo.root), path, repo.read(path))
    return {n: v.contributor.value for n, v in found.items()}


def build(repo: GitRepo) -> tuple[str, str]:
    """Two commits with notes: a session, a legacy prompt and a human key."""
    write_lines(repo, "src/app.py", code_lines("base", 10))
    first = repo.commit("Start")
    lines = code_lines("base", 10) + code_lines("cursor", 5) + code_lines("hand", 2)
    write_lines(repo, "src/app.py", lines)
    write_lines(repo, "src/my file.py", code_lines("spaced", 3))
    second = repo.commit("Agent work\n\nCo-Authored-By: Claude <noreply@anthropic.com>")
    add_note(
        repo,
        second,
        "src/app.py\n"
        "  s_c9883b05a2487d::t_9f8e7d6c5b4a32 11-13\n"
        "  d9978a8723e02b52 14-15\n"
        "  h_31dce776f88375 16-17\n"
        '"src/my file.py"\n'
        "  s_e7f2a90b31cc48::t_a1b2c3d4e5f678 1-3\n"
        "---\n" + metadata(sessions=SESSIONS, humans=HUMANS, prompts=PROMPTS),
    )
    return first, second


def test_notes_decide_line_for_line(repo: GitRepo) -> None:
    build(repo)
    found = history_authorship(Repository(repo.root), "src/app.py", repo.read("src/app.py"))
    assert {n: v.contributor.value for n, v in found.items()} == git_ai_rule(repo, "src/app.py")
    assert [n for n, v in found.items() if v.contributor is Contributor.AI] == [11, 12, 13, 14, 15]
    assert (found[11].agent, found[11].model, found[11].session) == (
        "cursor",
        "sonnet-4.5",
        "conv-1",
    )
    assert (found[14].agent, found[14].model) == ("copilot", "gpt-4o")
    assert found[16].contributor is Contributor.HUMAN
    assert {v.source for v in found.values()} == {"git-ai"}
    assert found[11].confidence == 0.9
    spaced = ours(repo, "src/my file.py")
    assert spaced == {1: "ai", 2: "ai", 3: "ai"} == git_ai_rule(repo, "src/my file.py")


def test_the_note_silences_the_commit_trailer(repo: GitRepo) -> None:
    build(repo)
    # Lines 1-10 come from the first commit (no note, no trailer); the second commit's
    # Claude trailer is ignored because its note lists its lines.
    assert set(ours(repo, "src/app.py")) == set(range(11, 18))


def test_blame_follows_later_human_commits(repo: GitRepo) -> None:
    build(repo)
    lines = repo.read("src/app.py").splitlines()
    lines.insert(0, "import logging  # a person's commit shifts every line")
    lines[12] = "cursor_value_1 = rewritten(by='a person')"  # was line 12 (AI)
    del lines[15]  # was line 15 (legacy prompt, AI)
    write_lines(repo, "src/app.py", lines)
    repo.commit("Human edits")
    write_lines(repo, "src/my file.py", ["# header", *code_lines("spaced", 3)])
    repo.commit("More human edits")
    for path in ("src/app.py", "src/my file.py"):
        assert ours(repo, path) == git_ai_rule(repo, path)
    app = ours(repo, "src/app.py")
    assert [n for n, c in app.items() if c == "ai"] == [12, 14, 15]
    assert 13 not in app  # the line a person rewrote


def test_notes_added_later_are_seen(repo: GitRepo) -> None:
    write_lines(repo, "a.py", code_lines("a", 4))
    commit = repo.commit("Start")
    assert ours(repo, "a.py") == {}
    add_note(repo, commit, "a.py\n  d9978a8723e02b52 2-3\n---\n" + metadata(prompts=PROMPTS))
    assert ours(repo, "a.py") == {2: "ai", 3: "ai"}


def test_a_rebased_history_with_notes_copied(repo: GitRepo) -> None:
    """git-ai copies notes to rewritten commits; blame then finds them on the new ones."""
    write_lines(repo, "a.py", code_lines("a", 3))
    repo.commit("Start")
    repo.git("checkout", "-q", "-b", "feature")
    write_lines(repo, "a.py", code_lines("a", 3) + code_lines("f", 2))
    feature = repo.commit("Feature")
    add_note(repo, feature, "a.py\n  d9978a8723e02b52 4-5\n---\n" + metadata(prompts=PROMPTS))
    repo.git("checkout", "-q", "main")
    write_lines(repo, "b.py", ["other = 1"])
    repo.commit("Main moves on")
    repo.git("checkout", "-q", "feature")
    repo.git("-c", "notes.rewriteRef=refs/notes/ai", "rebase", "-q", "main")
    assert ours(repo, "a.py") == {4: "ai", 5: "ai"} == git_ai_rule(repo, "a.py")


# --- the parser (pure) ----------------------------------------------------------------------


def test_parser_is_lenient() -> None:
    note = parse_note(
        "a.py\n  d9978a8723e02b52 1-2,5\n  garbage\n  h_31dce776f88375 x-y\nb.py\n  abcdef1 3\n"
        "---\n{not json"
    )
    assert note.author_of("a.py", 2) is not None and note.author_of("a.py", 3) is None
    assert note.author_of("a.py", 5).contributor is Contributor.AI  # type: ignore[union-attr]
    assert note.author_of("b.py", 3).agent == "git-ai"  # type: ignore[union-attr]
    assert len(note.problems) == 3  # the garbage line, the bad ranges, the metadata


def test_parser_reads_an_attestation_without_metadata() -> None:
    note = parse_note("x.py\n  s_c9883b05a2487d::t_1 7\n")
    author = note.author_of("x.py", 7)
    assert author is not None and author.contributor is Contributor.AI
    assert note.problems == ["no --- line: read as an attestation without metadata"]


def test_parser_metadata_only_note_lists_nothing() -> None:
    note = parse_note("---\n" + metadata())
    assert note.paths == [] and note.schema_version == "authorship/3.0.0"


def test_interleaved_keys() -> None:
    note = parse_note("a.py\n  h_31dce776f88375 1-10\n  d9978a8723e02b52 3,5\n---\n{}")
    kinds = [note.author_of("a.py", n).contributor.value for n in range(1, 7)]  # type: ignore[union-attr]
    assert kinds == ["human", "human", "ai", "human", "ai", "human"]


def test_real_git_notes_command_round_trip(repo: GitRepo) -> None:
    write_lines(repo, "a.py", code_lines("a", 2))
    commit = repo.commit("Start")
    add_note(repo, commit, "a.py\n  d9978a8723e02b52 1\n---\n" + metadata(prompts=PROMPTS))
    shown = subprocess.run(
        ["git", "notes", "--ref=ai", "show", commit], cwd=repo.root, capture_output=True,
        text=True, check=True,
    ).stdout  # fmt: skip
    assert parse_note(shown).author_of("a.py", 1).model == "gpt-4o"  # type: ignore[union-attr]
