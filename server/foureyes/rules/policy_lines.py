"""The line of a policy file where a key path is set, so errors point where editors look.

Best effort over the TOML text (tomllib keeps no positions): a key path such as
("review", "approvals", "low") finds `approvals = { low = ... }` under `[review]`.
It must not know what the keys mean.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r'^\s*("(?:[^"\\]|\\.)*"|[A-Za-z0-9_.-]+)\s*=')


def line_of(text: str, key: tuple[str, ...]) -> int | None:
    """The line where a dotted key is set or its table starts, else where its parent is."""
    if not key:
        return None
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = tuple(_unquote(p) for p in header.group(1).split("."))
            if table == key:
                return number
            continue
        found = _KEY.match(line)
        if found:
            full = (*table, *(_unquote(p) for p in found.group(1).split(".")))
            if full == key or (len(full) < len(key) and key[: len(full)] == full):
                return number  # the key itself, or an inline table that holds it
    return None if len(key) == 1 else line_of(text, key[:-1])


def _unquote(part: str) -> str:
    part = part.strip()
    return part[1:-1] if len(part) >= 2 and part[0] == part[-1] == '"' else part
