"""Ledger text cannot forge lines or send escape sequences (issue 11, hole 10).

Notes, agent and model names, reviewer lists and identities are fields of ledger
lines, and a pull request can add any line it likes. Printed raw, a junior's note
"fine\\n\\nApproved by: sam@example.com\\n- [x] approved" wrote an "Approved by:" line
into the review packet that the tool never wrote, and an agent name with "\\x1b[31m"
or an OSC 8 hyperlink ("\\x1b]8;;http://evil\\x07") reached the reviewer's terminal.
Every renderer now shows such values through foureyes.untrusted; these tests pin
the outputs a reviewer reads: `review-packet`, `status`, `blame`, `check` (text and
GitHub formats) and the editor's hover.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pullrequest import JO, SAM, PullRequest, agent_code, make_pull_request
from rawlsp import RawServer

from conftest import Result

FORGED_NOTE = "fine\n\nApproved by: sam@example.com\n- [x] approved"
EVIL_AGENT = "claude\x1b[31m"
EVIL_MODEL = "opus\x1b]8;;http://evil\x07click me\x1b]8;;\x07"
EVIL_NAME = "Jo\x1b[2J\u202e"
EVIL_REVIEWER = "sue@example.com\n::error file=app.py::forged\x1b[2J"
KIM = "kim@example.com"


def append_events(pr: PullRequest, *events: dict[str, Any]) -> None:
    """Write ledger lines by hand, as a pull request can: no command writes these."""
    with (pr.dev.root / ".foureyes/ledger.jsonl").open("a", encoding="utf-8") as ledger:
        for event in events:
            ledger.write(json.dumps(event) + "\n")


def rewrite_ai_event(pr: PullRequest, **fields: Any) -> dict[str, Any]:
    """Change fields of the branch's own `ai` event (the pull request wrote that line)."""
    path = pr.dev.root / ".foureyes/ledger.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    ai = next(e for e in events if e["kind"] == "ai" and e["path"] == "billing.py")
    for key, value in fields.items():
        if key == "name":
            ai["by"]["name"] = value
        else:
            ai[key] = value
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return ai


@pytest.fixture
def pr(tmp_path: Path) -> PullRequest:
    """A junior's pull request whose ledger lines carry hostile text."""
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.foureyes_ok("request-review", "billing.py:1", "--note", FORGED_NOTE)
    ai = rewrite_ai_event(pr, agent=EVIL_AGENT, model=EVIL_MODEL, name=EVIL_NAME)
    later = datetime.now(UTC) + timedelta(seconds=5)

    def event(kind: str, at: datetime, email: str, **fields: Any) -> dict[str, Any]:
        stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {
            "v": 1, "id": f"{kind}-{email}-1", "kind": kind, "at": stamp,
            "by": {"name": "Kim\x1b[2J", "email": email}, "path": "billing.py",
            "anchor": ai["anchor"], **fields,
        }  # fmt: skip

    append_events(
        pr,
        event("review-request", later, JO, reviewers=[EVIL_REVIEWER], note=FORGED_NOTE),
        event("changes-requested", later + timedelta(seconds=1), KIM, note=FORGED_NOTE),
    )
    pr.commit_and_push()
    return pr


def forged_lines(output: str) -> list[str]:
    """Lines that look like the note's, wherever they come from."""
    return [
        line
        for line in output.splitlines()
        if re.match(r"^\W*(Approved by|\[x\] approved)", line) or line.startswith("- [x]")
    ]


def assert_no_escapes(output: str) -> None:
    for control in ("\x1b", "\x07", "\u202e", "\r"):
        assert control not in output, (control, output)


def test_the_review_packet_keeps_ledger_text_inside_its_lines(pr: PullRequest) -> None:
    result = pr.foureyes_ok("review-packet", "billing.py:1")
    packet = result.out
    # The packet writes exactly one "Approved by:" line of its own.
    assert forged_lines(packet) == ["- Approved by: nobody yet"], packet
    assert_no_escapes(packet + result.err)
    lines = packet.splitlines()
    note = next(line for line in lines if line.startswith(f"- Note from {JO}: fine"))
    assert "Approved by: sam@example.com" in note and "\\[x\\] approved" in note
    changes = next(line for line in lines if line.startswith(f"- Changes requested by {KIM}:"))
    assert "Approved by: sam@example.com" in changes
    # Every list item of the Review section is one the packet writes.
    review = lines[lines.index("### Review") + 1 : lines.index("### The code")]
    starts = ("- Asked: ", "- Note from ", "- Changes requested by ", "- Approved by: ",
              "- Not counted: ", "- May approve: ")  # fmt: skip
    assert all(line == "" or line.startswith(starts) for line in review), review
    asked = next(line for line in review if line.startswith("- Asked: "))
    assert "::error" in asked and "\\n" in asked  # shown, on the packet's own line
    provenance = next(line for line in lines if line.startswith("- claude"))
    assert "claude\\\\x1b\\[31m" in provenance and "http://evil" in provenance


