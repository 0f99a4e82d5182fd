"""Review units from line verdicts (units.py) and the syntax they are split along
(risk/outline.py): pure functions, tested on real tree-sitter parses."""

from __future__ import annotations

from datetime import UTC, datetime

from foureyes.core.anchor import make_anchor
from foureyes.core.model import AiAuthorship, Contributor, Identity, LineAuthorship
from foureyes.engine.units import GAP, review_units
from foureyes.risk.outline import outline

AI = frozenset({Contributor.AI, Contributor.MIXED})
DANA = Identity("Dana", "dana@example.com")


def claim(name: str, *, edit: str | None = None, session: str | None = None, replaced: int = 0):
    return AiAuthorship(
        id=name, at=datetime(2026, 12, 1, tzinfo=UTC), by=DANA, path="app.py",
        anchor=make_anchor(["x"], 1, 1), agent="claude-code", session=session, edit=edit,
        replaced=replaced,
    )  # fmt: skip


def verdicts(*spans: tuple[int, int, AiAuthorship]) -> dict[int, LineAuthorship]:
    found = {}
    for start, end, by in spans:
        for line in range(start, end + 1):
            found[line] = LineAuthorship(line, Contributor.AI, by, line - start)
    return dict(sorted(found.items()))


def spans(units) -> list[tuple[int, int]]:
    return [(unit.start, unit.end) for unit in units]


def python(code: str):
    return lambda text: outline("python", text)


TWO_FUNCTIONS = """\
def mul(a, b):
    return a * b


# Removes the files.
@retry
def purge(path):
    shutil.rmtree(path)
""".splitlines()


def test_one_capture_writing_two_functions_is_two_units() -> None:
    one = claim("c1", replaced=9)
    units = review_units(verdicts((1, 8, one)), TWO_FUNCTIONS, AI, python(""))
    # The comment and decorator go with purge(); the blank lines between are left out.
    assert spans(units) == [(1, 2), (5, 8)]
    assert [unit.replaced for unit in units] == [3, 6]  # shared by lines held, sums to 9
    assert sum(unit.replaced for unit in units) == one.replaced


def test_without_syntax_one_capture_stays_one_unit() -> None:
    units = review_units(verdicts((1, 8, claim("c1"))), TWO_FUNCTIONS, AI, None)
    assert spans(units) == [(1, 8)]


def test_a_class_written_whole_is_one_unit_but_methods_rewritten_inside_one_are_split() -> None:
    text = """\
class Cart:
    def add(self, item):
        self.items.append(item)

    def total(self):
        return sum(self.items)
""".splitlines()
    whole = review_units(verdicts((1, 6, claim("c1"))), text, AI, python(""))
    assert spans(whole) == [(1, 6)]
    methods = review_units(verdicts((2, 6, claim("c2"))), text, AI, python(""))
    assert spans(methods) == [(2, 3), (5, 6)]  # the class header is outside: two methods


def test_a_kept_line_inside_a_function_is_context_at_any_distance() -> None:
    kept = GAP + 4  # longer than a gap may be where no definition spans it
    body = [f"    step_{i} = run({i})" for i in range(kept + 10)]
    text = ["def pipeline(value):", *body, "    return value"]
    last = len(text)
    edit = "e1"
    top, bottom = claim("c1", edit=edit, replaced=5), claim("c2", edit=edit, replaced=4)
    # The edit wrote lines 1-3 and the rest after the kept lines between them.
    spans_written = ((1, 3, top), (4 + kept, last, bottom))
    units = review_units(verdicts(*spans_written), text, AI, python(""))
    assert spans(units) == [(1, last)] and units[0].replaced == 9
    # Without the syntax the same gap splits the edit in two.
    unparsed = review_units(verdicts(*spans_written), text, AI, None)
    assert spans(unparsed) == [(1, 3), (4 + kept, last)]


def test_a_long_gap_outside_any_definition_splits_one_capture() -> None:
    text = [f"setting_{i} = {i}" for i in range(30)]
    same = claim("c1")
    units = review_units(verdicts((1, 2, same), (3 + GAP + 1, 12, same)), text, AI, python(""))
    assert spans(units) == [(1, 2), (3 + GAP + 1, 12)]
    near = review_units(verdicts((1, 2, same), (3 + GAP, 12, same)), text, AI, python(""))
    assert spans(near) == [(1, 12)]


def test_captures_join_only_when_one_session_touches_itself() -> None:
    text = [f"value_{i} = {i}" for i in range(12)]
    a, b = claim("a", session="s1"), claim("b", session="s1")
    other = claim("c", session="s2")
    units = review_units(verdicts((1, 3, a), (4, 6, b), (7, 9, other)), text, AI, None)
    assert spans(units) == [(1, 6), (7, 9)]
    text[6] = ""  # a blank line between two captures never joins them
    units = review_units(verdicts((1, 3, a), (5, 6, b)), [*text[:3], "", *text[4:]], AI, None)
    assert spans(units) == [(1, 3), (5, 6)]


def test_blank_ai_lines_never_start_or_end_a_unit_and_empty_input_has_none() -> None:
    text = ["", "x = 1", "", "y = 2", ""]
    units = review_units(verdicts((1, 5, claim("c1"))), text, AI, None)
    assert spans(units) == [(2, 4)]
    assert review_units({}, [], AI, None) == []
    assert review_units(verdicts((1, 1, claim("c2"))), [""], AI, None) == []


def test_outline_of_other_languages() -> None:
    js = """\
export function a() {
  return 1;
}
// doc
const b = () => {
  return 2;
};
const c = 1;
"""
    assert [(d.start, d.end, d.depth) for d in outline("javascript", js)] == [(0, 2, 0), (3, 6, 0)]
    rust = "#[test]\nfn a() {\n}\nimpl S {\n    fn b(&self) {}\n}\n"
    assert [(d.start, d.depth) for d in outline("rust", rust)] == [(0, 0), (3, 0), (4, 1)]
    go = "func a() int {\n\treturn 1\n}\n\nfunc (s *S) b() {\n}\n"
    assert [(d.start, d.end) for d in outline("go", go)] == [(0, 2), (4, 5)]
    broken = outline("python", "def broken(:\n  pass\n\x00")  # parses whatever it gets
    assert all(d.start <= d.end for d in broken)
