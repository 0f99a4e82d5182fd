"""Set up foureyes' files in a repository: the ledger and its merge rule.

Idempotent: running it again changes nothing. Every writer of claims goes through
`append_claims`, so a repository is set up by the first claim it gets. It must not
know about faces; it returns what it changed and leaves the telling to the caller.

Everything here writes in the working tree, whose content a commit controls, so no
write follows a symbolic link: a committed `.foureyes` or `.foureyes/ledger.jsonl`
that is a link (to `~/.bashrc`, say) is refused with a UsageError naming it, and
nothing is written. Caches are not here: they live in the git directory
(`Repository.cache_dir`).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path

from foureyes.core.model import Claim
from foureyes.store.ledger import Ledger
from foureyes.store.repo import FOUREYES_DIR, LEDGER_NAME, Repository

LEDGER_ATTRIBUTE = f"/{FOUREYES_DIR}/{LEDGER_NAME} merge=union"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def initialise(repo: Repository) -> list[str]:
    """Create what is missing; return one line per change made (empty when all was there).

    Raises UsageError, writing nothing more, where a file it would write (or the
    folder holding it) is a symbolic link.
    """
    changes: list[str] = []
    repo.refuse_links(repo.ledger_path)
    attributes = repo.root / ".gitattributes"
    repo.refuse_links(attributes)
    repo.foureyes_dir.mkdir(exist_ok=True)
    repo.refuse_links(repo.ledger_path)  # again: nothing swapped the folder meanwhile
    if _create(repo, repo.ledger_path):
        changes.append(f"created {FOUREYES_DIR}/{LEDGER_NAME} (the ledger of claims)")
    if _ensure_line(repo, attributes, LEDGER_ATTRIBUTE):
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


def _create(repo: Repository, path: Path) -> bool:
    """Create an empty file unless something is there; True if created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    except FileExistsError:
        repo.refuse_links(path)  # a link that appeared meanwhile is refused, not used
        return False
    os.close(fd)
    return True


def _ensure_line(repo: Repository, path: Path, line: str) -> bool:
    """Append `line` to a text file unless an identical line is there; True if appended."""
    try:
        # O_NOFOLLOW: a link put there after refuse_links is not followed either.
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o644)
    except OSError as error:
        if error.errno == errno.ELOOP:
            repo.refuse_links(path)
        raise
    with os.fdopen(fd, "r+", encoding="utf-8") as handle:
        existing = handle.read()
        if line in (candidate.strip() for candidate in existing.splitlines()):
            return False
        separator = "" if not existing or existing.endswith("\n") else "\n"
        handle.write(f"{separator}{line}\n")
    return True
