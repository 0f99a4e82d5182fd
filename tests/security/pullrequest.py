"""A pull request as CI sees it, for the gate's attack tests.

`PullRequest` builds a bare "origin" whose `main` holds the trusted policy (two
seniors, Sam and Sue) and a human-written module, and a junior's clone (Jo) on a
`feature` branch. Each attack changes the junior's branch, pushes it, and runs
`foureyes check` the way CI does: the installed command, in a fresh clone of
origin, with `CI=true` and `GITHUB_BASE_REF=main`. Nothing here is mocked.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from conftest import FOUREYES, GitRepo, Result, code_lines, make_repo

SAM = "sam@example.com"
SUE = "sue@example.com"
JO = "jo@example.com"  # the junior whose agent wrote the code

POLICY = f'[review]\nseniors = ["{SAM}", "{SUE}"]\n'


def agent_code(prefix: str, count: int = 6) -> list[str]:
    """A small function an agent wrote: distinctive lines, low risk."""
    body = [f"    {line}" for line in code_lines(prefix, count - 2)]
    return [f"def {prefix}_total(items):", *body, f"    return {prefix}_value_0"]


@dataclass
class PullRequest:
    root: Path
    origin: Path
    dev: GitRepo
    _clones: int = field(default=0)

    # --- the junior's side -------------------------------------------------------

    def act_as(self, email: str, name: str | None = None) -> None:
        self.dev.git("config", "user.email", email)
        self.dev.git("config", "user.name", name or email.split("@")[0].title())

    def agent_writes(self, path: str, lines: list[str], *, at: int | None = None) -> None:
        """Insert `lines` into `path` (appended by default) and record them as AI."""
        existing = self.dev.read(path).splitlines() if (self.dev.root / path).exists() else []
        start = len(existing) + 1 if at is None else at
        updated = [*existing[: start - 1], *lines, *existing[start - 1 :]]
        self.dev.write(path, "\n".join(updated) + "\n")
        self.foureyes_ok("mark", "--ai", f"{path}:{start}-{start + len(lines) - 1}",
                         "--agent", "claude-code")  # fmt: skip

    def foureyes_ok(self, *args: str) -> Result:
        result = self.dev.foureyes(*args)
        assert result.code == 0, (args, result.out, result.err)
        return result

    def commit_and_push(self, message: str = "agent work") -> str:
        self.dev.git("add", "-A")
        self.dev.git("commit", "-q", "--allow-empty", "-m", message)
        self.dev.git("push", "-q", "-f", "origin", "HEAD:refs/heads/feature")
        return self.dev.git("rev-parse", "HEAD").strip()

    # --- CI's side ----------------------------------------------------------------

    def ci_clone(self, *, depth: int | None = None) -> GitRepo:
        """A fresh clone of the pull request's head, as actions/checkout makes it."""
        self._clones += 1
        target = self.root / f"ci-{self._clones}"
        args = ["git", "clone", "-q", "--branch", "feature"]
        if depth is not None:
            args += ["--depth", str(depth)]
        subprocess.run([*args, f"file://{self.origin}", str(target)], check=True,
                       capture_output=True)  # fmt: skip
        clone = GitRepo(target)
        clone.git("config", "user.email", "ci@example.com")
        return clone

    def ci_check(
        self, *args: str, depth: int | None = None, env: dict[str, str] | None = None
    ) -> Result:
        """`foureyes check` in a fresh clone, as a pull-request workflow runs it."""
        clone = self.ci_clone(depth=depth)
        return run_check(clone, *args, env=env)


def run_check(clone: GitRepo, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = {**os.environ, "CI": "true", "GITHUB_BASE_REF": "main", **(env or {})}
    done = subprocess.run(
        [FOUREYES, "check", *args], cwd=clone.root, capture_output=True, text=True,
        env=environment, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return Result(done.returncode, done.stdout, done.stderr)


def make_pull_request(tmp_path: Path) -> PullRequest:
    """origin/main: policy, a human module, an initialised ledger; the junior's clone on
    `feature` with nothing changed yet."""
    seed = make_repo(tmp_path / "seed", email=SAM, name="Sam")
    seed.write(".foureyes.toml", POLICY)
    seed.write("app.py", "\n".join(code_lines("app", 8)) + "\n")
    result = seed.foureyes("init")
    assert result.code == 0, result.err
    seed.commit("base: policy and a human module")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed.root), str(origin)], check=True)
    dev_root = tmp_path / "dev"
    subprocess.run(["git", "clone", "-q", str(origin), str(dev_root)], check=True)
    dev = GitRepo(dev_root)
    dev.git("config", "commit.gpgsign", "false")
    pr = PullRequest(tmp_path, origin, dev)
    pr.act_as(JO)
    dev.git("checkout", "-q", "-b", "feature")
    return pr


def assert_fails(result: Result, *fragments: str) -> None:
    """The gate failed (exit 1 or 2, never a crash) and said each fragment."""
    said = result.out + result.err
    assert result.code in (1, 2), f"expected the gate to fail, got {result.code}:\n{said}"
    assert "Traceback" not in said, said
    for fragment in fragments:
        assert fragment in said, f"{fragment!r} not in:\n{said}"
