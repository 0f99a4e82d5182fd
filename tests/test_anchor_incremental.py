"""Typing reuses the last version's index and resolutions (issue 13): the answers must
be exactly those of starting afresh.

`TextIndex.edited` hashes only changed lines and moves only their hashes' positions;
the engine keeps a claim's resolution when the index it was confirmed on is the new
one's parent, none of the claim's hashes moved and no changed line is one it placed.
Both are checked against the from-scratch answer after every edit of random typing
sessions: edits inside claims, on their context, on blank lines shared by every claim,
elsewhere, and ones that change the line count.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import GitRepo
from foureyes.core.anchor import line_hash
from foureyes.core.model import FileReport
from foureyes.core.text_index import TextIndex
from foureyes.engine import authorship as engine_module
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository

LINES = ("", "    return None", "}", "value = load(path)", "    total += count", "pass")


def same_index(derived: TextIndex, fresh: TextIndex) -> None:
    assert derived.lines == fresh.lines
    assert derived.keys == fresh.keys
    assert derived.positions == fresh.positions
    assert derived.trivial == fresh.trivial


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(0, 1000), st.sampled_from((*LINES, "#", "x = 1"))), max_size=12),
    st.integers(0, 2**16),
)
def test_an_edited_index_is_the_fresh_index(
    lines: list[str], edits: list[tuple[int, str]], seed: int
) -> None:
    chooser = random.Random(seed)
    keys = sorted({line_hash(line) for line in (*LINES, "#", "x = 1")})
    wanted = frozenset(chooser.sample(keys, chooser.randrange(len(keys) + 1)))
    index = TextIndex("\n".join(lines) + "\n", wanted)
    current = list(lines)
    for where, text in edits:
        if where % 7 == 0:
            current.insert(where % (len(current) + 1), text)  # the line count changes
        else:
            current[where % len(current)] = text
        derived = index.edited("\n".join(current) + "\n", wanted)
        same_index(derived, TextIndex("\n".join(current) + "\n", wanted))
        # Derived where the line count held; indexed afresh where it did not.
        assert derived.parent == (index.serial if len(derived) == len(index) else 0)
        index = derived


def report_facts(report: FileReport) -> tuple[object, ...]:
    lines = tuple(
        (n, a.contributor, a.claim.id if a.claim else None, a.claim_line)
        for n, a in sorted(report.attributed.items())
    )
    regions = tuple(
        (r.id, r.start_line, r.end_line, r.review.state, r.risk.level) for r in report.regions
    )
    return lines, regions


def test_typing_answers_as_a_fresh_engine_would(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = []
    for n in range(40):
        body += [f"def step_{n}(value):", f"    total = value * {n}", "    return total", ""]
    repo.write("steps.py", "\n".join(body) + "\n")
    repo.commit("steps")
    claimed = [f"steps.py:{1 + 4 * n}-{3 + 4 * n}" for n in range(0, 40, 3)]
    assert repo.foureyes("mark", "--ai", *claimed, "--agent", "codex").code == 0
    repo.git("config", "user.email", "sam@example.com")  # a second person approves half
    for n in range(0, 40, 6):
        assert repo.foureyes("approve", f"steps.py:{2 + 4 * n}").code == 0
    typing = Engine(Repository(repo.root), complete_risk=False)
    current = list(body)
    chooser = random.Random(13)
    typing.report("steps.py", "\n".join(current) + "\n")
    claims = [claim.id for claim in typing.snapshot().for_path("steps.py")]
    # A resolution kept without its signature being computed took the shortcut.
    signed: set[str] = set()
    real_signature = engine_module._resolution_signature

    def counted(claim: Any, *args: Any) -> tuple[object, ...]:
        signed.add(claim.id)
        return real_signature(claim, *args)

    monkeypatch.setattr(engine_module, "_resolution_signature", counted)
    shortcuts = 0
    seen = {"\n".join(current) + "\n"}
    for step in range(250):
        line = chooser.randrange(len(current))
        kind = chooser.random()
        if kind < 0.6:
            # Typing on a line; a trailing space keeps its hash but voids an approval.
            current[line] = current[line] + chooser.choice(("#", " ", "x"))
        elif kind < 0.8:
            current[line] = chooser.choice(("", "    return total", current[line].strip()))
        elif kind < 0.9:
            current.insert(line, "")
        else:
            del current[line]
        text = "\n".join(current) + "\n"
        before = {claim: typing.authorship.last_resolution(claim) for claim in claims}
        signed.clear()
        answer = typing.report("steps.py", text)
        if text not in seen:  # a text seen before is answered from the engine's caches
            shortcuts += sum(
                1
                for claim in claims
                if (last := typing.authorship.last_resolution(claim)) is not None
                and (earlier := before[claim]) is not None
                and earlier[1] is last[1]
                and claim not in signed
            )
        seen.add(text)
        fresh = Engine(Repository(repo.root), complete_risk=False).report("steps.py", text)
        assert report_facts(answer) == report_facts(fresh), f"edit {step}: line {line + 1}"
    assert shortcuts > 250  # the shortcut was taken, so the comparison above tested it
