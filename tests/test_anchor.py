"""Unit tests for content anchoring: a claim follows its lines, and only its lines.

Texts are written as lists of lines; `claim` anchors lines of the original text
(1-based, inclusive, as the CLI takes them) and `found` resolves the anchor against
a changed text, reporting 1-based current lines so failures read like an editor.
"""

from __future__ import annotations

import pytest

from foureyes.core.anchor import CONTEXT_LINES, exact_hash, is_trivial, line_hash, make_anchor
from foureyes.core.model import Anchor
from foureyes.core.resolve import LineMatch, Match, resolve
from foureyes.core.text import split_lines
from foureyes.core.text_index import TextIndex

SAME, REFORMATTED, EDITED, INSERTED = Match.SAME, Match.REFORMATTED, Match.EDITED, Match.INSERTED

# A small Python module: distinctive lines with the usual filler (blank lines,
# `return None`, `pass`) between them.
PY = [
    "import os",  # 1
    "import sys",  # 2
    "",  # 3
    "def load_config(path):",  # 4
    "    with open(path) as handle:",  # 5
    "        raw = handle.read()",  # 6
    "    if not raw:",  # 7
    "        return None",  # 8
    "    return parse_config(raw)",  # 9
    "",  # 10
    "",  # 11
    "def parse_config(raw):",  # 12
    "    entries = raw.split(',')",  # 13
    "    cleaned = [entry.strip() for entry in entries]",  # 14
    "    return dict(pair.split('=') for pair in cleaned)",  # 15
    "",  # 16
    "",  # 17
    "def unused_hook(event):",  # 18
    "    pass",  # 19
    "",  # 20
    "",  # 21
    "def main(argv):",  # 22
    "    config = load_config(argv[1])",  # 23
    "    if config is None:",  # 24
    "        return None",  # 25
    "    print(config, file=sys.stderr)",  # 26
]

# A small brace language: lone `}` lines everywhere.
JS = [
    "function area(shape) {",  # 1
    "  if (shape.kind === 'circle') {",  # 2
    "    return Math.PI * shape.r ** 2;",  # 3
    "  }",  # 4
    "  return shape.w * shape.h;",  # 5
    "}",  # 6
    "",  # 7
    "function perimeter(shape) {",  # 8
    "  if (shape.kind === 'circle') {",  # 9
    "    return 2 * Math.PI * shape.r;",  # 10
    "  }",  # 11
    "  return 2 * (shape.w + shape.h);",  # 12
    "}",  # 13
    "",  # 14
    "export { area, perimeter };",  # 15
]


def text_of(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def claim(lines: list[str], start: int, end: int) -> Anchor:
    return make_anchor(lines, start, end)


def found(anchor: Anchor, current: list[str] | str) -> dict[int, LineMatch]:
    """The resolved matches, keyed by 1-based current line."""
    text = current if isinstance(current, str) else text_of(current)
    return {position + 1: match for position, match in resolve(anchor, TextIndex(text)).items()}


def claimed(anchor: Anchor, current: list[str] | str) -> dict[int, int]:
    """Current line (1-based) -> claim line, for lines reported unchanged or reformatted."""
    return {
        line: match.claim_line
        for line, match in found(anchor, current).items()
        if match.match in (SAME, REFORMATTED) and match.claim_line is not None
    }


def kinds(anchor: Anchor, current: list[str] | str) -> dict[int, Match]:
    return {line: match.match for line, match in found(anchor, current).items()}


def same_block(first: int, count: int) -> dict[int, int]:
    """Lines `first`.. of the current text carrying claim lines 0..count-1 in order."""
    return {first + offset: offset for offset in range(count)}


# --- split_lines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("\n", [""]),
        ("\n\n", ["", ""]),
        ("a", ["a"]),
        ("a\n", ["a"]),
        ("a\nb", ["a", "b"]),
        ("a\nb\n", ["a", "b"]),
        ("a\r\nb\r\n", ["a", "b"]),
        ("a\rb\r", ["a", "b"]),
        ("a\r\n\r\nb", ["a", "", "b"]),
        ("a\n\rb", ["a", "", "b"]),  # \n then \r: two breaks, not one \r\n
        ("a\r\r\nb", ["a", "", "b"]),
        ("a\n\n", ["a", ""]),
        ("a\r\n", ["a"]),
        ("  indented\t\n", ["  indented\t"]),
        ("é\n日本語\n🙂", ["é", "日本語", "🙂"]),
    ],
)
def test_split_lines_follows_lsp_numbering(text: str, expected: list[str]) -> None:
    assert split_lines(text) == expected


