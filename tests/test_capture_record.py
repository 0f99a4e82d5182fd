"""`foureyes record`: real-shaped agent hook payloads replayed through the installed command.

Each test sets up a real git repository, makes the edit the payload describes (as
the agent would have, before its PostToolUse hook runs), pipes the payload into
`foureyes record` and asks `foureyes blame --json` who wrote each line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import FOUREYES, GitRepo, Result, ai_lines, blame_json, ledger_events

PAYLOADS = Path(__file__).parent / "payloads"
# src/shop.py before any agent touched it (the MultiEdit fixture's original file).
SHOP: str = json.loads((PAYLOADS / "claude-code/multiedit.json").read_text())["tool_response"][
    "originalFile"
]


def payload(name: str, repo: GitRepo) -> dict[str, Any]:
    """A fixture payload with its placeholder root replaced by the test repository's."""
    text = (PAYLOADS / name).read_text(encoding="utf-8")
    return json.loads(text.replace("__ROOT__", json.dumps(str(repo.root))[1:-1]))


def record(repo: GitRepo, agent: str, data: object, *options: str) -> Result:
    stdin = data if isinstance(data, str) else json.dumps(data)
    return repo.foureyes_process("record", "--agent", agent, *options, stdin=stdin)


def hook_log(repo: GitRepo) -> str:
    path = repo.root / ".git/foureyes/cache/hooks.log"
    return path.read_text() if path.exists() else ""


def apply_claude_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """What Claude Code's Edit/MultiEdit does to a file."""
    for edit in edits:
        count = -1 if edit.get("replace_all") else 1
        assert edit["old_string"] in text
        text = text.replace(edit["old_string"], edit["new_string"], count)
    return text


def start_from(repo: GitRepo, path: str, text: str) -> None:
    repo.write(path, text)
    repo.commit(f"add {path}")


# --- Claude Code ---------------------------------------------------------------------------


def test_write_of_a_new_file_claims_every_line(repo: GitRepo) -> None:
    data = payload("claude-code/write-new.json", repo)
    repo.write("src/retry.py", data["tool_input"]["content"])
    result = record(repo, "claude-code", data, "--strict")
    assert result.code == 0, result.err
    assert result.out == ""  # hooks' stdout is for the agent; nothing to say there

    report = blame_json(repo, "src/retry.py")
    assert {line["contributor"] for line in report["lines"]} == {"ai"}
    first = report["lines"][0]
    assert first["agent"] == "claude-code" and first["source"] == "hook:claude-code"
    assert first["session"] == data["session_id"] and first["confidence"] == 1.0
    assert first["by"] == "dana@example.com"
    [claim] = ledger_events(repo)
    assert claim["kind"] == "ai" and claim["replaced"] == 0 and "model" not in claim
    # The ledger is set up as `init` would: committed with the code, merged by union.
    assert repo.git("check-attr", "merge", ".foureyes/ledger.jsonl").strip().endswith("union")


@pytest.mark.parametrize("variant", ["structured-patch", "original-file", "strings-only"])
def test_edit_replacing_10_lines_with_30_claims_exactly_the_30(repo: GitRepo, variant: str) -> None:
    data = payload("claude-code/edit.json", repo)
    response = data["tool_response"]
    before = response["originalFile"]
    if variant != "structured-patch":
        del response["structuredPatch"]
    if variant == "strings-only":
        del response["originalFile"]
    start_from(repo, "src/billing.py", before)
    repo.write("src/billing.py", apply_claude_edits(before, [data["tool_input"]]))

    result = record(repo, "claude-code", data, "--strict")
    assert result.code == 0, result.err
    report = blame_json(repo, "src/billing.py")
    contributors = [line["contributor"] for line in report["lines"]]
    assert contributors == ["unknown"] * 7 + ["ai"] * 30 + ["unknown"] * 3
    # One edit, five functions: one review unit per function (split by the syntax),
    # the 10 replaced lines shared among them by how many of the edit's lines each holds.
    regions = report["regions"]
    spans = [(region["start_line"], region["end_line"]) for region in regions]
    assert spans == [(8, 13), (16, 20), (23, 26), (29, 32), (35, 37)]
    assert [region["replaced"] for region in regions] == [3, 2, 2, 2, 1]
    assert all(region["agents"] == ["claude-code"] for region in regions)
    assert [claim["replaced"] for claim in ledger_events(repo)] == [10]
    assert hook_log(repo) == ""


