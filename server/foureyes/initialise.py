"""Set up foureyes' files in a repository: the ledger, its merge rule, the ignored cache.

Idempotent: running it again changes nothing. Every writer of claims goes through
`append_claims`, so a repository is set up by the first claim it gets. It must not
know about faces; it returns what it changed and leaves the telling to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from foureyes.ledger import Ledger
from foureyes.model import Claim
from foureyes.repo import CACHE_DIR, FOUREYES_DIR, LEDGER_NAME, Repository

LEDGER_ATTRIBUTE = f"/{FOUREYES_DIR}/{LEDGER_NAME} merge=union"


def initialise(repo: Repository) -> list[str]:
    """Create what is missing; return one line per change made (empty when all was there)."""
    changes: list[str] = []
    repo.foureyes_dir.mkdir(exist_ok=True)
    if not repo.ledger_path.exists():
        repo.ledger_path.touch()
        changes.append(f"created {FOUREYES_DIR}/{LEDGER_NAME} (the ledger of claims)")
    ignore = repo.foureyes_dir / ".gitignore"
    if _ensure_line(ignore, f"/{CACHE_DIR}/"):
        changes.append(f"ignored {FOUREYES_DIR}/{CACHE_DIR}/ (local caches)")
    if _ensure_line(repo.root / ".gitattributes", LEDGER_ATTRIBUTE):
        changes.append("added merge=union for the ledger to .gitattributes")
    return changes


def append_claims(repo: Repository, claims: Sequence[Claim], ledger: Ledger | None = None) -> None:
    """Write claims to the repository's ledger, setting foureyes' files up first when
    needed: an agent hook may be the first foureyes command a repository sees.
    `ledger` is the caller's reader of that file, if it keeps one."""
    if not claims:
        return
    initialise(repo)
    (ledger or Ledger(repo.ledger_path)).append(claims)


def is_initialised(repo: Repository) -> bool:
    return repo.ledger_path.exists()


def _ensure_line(path: Path, line: str) -> bool:
    """Append `line` to a text file unless an identical line is there; True if appended."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if line in (candidate.strip() for candidate in existing.splitlines()):
        return False
    separator = "" if not existing or existing.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{separator}{line}\n")
    return True