def test_split_lines_does_not_break_on_other_unicode_separators() -> None:
    # LSP only knows \n, \r\n and \r; str.splitlines would also break on these.
    text = "a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g\n"
    assert split_lines(text) == ["a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g"]


# --- hashes and triviality ------------------------------------------------------------------


def test_line_hash_ignores_whitespace_but_exact_hash_does_not() -> None:
    assert line_hash("x = f(a, b)") == line_hash("  x=f(a,b)\t")
    assert exact_hash("x = f(a, b)") != exact_hash("x=f(a,b)")
    assert exact_hash("    x = 1") != exact_hash("x = 1")  # indentation is a change
    assert exact_hash("x = 1   ") == exact_hash("x = 1")  # trailing whitespace is not
    assert line_hash("x = 1") != line_hash("x = 2")


def test_hashes_accept_lone_surrogates() -> None:
    # Text decoded with surrogateescape can carry lone surrogates; hashing must not fail.
    assert line_hash("bad \udcff byte") != line_hash("bad byte")
    assert exact_hash("bad \udcff byte")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "}",
        "  });",
        "{",
        "]",
        ")",
        "pass",
        "  return None",
        "return;",
        "else:",
        "end",
        "fi",
        "try:",
        "finally:",
        "  return 0;",
        "x",
        "i++",
        "# -",
        "return true;",
    ],
)
def test_trivial_lines(line: str) -> None:
    assert is_trivial(line)


@pytest.mark.parametrize(
    "line",
    [
        "import os",
        "return total",
        "x = compute(y)",
        "  cleaned = [e.strip() for e in es]",
        "def main(argv):",
        "}, function area() {",
        "日本語の行 = abc",
    ],
)
def test_distinctive_lines(line: str) -> None:
    assert not is_trivial(line)


# --- make_anchor ----------------------------------------------------------------------------


def test_make_anchor_records_lines_and_context() -> None:
    anchor = claim(PY, 12, 15)
    assert anchor.start_line == 12
    assert anchor.line_count == 4
    assert anchor.lines == tuple(line_hash(line) for line in PY[11:15])
    assert anchor.exact == tuple(exact_hash(line) for line in PY[11:15])
    assert anchor.before == tuple(line_hash(line) for line in PY[8:11])  # nearest last
    assert anchor.after == tuple(line_hash(line) for line in PY[15:18])  # nearest first


def test_make_anchor_context_is_cut_at_the_file_edges() -> None:
    assert claim(PY, 1, 1).before == ()
    assert len(claim(PY, 2, 2).before) == 1
    assert len(claim(PY, 1 + CONTEXT_LINES, 1 + CONTEXT_LINES).before) == CONTEXT_LINES
    assert claim(PY, len(PY), len(PY)).after == ()
    assert len(claim(PY, len(PY) - 1, len(PY) - 1).after) == 1
    whole = claim(PY, 1, len(PY))
    assert whole.before == () and whole.after == ()


@pytest.mark.parametrize(("start", "end"), [(0, 1), (1, 0), (3, 2), (1, len(PY) + 1), (-1, 2)])
def test_make_anchor_rejects_ranges_outside_the_text(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        make_anchor(PY, start, end)


def test_make_anchor_rejects_an_empty_text() -> None:
    with pytest.raises(ValueError):
        make_anchor([], 1, 1)


# --- the unchanged text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (1, 1),
        (1, 3),
        (4, 9),
        (12, 15),
        (19, 19),
        (3, 3),
        (8, 8),
        (10, 11),
        (22, 26),
        (26, 26),
        (1, 26),
    ],
)
def test_unchanged_text_resolves_exactly_to_the_claim(start: int, end: int) -> None:
    anchor = claim(PY, start, end)
    assert found(anchor, PY) == {
        start + offset: LineMatch(SAME, offset) for offset in range(end - start + 1)
    }


@pytest.mark.parametrize("line", range(1, len(JS) + 1))
def test_every_single_line_claim_resolves_to_itself(line: int) -> None:
    # Including lone braces and blank lines: their context tells which one it is.
    anchor = claim(JS, line, line)
    assert found(anchor, JS) == {line: LineMatch(SAME, 0)}


# --- the block stays on its lines ----------------------------------------------------------


def test_lines_inserted_above_shift_the_block() -> None:
    anchor = claim(PY, 12, 15)
    current = [*PY[:2], "import json", "import re", *PY[2:]]
    assert claimed(anchor, current) == same_block(14, 4)
    assert len(found(anchor, current)) == 4


