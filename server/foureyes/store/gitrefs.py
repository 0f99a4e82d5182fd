"""Read what HEAD and a ref point at, without running git.

Caches of derived data (blame, scan results) are keyed by commit ids. Asking git for
them costs a process each time (several milliseconds); reading `.git/HEAD`, a loose
ref or `packed-refs` costs microseconds, which is what lets a repeated `foureyes scan`
do no git work at all. When the layout is one we do not read (reftable, an unusual
`.git` file), the answer is None and callers ask git instead.

This module must not know about claims, blame or faces.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


def find_root(start: Path) -> Path | None:
    """The working tree root above `start` (the nearest folder with a `.git`), or None.

    Git's environment variables can point elsewhere; then None, so the caller asks git.
    """
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return None
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def common_dir(gitdir: Path) -> Path:
    """Where refs shared by all worktrees live (the main .git of a linked worktree)."""
    try:
        text = (gitdir / "commondir").read_text(encoding="utf-8").strip()
    except OSError:
        return gitdir
    target = Path(text)
    return target if target.is_absolute() else (gitdir / target).resolve()


def read_ref(gitdir: Path, name: str) -> str | Literal[False] | None:
    """The commit id `name` (e.g. "refs/notes/ai") points at; None when it does not exist;
    False when this layout cannot be read without git."""
    common = common_dir(gitdir)
    if (common / "reftable").exists():
        return False
    for base in (gitdir, common) if name == "HEAD" else (common,):
        try:
            text = (base / name).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError:
            return False
        if text.startswith("ref:"):
            return read_ref(gitdir, text[4:].strip())
        return text if _SHA.match(text) else False
    try:
        packed = (common / "packed-refs").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return False
    suffix = f" {name}"
    for line in packed.splitlines():
        if line.endswith(suffix) and _SHA.match(line[: -len(suffix)]):
            return line[: -len(suffix)]
    return None
