"""SSH signatures on approvals: sign a canonical form, verify it against allowed signers.

An approval is signed with `ssh-keygen -Y sign -n foureyes-approval` over
`canonical(approval)`: a compact, key-sorted JSON object of everything the approval
asserts (its id and time, the approver's email, the path, the anchor's hashes and
a SHA-256 digest of each approved line, the note). Verification runs
`ssh-keygen -Y verify` with the policy's allowed-signers file (git's format) and
the approver's email as the principal, so a signature only counts when the key
belongs to the person the approval names. Editing any asserted field, or writing
an approval by hand, breaks the signature.

The per-line digests exist because the anchor's exact hashes are short (they are
meant to notice edits, not to resist a forger); with signing required, the engine
counts a signed approval for a line only when the line's current text has the
signed digest.

This module runs ssh-keygen and knows the canonical form; it must not know about
the engine, the ledger file or faces.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from foureyes.core.errors import EnvironmentProblem
from foureyes.core.model import Approval, Baseline

NAMESPACE = "foureyes-approval"
DIGESTS_FIELD = "digests"  # extra field on an approval: SHA-256 per approved line
SIGN_TIMEOUT = 120.0  # seconds: ssh-keygen may ask for a passphrase on the terminal
VERIFY_TIMEOUT = 20.0


def line_digest(line: str) -> str:
    """SHA-256 of a line's exact text (trailing whitespace aside, as anchors treat it)."""
    return hashlib.sha256(line.rstrip().encode("utf-8", "surrogatepass")).hexdigest()


def digests_of(approval: Approval) -> tuple[str, ...] | None:
    raw = approval.extra.get(DIGESTS_FIELD)
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return tuple(raw)
    return None


def canonical(approval: Approval) -> bytes:
    """The bytes a signature covers. Changing this breaks every existing signature."""
    record = {
        "namespace": NAMESPACE,
        "v": 1,
        "id": approval.id,
        "at": _time(approval.at),
        "by": approval.by.email,
        "path": approval.path,
        "lines": list(approval.anchor.lines),
        "exact": list(approval.anchor.exact),
        "digests": list(digests_of(approval) or ()),
        "note": approval.note,
    }
    if approval.anchor.raw:  # only where recorded: older signatures stay valid
        record["raw"] = list(approval.anchor.raw)
    if isinstance(approval, Baseline):
        # A baseline counts for more than an approval: its kind is signed, so an
        # approval's signature never verifies for a baseline made of its fields.
        record["kind"] = Baseline.KIND
        record["commit"] = approval.commit
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _time(at: datetime) -> str:
    utc = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key to sign with: a private key file, or a public key (the agent signs)."""

    spec: str  # as configured, for messages
    path: Path | None = None  # a key file
    literal: str | None = None  # `key::ssh-ed25519 AAAA...`: a public key for the agent
    program: str = "ssh-keygen"  # git's gpg.ssh.program, when set


def key_from(spec: str, base: Path, program: str | None = None) -> SigningKey:
    """A key as git's user.signingkey or the policy's signing.key writes it."""
    spec = spec.strip()
    chosen = program or "ssh-keygen"
    if spec.startswith("key::"):
        return SigningKey(spec, literal=spec[len("key::") :].strip(), program=chosen)
    if spec.startswith(("ssh-", "ecdsa-", "sk-")):
        return SigningKey(spec, literal=spec, program=chosen)
    path = Path(os.path.expanduser(spec))
    return SigningKey(spec, path=path if path.is_absolute() else base / path, program=chosen)


def sign(payload: bytes, key: SigningKey) -> str:
    """An armored SSH signature over `payload`; raises EnvironmentProblem saying why not."""
    program = _program(key.program)
    with tempfile.TemporaryDirectory(prefix="foureyes-sign-") as folder:
        data = Path(folder) / "approval"
        data.write_bytes(payload)
        if key.literal is not None:
            key_file = Path(folder) / "key.pub"
            key_file.write_text(key.literal + "\n")
        else:
            assert key.path is not None
            if not key.path.exists():
                raise EnvironmentProblem(
                    f"the signing key {key.spec} does not exist",
                    "set git's user.signingkey (with gpg.format=ssh) to your SSH key, "
                    "e.g. ~/.ssh/id_ed25519",
                )
            key_file = key.path
        done = _run([program, "-Y", "sign", "-f", str(key_file), "-n", NAMESPACE, str(data)],
                    timeout=SIGN_TIMEOUT)  # fmt: skip
        signature = Path(f"{data}.sig")
        if done.returncode != 0 or not signature.exists():
            raise EnvironmentProblem(
                f"could not sign the approval with {key.spec}: "
                f"{done.stderr.strip() or 'ssh-keygen failed'}",
                "check that the key exists and is loaded (ssh-add) or that you can type "
                "its passphrase",
            )
        return signature.read_text()


def verify(payload: bytes, signature: str, principal: str, allowed_signers: str) -> str | None:
    """None when `signature` is `principal`'s, by a key the allowed signers list for
    them; otherwise why not. Raises EnvironmentProblem when ssh-keygen is missing."""
    program = _program("ssh-keygen")
    with tempfile.TemporaryDirectory(prefix="foureyes-verify-") as folder:
        signature_file = Path(folder) / "approval.sig"
        signature_file.write_text(signature if signature.endswith("\n") else signature + "\n")
        signers = Path(folder) / "allowed_signers"
        signers.write_text(allowed_signers)
        checked = _run([program, "-Y", "check-novalidate", "-n", NAMESPACE,
                        "-s", str(signature_file)], stdin=payload)  # fmt: skip
        if checked.returncode != 0:
            return "its signature is not valid for what it approves (forged or edited)"
        verified = _run([program, "-Y", "verify", "-f", str(signers), "-I", principal,
                         "-n", NAMESPACE, "-s", str(signature_file)], stdin=payload)  # fmt: skip
        if verified.returncode != 0:
            return f"it is signed by a key that the allowed signers do not list for {principal}"
    return None


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise EnvironmentProblem(
            f"{name} is not installed or not on PATH; it is needed for signed approvals",
            "install OpenSSH's ssh-keygen (8.2 or newer)",
        )
    return found


def _run(
    argv: Sequence[str],
    *,
    stdin: bytes | None = None,
    timeout: float = VERIFY_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    # Never inherit stdin: in the language server it is the protocol stream. ssh-keygen
    # asks for a passphrase on /dev/tty, which still works in a terminal.
    try:
        done = subprocess.run(
            list(argv),
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EnvironmentProblem(f"{argv[0]} took longer than {timeout:g}s; gave up") from None
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(errors="replace"),
        done.stderr.decode(errors="replace"),
    )  # fmt: skip
