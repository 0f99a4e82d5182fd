"""Which Python environment decides whether an import is installed: the project's, never
the one foureyes runs in.

"Possibly hallucinated import" is only true when judged against what the project can
import. foureyes' own environment holds pygls, jedi, diskcache and the rest, so judging
by it passes imports the project never declared. Candidates, first usable wins:

1. the editor's `foureyes.python` setting (one developer's machine);
2. the policy's `[dependencies] python` (the project's choice, e.g. a CI path);
3. a virtual environment at the repository root: `.venv`, `venv`, `env`;
4. `VIRTUAL_ENV`, the environment active where foureyes was started.

With none, imports are judged by the declared dependencies alone, and messages say so.

Using an environment means running its interpreter (jedi asks it for its `sys.path`).
Anything git tracks came with the repository's content, which a pull request controls,
so an environment is refused when git tracks it, a file in it, or the interpreter it
links to (paths are checked as written and as resolved); the next candidate is tried
instead. Must not know about jedi, scores, LSP or the policy file's format.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from foureyes.core.errors import EnvironmentProblem
from foureyes.store.repo import Repository

ROOT_VENVS = (".venv", "venv", "env")
_INTERPRETERS = ("bin/python", "bin/python3", "Scripts/python.exe")


@dataclass(frozen=True, slots=True)
class PythonEnvironment:
    """The environment imports are judged against; `path` None: none could be used."""

    path: Path | None  # a virtual environment's folder or an interpreter
    source: str  # how it was chosen, e.g. "the project's .venv"; "" when none
    passed_over: tuple[str, ...] = ()  # candidates that were named but not used, and why

    def describe(self) -> str:
        """One line for people: which environment, or that there is none."""
        if self.path is None:
            return (
                "no Python environment found (.venv, venv, env, VIRTUAL_ENV, the policy's "
                "[dependencies] python): imports are judged by the declared dependencies alone"
            )
        return f"{self.path} ({self.source})"

    def explain(self) -> list[str]:
        """Lines for people: the environment used, then each candidate passed over."""
        return [
            f"Python imports are judged against {self.describe()}",
            *(f"  not used: {reason}" for reason in self.passed_over),
        ]

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path) if self.path else None,
            "source": self.source or None,
            "passed_over": list(self.passed_over),
        }


def find_python_environment(
    repo: Repository,
    *,
    editor: str | None = None,
    policy: str | None = None,
    environ: Mapping[str, str] = os.environ,
) -> PythonEnvironment:
    """The first usable candidate (see the module's docstring). Relative paths are taken
    from the repository root."""
    named: list[tuple[str, str | None]] = [
        ("the editor's foureyes.python setting", editor),
        ("the policy's [dependencies] python", policy),
    ]
    named += [
        (f"the project's {name}", name)
        for name in ROOT_VENVS
        if (repo.root / name / "pyvenv.cfg").exists()
    ]
    named.append(("VIRTUAL_ENV", environ.get("VIRTUAL_ENV")))
    passed_over: list[str] = []
    for source, raw in named:
        if not raw or not raw.strip():
            continue
        path = Path(os.path.abspath(repo.root / Path(raw.strip()).expanduser()))
        problem = _unusable(repo, path)
        if problem:
            passed_over.append(f"{source} ({raw}): {problem}")
            continue
        return PythonEnvironment(path, source, tuple(passed_over))
    return PythonEnvironment(None, "", tuple(passed_over))


def _unusable(repo: Repository, path: Path) -> str | None:
    """Why `path` must not be used as an environment, or None when it may."""
    if path.is_dir():
        interpreters = [path / name for name in _INTERPRETERS if (path / name).is_file()]
        if not interpreters:
            return "not a Python environment (no bin/python in it)"
        home = path
    elif path.is_file():
        if not os.access(path, os.X_OK):
            return "not an executable file"
        interpreters = [path]
        home = path.parent.parent if path.parent.name in ("bin", "Scripts") else path.parent
    else:
        return "does not exist"
    # The folder as written and as resolved, and each interpreter it would run, resolved.
    places = [home, Path(os.path.realpath(home))]
    places += [Path(os.path.realpath(interpreter)) for interpreter in interpreters]
    for place in places:
        problem = _planted(repo, place)
        if problem:
            return problem
    return None


def _planted(repo: Repository, place: Path) -> str | None:
    """Why `place` may have come with the repository's content (git tracks it, or a
    file in it, or a link on the way to it), or None when it did not."""
    for root in dict.fromkeys((repo.root, Path(os.path.realpath(repo.root)))):
        try:
            relative = place.relative_to(root).as_posix()
        except ValueError:
            continue
        try:
            tracked = repo.git("ls-files", "-z", "--", relative or ".")
        except EnvironmentProblem as error:  # e.g. "beyond a symbolic link"
            return f"git cannot tell whether it came with the repository: {error}"
        if tracked:
            return "git tracks files in it: it came with the repository's content"
    return None
