"""The pure parts of capture: which lines an edit wrote, patches, payload parsing."""

from __future__ import annotations

import json

import pytest

from foureyes.app.apply_patch import PatchError, parse_patch
from foureyes.app.edits import (
    CONFIDENCE_INFERRED,
    Edit,
    Hunk,
    Written,
    diff_texts,
    from_hunks,
    locate,
)
from foureyes.app.payloads import PayloadError, parse_payload

# --- diffs ---------------------------------------------------------------------------------


def test_diff_against_nothing_is_every_line() -> None:
    assert diff_texts(None, "a = 1\nb = 2\n") == [Written(1, 2)]
    assert diff_texts(None, "") == []


def test_diff_counts_rewritten_and_deleted_lines() -> None:
    before = "keep_one = 1\nold_two = 2\nold_three = 3\nkeep_four = 4\n"
    after = "keep_one = 1\nnew_two = 22\nkeep_four = 4\n"
    assert diff_texts(before, after) == [Written(2, 2, replaced=2)]


def test_unchanged_lines_between_changes_are_not_claimed() -> None:
    before = "a_1 = old()\nshared_line = keep()\nb_1 = old()\n"
    after = "a_1 = new()\nshared_line = keep()\nb_1 = new()\n"
    assert diff_texts(before, after) == [Written(1, 1, 1), Written(3, 3, 1)]


def test_trivial_lines_between_changes_join_the_block() -> None:
    before = "if old_condition(x) {\n    old_call(x);\n}\n\nold_tail(x);\n"
    after = "if new_condition(x) {\n    new_call(x);\n}\n\nnew_tail(x);\n"
    # `}` and the blank line "matching" is coincidence: one block, not three claims.
    assert diff_texts(before, after) == [Written(1, 5, replaced=5)]


def test_crlf_files_and_lf_strings() -> None:
    after = "one = 1\r\ntwo = 22\r\nthree = 3\r\n"
    placement = locate([Edit("two = 2", "two = 22")], after)
    assert placement.runs == [Written(2, 2, 1)]


# --- structured patches --------------------------------------------------------------------


def test_hunks_place_added_lines() -> None:
    after = "a = 1\nB = 2\nB2 = 3\nc = 4\n"
    hunk = Hunk(1, 1, (" a = 1", "-b = 2", "+B = 2", "+B2 = 3", " c = 4"))
    assert from_hunks([hunk], after) == [Written(2, 3, replaced=1)]


def test_hunks_that_do_not_fit_the_text_are_refused() -> None:
    hunk = Hunk(1, 1, (" a = 1", "+B = 2"))
    assert from_hunks([hunk], "a = 1\nsomething else\n") is None
    assert from_hunks([Hunk(1, 9, ("+B = 2",))], "a = 1\n") is None


# --- locating new text ---------------------------------------------------------------------


def test_a_partly_changed_line_is_written() -> None:
    placement = locate([Edit("f(1)", "g(2)")], "x = 1\ny = g(2) + 3\nz = 4\n")
    assert placement.runs == [Written(2, 2, 1)]


def test_context_repeated_in_the_edit_is_not_claimed() -> None:
    text = "def f():\n    step_one()\n    step_two_changed()\n    step_three()\n"
    edit = Edit(
        "    step_one()\n    step_two()\n    step_three()",
        "    step_one()\n    step_two_changed()\n    step_three()",
    )
    assert locate([edit], text).runs == [Written(3, 3, 1)]


def test_several_occurrences_without_history_take_the_first() -> None:
    placement = locate([Edit("old_call()", "new_call()")], "new_call()\nx = 1\nnew_call()\n")
    assert placement.runs == [Written(1, 1, 1)]
    assert placement.confidence == CONFIDENCE_INFERRED


def test_several_occurrences_prefer_the_one_nearest_to_where_old_was() -> None:
    text = "new_call()\nfiller_a = 1\nfiller_b = 2\nnew_call()\n"
    # Both occurrences differ from git's copy, so where `old` was there decides.
    earlier = "old_call()\nfiller_a = 1\nfiller_b = 2\nold_call()\nextra = 0\n"
    placement = locate([Edit("old_call()", "new_call()")], text, lambda: earlier)
    assert placement.runs == [Written(1, 1, 1)]
    later = "something = 0\nfiller_a = 1\nfiller_b = 2\nold_call()\n"
    placement = locate([Edit("old_call()", "new_call()")], text, lambda: later)
    assert placement.runs == [Written(4, 4, 1)]


def test_replace_all_skips_occurrences_that_were_already_there() -> None:
    text = "a = use(new_name)\nb = use(new_name)\nc = use(new_name)\n"
    earlier = "a = use(old_name)\nb = use(new_name)\nc = use(old_name)\n"
    placement = locate([Edit("old_name", "new_name", replace_all=True)], text, lambda: earlier)
    assert placement.runs == [Written(1, 1, 1), Written(3, 3, 1)]


