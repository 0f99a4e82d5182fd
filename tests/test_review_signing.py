"""Signed approvals with real ssh-keygen keys made in temporary folders: approve signs,
check verifies against the allowed signers, and forged approvals do not count."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import GitRepo, code_lines
from foureyes.core.anchor import make_anchor
from foureyes.core.model import Approval, Identity
from foureyes.core.text import split_lines
from foureyes.rules import signing
from foureyes.rules.signing import key_from
from foureyes.store.ledger import new_id, now
from foureyes.store.ledger_codec import encode_line

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

SAM = Identity("Sam", "sam@example.com")


def make_key(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
                   check=True, capture_output=True)  # fmt: skip
    return key, (folder / f"{name}.pub").read_text().strip()


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "keys"
    folder.mkdir()
    return {name: make_key(folder, name) for name in ("sam", "ria", "kim")}


@pytest.fixture
def signed(repo: GitRepo, keys: dict[str, tuple[Path, str]]) -> GitRepo:
    """Signing required; Sam and Ria are seniors with keys in the allowed signers; Jay
    recorded agent code in app.py."""
    repo.write(
        ".foureyes/allowed_signers",
        f'sam@example.com namespaces="foureyes-approval" {keys["sam"][1]}\n'
        f"ria@example.com {keys['ria'][1]}\n",
    )
    repo.write(
        ".foureyes.toml",
        '[review]\nseniors = ["sam@example.com", "ria@example.com"]\n'
        '[signing]\nrequired = true\nallowed_signers = ".foureyes/allowed_signers"\n',
    )
    repo.write("app.py", "\n".join(code_lines("app", 10)) + "\n")
    repo.commit("base")
    repo.git("config", "user.email", "jay@example.com")
    assert repo.foureyes("mark", "--ai", "app.py:3-6", "--agent", "claude-code").code == 0
    repo.git("config", "gpg.format", "ssh")
    return repo


def become(repo: GitRepo, email: str, key: Path | None) -> None:
    repo.git("config", "user.email", email)
    if key is None:
        subprocess.run(["git", "config", "--unset", "user.signingkey"], cwd=repo.root,
                       check=False)  # fmt: skip
    else:
        repo.git("config", "user.signingkey", str(key))


def check(repo: GitRepo) -> dict:
    result = repo.foureyes("check", "--all", "--format", "json")
    assert result.code in (0, 1), result.err
    return result.json()


def discounted(repo: GitRepo) -> list[str]:
    findings = check(repo)["findings"]
    return [d["reason"] for f in findings for d in f["region"]["review"]["discounted"]]


def append_by_hand(repo: GitRepo, approval: Approval) -> None:
    with (repo.root / ".foureyes/ledger.jsonl").open("ab") as ledger:
        ledger.write(encode_line(approval))


def hand_made(repo: GitRepo, by: Identity = SAM, **fields: object) -> Approval:
    lines = split_lines(repo.read("app.py"))
    digests = [signing.line_digest(line) for line in lines[2:6]]
    return Approval(
        id=new_id(), at=now(), by=by, path="app.py", anchor=make_anchor(lines, 3, 6),
        extra={signing.DIGESTS_FIELD: digests}, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_senior_with_an_allowed_key_signs_and_check_verifies(signed: GitRepo, keys) -> None:
    assert check(signed)["passed"] is False
    become(signed, "sam@example.com", keys["sam"][0])
    result = signed.foureyes("approve", "app.py:4")
    assert result.code == 0, result.err
    assert "(signed)" in result.out
    record = json.loads((signed.root / ".foureyes/ledger.jsonl").read_text().splitlines()[-1])
    assert record["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    assert len(record["digests"]) == 4
    assert check(signed)["passed"] is True


def test_approve_is_refused_without_a_key_or_with_a_key_not_allowed(signed: GitRepo, keys) -> None:
    become(signed, "sam@example.com", None)
    result = signed.foureyes("approve", "app.py:4")
    assert result.code == 4 and "requires signed approvals" in result.err
    assert "user.signingkey" in result.err
    become(signed, "sam@example.com", keys["kim"][0])  # Kim's key under Sam's name
    result = signed.foureyes("approve", "app.py:4")
    assert result.code == 4 and "allowed signers do not list" in result.err
    assert check(signed)["passed"] is False  # nothing was written that counts


def test_unsigned_approval_appended_by_hand_is_rejected(signed: GitRepo) -> None:
    append_by_hand(signed, hand_made(signed))
    assert check(signed)["passed"] is False
    assert discounted(signed) == ["it is not signed, and the policy requires signed approvals"]


def test_bad_signature_appended_by_hand_is_rejected(signed: GitRepo, keys) -> None:
    # A real signature by Sam, lifted from another approval onto a forged one.
    become(signed, "sam@example.com", keys["sam"][0])
    genuine = hand_made(signed, note="reviewed the retry loop")
    signature = signing.sign(signing.canonical(genuine), key_from(str(keys["sam"][0]), Path()))
    forged = replace(hand_made(signed), signature=signature)
    append_by_hand(signed, forged)
    assert check(signed)["passed"] is False
    assert "not valid for what it approves" in discounted(signed)[0]
    # Garbage in the signature field is rejected the same way.
    append_by_hand(signed, replace(hand_made(signed), signature="-----BEGIN SSH SIGNATURE-----"))
    assert all("not valid" in reason for reason in discounted(signed))


def test_editing_a_signed_approval_in_the_ledger_voids_it(signed: GitRepo, keys) -> None:
    become(signed, "sam@example.com", keys["sam"][0])
    assert signed.foureyes("approve", "app.py:4", "--note", "ok").code == 0
    assert check(signed)["passed"] is True
    ledger = signed.root / ".foureyes/ledger.jsonl"
    lines = ledger.read_text().splitlines()
    record = json.loads(lines[-1])
    record["by"]["email"] = "ria@example.com"  # pass Sam's approval off as Ria's
    ledger.write_text("\n".join([*lines[:-1], json.dumps(record)]) + "\n")
    assert check(signed)["passed"] is False
    assert "not valid for what it approves" in discounted(signed)[0]


def test_valid_signature_from_a_key_not_in_allowed_signers_is_rejected(
    signed: GitRepo, keys
) -> None:
    approval = hand_made(signed)
    kim_key = key_from(str(keys["kim"][0]), Path())
    signature = signing.sign(signing.canonical(approval), kim_key)
    append_by_hand(signed, replace(approval, signature=signature))
    assert check(signed)["passed"] is False
    assert discounted(signed) == [
        "it is signed by a key that the allowed signers do not list for sam@example.com"
    ]
    # Ria's key is allowed, but only for Ria: it cannot sign for Sam either.
    other = hand_made(signed)
    ria_key = key_from(str(keys["ria"][0]), Path())
    signature = signing.sign(signing.canonical(other), ria_key)
    append_by_hand(signed, replace(other, signature=signature))
    assert check(signed)["passed"] is False


def test_a_signed_approval_covers_only_the_text_whose_digest_was_signed(
    signed: GitRepo, keys
) -> None:
    # Sam signs digests of other text under the current anchor: the anchor's short
    # hashes match, the signed digests do not, so the approval does not count.
    approval = hand_made(signed)
    approval = replace(approval, extra={signing.DIGESTS_FIELD: ["0" * 64] * 4})
    sam_key = key_from(str(keys["sam"][0]), Path())
    signature = signing.sign(signing.canonical(approval), sam_key)
    append_by_hand(signed, replace(approval, signature=signature))
    assert check(signed)["passed"] is False
    assert discounted(signed)[0].startswith("the approved text has changed since")


def test_without_signing_required_a_configured_key_still_signs(signed: GitRepo, keys) -> None:
    signed.write(".foureyes.toml", '[review]\nseniors = ["sam@example.com"]\n')
    become(signed, "sam@example.com", keys["sam"][0])
    assert signed.foureyes("approve", "app.py:3").code == 0
    record = json.loads((signed.root / ".foureyes/ledger.jsonl").read_text().splitlines()[-1])
    assert record["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
