"""Small edits never lose the anchor (issue 17, hole 4): content anchoring degrades to
*edited* (mixed, AI-derived), never to unknown, for code that is still recognisably
the claimed code.

Hypothesis builds a file, claims a block of it, then edits claimed lines in place the
way people do (a comment appended, one name renamed, a number changed), optionally
edits the context lines too and adds a dozen unrelated lines below the block. Every
edited claimed line must still be found as its own claimed line; every untouched
distinctive claimed line stays unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foureyes.core.anchor import line_sketch, make_anchor, similarity
from foureyes.core.resolve import Match, resolve
from foureyes.core.text_index import TextIndex

WORDS = (
    "alpha", "beta", "gamma", "delta", "load", "save", "item", "value", "count", "parse",
    "config", "user", "total", "index", "cache", "error", "path", "data", "node", "tree",
)  # fmt: skip
TEMPLATES = (
    "{a}_{n} = {b}({c}, {d})",
    "{a}.{b}_{n}({c}, limit={d})",
    "if {a}_{n} > {b}.{c}({d}):",
    "return {a}_{n} + {b} * {c}({d})",
    "for {a} in {b}_{n}({c}, {d}):",
    "let {a}_{n} = {b}.{c}({d});",
)
COMMENTS = ("  # ok", "  // reviewed", "  # TODO check", "  /* keep */")


def _line(draw: st.DrawFn, serial: int) -> str:
    template = draw(st.sampled_from(TEMPLATES))
    words = {name: draw(st.sampled_from(WORDS)) for name in "abcd"}
    indent = draw(st.sampled_from(("", "    ", "        ")))
    return indent + template.format(n=serial, **words)


def _edit(draw: st.DrawFn, line: str, serial: int) -> str:
    """One edit a person makes in place that leaves the line recognisably itself."""
    kind = draw(st.sampled_from(("comment", "rename", "number")))
    if kind == "comment":
        return line + draw(st.sampled_from(COMMENTS))
    if kind == "number":
        return line.replace(f"_{serial}", f"_{serial}0", 1)
    present = [w for w in WORDS if w in line]
    old = draw(st.sampled_from(present))
    new = draw(st.sampled_from([w for w in WORDS if w not in line]))
    return line.replace(old, new, 1)


@dataclass
class Edited:
    original: list[str]
    start: int  # 1-based
    end: int
    current: list[str]
    origin: list[int | None]  # per current line: the original line it came from
    edited: set[int]  # original indexes of claimed lines that were edited


@st.composite
def edited_files(draw: st.DrawFn) -> Edited:
    above = draw(st.integers(0, 8))
    size = draw(st.integers(1, 12))
    below = draw(st.integers(0, 8))
    total = above + size + below
    original = [_line(draw, serial) for serial in range(total)]
    blanks = draw(st.sets(st.integers(0, total - 1), max_size=total // 4))
    for index in blanks:
        if not above <= index < above + size:
            original[index] = ""
    start, end = above + 1, above + size
    claimed = range(above, above + size)
    edited = draw(st.sets(st.sampled_from(list(claimed)), min_size=1))
    context = [i for i in range(max(0, above - 3), min(total, above + size + 3))
               if i not in claimed and original[i]]  # fmt: skip
    edit_context = draw(st.booleans())
    current: list[str] = []
    origin: list[int | None] = []
    for index, text in enumerate(original):
        if index in edited or (edit_context and index in context):
            text = _edit(draw, text, index)
        current.append(text)
        origin.append(index)
        if index == above + size - 1 and draw(st.booleans()):
            for extra in range(12):  # a dozen new lines right below the block
                current.append(f"added_by_hand_{extra} = helper_{extra}(value_{extra})")
                origin.append(None)
    return Edited(original, start, end, current, origin, set(edited))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_files())
def test_edited_claimed_lines_stay_claimed_as_edited(case: Edited) -> None:
    anchor = make_anchor(case.original, case.start, case.end)
    result = resolve(anchor, TextIndex("".join(line + "\n" for line in case.current)))
    first = case.start - 1
    for position, source in enumerate(case.origin):
        if source is None or not first <= source < case.end:
            continue
        found = result.get(position)
        claim_line = source - first
        assert found is not None, f"claimed line {case.current[position]!r} became unknown"
        assert found.claim_line == claim_line, (position, found)
        if source in case.edited:
            assert found.match in (Match.EDITED, Match.REFORMATTED), found
        else:
            assert found.match is Match.SAME, found


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_line_of_the_same_shape_with_other_names_is_not_recognised(data: st.DataObject) -> None:
    """The other side: recognition must not claim unrelated code. Two lines of one
    template that share at most one of their words are not the same line."""
    template = data.draw(st.sampled_from(TEMPLATES))
    words = data.draw(st.lists(st.sampled_from(WORDS), min_size=8, max_size=8, unique=True))
    first = template.format(n=1, a=words[0], b=words[1], c=words[2], d=words[3])
    second = template.format(n=2, a=words[4], b=words[5], c=words[6], d=words[7])
    assert similarity(line_sketch(first), line_sketch(second)) < 0.6


def test_the_issues_example_appended_comments_and_a_dozen_lines_below() -> None:
    block = [f"    total_{i} = compute_total(order_{i}, rate={i})" for i in range(6)]
    original = ["def checkout(order):", *block, "    return total_5", "", "def other():"]
    anchor = make_anchor(original, 2, 7)
    edited = [f"{line}  # ok" for line in block]
    current = ["def checkout(order):", *edited,
               *[f"    extra_{i} = audit(order, step={i})" for i in range(12)],
               "    return total_5", "", "def other():"]  # fmt: skip
    result = resolve(anchor, TextIndex("\n".join(current) + "\n"))
    assert {p: (m.match, m.claim_line) for p, m in result.items()} == {
        1 + i: (Match.EDITED, i) for i in range(6)
    }