def test_two_replacements_on_one_line_count_it_once() -> None:
    placement = locate([Edit("a", "bb", replace_all=True)], "bb + bb\nc\n")
    assert placement.runs == [Written(1, 1, 1)]


def test_pure_deletions_and_no_op_edits_write_nothing() -> None:
    assert locate([Edit("gone = 1\n", "")], "kept = 2\n").runs == []
    assert locate([Edit("same", "same")], "same\n").runs == []


def test_whole_line_edits_do_not_match_inside_a_line() -> None:
    text = "prefix_value = 1\nvalue = 1\n"
    placement = locate([Edit("value = 0", "value = 1", whole_lines=True)], text)
    assert placement.runs == [Written(2, 2, 1)]


def test_new_text_that_is_gone_is_a_warning() -> None:
    placement = locate([Edit("a", "b_not_there")], "c = 1\n")
    assert placement.runs == [] and "not in the file" in placement.warnings[0]


# --- apply_patch ---------------------------------------------------------------------------


def test_parse_patch_with_update_move_add_and_delete() -> None:
    patch = "\n".join(
        [
            "*** Begin Patch",
            "*** Update File: src/a.py",
            "*** Move to: src/b.py",
            "@@ def f():",
            "     keep()",
            "-    old()",
            "+    new()",
            "@@",
            "-    gone()",
            "*** End of File",
            "*** Add File: src/c.py",
            "+created = True",
            "*** Delete File: src/d.py",
            "*** End Patch",
            "",
        ]
    )
    moved, added = parse_patch(patch)
    assert moved.path == "src/b.py"
    assert moved.edits == (
        Edit("    keep()\n    old()", "    keep()\n    new()", whole_lines=True),
    )
    assert added.path == "src/c.py" and added.content == "created = True\n"


def test_parse_patch_needs_an_envelope() -> None:
    with pytest.raises(PatchError):
        parse_patch("--- a/x\n+++ b/x\n")
    with pytest.raises(PatchError):
        parse_patch("*** Begin Patch\nnonsense here\n*** End Patch\n")


# --- payloads ------------------------------------------------------------------------------


def test_payload_errors_name_what_is_missing() -> None:
    with pytest.raises(PayloadError, match="not JSON"):
        parse_payload("claude-code", b"\x00garbage")
    with pytest.raises(PayloadError, match="empty"):
        parse_payload("claude-code", b"  ")
    with pytest.raises(PayloadError, match="tool_name"):
        parse_payload("claude-code", b"{}")
    with pytest.raises(PayloadError, match="new_string"):
        edit = {"tool_name": "Edit", "tool_input": {"file_path": "/x", "old_string": "a"}}
        parse_payload("claude-code", json.dumps(edit))
    with pytest.raises(PayloadError, match="exactly one"):
        parse_payload("generic", json.dumps({"agent": "a", "file_path": "x"}))
    with pytest.raises(PayloadError, match="unknown agent"):
        parse_payload("copilot", b"{}")


def test_ignored_calls_say_why() -> None:
    bash = parse_payload("claude-code", json.dumps({"tool_name": "Bash", "tool_input": {}}))
    assert bash.ignored and bash.quiet and not bash.changes
    codex_bash = {
        "hook_event_name": "PostToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "ls"},
        "tool_response": "README.md\nsrc\n",  # Codex sends the output as a string
    }
    assert parse_payload("codex", json.dumps(codex_bash)).ignored
    gemini = {"hook_event_name": "AfterTool", "tool_name": "run_shell_command"}
    assert parse_payload("gemini", json.dumps(gemini)).ignored
    before = {"hook_event_name": "BeforeTool", "tool_name": "write_file"}
    call = parse_payload("gemini", json.dumps(before))
    assert call.ignored and not call.quiet


def test_gemini_expected_replacements_means_replace_all() -> None:
    payload = {
        "hook_event_name": "AfterTool",
        "tool_name": "replace",
        "tool_input": {
            "file_path": "/r/a.py",
            "old_string": "x",
            "new_string": "y",
            "expected_replacements": 3,
        },
        "tool_response": {"returnDisplay": {"originalContent": "x x x\n"}},
    }
    [change] = parse_payload("gemini", json.dumps(payload)).changes
    assert change.edits == (Edit("x", "y", replace_all=True),)
    assert change.original == "x x x\n"


def test_cursor_apply_patch_and_str_replace() -> None:
    patch = "*** Begin Patch\n*** Add File: n.py\n+n = 1\n*** End Patch\n"
    base = {"hook_event_name": "postToolUse", "conversation_id": "c1"}
    call = parse_payload(
        "cursor", json.dumps(base | {"tool_name": "ApplyPatch", "tool_input": {"patch": patch}})
    )
    assert [c.path for c in call.changes] == ["n.py"] and call.changes[0].created
    replace = {"path": "/r/a.py", "old_string": "a", "new_string": "b"}
    call = parse_payload(
        "cursor", json.dumps(base | {"tool_name": "StrReplace", "tool_input": replace})
    )
    assert call.changes[0].edits == (Edit("a", "b"),) and call.session == "c1"