def test_multiedit_claims_each_edited_line_including_partly_changed_ones(repo: GitRepo) -> None:
    data = payload("claude-code/multiedit.json", repo)
    before = data["tool_response"]["originalFile"]
    start_from(repo, "src/shop.py", before)
    after = apply_claude_edits(before, data["tool_input"]["edits"])
    repo.write("src/shop.py", after)
    for response_field in ("structuredPatch", "originalFile"):
        del data["tool_response"][response_field]  # the strings alone must do

    assert record(repo, "claude-code", data, "--strict").code == 0
    lines = after.splitlines()
    claimed = ai_lines(repo, "src/shop.py")
    # Edit 1 rewrote `def add(...)` (partly) and its body line into four lines;
    # edit 2 changed only the middle of the LOG.info line.
    assert [lines[n - 1].strip()[:22] for n in claimed] == [
        "def add(self, item, qu",
        "if quantity < 1:",
        "raise ValueError('quan",
        "self.items.extend([ite",
        "LOG.info('checkout of ",
    ]
    assert sorted(claim["replaced"] for claim in ledger_events(repo)) == [1, 2]


def test_multiedit_with_its_structured_patch(repo: GitRepo) -> None:
    data = payload("claude-code/multiedit.json", repo)
    before = data["tool_response"]["originalFile"]
    start_from(repo, "src/shop.py", before)
    repo.write("src/shop.py", apply_claude_edits(before, data["tool_input"]["edits"]))
    assert record(repo, "claude-code", data, "--strict").code == 0
    assert ai_lines(repo, "src/shop.py") == [12, 13, 14, 15, 18]


def test_replace_all_claims_every_replaced_line(repo: GitRepo) -> None:
    data = payload("claude-code/edit-replace-all.json", repo)
    before = data["tool_response"]["originalFile"]
    start_from(repo, "src/rates.py", before)
    repo.write("src/rates.py", apply_claude_edits(before, [data["tool_input"]]))
    for response_field in ("structuredPatch", "originalFile"):
        del data["tool_response"][response_field]

    assert record(repo, "claude-code", data, "--strict").code == 0
    assert ai_lines(repo, "src/rates.py") == [1, 5, 9]
    assert [claim["replaced"] for claim in ledger_events(repo)] == [1, 1, 1]


def test_write_over_an_existing_file_claims_only_lines_that_differ(repo: GitRepo) -> None:
    data = payload("claude-code/write-overwrite.json", repo)
    before = data["tool_response"]["originalFile"]
    start_from(repo, "src/settings.py", before)
    repo.write("src/settings.py", data["tool_input"]["content"])
    assert record(repo, "claude-code", data, "--strict").code == 0
    assert ai_lines(repo, "src/settings.py") == [5, 7, 9]
    assert {claim["confidence"] for claim in ledger_events(repo)} == {1.0}


def test_write_over_a_file_without_its_old_text_diffs_against_git(repo: GitRepo) -> None:
    data = payload("claude-code/write-overwrite.json", repo)
    before = data["tool_response"]["originalFile"]
    data["tool_response"] = {"type": "update", "filePath": data["tool_input"]["file_path"]}
    start_from(repo, "src/settings.py", before)
    repo.write("src/settings.py", data["tool_input"]["content"])
    assert record(repo, "claude-code", data, "--strict").code == 0
    assert ai_lines(repo, "src/settings.py") == [5, 7, 9]
    # git's copy may be older than the call, so these claims are less certain.
    assert {claim["confidence"] for claim in ledger_events(repo)} == {0.8}


