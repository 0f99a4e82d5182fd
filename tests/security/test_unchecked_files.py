"""A file with AI claims that `check` cannot read fails the gate (issue 11 hole 9).

foureyes anchors text only: a file with a NUL byte (binary, as far as foureyes is
concerned) or over `repo.MAX_FILE_BYTES` was skipped with a note, and the gate
passed. The junior could append one NUL byte, or padding, to a file holding
unapproved AI code. Now the file is named, with why it could not be checked, and
the gate fails.
"""

from __future__ import annotations

from pathlib import Path

from pullrequest import JO, SAM, agent_code, assert_fails, make_pull_request

from foureyes.store.repo import MAX_FILE_BYTES


def test_a_nul_byte_does_not_hide_unapproved_ai_code(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    with (pr.dev.root / "billing.py").open("ab") as file:
        file.write(b"\0")
    pr.commit_and_push()
    result = pr.ci_check()
    assert_fails(result, "billing.py", "binary", "could not be checked")
    assert result.code == 1
    assert "PASSED" not in result.out


def test_padding_past_the_size_limit_does_not_hide_unapproved_ai_code(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    padding = b"#" * 1023 + b"\n"
    with (pr.dev.root / "billing.py").open("ab") as file:
        file.write(padding * (MAX_FILE_BYTES // len(padding) + 1024))
    pr.commit_and_push()
    result = pr.ci_check()
    assert_fails(result, "billing.py", "MiB", "could not be checked")
    assert result.code == 1
    sarif = pr.ci_check("--format", "json")
    assert sarif.code == 1
    assert sarif.json()["unchecked"][0]["path"] == "billing.py"


def test_a_nul_byte_does_not_hide_ai_code_that_history_attributes(tmp_path: Path) -> None:
    """No ledger claim: the commit's Claude Code trailer says an agent wrote the file.
    That AI code needs review too, so a file it cannot read still blocks."""
    pr = make_pull_request(tmp_path)
    pr.dev.write("billing.py", "\n".join(agent_code("billing")) + "\n")
    pr.commit_and_push("agent work\n\nCo-authored-by: Claude <noreply@anthropic.com>")
    assert_fails(pr.ci_check(), "billing.py")  # the trailer alone: unreviewed AI code
    with (pr.dev.root / "billing.py").open("ab") as file:
        file.write(b"\0")
    pr.commit_and_push("a NUL byte")
    result = pr.ci_check()
    assert_fails(result, "billing.py", "binary", "could not be checked")
    assert result.code == 1


def test_a_binary_file_without_ai_code_does_not_block(tmp_path: Path) -> None:
    pr = make_pull_request(tmp_path)
    pr.agent_writes("billing.py", agent_code("billing"))
    pr.act_as(SAM)
    pr.foureyes_ok("approve", "billing.py:1")
    pr.act_as(JO)
    (pr.dev.root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    pr.commit_and_push()
    result = pr.ci_check()
    assert result.code == 0, result.out + result.err