def test_lines_deleted_above_shift_the_block() -> None:
    anchor = claim(PY, 12, 15)
    current = PY[3:]  # the imports and the blank line are gone
    assert found(anchor, current) == {9 + k: LineMatch(SAME, k) for k in range(4)}


def test_lines_inserted_and_deleted_below_do_not_move_the_block() -> None:
    anchor = claim(PY, 4, 9)
    below_inserted = [*PY[:11], "# a comment a person wrote", "CONSTANT = 42", *PY[11:]]
    assert found(anchor, below_inserted) == {4 + k: LineMatch(SAME, k) for k in range(6)}
    below_deleted = PY[:10] + PY[17:]
    assert found(anchor, below_deleted) == {4 + k: LineMatch(SAME, k) for k in range(6)}


def test_fifty_lines_inserted_above() -> None:
    anchor = claim(PY, 12, 15)
    filler = [f"value_{n} = compute({n})" if n % 3 else "" for n in range(50)]
    current = [*PY[:5], *filler, *PY[5:]]
    assert found(anchor, current) == {62 + k: LineMatch(SAME, k) for k in range(4)}


def test_fifty_filler_lines_inserted_right_above_the_block() -> None:
    # Blank lines and braces in front of the block must not pull it off its lines.
    anchor = claim(JS, 8, 13)
    current = [*JS[:7], *(["}", "", "  }", "pass"] * 13)[:50], *JS[7:]]
    assert found(anchor, current) == {58 + k: LineMatch(SAME, k) for k in range(6)}


def test_other_lines_edited_or_reformatted() -> None:
    anchor = claim(PY, 12, 15)
    current = list(PY)
    current[8] = "    return parse_config(raw.strip())"  # just above the context
    current[9] = "   "  # a context line, reformatted
    current[16] = "# trailing comment"  # context after, edited
    current[22] = "    config = load_config(argv[2])"
    current[0] = "import  os"
    assert found(anchor, current) == {12 + k: LineMatch(SAME, k) for k in range(4)}


def test_all_context_changed_block_still_found() -> None:
    anchor = claim(PY, 12, 15)
    current = [*PY[:8], "# one", "# two", "# three", *PY[11:15], "# four", "# five", *PY[17:]]
    assert found(anchor, current) == {12 + k: LineMatch(SAME, k) for k in range(4)}


def test_block_moved_lower_in_the_file() -> None:
    anchor = claim(PY, 4, 9)
    block = PY[3:9]
    rest = PY[:3] + PY[9:]
    current = [*rest, "", *block]
    assert found(anchor, current) == {len(rest) + 2 + k: LineMatch(SAME, k) for k in range(6)}


def test_block_moved_higher_in_the_file() -> None:
    anchor = claim(PY, 22, 26)
    block = PY[21:26]
    current = [*PY[:3], *block, "", *PY[3:21]]
    assert found(anchor, current) == {4 + k: LineMatch(SAME, k) for k in range(5)}


def test_block_moved_and_reindented() -> None:
    anchor = claim(PY, 12, 15)
    block = ["    " + line if line else line for line in PY[11:15]]
    current = [*PY[:11], *PY[15:], "class Parser:", *block]
    base = len(PY) - 4 + 2
    assert found(anchor, current) == {base + k: LineMatch(REFORMATTED, k) for k in range(4)}


def test_block_split_in_two_by_a_move() -> None:
    # The second half of the block is moved to the end: both halves stay claimed, and the
    # lines that now sit between the halves are not inserted into the block.
    anchor = claim(PY, 12, 15)
    current = [*PY[:13], *PY[15:], *PY[13:15]]
    result = found(anchor, current)
    n = len(current)
    assert result == {
        12: LineMatch(SAME, 0),
        13: LineMatch(SAME, 1),
        n - 1: LineMatch(SAME, 2),
        n: LineMatch(SAME, 3),
    }


def test_chunk_moved_within_the_block_keeps_every_line_claimed() -> None:
    # Found by the property tests: the lines between a moved chunk's old neighbours
    # were taken for a gap and marked inserted, although they were claimed lines.
    lines = [f"step_{n}(state)" for n in range(8)]
    anchor = claim(lines, 2, 7)  # step_1 .. step_6
    current = [lines[n] for n in (0, 1, 4, 5, 6, 2, 3, 7)]  # step_2, step_3 moved down
    assert found(anchor, current) == {
        2: LineMatch(SAME, 0),
        3: LineMatch(SAME, 3),
        4: LineMatch(SAME, 4),
        5: LineMatch(SAME, 5),
        6: LineMatch(SAME, 1),
        7: LineMatch(SAME, 2),
    }


