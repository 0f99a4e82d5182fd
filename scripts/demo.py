"""Build a small git repository with AI-written code and show what foureyes knows about it.

Runs the real `foureyes` command at every step, the way a user would. Usage:
    scripts/demo [DIRECTORY]     (default: a new temporary directory)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

FOUREYES = str(Path(sys.executable).with_name("foureyes"))

HUMAN_CODE = '''\
"""Payments: charge and refund customers."""

import logging

log = logging.getLogger(__name__)


def charge(customer_id: str, cents: int) -> str:
    """Charge a customer and return the payment id."""
    if cents <= 0:
        raise ValueError("amount must be positive")
    log.info("charging %s", customer_id)
    return f"pay_{customer_id}_{cents}"
'''

LATER_AGENT_CODE = '''

def refund_label(reason: str) -> str:
    """The refund reason as customers see it."""
    return reason.strip().capitalize() or "No reason given"
'''

AGENT_CODE = '''

def refund(payment_id: str, reason: str) -> bool:
    """Refund a payment by calling the legacy billing tool."""
    import subprocess

    command = f"billing-tool refund {payment_id} --reason '{reason}'"
    result = subprocess.run(command, shell=True, capture_output=True)
    if result.returncode != 0:
        log.error("refund failed for %s", payment_id)
        return False
    return True
'''


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m" if sys.stdout.isatty() else f"\n== {title}")


def run(where: Path, *command: str, show: bool = True, ok: tuple[int, ...] = (0,)) -> str:
    if show:
        print(f"$ {' '.join(command)}")
    done = subprocess.run(command, cwd=where, capture_output=True, text=True, check=False)
    if done.returncode not in ok:
        sys.exit(f"demo step failed: {' '.join(command)}\n{done.stdout}{done.stderr}")
    if show and done.stdout:
        print(done.stdout, end="")
    return done.stdout


def main() -> None:
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="foureyes-"))
    where.mkdir(parents=True, exist_ok=True)
    if any(where.iterdir()):
        sys.exit(f"{where} is not empty; give an empty or new directory")
    git = ("git", "-c", "init.defaultBranch=main")
    run(where, *git, "init", "-q", show=False)
    run(where, "git", "config", "user.name", "Dana Developer", show=False)
    run(where, "git", "config", "user.email", "dana@example.com", show=False)

    step("A person writes payments.py and commits it")
    source = where / "payments.py"
    source.write_text(HUMAN_CODE)
    run(where, "git", "add", "-A", show=False)
    run(where, "git", "commit", "-qm", "Add payments", show=False)
    run(where, FOUREYES, "init")

    step("An agent adds refund(); its lines are recorded as AI-written")
    source.write_text(HUMAN_CODE + AGENT_CODE)
    first = HUMAN_CODE.count("\n") + 3  # AGENT_CODE starts with two line breaks
    last = first + AGENT_CODE.strip("\n").count("\n")
    run(
        where,
        FOUREYES, "mark", "--ai", f"payments.py:{first}-{last}",
        "--agent", "claude-code", "--model", "claude-opus-4-6",
    )  # fmt: skip
    run(where, "git", "add", "-A", show=False)
    run(where, "git", "commit", "-qm", "Add refund", show=False)

    step("A person adds lines above it, edits one AI line, and moves the file")
    text = source.read_text()
    text = text.replace("import logging\n", "import logging\nimport os\nimport sys\n", 1)
    text = text.replace("capture_output=True)", "capture_output=True, timeout=30)", 1)
    source.write_text(text)
    (where / "billing").mkdir()
    run(where, "git", "mv", "payments.py", "billing/payments.py")
    run(where, "git", "commit", "-qam", "Move payments into billing", show=False)

    step("foureyes status: the AI regions in the repository and their review state")
    run(where, FOUREYES, "status")

    step("foureyes blame: who wrote each line (the edited AI line is now 'mixed')")
    run(where, FOUREYES, "blame", "billing/payments.py")

    step("foureyes risk: why a reviewer should look at it")
    run(where, FOUREYES, "risk", "billing/payments.py")

    step("foureyes check: the CI gate fails while the AI code lacks a senior's approval")
    run(where, FOUREYES, "check", "--all", ok=(0, 1))

    step("High risk needs two approvals: Sam, then Ria approve; the gate passes")
    for name, email in (("Sam Senior", "sam@example.com"), ("Ria Reviewer", "ria@example.com")):
        # Each approval is by whoever git says you are: here two different people.
        run(where, "git", "config", "user.email", email)
        run(where, "git", "config", "user.name", name, show=False)
        run(where, FOUREYES, "approve", "billing/payments.py:20", "--note", "checked the quoting")
    run(where, FOUREYES, "check", "--all")

    step("The agent adds another function: a review unit of its own, waiting for review")
    run(where, "git", "config", "user.email", "dana@example.com")
    run(where, "git", "config", "user.name", "Dana Developer", show=False)
    moved = where / "billing" / "payments.py"
    start = moved.read_text().count("\n") + 3
    moved.write_text(moved.read_text() + LATER_AGENT_CODE)
    end = start + LATER_AGENT_CODE.strip("\n").count("\n")
    run(where, FOUREYES, "mark", "--ai", f"billing/payments.py:{start}-{end}", "--agent", "codex")
    run(where, FOUREYES, "status")

    print(
        f"\nThe demo repository is at {where}; try `foureyes --help` there. refund() is"
        " approved and refund_label() waits for review: open it in an editor to see both.\n"
        f"  VS Code (extension installed, see README.md): code {where}\n"
        f"  Neovim (plugin installed, see docs/neovim.md): nvim {moved}"
    )


if __name__ == "__main__":
    main()
