"""People in the policy: turn senior entries (emails, @handles, @org/teams, "*") into a
`Seniors` value that can tell whether a git identity is one of them.

The acting person is git's user.email (and user.name), as `Repository.identity()`
reads it. A handle matches an email when the policy's `[people]` table maps it, or
when the email is GitHub's no-reply address for that handle. A team is expanded
through the policy's `[teams]` table; a team that is not listed there has no
members foureyes can know about offline. This module must not read files or git.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from foureyes.core.model import Identity, Seniors

ANYONE = "*"


def is_team(entry: str) -> bool:
    return entry.startswith("@") and "/" in entry


def is_handle(entry: str) -> bool:
    return entry.startswith("@") and "/" not in entry and len(entry) > 1


def is_email(entry: str) -> bool:
    local, at, domain = entry.partition("@")
    return bool(local and at and domain) and "/" not in entry


def resolve(
    entries: Iterable[str],
    people: Mapping[str, tuple[str, ...]],
    teams: Mapping[str, tuple[str, ...]],
) -> Seniors:
    """Seniors from entries as written; keys of `people` and `teams` are lower-case."""
    shown = tuple(dict.fromkeys(entries))
    emails: set[str] = set()
    handles: set[str] = set()
    anyone = False
    pending = list(shown)
    seen: set[str] = set()
    while pending:
        entry = pending.pop()
        key = entry.strip().lower()
        if key in seen:
            continue  # a team listing itself (or a cycle of teams) is not an error here
        seen.add(key)
        if key == ANYONE:
            anyone = True
        elif is_team(key):
            pending.extend(teams.get(key, ()))
        elif is_handle(key):
            handles.add(key[1:])
            emails.update(email.lower() for email in people.get(key, ()))
        elif is_email(key):
            emails.add(key)
    return Seniors(entries=shown, emails=frozenset(emails), handles=frozenset(handles),
                   anyone=anyone, aliases=aliases(people))  # fmt: skip


def aliases(people: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Every email the policy's [people] names -> the person's "@handle"."""
    return {email.strip().lower(): handle.lower() for handle, emails in people.items()
            for email in emails}  # fmt: skip


def refers_to(entry: str, person: Identity, seniors: Seniors) -> bool:
    """Whether a reviewer entry (an email or @handle) names `person`, by the person
    rules of `Seniors.person` (aliases, no-reply handles, +tags)."""
    key = entry.strip().lower()
    who = seniors.person(person)
    if is_email(key):
        return seniors.person(Identity("", key)) == who
    if is_handle(key):
        return who == key
    return False
