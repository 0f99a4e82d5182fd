"""Small phrases every face writes the same way: counted nouns and line ranges.

"1 lines" and "app.py:18-18" read as a prototype; these two functions are the one
place that decides how a count or a range is said, for the CLI and the gate's
messages alike. Pure; this module must not know about claims or faces.
"""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None) -> str:
    """`1 line`, `2 lines`, `0 lines`; `plural` for nouns that do not just add an s."""
    word = noun if number == 1 else plural or f"{noun}s"
    return f"{number:,} {word}"


def span(path: str, start: int, end: int) -> str:
    """`app.py:18` for one line, `app.py:18-20` for several: the form `PATH:LINE`
    arguments take, so a printed range can be pasted back into a command."""
    return f"{path}:{start}" if end <= start else f"{path}:{start}-{end}"