def test_two_claimed_chunks_swapped() -> None:
    # A chunk of the block moved below a later chunk of the block.
    lines = [f"line_{n} = make({n})" for n in range(12)]
    anchor = claim(lines, 3, 10)  # claim lines 0..7 are line_2..line_9
    current = [*lines[:2], *lines[6:10], *lines[2:6], *lines[10:]]
    assert claimed(anchor, current) == {
        3: 4,
        4: 5,
        5: 6,
        6: 7,
        7: 0,
        8: 1,
        9: 2,
        10: 3,
    }
    assert all(match.match is SAME for match in found(anchor, current).values())


# --- no spreading to unrelated lines --------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "line"),
    [(PY, 3), (PY, 8), (PY, 10), (PY, 19), (PY, 25), (JS, 4), (JS, 6), (JS, 7), (JS, 13)],
)
def test_single_filler_claim_never_lands_elsewhere_when_its_surroundings_change(
    lines: list[str], line: int
) -> None:
    anchor = claim(lines, line, line)
    # Every context line is rewritten, and the filler line is kept.
    first = max(0, line - 1 - CONTEXT_LINES)
    last = min(len(lines), line + CONTEXT_LINES)
    current = list(lines)
    for position in range(first, last):
        if position != line - 1:
            current[position] = f"rewritten_{position} = True"
    result = found(anchor, current)
    # The only acceptable answers: the line itself, or nothing at all.
    assert set(result) <= {line}
    assert all(match.claim_line == 0 for match in result.values())


@pytest.mark.parametrize(("lines", "line"), [(PY, 8), (PY, 19), (PY, 3), (JS, 6), (JS, 4)])
def test_single_filler_claim_deleted_resolves_to_nothing(lines: list[str], line: int) -> None:
    anchor = claim(lines, line, line)
    current = lines[: line - 1] + lines[line:]
    assert found(anchor, current) == {}


@pytest.mark.parametrize(("lines", "line"), [(PY, 8), (PY, 19), (JS, 6), (JS, 11)])
def test_single_filler_claim_after_its_neighbourhood_was_deleted(
    lines: list[str], line: int
) -> None:
    # The claimed line and all of its context are gone; copies of it elsewhere stay unclaimed.
    anchor = claim(lines, line, line)
    first = max(0, line - 1 - CONTEXT_LINES)
    current = lines[:first] + lines[line + CONTEXT_LINES :]
    assert found(anchor, current) == {}


def test_filler_inside_the_block_does_not_spread() -> None:
    anchor = claim(PY, 4, 11)  # load_config with its trailing blank lines
    current = [*PY, "", "", "def other():", "    return None", "", "pass", "}"]
    assert found(anchor, current) == {4 + k: LineMatch(SAME, k) for k in range(8)}


def test_block_deleted_leaves_filler_unclaimed() -> None:
    anchor = claim(PY, 4, 11)
    current = PY[:3] + PY[11:]
    assert found(anchor, current) == {}


def test_block_moved_away_leaves_its_old_filler_neighbours_unclaimed() -> None:
    anchor = claim(JS, 8, 13)
    current = [*JS[:7], *JS[13:], "", *JS[7:13]]
    base = len(JS) - 6 + 2
    assert found(anchor, current) == {base + k: LineMatch(SAME, k) for k in range(6)}


def test_claim_of_only_filler_lines_is_found_only_through_the_file_edges() -> None:
    lines = ["}", "", "}", "", "pass", "}"]
    anchor = claim(lines, 3, 4)
    # The context reaches both ends of the file, which anchor the claim.
    assert found(anchor, lines) == {3: LineMatch(SAME, 0), 4: LineMatch(SAME, 1)}
    # Deep inside a file of nothing but filler, nothing ties the claim to any line:
    # it is not guessed, not even in the unchanged text (a known limit).
    deep = ["}", "", "pass"] * 6
    anchor = claim(deep, 8, 9)
    assert found(anchor, deep) == {}
    assert found(anchor, ["x_value = 1", *deep]) == {}


def test_edited_filler_claim_is_not_matched_to_another_filler_line() -> None:
    # Found by the property tests. A diff that pairs the longest blocks first matched the
    # claimed blank line (rewritten by a person) with an unrelated blank line across
    # the whole gap; the lines next to the anchors must stay paired.
    anchor = claim(["", "return None", ""], 1, 1)
    current = ["alpha_0 = alpha(alpha)", "return None", "}", ""]
    assert found(anchor, current) == {1: LineMatch(EDITED, 0)}
    anchor = claim(["", ""], 1, 1)
    assert found(anchor, ["x = compute(y)", ""]) == {1: LineMatch(EDITED, 0)}