def test_a_structured_patch_that_no_longer_fits_falls_back(repo: GitRepo) -> None:
    data = payload("claude-code/edit.json", repo)
    before = data["tool_response"]["originalFile"]
    start_from(repo, "src/billing.py", before)
    after = apply_claude_edits(before, [data["tool_input"]])
    # Another PostToolUse hook (a formatter, say) changed a line the patch names.
    repo.write("src/billing.py", after.replace("TAX_RATE = ", "TAX_RATE: Decimal = "))
    assert record(repo, "claude-code", data, "--strict").code == 0
    # The text before the call is diffed instead, so the formatter's line counts too,
    # and the two blank lines between it and the edit join them into one block.
    assert ai_lines(repo, "src/billing.py") == list(range(5, 38))


def test_edit_text_that_occurs_twice_is_placed_by_git_history(repo: GitRepo) -> None:
    before = "def a():\n    return old_value()\n\n\ndef b():\n    return new_value()\n"
    start_from(repo, "src/twice.py", before)
    repo.write("src/twice.py", before.replace("old_value", "new_value"))
    data = payload("claude-code/edit.json", repo)
    data["tool_input"] = {
        "file_path": str(repo.root / "src/twice.py"),
        "old_string": "    return old_value()",
        "new_string": "    return new_value()",
    }
    data["tool_response"] = {"filePath": data["tool_input"]["file_path"]}
    assert record(repo, "claude-code", data, "--strict").code == 0
    assert ai_lines(repo, "src/twice.py") == [2]  # line 6 was already there
    assert [claim["confidence"] for claim in ledger_events(repo)] == [0.8]


def test_non_edit_tools_are_ignored_quietly(repo: GitRepo) -> None:
    result = record(repo, "claude-code", payload("claude-code/bash.json", repo), "--strict")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert ledger_events(repo) == [] and hook_log(repo) == ""


def test_pure_deletion_writes_no_claim(repo: GitRepo) -> None:
    before = "keep_this = 1\ndelete_this = 2\nkeep_that = 3\n"
    start_from(repo, "src/d.py", before)
    repo.write("src/d.py", "keep_this = 1\nkeep_that = 3\n")
    data = payload("claude-code/edit.json", repo)
    data["tool_input"] = {
        "file_path": str(repo.root / "src/d.py"),
        "old_string": "delete_this = 2\n",
        "new_string": "",
    }
    data["tool_response"] = {}
    result = record(repo, "claude-code", data, "--strict")
    assert (result.code, result.err) == (0, "")
    assert ledger_events(repo) == []


def test_pre_tool_use_is_not_recorded_and_says_why(repo: GitRepo) -> None:
    data = payload("claude-code/write-new.json", repo)
    data["hook_event_name"] = "PreToolUse"
    del data["tool_response"]
    result = record(repo, "claude-code", data, "--strict")
    assert result.code == 0 and "PostToolUse" in result.err
    assert ledger_events(repo) == [] and "PreToolUse" in hook_log(repo)


def test_edit_whose_text_is_gone_is_skipped_with_a_warning(repo: GitRepo) -> None:
    start_from(repo, "src/gone.py", "value = compute_something()\n")
    data = payload("claude-code/edit.json", repo)
    data["tool_input"] = {
        "file_path": str(repo.root / "src/gone.py"),
        "old_string": "compute_something()",
        "new_string": "compute_something_else()",
    }
    data["tool_response"] = {}
    result = record(repo, "claude-code", data, "--strict")
    assert result.code == 0 and "not in the file any more" in result.err
    assert ledger_events(repo) == [] and "warning" in hook_log(repo)


# --- other agents --------------------------------------------------------------------------


def test_cursor_after_file_edit_with_two_edits(repo: GitRepo) -> None:
    data = payload("cursor/after-file-edit.json", repo)
    start_from(repo, "src/shop.py", SHOP)
    after = apply_claude_edits(SHOP, data["edits"])
    repo.write("src/shop.py", after)
    assert record(repo, "cursor", data, "--strict").code == 0
    lines = after.splitlines()
    claimed = ai_lines(repo, "src/shop.py")
    assert [lines[n - 1].strip() for n in claimed] == [
        "def checkout(self, payment, *, dry_run=False):",
        "if dry_run:",
        "return self.total()",
        "return round(sum(item.price for item in self.items), 2)",
    ]
    first = blame_json(repo, "src/shop.py")["lines"][claimed[0] - 1]
    assert first["agent"] == "cursor" and first["source"] == "hook:cursor"
    assert first["model"] == data["model"] and first["session"] == data["conversation_id"]


