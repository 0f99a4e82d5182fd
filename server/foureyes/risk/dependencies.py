"""Is an imported module real? Check it against the project, its manifests and its environment.

Agents sometimes import packages that do not exist (and attackers register such
names). An import is *unknown* when it is not in the standard library, not a module
of the project itself, not declared in the project's manifests, and (Python only,
the slow part, via jedi) not importable in the project's environment, the one
`environment.find_python_environment` chooses (never foureyes' own); with none, the
manifests alone decide. Manifests read: pyproject.toml, requirements*.txt, setup.cfg;
package.json; go.mod; Cargo.toml. Must not know about scores or regions.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import tomllib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from foureyes.core.errors import EnvironmentProblem
from foureyes.risk.environment import ROOT_VENVS, PythonEnvironment, find_python_environment
from foureyes.store.diskstore import DiskStore
from foureyes.store.repo import Repository, file_stamp

# Import names whose distribution is named differently (the common cases).
_PYTHON_DISTRIBUTIONS = {
    "yaml": "pyyaml", "cv2": "opencv-python", "PIL": "pillow", "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4", "dateutil": "python-dateutil", "jwt": "pyjwt",
    "attr": "attrs", "dotenv": "python-dotenv", "magic": "python-magic",
    "OpenSSL": "pyopenssl", "Crypto": "pycryptodome", "serial": "pyserial", "zmq": "pyzmq",
    "git": "gitpython", "google": "google-api-core", "pkg_resources": "setuptools",
    "setuptools": "setuptools", "lsprotocol": "lsprotocol", "tree_sitter": "tree-sitter",
    "grpc": "grpcio", "psycopg2": "psycopg2-binary", "MySQLdb": "mysqlclient",
    "docx": "python-docx", "telegram": "python-telegram-bot", "slugify": "python-slugify",
}  # fmt: skip
_NODE_BUILTINS = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
        "test",
    ]
)
_RUST_BUILTINS = frozenset({"std", "core", "alloc", "crate", "self", "super", "proc_macro", "test"})
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class Dependencies:
    """Answers for one repository; manifests are re-read when they change. Thread-safe."""

    def __init__(
        self,
        repo: Repository,
        disk: DiskStore | None = None,
        *,
        policy_python: Callable[[], str | None] = lambda: None,
    ) -> None:
        """`policy_python` gives the policy's `[dependencies] python` when asked."""
        self.repo = repo
        self.root = repo.root
        self.disk = disk
        self._policy_python = policy_python
        self._editor_python: str | None = None
        self._found: tuple[tuple[object, ...], PythonEnvironment] | None = None
        self._lock = threading.Lock()
        self._files: tuple[object, frozenset[str]] | None = None
        self._manifests: dict[Path, tuple[float, frozenset[str]]] = {}
        self._environment: dict[str, bool] = {}
        self._not_on_disk: set[str] = set()
        # Changes whenever jedi learns something: fast answers made before are stale.
        self.generation = 0

    # --- public ---

    def use_editor_python(self, path: str | None) -> None:
        """The editor's `foureyes.python` setting: the environment to judge by first."""
        with self._lock:
            if path != self._editor_python:
                self._editor_python = path
                self._environment.clear()
                self._not_on_disk.clear()
                self.generation += 1

    def python_environment(self) -> PythonEnvironment:
        """The environment Python imports are judged against (found again when the
        settings, the policy, `VIRTUAL_ENV`, the index or a root venv change)."""
        policy = self._policy_python()
        key = (
            self._editor_python,
            policy,
            os.environ.get("VIRTUAL_ENV"),
            file_stamp(self.repo.git_dir / "index"),
            tuple((self.root / name / "pyvenv.cfg").exists() for name in ROOT_VENVS),
        )
        with self._lock:
            if self._found and self._found[0] == key:
                return self._found[1]
        found = find_python_environment(self.repo, editor=self._editor_python, policy=policy)
        with self._lock:
            if self._found and self._found[1] != found:
                self._environment.clear()
                self._not_on_disk.clear()
                self.generation += 1
            self._found = (key, found)
        return found

    def judged_by(self, language: str) -> str:
        """How imports of `language` were judged, to finish a sentence about one that
        resolved nowhere ("... nor declared as a dependency" + this)."""
        if language != "python":
            return ""
        environment = self.python_environment()
        if environment.path is None:
            return (
                "; no Python environment was found to look in, so only declared dependencies"
                " count (set [dependencies] python in the policy to name one)"
            )
        return f", nor installed in {environment.path} ({environment.source})"

    def unknown(
        self, language: str, path: str, imports: Sequence[str], *, slow: bool
    ) -> tuple[list[str], bool]:
        """The imports of a file at `path` (repository-relative) that resolve nowhere,
        and whether the answer is still provisional.

        Without `slow`, Python imports that are undeclared but might be installed are
        not reported (that needs jedi) unless an earlier slow pass, in this process or
        on disk, decided them; the answer is provisional while one is undecided.
        Everything else is decided from files.
        """
        family = {"typescript": "javascript", "tsx": "javascript"}.get(language, language)
        check = {
            "python": self._python,
            "javascript": self._javascript,
            "go": self._go,
            "rust": self._rust,
        }.get(family)
        if check is None:
            return [], False
        verdicts = {name: check(path, name, slow) for name in dict.fromkeys(imports)}
        # None: undecided until jedi looks; a fast answer never accuses.
        unknown = [name for name, found in verdicts.items() if found is False]
        return unknown, None in verdicts.values()

    # --- Python ---

    def _python(self, path: str, name: str, slow: bool) -> bool | None:
        top = name.split(".")[0]
        known = self._python_known(top)
        if known is not None:
            return known
        environment = self.python_environment().path
        if environment is None:
            return False  # nothing to look in: only declared dependencies count
        return self._importable(top, environment) if slow else None

    def _python_known(self, top: str) -> bool | None:
        """Whether `top` can be imported, from files and earlier jedi verdicts; None
        when only jedi can tell."""
        if not top or top in sys.stdlib_module_names or top == "__future__":
            return True
        if top in self._local_python_names():
            return True
        declared = self._python_declared()
        candidates = {normalise(top), normalise(_PYTHON_DISTRIBUTIONS.get(top, top))}
        if candidates & declared:
            return True
        with self._lock:
            if top in self._environment:
                return self._environment[top]
        return self._remembered(top)

    def _remembered(self, top: str) -> bool | None:
        """An earlier process's jedi verdict from disk. A miss is remembered too: the
        fast tier asks on every keystroke, and only jedi (the slow tier) fills it."""
        if self.disk is None or top in self._not_on_disk:
            return None
        environment = self.python_environment().path
        if environment is None:
            return None
        remembered = self.disk.get(("import", _environment_stamp(environment), top))
        if not isinstance(remembered, bool):
            with self._lock:
                self._not_on_disk.add(top)
            return None
        with self._lock:
            self._environment[top] = remembered
        return remembered

    def _local_python_names(self) -> frozenset[str]:
        names: set[str] = set()
        for file in self._tracked_files():
            parts = file.split("/")
            names.update(parts[:-1])
            if parts[-1].endswith((".py", ".pyi", ".so", ".pyd")):
                names.add(parts[-1].split(".")[0])
        return frozenset(names)

    def _python_declared(self) -> frozenset[str]:
        found: set[str] = set()
        found |= self._manifest(self.root / "pyproject.toml", _pyproject_names)
        found |= self._manifest(self.root / "setup.cfg", _setup_cfg_names)
        for requirements in sorted(self.root.glob("requirements*.txt")) + sorted(
            self.root.glob("requirements/*.txt")
        ):
            found |= self._manifest(requirements, _requirements_names)
        return frozenset(found)

    def _importable(self, top: str, environment: Path) -> bool:
        with self._lock:
            if top in self._environment:
                return self._environment[top]
        remembered = self._remembered(top)
        if remembered is not None:
            return remembered
        environment_key = ("import", _environment_stamp(environment), top)
        import jedi  # slow to import; only the background tier gets here

        try:
            # Only the project's environment: jedi's default is the one foureyes runs in.
            python = jedi.create_environment(str(environment), safe=False)
            project = jedi.Project(str(self.root), environment_path=str(environment))
            script = jedi.Script(f"import {top}\n", project=project, environment=python)
            found = bool(script.infer(1, 7 + len(top)))
        except Exception:
            found = True  # when jedi cannot tell, do not accuse the import
        with self._lock:
            self._environment[top] = found
            self.generation += 1
        if self.disk:
            self.disk.set(environment_key, found)
        return found

    # --- JavaScript / TypeScript ---

    def _javascript(self, path: str, name: str, slow: bool) -> bool:
        if name.startswith((".", "/", "~", "#")) or name.startswith("node:"):
            return True
        package = "/".join(name.split("/")[:2]) if name.startswith("@") else name.split("/")[0]
        if package in _NODE_BUILTINS:
            return True
        manifest = self._nearest(path, "package.json")
        if manifest is None:
            return True  # no manifest: nothing to compare against
        return package in self._manifest(manifest, _package_json_names)

    # --- Go ---

    def _go(self, path: str, name: str, slow: bool) -> bool:
        if "." not in name.split("/")[0]:
            return True  # the standard library has no dots in its first path element
        manifest = self._nearest(path, "go.mod")
        if manifest is None:
            return True
        known = self._manifest(manifest, _go_mod_names)
        return any(name == module or name.startswith(module + "/") for module in known)

    # --- Rust ---

    def _rust(self, path: str, name: str, slow: bool) -> bool:
        if name in _RUST_BUILTINS:
            return True
        manifest = self._nearest(path, "Cargo.toml")
        if manifest is None:
            return True
        if name.replace("-", "_") in self._manifest(manifest, _cargo_names):
            return True
        crate_src = manifest.parent / "src"
        return (crate_src / f"{name}.rs").exists() or (crate_src / name).is_dir()

    # --- files ---

    def _nearest(self, path: str, manifest: str) -> Path | None:
        directory = (self.root / path).parent
        while True:
            candidate = directory / manifest
            if candidate.is_file():
                return candidate
            if directory == self.root or self.root not in directory.parents:
                return None
            directory = directory.parent

    def _manifest(self, path: Path, reader: object) -> frozenset[str]:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return frozenset()
        with self._lock:
            cached = self._manifests.get(path)
        if cached and cached[0] == mtime:
            return cached[1]
        try:
            names = frozenset(reader(path.read_text(encoding="utf-8", errors="replace")))  # type: ignore[operator]
        except (ValueError, tomllib.TOMLDecodeError, json.JSONDecodeError):
            names = frozenset()  # a broken manifest is for its own tools to report
        with self._lock:
            self._manifests[path] = (mtime, names)
        return names

    def _tracked_files(self) -> frozenset[str]:
        stamp = file_stamp(self.repo.git_dir / "index")
        with self._lock:
            if self._files and self._files[0] == stamp:
                return self._files[1]
        try:
            listed = self.repo.git("ls-files", "--cached", "--others", "--exclude-standard")
            files = frozenset(listed.splitlines())
        except EnvironmentProblem:
            files = frozenset()
        with self._lock:
            self._files = (stamp, files)
        return files