def test_deleted_block_does_not_take_the_blank_line_before_it() -> None:
    # The blank line left between the context above and below reads both as the context
    # line before the block and as the block's own last (blank) line: it stays unclaimed.
    # The block's last line is blank; the run below (the stronger one) reaches up into it.
    lines = [
        "setup_logging()",
        "",
        "run_first = True",
        "cleanup(run_first)",
        "",
        "finish()",
        "report()",
    ]
    anchor = claim(lines, 3, 5)
    assert found(anchor, ["setup_logging()", "", "finish()", "report()"]) == {}
    # Mirrored: the block's first line is blank; the run above reaches down into it.
    lines = [
        "configure()",
        "connect()",
        "",
        "run_first = True",
        "cleanup(run_first)",
        "",
        "finish()",
    ]
    anchor = claim(lines, 3, 5)
    assert found(anchor, ["configure()", "connect()", "", "finish()"]) == {}


# --- edits inside the block -----------------------------------------------------------------


def test_editing_one_claimed_line_marks_only_that_line() -> None:
    anchor = claim(PY, 12, 15)
    current = list(PY)
    current[12] = "    entries = raw.split(';')"
    assert found(anchor, current) == {
        12: LineMatch(SAME, 0),
        13: LineMatch(EDITED, 1),
        14: LineMatch(SAME, 2),
        15: LineMatch(SAME, 3),
    }


@pytest.mark.parametrize("k", range(4))
def test_editing_any_one_claimed_line(k: int) -> None:
    anchor = claim(PY, 12, 15)
    current = list(PY)
    current[11 + k] = f"    edited_by_a_person({k})"
    expected = {12 + j: LineMatch(SAME, j) for j in range(4)}
    expected[12 + k] = LineMatch(EDITED, k)
    assert found(anchor, current) == expected


def test_editing_the_first_and_last_lines_of_a_file_claim() -> None:
    anchor = claim(PY, 1, len(PY))
    current = list(PY)
    current[0] = "import pathlib"
    current[-1] = "    print(config)"
    result = found(anchor, current)
    assert result[1] == LineMatch(EDITED, 0)
    assert result[len(PY)] == LineMatch(EDITED, len(PY) - 1)
    assert all(result[n] == LineMatch(SAME, n - 1) for n in range(2, len(PY)))


def test_edited_line_and_context_edited_too() -> None:
    # The last claimed line and the first context line after it are both rewritten.
    anchor = claim(PY, 12, 15)
    current = list(PY)
    current[14] = "    return {k: v for k, v in cleaned}"
    current[15] = "# note"
    result = found(anchor, current)
    assert result[15] == LineMatch(EDITED, 3)
    assert 16 not in result
    assert claimed(anchor, current) == same_block(12, 3)


def test_every_claimed_line_edited_still_marks_them_edited() -> None:
    anchor = claim(PY, 12, 15)
    current = list(PY)
    for position in range(11, 15):
        current[position] = f"    rewritten_{position}()"
    assert found(anchor, current) == {12 + k: LineMatch(EDITED, k) for k in range(4)}


def test_whitespace_only_change_is_reformatted() -> None:
    anchor = claim(PY, 12, 15)
    current = list(PY)
    current[12] = "    entries  =  raw.split( ',' )"
    current[13] = "\tcleaned = [entry.strip() for entry in entries]"
    assert found(anchor, current) == {
        12: LineMatch(SAME, 0),
        13: LineMatch(REFORMATTED, 1),
        14: LineMatch(REFORMATTED, 2),
        15: LineMatch(SAME, 3),
    }


def test_trailing_whitespace_is_a_change_of_whitespace() -> None:
    """The line is still the claimed one (reformatted: still AI), but it is not the text
    an approval covered: trailing spaces can be content (in a string, after `\\`)."""
    anchor = claim(PY, 12, 15)
    current = list(PY)
    current[12] += "   "
    assert found(anchor, current) == {
        13: LineMatch(REFORMATTED, 1),
        **{12 + k: LineMatch(SAME, k) for k in (0, 2, 3)},
    }


