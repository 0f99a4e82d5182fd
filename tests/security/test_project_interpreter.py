"""A committed virtual environment never runs (found while fixing issue 11, hole 1).

jedi learns what a project's venv can import by running its interpreter. A pull request
that commits `.venv/pyvenv.cfg` and a `.venv/bin/python` of its own would have that
program run by `check` in CI (and by the editor) as soon as AI code imports something
foureyes does not know. A venv that git tracks is never used."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from pullrequest import assert_fails, make_pull_request


def test_a_committed_venv_interpreter_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "interpreter-ran"
    pr = make_pull_request(tmp_path)
    venv = pr.dev.root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {Path(sys.executable).parent}\n")
    python = venv / "bin" / "python"
    python.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{sys.executable}" "$@"\n')
    python.chmod(python.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    pr.agent_writes("fetch.py", ["import requestz", "def fetch_all(url):",
                                 "    return requestz.get(url).json()"])  # fmt: skip
    pr.commit_and_push()
    assert os.access(python, os.X_OK)
    assert_fails(pr.ci_check(), "fetch.py")
    assert not marker.exists(), "check ran the interpreter the pull request committed"