def _environment_stamp(environment: Path) -> tuple[object, ...]:
    """What jedi's answer about an import depends on: the environment it reads and when
    its packages (or, for a bare interpreter, the interpreter) last changed."""
    home = environment if environment.is_dir() else environment.parent.parent
    stamps = []
    for site in sorted(home.glob("lib*/python*/site-packages")) or [environment]:
        try:
            stamps.append((str(site), site.stat().st_mtime_ns))
        except OSError:
            continue
    return (str(environment), tuple(stamps))


def _requirement_names(lines: Iterable[str]) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _REQUIREMENT_NAME.match(line)
        if match:
            names.add(normalise(match.group(1)))
    return names


def _requirements_names(text: str) -> set[str]:
    return _requirement_names(text.splitlines())


def _pyproject_names(text: str) -> set[str]:
    data = tomllib.loads(text)
    project = data.get("project", {})
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines.extend(extra)
    for group in data.get("dependency-groups", {}).values():
        lines.extend(item for item in group if isinstance(item, str))
    names = _requirement_names(item for item in lines if isinstance(item, str))
    poetry = data.get("tool", {}).get("poetry", {})
    for table in (poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})):
        names.update(normalise(name) for name in table)
    for group in poetry.get("group", {}).values():
        names.update(normalise(name) for name in group.get("dependencies", {}))
    return names


