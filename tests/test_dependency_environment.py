"""Imports are judged against the project's Python environment, never foureyes' own
(issue 14): which one is chosen, that every face names it, and that an environment
the repository's content planted is never run."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from conftest import GitRepo, language_server, make_venv
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository
from test_lsp import diagnostics, open_document

# diskcache and lsprotocol are installed where foureyes runs; the project has neither.
CODE = [
    "import diskcache",
    "import lsprotocol.types",
    "import requests",
    "import shoplib",
    "",
    "CACHE = diskcache.Cache('/tmp/shop')",
    "TIMEOUT = lsprotocol.types.MessageType.Info",
    "",
    "def fetch(url):",
    "    return shoplib.parse(requests.get(url, timeout=TIMEOUT).text)",
]


def make_project(repo: GitRepo, policy: str = "") -> None:
    repo.write(
        "pyproject.toml", '[project]\nname = "shop"\nversion = "1"\ndependencies = ["requests"]\n'
    )
    repo.write(".gitignore", ".venv/\nenvs/\n")
    if policy:
        repo.write(".foureyes.toml", policy)
    repo.write("shop/api.py", "\n".join(CODE) + "\n")
    repo.commit("start")
    assert repo.foureyes("mark", "--ai", f"shop/api.py:1-{len(CODE)}", "--agent", "codex").code == 0


def unknown_imports(repo: GitRepo) -> tuple[set[str], list[str]]:
    """The imports the engine (as the CLI and CI run it) calls unknown, and its messages."""
    report = Engine(Repository(repo.root)).report("shop/api.py")
    messages = [
        reason.message
        for region in report.regions
        for reason in region.risk.reasons
        if reason.rule == "unknown-dependency"
    ]
    return {message.split()[4].rstrip(",;") for message in messages}, messages


def test_without_an_environment_the_declared_dependencies_alone_decide(repo: GitRepo) -> None:
    make_project(repo)
    names, messages = unknown_imports(repo)
    # Before: diskcache and lsprotocol passed, because foureyes itself has them.
    assert names == {"diskcache", "lsprotocol", "shoplib"}
    assert all("no Python environment was found" in message for message in messages)
    shown = repo.foureyes("risk", "shop/api.py")
    assert shown.code == 0
    assert "Python imports are judged against no Python environment found" in shown.out
    found = repo.foureyes("risk", "shop/api.py", "--json").json()["python_environment"]
    assert found == {"path": None, "source": None, "passed_over": []}


def test_the_projects_venv_decides_and_is_named(repo: GitRepo) -> None:
    make_project(repo)
    venv = make_venv(repo.root / ".venv", ("shoplib",))
    names, messages = unknown_imports(repo)
    assert names == {"diskcache", "lsprotocol"}  # shoplib is installed in the project's venv
    assert all(f"nor installed in {venv} (the project's .venv)" in m for m in messages)
    told = repo.foureyes("init").out
    assert f"Python imports are judged against {venv} (the project's .venv)" in told


def test_the_policy_names_the_environment(repo: GitRepo) -> None:
    make_project(repo, '[dependencies]\npython = "envs/shop"\n')
    venv = make_venv(repo.root / "envs" / "shop", ("shoplib",))
    make_venv(repo.root / ".venv")  # the policy's choice comes first
    names, messages = unknown_imports(repo)
    assert names == {"diskcache", "lsprotocol"}
    assert all(f"{venv} (the policy's [dependencies] python)" in m for m in messages)


def test_a_broken_dependencies_table_names_file_line_and_key(repo: GitRepo) -> None:
    make_project(repo, "[dependencies]\npython = 3\n")
    result = repo.foureyes("status")
    assert result.code != 0
    assert ".foureyes.toml:2: dependencies.python must be a non-empty string" in result.err


def test_virtual_env_is_used_when_the_project_has_none(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(repo)
    venv = make_venv(tmp_path / "active", ("shoplib",))
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    names, messages = unknown_imports(repo)
    assert names == {"diskcache", "lsprotocol"}
    assert all(f"{venv} (VIRTUAL_ENV)" in m for m in messages)


def test_a_named_environment_that_does_not_exist_is_passed_over_and_said(repo: GitRepo) -> None:
    make_project(repo, '[dependencies]\npython = "/nowhere/venv"\n')
    venv = make_venv(repo.root / ".venv", ("shoplib",))
    names, _ = unknown_imports(repo)
    assert names == {"diskcache", "lsprotocol"}
    out = repo.foureyes("risk", "shop/api.py").out
    assert f"judged against {venv} (the project's .venv)" in out
    assert "not used: the policy's [dependencies] python (/nowhere/venv): does not exist" in out


def test_an_interpreter_the_repository_carries_is_never_run(repo: GitRepo, tmp_path: Path) -> None:
    """A pull request can commit a program and name it in the policy (or a link to it in
    a .venv): running it to ask for its sys.path would run the pull request's code."""
    marker = tmp_path / "interpreter-ran"
    script = f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n'
    repo.write("tools/python", script)
    (repo.root / "tools" / "python").chmod(0o755 | stat.S_IXUSR)
    repo.write("tools/env/bin/python", script)
    (repo.root / "tools" / "env" / "bin" / "python").chmod(0o755)
    make_project(repo, '[dependencies]\npython = "tools/python"\n')
    (repo.root / ".venv").symlink_to(repo.root / "tools" / "env")
    (repo.root / "tools" / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    names, _ = unknown_imports(repo)
    assert names == {"diskcache", "lsprotocol", "shoplib"}  # judged by manifests alone
    assert not marker.exists(), "foureyes ran an interpreter the repository carries"
    out = repo.foureyes("risk", "shop/api.py").out
    assert "not used: the policy's [dependencies] python (tools/python): git tracks" in out
    assert "not used: the project's .venv (.venv): git tracks" in out
    assert not marker.exists()


async def test_the_editor_setting_comes_first_in_the_language_server(
    repo: GitRepo, tmp_path: Path
) -> None:
    make_project(repo)
    make_venv(repo.root / ".venv")  # without shoplib: the editor's choice must win
    chosen = make_venv(tmp_path / "editor-env", ("shoplib",))
    async with language_server(
        repo.root, "neovim@v0.11.0", settings={"python": str(chosen)}
    ) as client:
        uri = open_document(client, repo, "shop/api.py")
        found = await diagnostics(
            client,
            uri,
            lambda d: any("lsprotocol" in x.message and "editor" in x.message for x in d),
            timeout=60,
        )
    text = "\n".join(d.message for d in found)
    assert "diskcache" in text and "shoplib" not in text
    assert f"nor installed in {chosen} (the editor's foureyes.python setting)" in text


def test_a_venv_whose_interpreter_links_to_committed_code_is_never_run(
    repo: GitRepo, tmp_path: Path
) -> None:
    marker = tmp_path / "interpreter-ran"
    repo.write("tools/python", f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    (repo.root / "tools" / "python").chmod(0o755)
    make_project(repo)  # commits tools/python; .venv/ is ignored
    venv = make_venv(repo.root / ".venv")
    (venv / "bin" / "python").unlink()
    (venv / "bin" / "python").symlink_to(repo.root / "tools" / "python")
    names, _ = unknown_imports(repo)
    assert names == {"diskcache", "lsprotocol", "shoplib"}  # judged by manifests alone
    out = repo.foureyes("risk", "shop/api.py").out
    assert "not used: the project's .venv (.venv): git tracks" in out
    assert not marker.exists(), "foureyes ran an interpreter the repository carries"