def test_line_inserted_between_two_claimed_lines() -> None:
    anchor = claim(PY, 12, 15)
    current = [*PY[:13], "    log(entries)", *PY[13:]]
    assert found(anchor, current) == {
        12: LineMatch(SAME, 0),
        13: LineMatch(SAME, 1),
        14: LineMatch(INSERTED, None),
        15: LineMatch(SAME, 2),
        16: LineMatch(SAME, 3),
    }


def test_several_lines_and_filler_inserted_inside_the_block() -> None:
    anchor = claim(PY, 4, 9)
    added = ["    # why we read it all", "", "    log(path)"]
    current = [*PY[:5], *added, *PY[5:]]
    result = found(anchor, current)
    assert {line for line, m in result.items() if m.match is INSERTED} == {6, 7, 8}
    assert claimed(anchor, current) == {4: 0, 5: 1, 9: 2, 10: 3, 11: 4, 12: 5}


def test_lines_added_right_before_or_after_the_block_are_not_part_of_it() -> None:
    anchor = claim(PY, 12, 15)
    current = [*PY[:11], "# before", "@decorator", *PY[11:15], "# after", "", *PY[15:]]
    assert found(anchor, current) == {14 + k: LineMatch(SAME, k) for k in range(4)}


def test_line_replaced_by_two_lines() -> None:
    anchor = claim(PY, 12, 15)
    current = [*PY[:12], "    entries = raw.split(';')", "    entries += extra", *PY[13:]]
    assert found(anchor, current) == {
        12: LineMatch(SAME, 0),
        13: LineMatch(EDITED, 1),
        14: LineMatch(INSERTED, None),
        15: LineMatch(SAME, 2),
        16: LineMatch(SAME, 3),
    }


def test_claimed_line_deleted_from_the_middle() -> None:
    anchor = claim(PY, 12, 15)
    current = PY[:12] + PY[13:]
    assert found(anchor, current) == {
        12: LineMatch(SAME, 0),
        13: LineMatch(SAME, 2),
        14: LineMatch(SAME, 3),
    }


def test_edit_at_the_start_of_a_block_stays_at_the_start() -> None:
    # The first claimed line is replaced by two lines: the one next to the block is the
    # edit, the other one was added before the block.
    anchor = claim(PY, 12, 15)
    current = [*PY[:11], "@cache", "def parse_config(raw, strict):", *PY[12:]]
    result = found(anchor, current)
    assert result[13] == LineMatch(EDITED, 0)
    assert 12 not in result or result[12].match is not SAME


def test_lines_added_after_an_edited_last_line_are_not_inserted() -> None:
    anchor = claim(PY, 12, 15)
    current = [
        *PY[:14],
        "    pairs = [c.split('=') for c in cleaned]",
        "    return dict(pairs)",
        *PY[15:],
    ]
    result = found(anchor, current)
    assert result[15] == LineMatch(EDITED, 3)
    assert 16 not in result


# --- edges of the file ----------------------------------------------------------------------


def test_claim_at_the_first_line() -> None:
    anchor = claim(PY, 1, 2)
    assert found(anchor, PY) == {1: LineMatch(SAME, 0), 2: LineMatch(SAME, 1)}
    shifted = ["#!/usr/bin/env python", '"""Docstring."""', *PY]
    assert found(anchor, shifted) == {3: LineMatch(SAME, 0), 4: LineMatch(SAME, 1)}
    edited = ["import os.path", *PY[1:]]
    assert found(anchor, edited) == {1: LineMatch(EDITED, 0), 2: LineMatch(SAME, 1)}


def test_claim_at_the_first_line_edited_after_lines_were_added_above() -> None:
    anchor = claim(PY, 1, 2)
    current = ["# header", "import os.path", *PY[1:]]
    assert found(anchor, current) == {2: LineMatch(EDITED, 0), 3: LineMatch(SAME, 1)}


def test_claim_at_the_last_line() -> None:
    anchor = claim(PY, 25, 26)
    assert found(anchor, PY) == {25: LineMatch(SAME, 0), 26: LineMatch(SAME, 1)}
    appended = [*PY, "", "if __name__ == '__main__':", "    main(sys.argv)"]
    assert found(anchor, appended) == {25: LineMatch(SAME, 0), 26: LineMatch(SAME, 1)}
    edited = [*PY[:-1], "    print(config)"]
    assert found(anchor, edited) == {25: LineMatch(SAME, 0), 26: LineMatch(EDITED, 1)}


def test_single_line_claim_of_a_distinctive_line() -> None:
    anchor = claim(PY, 14, 14)
    assert found(anchor, PY) == {14: LineMatch(SAME, 0)}
    moved = [PY[13], *PY[:13], *PY[14:]]
    assert found(anchor, moved) == {1: LineMatch(SAME, 0)}
    edited = list(PY)
    edited[13] = "    cleaned = [e.strip() for e in entries if e]"
    assert found(anchor, edited) == {14: LineMatch(EDITED, 0)}


