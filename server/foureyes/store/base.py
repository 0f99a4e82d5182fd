"""Which commit a change is judged against: the base, resolved exactly.

A tag cannot stand in for a branch, and a base that was asked for (--base,
GITHUB_BASE_REF) is never replaced by another commit when it is missing. Asks git
through `Repository`; must not know about policy, argv or output formats.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from foureyes.core.errors import EnvironmentProblem, UsageError
from foureyes.store.repo import Repository

# Where a base is looked for when none was asked for: (full ref name, name shown).
_DEFAULT_BRANCHES = (
    ("refs/remotes/origin/main", "origin/main"),
    ("refs/remotes/origin/master", "origin/master"),
    ("refs/heads/main", "main"),
    ("refs/heads/master", "master"),
)
_COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_HEAD_RELATIVE = re.compile(r"HEAD(?:[~^][0-9]*)*")
FETCH_HINT = (
    "fetch the base and its history first: in GitHub Actions, actions/checkout with "
    "fetch-depth: 0 (or: git fetch --no-tags origin "
    "+refs/heads/BRANCH:refs/remotes/origin/BRANCH, and git fetch --unshallow in a "
    "shallow clone); check never judges a change without its base"
)


@dataclass(frozen=True, slots=True)
class Base:
    """What changed files are compared against."""

    ref: str  # the name shown: as given or found ("origin/main", "HEAD~", a commit id)
    commit: str  # changed files are compared with it, and the policy is read from it
    how: str  # one sentence: how the base was chosen
    source: str = ""  # where the name was resolved ("refs/remotes/origin/main", "HEAD~")
    tip: str = ""  # the commit `source` names (`commit` may be its merge-base with HEAD)
    merge_base: str = ""  # of HEAD and `tip`: the head's ledger must keep its events

    @property
    def summary(self) -> str:
        """Where the base came from, for people: "refs/remotes/origin/main at 1a2b3c4"."""
        tip = self.tip or self.commit
        said = f"{self.source or self.ref} at {tip[:7]}"
        if self.commit != tip:
            said += f", whose merge-base with HEAD is {self.commit[:7]}"
        return f"{said} ({self.how})"


def resolve_base(repo: Repository, given: str | None) -> Base | None:
    """The commit to compare against, or None when there is none (a first commit).

    A base that was asked for, by `given` (--base) or by GITHUB_BASE_REF in a pull
    request, is resolved exactly (see `_resolve_name`) and its merge-base with HEAD
    must be computable; otherwise this raises UsageError saying to fetch the base:
    it never falls back to another commit, which would be the change's own. With
    neither, see `_default_base`.
    """
    if given is not None:
        label = f"--base {given}"
        source, tip, why = _resolve_name(repo, given, label, branch_only=False)
        merge_base = _merge_base(repo, source, tip)
        return Base(given, tip, f"{label}; {why}" if why else label, source, tip, merge_base)
    pull_request_base = os.environ.get("GITHUB_BASE_REF", "").strip()
    if pull_request_base:
        label = f"GITHUB_BASE_REF={pull_request_base}"
        source, tip, why = _resolve_name(repo, pull_request_base, label, branch_only=True)
        merge_base = _merge_base(repo, source, tip)
        shown = source.removeprefix("refs/remotes/").removeprefix("refs/heads/")
        how = f"the merge-base of HEAD with {label}" + (f"; {why}" if why else "")
        return Base(shown, merge_base, how, source, tip, merge_base)
    return _default_base(repo)


def _default_base(repo: Repository) -> Base | None:
    """The base when none was asked for: the merge-base of HEAD with the first of the
    current branch's upstream (unless that is the same branch on the remote),
    origin/HEAD, origin/main, origin/master, main, master that exists.

    A branch with no commits of its own yet (a fresh `ai-work` made from main) is
    judged by its own changes, none: the base is HEAD itself, so only what is not
    committed yet is checked. Only on the default branch itself (or a detached HEAD
    on it), or with no such branch, is the base HEAD~: the last commit is then the
    change. With no parent either, None: every file is checked.
    """
    head = _commit(repo, "HEAD")
    if head is None:
        return None
    branch = _current_branch(repo)
    for source, shown in _base_candidates(repo, branch):
        tip = _exact_refs(repo, [source]).get(source)
        if tip is None:
            continue
        try:
            merge_base = repo.git("merge-base", "HEAD", tip).strip()
        except EnvironmentProblem:
            continue  # unrelated histories, or a shallow clone without the base
        if not merge_base:
            continue
        if merge_base != head:
            how = f"the merge-base of HEAD with {shown}"
            return Base(shown, merge_base, how, source, tip, merge_base)
        if branch is not None and not _same_branch(source, branch):
            how = (
                f"the merge-base of HEAD with {shown} is HEAD: {branch} has no commits of "
                "its own yet, so only changes not yet committed are checked"
            )
            return Base(shown, head, how, source, tip, merge_base)
        break
    parent = _commit(repo, "HEAD~")
    if parent is not None:
        how = "HEAD~ (HEAD is on the default branch, or none was found)"
        return Base("HEAD~", parent, how, "HEAD~", parent, parent)
    return None


def _current_branch(repo: Repository) -> str | None:
    """The branch HEAD is on ("ai-work"), or None for a detached HEAD."""
    try:
        ref = repo.git("symbolic-ref", "-q", "HEAD").strip()
    except EnvironmentProblem:
        return None
    return ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None


def _same_branch(source: str, branch: str) -> bool:
    """Whether the ref `source` is `branch` itself, here or as origin has it."""
    return source in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}")


def _base_candidates(repo: Repository, branch: str | None) -> list[tuple[str, str]]:
    """(full ref name, name shown) of each place a default base is looked for, in order."""
    found: list[tuple[str, str]] = []
    upstream = _upstream(repo, branch) if branch is not None else None
    if upstream is not None:
        found.append(upstream)
    found.extend(_default_branches(repo))
    return list(dict.fromkeys(found))


def _upstream(repo: Repository, branch: str) -> tuple[str, str] | None:
    """The branch's upstream (what `git checkout -b ai-work origin/main` sets), unless it
    is the same branch on the remote (what `git push -u` sets): that is where the
    branch goes, not what it started from."""
    try:
        listing = repo.git(
            "for-each-ref", "--format=%(upstream)%00%(upstream:remoteref)", f"refs/heads/{branch}"
        )
    except EnvironmentProblem:
        return None
    upstream, _, merged = listing.partition("\n")[0].partition("\0")
    if not upstream.startswith(("refs/remotes/", "refs/heads/")):
        return None
    if merged == f"refs/heads/{branch}" or upstream == f"refs/heads/{branch}":
        return None
    return upstream, upstream.removeprefix("refs/remotes/").removeprefix("refs/heads/")


def _resolve_name(
    repo: Repository, name: str, label: str, *, branch_only: bool
) -> tuple[str, str, str]:
    """(where `name` was found, its commit, why that place when it had a choice, or
    ""), looked up exactly: `git rev-parse` would prefer a tag, and whoever pushes to
    the repository can push one named like the base branch.

    A branch name NAME is refs/remotes/origin/NAME or refs/heads/NAME; origin/NAME
    is refs/remotes/origin/NAME; a full commit id is itself; refs/... is that ref;
    HEAD, HEAD~2 and the like are HEAD's. With `branch_only` (GITHUB_BASE_REF), the
    name is always a branch name. When origin's NAME and the local NAME differ and
    one is only behind or ahead of the other, origin's is used (see `_origin_copy`).
    A name that also exists as a tag, or under two of its places with commits that
    have diverged, is ambiguous: UsageError, as is a name found nowhere.
    """
    if not name or name.startswith("-") or any(c in name for c in "\0\n\r"):
        raise UsageError(f"{label}: not a ref name", "name a branch, a ref or a commit id")
    if not branch_only and _COMMIT_ID.fullmatch(name):
        commit = _commit(repo, name)
        if commit is None:
            raise UsageError(f"{label}: no such commit or ref (commit {name} is not here)",
                             FETCH_HINT)  # fmt: skip
        return f"commit {name[:10]}", commit, ""
    if not branch_only and _HEAD_RELATIVE.fullmatch(name):
        commit = _commit(repo, name)
        if commit is None:
            raise UsageError(f"{label}: no such commit or ref ({name} has no commit)",
                             FETCH_HINT)  # fmt: skip
        return name, commit, ""
    if not branch_only and name.startswith("refs/"):
        places, others = [name], []
    elif not branch_only and name.startswith("origin/"):
        places, others = [f"refs/remotes/{name}"], [f"refs/heads/{name}", f"refs/tags/{name}"]
    else:
        places, others = (
            [f"refs/remotes/origin/{name}", f"refs/heads/{name}"],
            [f"refs/tags/{name}"],
        )
    found = _exact_refs(repo, [*places, *others])
    tags = [ref for ref in found if ref.startswith("refs/tags/") and ref not in places]
    commits = {found[ref] for ref in found if ref not in tags}
    chosen = None if tags or len(commits) < 2 else _origin_copy(repo, name, found)
    if chosen is not None:
        return chosen
    if tags or len(commits) > 1:
        listed = ", ".join(f"{ref} ({commit[:7]})" for ref, commit in sorted(found.items()))
        raise UsageError(
            f"{label}: the name is ambiguous: {listed}",
            "name the base exactly (for example --base refs/remotes/origin/BRANCH or "
            "--base refs/heads/BRANCH), and delete the tag or branch that shadows it",
        )
    for ref in places:
        if ref in found:
            if _commit(repo, found[ref]) is None:
                raise UsageError(f"{label}: {ref} does not name a commit")
            return ref, found[ref], ""
    looked = " or ".join(places)
    raise UsageError(f"{label}: no such commit or ref (no {looked} in this clone)",
                     FETCH_HINT.replace("BRANCH", name.removeprefix("origin/")))  # fmt: skip


def _origin_copy(repo: Repository, name: str, found: dict[str, str]) -> tuple[str, str, str] | None:
    """When NAME is both origin's branch and a local branch, at commits where one is an
    ancestor of the other, origin's copy, and a sentence saying so. They are one branch,
    one copy not pulled or not pushed yet; origin's is what a change is merged into,
    and a local copy ahead of it cannot hide its own commits from the check (the
    base would be them). Copies that diverged stay ambiguous (None)."""
    remote, local = f"refs/remotes/origin/{name}", f"refs/heads/{name}"
    if set(found) != {remote, local}:
        return None
    if _is_ancestor(repo, found[local], found[remote]):
        lags = "behind"
    elif _is_ancestor(repo, found[remote], found[local]):
        lags = "ahead of"
    else:
        return None
    why = (
        f"local {name} ({found[local][:7]}) is {lags} origin/{name}, so origin/{name} is "
        f"used (--base refs/heads/{name} for the local one)"
    )
    return remote, found[remote], why


def _is_ancestor(repo: Repository, older: str, newer: str) -> bool:
    try:
        repo.git("merge-base", "--is-ancestor", older, newer)
    except EnvironmentProblem:
        return False  # not an ancestor (exit 1), or not known here
    return True


def _exact_refs(repo: Repository, names: list[str]) -> dict[str, str]:
    """The commits of those of `names` (full ref names) that exist exactly, peeled."""
    try:
        listing = repo.git("for-each-ref", "--format=%(refname)%00%(objectname)", *names)
    except EnvironmentProblem:
        return {}
    wanted = set(names)
    found: dict[str, str] = {}
    for line in listing.splitlines():
        ref, _, objectname = line.partition("\0")
        if ref in wanted:  # for-each-ref also lists refs below a name (refs/tags/main/x)
            commit = _commit(repo, objectname)  # a tag object is peeled to its commit
            found[ref] = commit or objectname  # not a commit: still there (for ambiguity)
    return found


def _merge_base(repo: Repository, source: str, tip: str) -> str:
    """The merge-base of HEAD with `tip`; UsageError when it cannot be computed."""
    if _commit(repo, "HEAD") is None:
        raise UsageError("HEAD has no commit: there is nothing to compare with the base")
    try:
        found = repo.git("merge-base", "HEAD", tip).strip()
    except EnvironmentProblem:
        found = ""
    if found:
        return found
    try:
        shallow = repo.git("rev-parse", "--is-shallow-repository").strip() == "true"
    except EnvironmentProblem:
        shallow = False
    why = (
        "this clone is shallow, so the history that joins them is missing"
        if shallow
        else "they have no common history here"
    )
    branch = source.removeprefix("refs/remotes/origin/").removeprefix("refs/heads/")
    raise UsageError(f"cannot compute the merge-base of HEAD with {source} ({tip[:7]}): {why}",
                     FETCH_HINT.replace("BRANCH", branch) if branch != source
                     else FETCH_HINT)  # fmt: skip


def _default_branches(repo: Repository) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    try:
        origin_head = repo.git("symbolic-ref", "-q", "refs/remotes/origin/HEAD").strip()
    except EnvironmentProblem:
        origin_head = ""
    if origin_head.startswith("refs/remotes/"):
        found.append((origin_head, origin_head.removeprefix("refs/remotes/")))
    found.extend(_DEFAULT_BRANCHES)
    return list(dict.fromkeys(found))


def _commit(repo: Repository, ref: str) -> str | None:
    if ref.startswith("-"):
        return None  # never let a ref be read as an option
    try:
        return repo.git("rev-parse", "--verify", "-q", f"{ref}^{{commit}}").strip() or None
    except EnvironmentProblem:
        return None
