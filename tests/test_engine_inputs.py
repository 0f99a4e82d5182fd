"""The engine's caches answer for its current inputs: one revision names them all."""

from __future__ import annotations

from conftest import GitRepo, code_lines
from foureyes.core.model import Contributor
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository


def test_a_new_revision_only_when_an_input_changed(repo: GitRepo) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit("a")
    engine = Engine(Repository(repo.root))
    first = engine.inputs()
    assert engine.inputs() is first
    engine.judge_change(["a.py"])
    second = engine.inputs()
    assert second.revision > first.revision and second.judged == frozenset({"a.py"})
    repo.git("mv", "a.py", "b.py")  # the index moved
    assert engine.inputs().revision > second.revision


def test_a_report_follows_the_claims_a_staged_rename_brings(repo: GitRepo) -> None:
    """Two claimed files with the same text; c.py is first one of them, then the other.
    The report of c.py, same text and ledger, must follow the claims of the file it now
    is (the old key counted claims: one either way, so it answered for the first)."""
    text = "\n".join(code_lines("same", 6)) + "\n"
    repo.write("a.py", text)
    repo.write("b.py", text)
    repo.commit("two")
    assert repo.foureyes("mark", "--ai", "a.py:1-6", "--agent", "codex").code == 0
    assert repo.foureyes("mark", "--human", "b.py:1-6").code == 0
    engine = Engine(Repository(repo.root))
    repo.git("mv", "a.py", "c.py")
    first = engine.report("c.py", text)
    assert {v.contributor for v in first.attributed.values()} == {Contributor.AI}
    repo.git("mv", "c.py", "a.py")
    repo.git("mv", "b.py", "c.py")
    second = engine.report("c.py", text)
    assert {v.claim.path for v in second.attributed.values() if v.claim} == {"b.py"}
    assert {v.contributor for v in second.attributed.values()} == {Contributor.HUMAN}