def test_empty_current_text() -> None:
    for start, end in [(1, 1), (1, len(PY)), (12, 15), (len(PY), len(PY))]:
        anchor = claim(PY, start, end)
        assert found(anchor, "") == {}
        # A single blank line left over: either nothing, or it is one of the claimed
        # blank lines (the whole-file claim: which one cannot be told).
        left_over = found(anchor, "\n")
        assert set(left_over) <= {1}
        assert all(PY[start - 1 + m.claim_line] == "" for m in left_over.values())


def test_empty_current_text_for_a_claimed_blank_line() -> None:
    anchor = claim([""], 1, 1)
    assert found(anchor, "") == {}
    assert found(anchor, "\n") == {1: LineMatch(SAME, 0)}


def test_claim_whose_lines_were_all_deleted() -> None:
    for start, end in [(12, 15), (4, 11), (1, 3), (22, 26), (19, 19)]:
        anchor = claim(PY, start, end)
        current = PY[: start - 1] + PY[end:]
        assert found(anchor, current) == {}, (start, end)


def test_whole_file_claim_replaced_by_other_code() -> None:
    anchor = claim(PY, 1, len(PY))
    assert found(anchor, "") == {}
    # Nothing of the claim survives, so nothing is claimed as-is. (The file's edges still
    # anchor the claim, so a short rewrite counts as edited: see the report.)
    rewrite = ["from app import run", "run(debug=True)"]
    assert claimed(anchor, rewrite) == {}
    # Filler left over may be read as surviving claimed filler, but only as filler.
    left_over = found(anchor, ["", "pass", "}", "return None"])
    for line, match in left_over.items():
        if match.match in (SAME, REFORMATTED):
            assert match.claim_line is not None
            assert line_hash(PY[match.claim_line]) == line_hash(
                ["", "pass", "}", "return None"][line - 1]
            )


# --- duplicates -----------------------------------------------------------------------------


def test_duplicate_block_stays_on_the_copy_with_matching_context() -> None:
    anchor = claim(PY, 12, 15)
    copy = ["", "def copy_of_parser():", *PY[11:15], "# copied"]
    below = [*PY, *copy]
    assert found(anchor, below) == {12 + k: LineMatch(SAME, k) for k in range(4)}
    above = [*copy, *PY]
    assert found(anchor, above) == {12 + len(copy) + k: LineMatch(SAME, k) for k in range(4)}


def test_duplicate_block_without_distinguishing_context_goes_to_the_nearest_copy() -> None:
    block = ["total = sum(values)", "count = len(values)", "mean = total / count"]
    lines = [*block, "", *block, "", *block]
    for start in (1, 5, 9):
        anchor = claim(lines, start, start + 2)
        assert claimed(anchor, lines) == same_block(start, 3)
    # A line added at the top: the middle claim still picks the middle copy.
    anchor = claim(lines, 5, 7)
    assert claimed(anchor, ["# header", *lines]) == same_block(6, 3)


def test_duplicate_block_when_the_original_moved() -> None:
    # The claimed block is cut from its place; a copy stays elsewhere. The claim follows
    # one copy, never both.
    anchor = claim(PY, 12, 15)
    current = [*PY[:11], *PY[15:], *PY[11:15], "", *PY[11:15]]
    result = claimed(anchor, current)
    assert sorted(result.values()) == [0, 1, 2, 3]
    assert list(result) in (list(range(23, 27)), list(range(28, 32)))


def test_claim_of_one_copy_does_not_claim_the_other_after_an_edit() -> None:
    block = ["alpha = load('a')", "beta = load('b')", "gamma = alpha + beta"]
    lines = ["# first", *block, "# middle", *block, "# last"]
    anchor = claim(lines, 2, 4)
    current = list(lines)
    current[2] = "beta = load('B')"
    assert found(anchor, current) == {
        2: LineMatch(SAME, 0),
        3: LineMatch(EDITED, 1),
        4: LineMatch(SAME, 2),
    }


def test_repeated_line_inside_the_claim() -> None:
    lines = ["start = 1", "step()", "step()", "step()", "stop = 2", "tail()", "step()"]
    anchor = claim(lines, 1, 5)
    assert found(anchor, lines) == {k + 1: LineMatch(SAME, k) for k in range(5)}
    current = lines[:2] + lines[3:]  # one step() fewer
    result = found(anchor, current)
    assert set(result) == {1, 2, 3, 4}
    assert 6 not in result  # the later step() is not part of the claim