def _setup_cfg_names(text: str) -> set[str]:
    names: set[str] = set()
    capture = False
    for line in text.splitlines():
        if re.match(r"^\s*install_requires\s*=", line):
            capture = True
            line = line.split("=", 1)[1]
        elif capture and line and not line[0].isspace():
            capture = False
        if capture:
            names |= _requirement_names([line])
    return names


def _package_json_names(text: str) -> set[str]:
    data = json.loads(text)
    names: set[str] = set()
    if isinstance(data, dict):
        if isinstance(data.get("name"), str):
            names.add(data["name"])
        for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            if isinstance(data.get(key), dict):
                names.update(data[key])
    return names


def _go_mod_names(text: str) -> set[str]:
    names: set[str] = set()
    in_block = False
    for raw in text.splitlines():
        line = raw.split("//")[0].strip()
        if line.startswith("module "):
            names.add(line.split()[1])
        elif line.startswith("require ("):
            in_block = True
        elif in_block and line == ")":
            in_block = False
        elif line.startswith("require "):
            names.add(line.split()[1])
        elif in_block and line:
            names.add(line.split()[0])
    return names


def _cargo_names(text: str) -> set[str]:
    data = tomllib.loads(text)
    names: set[str] = set()
    package = data.get("package", {}).get("name")
    if isinstance(package, str):
        names.add(package.replace("-", "_"))
    tables = [data.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")]
    tables.append(data.get("workspace", {}).get("dependencies", {}))
    for target in data.get("target", {}).values():
        tables.extend(target.get(k, {}) for k in ("dependencies", "dev-dependencies"))
    for table in tables:
        for name, spec in table.items():
            names.add(name.replace("-", "_"))
            if isinstance(spec, dict) and isinstance(spec.get("package"), str):
                names.add(spec["package"].replace("-", "_"))
    return names
