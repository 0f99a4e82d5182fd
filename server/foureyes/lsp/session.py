"""Which repository and engine answer for a document, and who the acting person is.

Discovering a repository runs git, so every method here that may do so is meant to
be called off the event loop. Must not know about LSP messages.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from foureyes.core.errors import FoureyesError
from foureyes.core.model import Identity
from foureyes.engine.engine import Engine
from foureyes.store.repo import Repository


@dataclass(frozen=True, slots=True)
class Located:
    engine: Engine
    path: str  # repository-relative


class Session:
    """Engines per repository root, shared by every open document. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._roots: dict[Path, Path | None] = {}  # directory -> repository root (or none)
        self._engines: dict[Path, Engine] = {}
        self._editor_python: str | None = None  # the foureyes.python setting

    def locate(self, file_path: str | None) -> Located | None:
        """The engine and relative path for a file, or None outside any git repository."""
        if not file_path:
            return None
        path = Path(file_path)
        root = self._root_of(path.parent)
        if root is None:
            return None
        engine = self.engine_for(root)
        try:
            return Located(engine, engine.repo.relpath(path))
        except FoureyesError:
            return None

    def engine_for(self, root: Path) -> Engine:
        with self._lock:
            engine = self._engines.get(root)
            if engine is None:
                # Fast reports; the server refines slow risk signals in the background.
                engine = Engine(Repository(root), complete_risk=False)
                engine.dependencies.use_editor_python(self._editor_python)
                self._engines[root] = engine
            return engine

    def use_editor_python(self, path: str | None) -> None:
        """The environment the user named for judging imports, for every repository."""
        with self._lock:
            self._editor_python = path
            engines = list(self._engines.values())
        for engine in engines:
            engine.dependencies.use_editor_python(path)

    def engines(self) -> list[Engine]:
        with self._lock:
            return list(self._engines.values())

    def add_folder(self, folder: str) -> Engine | None:
        """Start answering for a workspace folder (the repository it is in)."""
        root = self._root_of(Path(folder))
        return self.engine_for(root) if root else None

    def identity(self, engine: Engine) -> Identity | None:
        """git's user for the repository, read each time (a user may change it any time)."""
        try:
            return engine.repo.identity()
        except FoureyesError:
            return None

    def _root_of(self, directory: Path) -> Path | None:
        with self._lock:
            if directory in self._roots:
                return self._roots[directory]
        try:
            root: Path | None = Repository.discover(directory).root if directory.exists() else None
        except FoureyesError:
            root = None
        with self._lock:
            self._roots[directory] = root
        return root
