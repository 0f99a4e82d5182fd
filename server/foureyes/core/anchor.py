"""Content anchors: make an anchor from lines, and the line hashes it is made of.

A claim never stores line numbers as a key. It stores a hash per line (whitespace
removed, so reformatting does not lose it), an exact hash per line (to tell whether
the found line was changed), a hash of trailing whitespace, a sketch of each line's
words (to recognise an edited line), and hashes of a few neighbouring lines. Finding
an anchor again is `resolve.py`; the hashed current text is `text_index.py`.

This module knows nothing about claims, ledgers, git or who asks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache

from foureyes.core.model import Anchor
from foureyes.core.text import content_key

CONTEXT_LINES = 3

_WHITESPACE = re.compile(r"\s+")
_WORD = re.compile(r"[A-Za-z0-9_]")
# Lines that say nothing on their own, in any language we know.
_TRIVIAL_WORDS = frozenset(
    {
        "pass", "else", "try", "finally", "return", "break", "continue", "end", "done",
        "fi", "esac", "default", "do", "then", "begin", "none", "null", "nil", "true",
        "false", "returnnone", "returnnull", "returnnil", "returntrue", "returnfalse",
        "return0", "return1", "endif", "endfor", "endwhile", "else:", "try:", "finally:",
    }
)  # fmt: skip


def loose_text(line: str) -> str:
    return _WHITESPACE.sub("", line)


@lru_cache(maxsize=200_000)  # every keystroke hashes every line; most did not change
def line_hash(line: str) -> str:
    """Whitespace-insensitive hash that finds a line again after reformatting."""
    return content_key(loose_text(line), 8)


@lru_cache(maxsize=200_000)
def exact_hash(line: str) -> str:
    """Hash of the exact text (trailing whitespace aside) that tells whether a line changed."""
    return content_key(line.rstrip(), 4)


@lru_cache(maxsize=200_000)
def raw_hash(line: str) -> str:
    """What an approval covers beyond `exact_hash`: the line's trailing whitespace
    (which can be content: inside a string literal, after a backslash). "" for a line
    without any, so most anchors spend two characters per line on it; else a hash of
    the whole line."""
    if line == line.rstrip():
        return ""
    return content_key(line, 4)


_WORD_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
# A comment at the end of a line, after code ("x = 1  # ok", "f();  // note").
_TRAILING_COMMENT = re.compile(r"\s(?:#|//|/\*|--).*$")
SKETCH_TOKENS = 8
# At least this share of tokens in common makes an edited line still the claimed one.
# An appended comment keeps all of them; one renamed name of five keeps 0.67; two lines
# of the same shape with other names share almost none (punctuation does not count).
RECOGNISED = 0.6


@lru_cache(maxsize=200_000)
def line_sketch(line: str) -> str:
    """A bottom-k sketch of a line's words: the smallest eight 16-bit hashes of its
    names, numbers and words (the nth occurrence of a word counts as its own token; a
    trailing comment and punctuation do not count), as hex. Two sketches estimate how
    many words two lines share (`similarity`)."""
    code = _TRAILING_COMMENT.sub("", line)
    seen: dict[str, int] = {}
    hashes = set()
    for token in _WORD_TOKEN.findall(code):
        seen[token] = seen.get(token, 0) + 1
        keyed = f"{token}\x00{seen[token]}".encode("utf-8", "surrogatepass")
        hashes.add(int.from_bytes(hashlib.blake2b(keyed, digest_size=2).digest(), "big"))
    return "".join(f"{value:04x}" for value in sorted(hashes)[:SKETCH_TOKENS])


def similarity(first: str, second: str) -> float:
    """Estimated Jaccard similarity of the token sets two sketches were made from."""
    a, b = set(sketch_parts(first)), set(sketch_parts(second))
    if not a or not b:
        return 0.0
    smallest = sorted(a | b)[:SKETCH_TOKENS]
    both = a & b
    return sum(1 for value in smallest if value in both) / len(smallest)


@lru_cache(maxsize=200_000)
def is_trivial(line: str) -> bool:
    """A line that cannot identify code on its own: blank, punctuation, a lone keyword."""
    loose = loose_text(line)
    if len(_WORD.findall(loose)) < 3:
        return True
    return loose.lower().rstrip(";:,") in _TRIVIAL_WORDS


def sketch_parts(sketch: str) -> list[str]:
    """The 16-bit hashes a sketch is made of, as four hex digits each."""
    return [sketch[i : i + 4] for i in range(0, len(sketch), 4)]


def make_anchor(lines: Sequence[str], start: int, end: int) -> Anchor:
    """Anchor lines `start`..`end` (1-based, inclusive) of a text split into `lines`."""
    if not 1 <= start <= end <= len(lines):
        raise ValueError(f"lines {start}-{end} are outside a text of {len(lines)} lines")
    first, last = start - 1, end  # 0-based half-open
    block = lines[first:last]
    before = lines[max(0, first - CONTEXT_LINES) : first]
    after = lines[last : last + CONTEXT_LINES]
    return Anchor(
        start_line=start,
        lines=tuple(line_hash(line) for line in block),
        exact=tuple(exact_hash(line) for line in block),
        before=tuple(line_hash(line) for line in before),
        after=tuple(line_hash(line) for line in after),
        raw=tuple(raw_hash(line) for line in block),
        sketch=tuple(line_sketch(line) for line in block),
    )