# --- line endings and encodings -------------------------------------------------------------


def test_crlf_line_endings() -> None:
    anchor = claim(PY, 12, 15)
    crlf = "".join(line + "\r\n" for line in PY)
    assert found(anchor, crlf) == {12 + k: LineMatch(SAME, k) for k in range(4)}
    # An anchor made from a CRLF text finds an LF text, and the other way round.
    anchor_crlf = claim(split_lines(crlf), 12, 15)
    assert anchor_crlf == anchor
    assert found(anchor_crlf, text_of(PY)) == {12 + k: LineMatch(SAME, k) for k in range(4)}


def test_classic_mac_line_endings_and_mixed_endings() -> None:
    anchor = claim(PY, 12, 15)
    cr = "\r".join(PY)
    assert found(anchor, cr) == {12 + k: LineMatch(SAME, k) for k in range(4)}
    breaks = ["\n", "\r\n", "\r"]
    # A \r right before an empty line ending in \n would read as one \r\n break.
    mixed = "".join(
        line + ("\r\n" if breaks[n % 3] == "\r" and not PY[(n + 1) % len(PY)] else breaks[n % 3])
        for n, line in enumerate(PY)
    )
    assert len(split_lines(mixed)) == len(PY)
    assert found(anchor, mixed) == {12 + k: LineMatch(SAME, k) for k in range(4)}


def test_file_without_trailing_newline() -> None:
    anchor = claim(PY, 22, 26)
    text = "\n".join(PY)
    assert not text.endswith("\n")
    assert found(anchor, text) == {22 + k: LineMatch(SAME, k) for k in range(5)}
    # Adding the final newline changes nothing.
    assert found(anchor, text + "\n") == {22 + k: LineMatch(SAME, k) for k in range(5)}


def test_unicode_lines() -> None:
    lines = [
        "# -*- coding: utf-8 -*-",
        "greeting = 'grüß dich'",
        "名前 = '山田太郎'",
        "emoji = '🙂🚀'",
        "combining = 'e\u0301'",
        "rtl = 'שלום'",
        "",
        "print(greeting, 名前)",
    ]
    anchor = claim(lines, 2, 5)
    assert found(anchor, lines) == {2 + k: LineMatch(SAME, k) for k in range(4)}
    current = ["# 前書き", *lines]
    current[3] = "名前 = '山田花子'"
    current[4] = "emoji  =  '🙂🚀'"
    assert found(anchor, current) == {
        3: LineMatch(SAME, 0),
        4: LineMatch(EDITED, 1),
        5: LineMatch(REFORMATTED, 2),
        6: LineMatch(SAME, 3),
    }


def test_unicode_whitespace_counts_as_whitespace() -> None:
    anchor = claim(["x = f(a, b)"], 1, 1)
    assert found(anchor, "x\u00a0=\u3000f(a,\u2003b)\n") == {1: LineMatch(REFORMATTED, 0)}


# --- many anchors, one index ----------------------------------------------------------------


def test_one_index_serves_many_anchors() -> None:
    index = TextIndex(text_of(PY))
    assert len(index) == len(PY)
    for line in range(1, len(PY) + 1):
        assert resolve(claim(PY, line, line), index) == {line - 1: LineMatch(SAME, 0)}


def test_hint_only_breaks_ties() -> None:
    # A wrong start_line does not pull a distinctive block off its lines.
    anchor = claim(PY, 12, 15)
    misplaced = Anchor(
        start_line=1,
        lines=anchor.lines,
        exact=anchor.exact,
        before=anchor.before,
        after=anchor.after,
    )
    assert found(misplaced, PY) == {12 + k: LineMatch(SAME, k) for k in range(4)}


def test_an_index_limited_to_the_claims_keys_resolves_the_same() -> None:
    """The engine indexes only lines its claims contain; answers must not change."""
    lines = list(PY)
    anchors = [make_anchor(lines, start, min(start + 4, len(lines))) for start in (1, 5, 12, 20)]
    edited = ["# new first line", *lines[:8], "    inserted_call(1)", *lines[8:]]
    edited[14] = edited[14] + "  # changed"
    text = "\n".join(edited) + "\n"
    wanted = frozenset(k for a in anchors for part in (a.lines, a.before, a.after) for k in part)
    for anchor in anchors:
        assert resolve(anchor, TextIndex(text, wanted)) == resolve(anchor, TextIndex(text))