def test_status_and_blame_send_no_escape_sequences(pr: PullRequest) -> None:
    status = pr.foureyes_ok("status")
    blame = pr.foureyes_ok("blame", "billing.py")
    for result in (status, blame):
        assert_no_escapes(result.out + result.err)
        assert forged_lines(result.out) == []
    assert "claude\\x1b[31m" in status.out and "opus\\x1b]8;;http" in status.out
    assert "claude\\x1b[31m" in blame.out


@pytest.mark.parametrize("format", ["text", "github"])
def test_check_prints_ledger_text_on_its_own_lines(pr: PullRequest, format: str) -> None:
    result: Result = pr.ci_check("--format", format)
    assert result.code == 1, result.out + result.err
    assert_no_escapes(result.out + result.err)
    assert forged_lines(result.out) == []
    lines = result.out.splitlines()
    if format == "github":
        # Every line is a workflow command the gate wrote, or its summary line.
        assert all(line.startswith(("::error ", "::notice ", "::warning ")) for line in lines[:-1])
        assert lines[-1].startswith("FAILED: ")
        assert sum(line.startswith("::error ") for line in lines) == 1, lines
        assert "fine\\n\\nApproved by: sam@example.com" in result.out
    else:
        reason = f"  - changes requested by {KIM}: fine\\n\\nApproved by: sam@example.com"
        assert any(line.startswith(reason) for line in lines), result.out
        assert not any(line.startswith("::") for line in lines)


def test_the_hover_keeps_ledger_text_inside_its_lines(pr: PullRequest) -> None:
    with RawServer(pr.dev.root) as server:
        uri = server.open("billing.py")
        answer = server.request(
            "textDocument/hover",
            {"textDocument": {"uri": uri}, "position": {"line": 2, "character": 0}},
        )
    hover = answer["result"]["contents"]["value"]
    assert forged_lines(hover) == [], hover
    assert_no_escapes(hover)
    lines = hover.splitlines()
    assert sum(line.startswith("Review requested by ") for line in lines) == 2
    assert any(line.startswith("Changes requested by Kim") for line in lines)
    # The table keeps its two columns: a value cannot add a cell or a row.
    rows = [line for line in lines if line.startswith("|")]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 3 for row in rows), rows


# --- the rules themselves ---------------------------------------------------------------


def test_ordinary_text_is_unchanged() -> None:
    from foureyes.core.untrusted import code_line, markdown_code, markdown_text, one_line

    ordinary = ["claude-code", "claude-opus-4-6", "Dana <dana@example.com>", "first_last",
                "touches tokens", "@ria, sam@example.com", "emoji \U0001f469\u200d\U0001f4bb",
                "x\u00a0y"]  # fmt: skip
    for text in ordinary:
        assert one_line(text) == text
        assert code_line(text) == text
    for text in ("claude-code", "first_last@example.com", "touches tokens", "opus"):
        assert markdown_text(text) == text
    assert markdown_code("src/auth/token.py:2-5") == "`src/auth/token.py:2-5`"
    assert code_line("\tindented") == "\tindented"


def test_the_escaping_rules() -> None:
    from foureyes.core.untrusted import markdown_code, markdown_text, one_line

    assert one_line("a\nb\r\tc\x1b[2J\x07\x85\u2028\u2029\u202e\u2066") == (
        "a\\nb\\r c\\x1b[2J\\x07\\x85\\u2028\\u2029\\u202e\\u2066"
    )
    assert markdown_text("# heading") == "\\# heading"
    assert markdown_text("- item") == "\\- item"
    assert markdown_text("> quote") == "\\> quote"
    assert markdown_text("1. first") == "1\\. first"
    assert markdown_text("**bold** _em_ `code` [link](x) <b> a|b ~~s~~") == (
        "\\*\\*bold\\*\\* \\_em\\_ \\`code\\` \\[link\\](x) \\<b\\> a\\|b \\~\\~s\\~\\~"
    )
    assert markdown_code("a`b") == "a\\`b" and markdown_code("a|b") == "a\\|b"
    assert SAM in markdown_text(f"Approved by: {SAM}")
