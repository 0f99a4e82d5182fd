"""Read the patch envelope that Codex's `apply_patch` tool (and Cursor's ApplyPatch) takes.

The format:

    *** Begin Patch
    *** Add File: path/new.py
    +every line of the new file
    *** Update File: path/old.py
    *** Move to: path/renamed.py        (optional)
    @@ optional context header
     context line
    -removed line
    +added line
    *** End of File                     (optional)
    *** Delete File: path/gone.py
    *** End Patch

Each update hunk becomes an `Edit` of whole lines (context and removed lines before,
context and added lines after), so the ordinary locating code finds it in the
current text and claims only the added lines. This module is pure: it knows the
patch text, not files, payloads or git.
"""

from __future__ import annotations

from dataclasses import dataclass

from foureyes.app.edits import Edit

BEGIN = "*** Begin Patch"
_END = "*** End Patch"
_ADD = "*** Add File: "
_UPDATE = "*** Update File: "
_DELETE = "*** Delete File: "
_MOVE = "*** Move to: "
_END_OF_FILE = "*** End of File"


class PatchError(ValueError):
    """The text is not a patch this module can read; the message says why."""


@dataclass(frozen=True, slots=True)
class PatchedFile:
    """What a patch did to one file: created it with `content`, or applied `edits`."""

    path: str  # the file's name after the patch (the "Move to" name when it moved)
    content: str | None = None  # set for an added file
    edits: tuple[Edit, ...] = ()


def parse_patch(text: str) -> list[PatchedFile]:
    """The files a patch adds or updates (deleted files write no lines and are left out)."""
    start = text.find(BEGIN)
    if start == -1:
        raise PatchError(f'no "{BEGIN}" line')
    lines = text[start:].replace("\r\n", "\n").split("\n")[1:]
    files: list[PatchedFile] = []
    position = 0
    while position < len(lines):
        line = lines[position]
        position += 1
        if line.startswith(_END):
            return files
        if line.startswith(_ADD):
            body, position = _section(lines, position)
            added = [row[1:] for row in body if row.startswith("+")]
            content = "".join(f"{row}\n" for row in added)
            files.append(PatchedFile(path=_path(line, _ADD), content=content))
        elif line.startswith(_UPDATE):
            path = _path(line, _UPDATE)
            if position < len(lines) and lines[position].startswith(_MOVE):
                path = _path(lines[position], _MOVE)
                position += 1
            body, position = _section(lines, position)
            files.append(PatchedFile(path=path, edits=tuple(_hunks(body))))
        elif line.startswith(_DELETE):
            _, position = _section(lines, position)
        elif line.strip():
            raise PatchError(f"unexpected line in a patch: {line[:60]!r}")
    return files  # a missing "*** End Patch" is forgiven: the edit was made anyway


def _path(line: str, prefix: str) -> str:
    path = line[len(prefix) :].strip()
    if not path:
        raise PatchError(f'"{prefix.strip()}" without a file name')
    return path


def _section(lines: list[str], position: int) -> tuple[list[str], int]:
    """The body lines of one file section, up to the next "*** " header."""
    body: list[str] = []
    while position < len(lines):
        line = lines[position]
        if line.startswith("*** ") and not line.startswith(_END_OF_FILE):
            break
        if not line.startswith(_END_OF_FILE):
            body.append(line)
        position += 1
    while body and not body[-1]:
        body.pop()  # blank lines between sections, not blank context lines (those are " ")
    return body, position


def _hunks(body: list[str]) -> list[Edit]:
    edits: list[Edit] = []
    old: list[str] = []
    new: list[str] = []
    changed = False

    def flush() -> None:
        if changed and new:
            edits.append(Edit("\n".join(old), "\n".join(new), whole_lines=True))

    for row in body:
        if row.startswith("@@"):
            flush()
            old, new, changed = [], [], False
            continue
        kind, text = (row[:1], row[1:]) if row else (" ", "")
        if kind == "-":
            old.append(text)
            changed = True
        elif kind == "+":
            new.append(text)
            changed = True
        else:  # context (a blank line inside a hunk is a blank context line)
            old.append(text if kind == " " else row)
            new.append(text if kind == " " else row)
    flush()
    return edits
