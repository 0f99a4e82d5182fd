"""`foureyes check`: the CI gate. Fails when AI regions in the changed files (or in all
files) lack the approvals the review policy requires."""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from foureyes.app import gate
from foureyes.cli import check_formats
from foureyes.cli.common import EXIT_FINDINGS, EXIT_OK, Subcommands, add_command, print_json
from foureyes.core.errors import EnvironmentProblem, UsageError
from foureyes.core.model import Region
from foureyes.engine.engine import Engine
from foureyes.rules.policy import PolicyError, PolicyLoader
from foureyes.store.base import resolve_base
from foureyes.store.files import Commit, Files, WorkingTree
from foureyes.store.repo import Repository

CHECK_EXIT_HELP = """\
exit codes:
  0  passed: every AI region checked has the approvals the policy requires
  1  failed: at least one AI region lacks required approvals; a file with AI
     claims could not be checked (binary or too large); the ledger lost or
     changed an event the base has, or gained an invalid line or a reused id
     (or, with check.ledger_problems = "fail", the ledger has invalid lines)
  2  bad input: an unknown option, a --base or GITHUB_BASE_REF that is missing,
     ambiguous (also a tag) or has no merge-base with HEAD (a shallow clone),
     a broken review policy
  3  environment: not inside a git repository, git missing, ssh-keygen missing
     when the policy requires signed approvals

base: --base NAME, or in a pull request origin/$GITHUB_BASE_REF, resolved
exactly (NAME: refs/remotes/origin/NAME or refs/heads/NAME; origin/NAME; refs/...;
a full commit id; never a tag of that name) and never replaced when missing:
fetch it (actions/checkout with fetch-depth: 0). When origin/NAME and a local
NAME differ and one is only behind or ahead of the other, origin/NAME is used
(the base line says so); diverged copies are ambiguous. Files are compared with
the merge-base of HEAD and $GITHUB_BASE_REF, or with the --base commit. Without
either, the merge-base of HEAD and the first that exists of: the branch's
upstream (unless it is the branch itself on the remote), origin/HEAD,
origin/main, origin/master, main, master. A branch with no commits of its own
yet is judged by its uncommitted changes alone; on the default branch itself,
or with none of those, the base is HEAD~; in a repository with a single commit,
every file is checked. The policy is read from the base commit (a change cannot
loosen the rules it is judged by); --policy worktree reads the working tree's
instead.
"""


