"""Shared fixtures: real git repositories in temporary directories, and the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from foureyes.cli.main import main

FOUREYES = str(Path(sys.executable).with_name("foureyes"))


# Read once, before any test runs: the fixture below hides CI from the code under test,
# and the real-editor tests must still know that a missing prerequisite is a failure.
RUNNING_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests never read the developer's own git configuration, nor the CI variables of
    the run they are in (`check` judges the commit when CI is set; a test that wants
    that sets it, as tests/security/pullrequest.py does), nor the virtual environment
    active where pytest started (imports are judged by it when a project has none)."""
    for name in ("CI", "GITHUB_BASE_REF", "VIRTUAL_ENV"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class GitRepo:
    root: Path

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def write(self, path: str, text: str) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def foureyes(self, *args: str) -> Result:
        """Run the CLI in-process (fast); `foureyes_process` runs the installed command."""
        cwd = Path.cwd()
        os.chdir(self.root)
        out, err = _Capture(), _Capture()
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
        try:
            code = main(list(args))
        finally:
            sys.stdout, sys.stderr = real_out, real_err
            os.chdir(cwd)
        return Result(code, out.getvalue(), err.getvalue())

    def foureyes_process(self, *args: str, stdin: str | None = None) -> Result:
        done = subprocess.run(
            [FOUREYES, *args], cwd=self.root, input=stdin, capture_output=True, text=True,
            check=False,
        )  # fmt: skip
        return Result(done.returncode, done.stdout, done.stderr)


class _Capture:
    def __init__(self) -> None:
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def getvalue(self) -> str:
        return "".join(self._parts)


def make_repo(root: Path, email: str = "dana@example.com", name: str = "Dana") -> GitRepo:
    root.mkdir(parents=True, exist_ok=True)
    repo = GitRepo(root)
    repo.git("-c", "init.defaultBranch=main", "init", "-q")
    repo.git("config", "user.email", email)
    repo.git("config", "user.name", name)
    repo.git("config", "commit.gpgsign", "false")
    return repo


def make_venv(where: Path, packages: tuple[str, ...] = ()) -> Path:
    """A real virtual environment at `where` (without pip, so it takes milliseconds)
    in which each of `packages` is installed as an empty importable package."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    (site,) = where.glob("lib/python*/site-packages")
    for package in packages:
        (site / package).mkdir()
        (site / package / "__init__.py").write_text("")
    return where


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[GitRepo]:
    yield make_repo(tmp_path / "repo")


def blame_json(repo: GitRepo, path: str) -> dict[str, Any]:
    """`foureyes blame --json PATH`, which must succeed."""
    result = repo.foureyes("blame", "--json", path)
    assert result.code == 0, result.err
    return result.json()  # type: ignore[no-any-return]


def ai_lines(repo: GitRepo, path: str) -> list[int]:
    return [line["line"] for line in blame_json(repo, path)["lines"] if line["contributor"] == "ai"]


def contributors(repo: GitRepo, path: str) -> dict[int, str]:
    """Every line some claim or history speaks about, and who wrote it."""
    return {
        line["line"]: line["contributor"]
        for line in blame_json(repo, path)["lines"]
        if line["contributor"] != "unknown"
    }


def ledger_events(repo: GitRepo) -> list[dict[str, Any]]:
    """The ledger's events as JSON objects (none when there is no ledger yet)."""
    path = repo.root / ".foureyes/ledger.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def code_lines(prefix: str, count: int) -> list[str]:
    """Distinct, code-like lines (no two alike) for building test files."""
    return [f"{prefix}_value_{i} = compute_{prefix}({i}, scale={i * 7 % 13})" for i in range(count)]


@asynccontextmanager
async def language_server(
    root: Path, profile: str = "visual-studio-code", settings: dict[str, Any] | None = None
) -> AsyncIterator[Any]:
    """The installed `foureyes serve` over stdio, initialised for `root` by a pytest-lsp
    client with an editor's handlers (diagnostics, configuration: `settings`, by default
    none, so the policy decides) and the capabilities of `profile`; shut down afterwards."""
    from lsprotocol import types
    from pytest_lsp import client_capabilities, make_test_lsp_client

    client = make_test_lsp_client()
    client.set_configuration(settings or {}, section="foureyes")
    await client.start_io(FOUREYES, "serve", cwd=str(root))
    try:
        await client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities(profile),
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")],
            )
        )
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()