def test_cursor_post_tool_use_write(repo: GitRepo) -> None:
    data = {
        "conversation_id": "c0a8f3e2",
        "generation_id": "g7d2e9a1",
        "hook_event_name": "postToolUse",
        "workspace_roots": [str(repo.root)],
        "tool_name": "Write",
        "tool_input": {"path": "src/new.py", "contents": "made_by_cursor = True\n"},
    }
    repo.write("src/new.py", "made_by_cursor = True\n")
    assert record(repo, "cursor", data, "--strict").code == 0
    assert ai_lines(repo, "src/new.py") == [1]
    shell = dict(data, tool_name="Shell", tool_input={"command": "ls"})
    assert record(repo, "cursor", shell, "--strict").code == 0
    assert len(ledger_events(repo)) == 1


def test_codex_apply_patch_updates_one_file_and_adds_another(repo: GitRepo) -> None:
    data = payload("codex/apply-patch.json", repo)
    start_from(repo, "src/shop.py", SHOP)
    repo.write(
        "src/shop.py",
        SHOP.replace(
            "        return sum(item.price for item in self.items)\n",
            "        prices = [item.price for item in self.items]\n        return sum(prices)\n",
        ),
    )
    repo.write(
        "src/receipt.py",
        "def receipt(cart):\n"
        "    lines = [f'{item.name}: {item.price}' for item in cart.items]\n"
        "    return '\\n'.join(lines)\n",
    )
    assert record(repo, "codex", data, "--strict").code == 0
    assert ai_lines(repo, "src/shop.py") == [20, 21]
    assert ai_lines(repo, "src/receipt.py") == [1, 2, 3]
    claims = ledger_events(repo)
    assert {c["model"] for c in claims} == {"gpt-5-codex"}
    assert {c["source"] for c in claims} == {"hook:codex"}
    assert sorted(c["replaced"] for c in claims) == [0, 1]


def test_gemini_replace_and_write_file(repo: GitRepo) -> None:
    start_from(repo, "src/shop.py", SHOP)
    data = payload("gemini/replace.json", repo)
    edit = data["tool_input"]
    repo.write("src/shop.py", SHOP.replace(edit["old_string"], edit["new_string"]))
    assert record(repo, "gemini", data, "--strict").code == 0
    assert ai_lines(repo, "src/shop.py") == [13, 14]

    written = payload("gemini/write-file.json", repo)
    repo.write("src/retry.py", written["tool_input"]["content"])
    assert record(repo, "gemini", written, "--strict").code == 0
    assert len(ai_lines(repo, "src/retry.py")) == 13
    assert {c["session"] for c in ledger_events(repo)} == {data["session_id"]}


def test_generic_payload_with_edits_and_with_content(repo: GitRepo) -> None:
    start_from(repo, "src/shop.py", SHOP)
    data = payload("generic/edits.json", repo)
    repo.write("src/shop.py", apply_claude_edits(SHOP, data["edits"]))
    assert record(repo, "generic", data, "--strict").code == 0
    assert ai_lines(repo, "src/shop.py") == [11]
    line = blame_json(repo, "src/shop.py")["lines"][10]
    assert (line["agent"], line["model"], line["session"], line["source"]) == (
        "aider",
        "deepseek-chat",
        "aider-2026-11-27-a",
        "hook:generic",
    )

    content = payload("generic/content.json", repo)
    repo.write("src/retry.py", content["content"])
    assert record(repo, "generic", content, "--strict").code == 0
    assert len(ai_lines(repo, "src/retry.py")) == 13