def register(commands: Subcommands) -> None:
    sub = add_command(commands, "check", run)
    sub.epilog = CHECK_EXIT_HELP
    scope = sub.add_mutually_exclusive_group()
    scope.add_argument("--base", metavar="REF", help="compare with this commit or branch")
    scope.add_argument("--all", action="store_true", help="check every file, not only changed")
    sub.add_argument(
        "--format", choices=check_formats.FORMATS, default="text",
        help="text (default), json, sarif (SARIF 2.1.0) or github (workflow annotations)",
    )  # fmt: skip
    sub.add_argument(
        "--source", choices=("commit", "worktree"), default=None,
        help="judge HEAD's committed files and ledger, read from git objects (the default "
        "when the CI variable is set), or the working tree (the default elsewhere)",
    )  # fmt: skip
    sub.add_argument(
        "--policy", choices=("base", "worktree"), default=None,
        help="read the review policy from the base commit (default when there is one) or "
        "from the working tree",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    repo = Repository.discover()
    # With --all too: the policy, and the ledger's events, come from the base.
    base = resolve_base(repo, args.base)
    notes: list[str] = []
    from_base = base is not None and args.policy != "worktree"
    if from_base:
        assert base is not None
        policy = gate.policy_at(repo, base.commit, base.ref)
        if gate.policy_files_differ(repo, base.commit, policy):
            notes.append(
                f"the review policy files differ from {base.ref}; the policy at {base.ref} "
                "applies (pass --policy worktree to use yours)"
            )
    else:
        policy = PolicyLoader(repo.root).load()
    if policy.signing.required and shutil.which("ssh-keygen") is None:
        raise EnvironmentProblem(
            "the review policy requires signed approvals, and ssh-keygen is not installed",
            "install OpenSSH's ssh-keygen (8.2 or newer) where check runs",
        )
    notes.extend(policy.problems)
    files = _files(repo, args.source)
    if isinstance(files, Commit):
        notes.append(
            f"files and the ledger are read from {files.label} (HEAD), not the working tree"
        )
    engine = Engine(repo, policy, files=files)
    if base is None and not args.all:
        notes.append("no base commit (a repository with one commit): every file is checked")
    if base is not None:
        # Also with --all: the change is where code can have moved from and to.
        changed = gate.changed_paths(repo, base, engine.snapshot())
        engine.judge_change(changed)
    if base is not None and not args.all:
        paths = engine.tracked_paths(changed)
    else:
        paths = engine.tracked_paths()
    regions: list[Region] = []
    unchecked: list[gate.Unchecked] = []
    for path in paths:
        try:
            regions.extend(engine.report(path).regions)
        except PolicyError:
            raise
        except UsageError as error:  # binary, huge, not UTF-8: its AI code cannot be judged
            if engine.may_hold_ai(path):
                unchecked.append(gate.Unchecked(path, error.message))
    if isinstance(files, Commit):
        unchecked.extend(gate.history_inputs_differ(repo, files))
    findings = gate.evaluate(regions, policy)
    if any(finding.region.review.seniors.anyone for finding in findings):
        notes.append(gate.NO_SENIORS)
    snapshot = engine.snapshot()
    # Whatever check.ledger_problems says, the change may not drop or rewrite the base's
    # events, nor add lines that are not events (a torn claim is a hidden claim).
    ledger_changes = (
        tuple(gate.ledger_changes(repo, base, _ledger_bytes(engine))) if base is not None else ()
    )
    ledger_blocks = policy.ledger_problems == "fail"
    passed = (
        not any(f.blocking for f in findings)
        and not (ledger_blocks and snapshot.problems)
        and not ledger_changes
        and not unchecked
    )
    verdict = check_formats.Verdict(
        passed=passed,
        scope="all" if base is None or args.all else "changed",
        base=base,
        files=tuple(paths),
        regions=len(regions),
        findings=tuple(findings),
        ledger_path=repo.ledger_path.relative_to(repo.root).as_posix(),
        ledger_problems=snapshot.problems,
        ledger_blocks=ledger_blocks,
        policy=_policy_label(policy.source, base.ref if from_base and base else None),
        notes=tuple(notes),
        ledger_changes=ledger_changes,
        unchecked=tuple(unchecked),
    )
    if args.format == "json":
        print_json(check_formats.json_data(verdict))
    elif args.format == "sarif":
        print_json(check_formats.sarif(verdict))
    elif args.format == "github":
        sys.stdout.write(check_formats.github(verdict))
    else:
        sys.stdout.write(check_formats.text(verdict))
    return EXIT_OK if passed else EXIT_FINDINGS


def _files(repo: Repository, source: str | None) -> Files:
    """In CI the gate judges the commits (a checkout can re-encode files through the
    change's own .gitattributes); elsewhere, the files as they are."""
    if source is None:
        source = "commit" if os.environ.get("CI", "").strip().lower() in _TRUE else "worktree"
    return Commit(repo, "HEAD") if source == "commit" else WorkingTree(repo)


_TRUE = ("1", "true", "yes")


def _ledger_bytes(engine: Engine) -> bytes:
    path = engine.files.ledger_file()
    try:
        return path.read_bytes() if path.is_file() and not path.is_symlink() else b""
    except OSError as error:
        raise EnvironmentProblem(f"cannot read the ledger {path}: {error}") from None


def _policy_label(source: str | None, ref: str | None) -> str:
    if ref:
        return f"{source or 'defaults (no .foureyes.toml or [tool.foureyes])'} at {ref}"
    if source:
        return f"{source} in the working tree"
    return "defaults (no .foureyes.toml or [tool.foureyes] in the working tree)"