def test_repository_is_found_from_the_payload_not_the_process_cwd(
    repo: GitRepo, tmp_path: Path
) -> None:
    data = payload("claude-code/write-new.json", repo)
    repo.write("src/retry.py", data["tool_input"]["content"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [FOUREYES, "record", "--agent", "claude-code", "--strict"],
        cwd=elsewhere, input=json.dumps(data), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(ai_lines(repo, "src/retry.py")) == 13


# --- what goes wrong -----------------------------------------------------------------------


def _missing_file_path(repo: GitRepo) -> str:
    data = payload("claude-code/edit.json", repo)
    del data["tool_input"]["file_path"]
    return json.dumps(data)


def _outside(repo: GitRepo) -> str:
    outside = repo.root.parent / "outside.py"
    outside.write_text("print('not in the repository')\n")
    data = payload("claude-code/write-new.json", repo)
    data["tool_input"] = {"file_path": str(outside), "content": outside.read_text()}
    return json.dumps(data)


def _binary(repo: GitRepo) -> str:
    (repo.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
    data = payload("claude-code/write-new.json", repo)
    data["tool_input"] = {"file_path": str(repo.root / "logo.png"), "content": "?"}
    return json.dumps(data)


def _missing_file(repo: GitRepo) -> str:
    data = payload("claude-code/write-new.json", repo)
    return json.dumps(data)  # src/retry.py was never written


def _garbage(repo: GitRepo) -> str:
    return "this is not { json"


def _not_an_object(repo: GitRepo) -> str:
    return "[1, 2, 3]"


BAD = {
    "garbage": (_garbage, "not JSON"),
    "not-an-object": (_not_an_object, "JSON object"),
    "missing-file-path": (_missing_file_path, "file_path"),
    "outside-the-repository": (_outside, "outside the repository"),
    "binary-file": (_binary, "binary"),
    "missing-file": (_missing_file, "does not exist"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_payloads_are_logged_and_exit_0(repo: GitRepo, case: str) -> None:
    make, reason = BAD[case]
    stdin = make(repo)
    result = record(repo, "claude-code", stdin)
    assert result.code == 0
    assert reason in result.err and ".git/foureyes/cache/hooks.log" in result.err
    log = hook_log(repo)
    assert " error claude-code" in log and reason in log
    assert ledger_events(repo) == []
    # The log is in the git directory: never in the working tree, never committed.
    status = repo.git("status", "--porcelain", "--untracked-files=all", "--ignored")
    assert "hooks.log" not in status

    strict = record(repo, "claude-code", stdin, "--strict")
    assert strict.code == 2 and reason in strict.err


def test_outside_a_repository_is_an_environment_problem(tmp_path: Path) -> None:
    data = {"tool_name": "Write", "tool_input": {"file_path": str(tmp_path / "x.py")}}
    data["tool_input"]["content"] = ""
    (tmp_path / "x.py").write_text("")
    for options, code in (((), 0), (("--strict",), 3)):
        done = subprocess.run(
            [FOUREYES, "record", "--agent", "claude-code", *options],
            cwd=tmp_path, input=json.dumps(data), capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == code and "git repository" in done.stderr
        assert "logged to" not in done.stderr  # no repository, so no log: stderr only


def test_bad_arguments_never_exit_2_without_strict(repo: GitRepo) -> None:
    for argv in (
        ["record", "--agent", "claude"],
        ["record", "--agent"],
        ["record"],
        ["record", "--agent", "claude-code", "--no-such-option"],
    ):
        result = repo.foureyes_process(*argv, stdin="{}")
        assert result.code == 0, argv
        assert result.err.startswith("foureyes record:"), argv
    strict = repo.foureyes_process("record", "--strict", "--no-such-option", stdin="{}")
    assert strict.code == 2
    assert "--no-such-option" in hook_log(repo)


def test_the_log_is_rotated_when_it_grows(repo: GitRepo) -> None:
    log = repo.root / ".git/foureyes/cache/hooks.log"
    log.parent.mkdir(parents=True)
    log.write_text("x" * (1024 * 1024 + 1))
    assert record(repo, "claude-code", "not json").code == 0
    assert (repo.root / ".git/foureyes/cache/hooks.log.1").stat().st_size > 1024 * 1024
    assert "not JSON" in hook_log(repo) and len(hook_log(repo)) < 1000
