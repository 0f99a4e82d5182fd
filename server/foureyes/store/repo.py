"""The git repository foureyes works in: its root, paths inside it, identity, renames, files.

Everything that runs `git` for the engine lives here, so that callers ask questions
("who am I?", "what is this file called now?") instead of parsing git output. It
must not know about claims, anchors or faces.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path, PurePosixPath

from foureyes.core.errors import EnvironmentProblem, UsageError
from foureyes.core.model import Identity

FOUREYES_DIR = ".foureyes"
LEDGER_NAME = "ledger.jsonl"
CACHE_DIR = "cache"  # under GIT_DIR/foureyes/, never in the working tree
# Files larger than this are not analysed; they are almost never hand-reviewed code.
MAX_FILE_BYTES = 8 * 1024 * 1024


class Repository:
    """A git working tree, addressed by repository-relative POSIX paths."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._renames_lock = threading.Lock()
        self._renames_key: tuple[object, ...] | None = None
        self._renames: dict[str, str] = {}
        self._git_dir: Path | None = None

    @classmethod
    def discover(cls, start: Path | None = None) -> Repository:
        """The repository containing `start` (default: the current directory)."""
        where = (start or Path.cwd()).resolve()
        if where.is_file():
            where = where.parent
        try:
            top = _git(where, "rev-parse", "--show-toplevel").strip()
        except EnvironmentProblem as error:
            raise EnvironmentProblem(
                f"{where} is not inside a git repository",
                "run foureyes inside a git working tree (or `git init` one first)",
            ) from error
        return cls(Path(top))

    # --- layout -------------------------------------------------------------------

    @property
    def foureyes_dir(self) -> Path:
        return self.root / FOUREYES_DIR

    @property
    def ledger_path(self) -> Path:
        return self.foureyes_dir / LEDGER_NAME

    @property
    def cache_dir(self) -> Path:
        """Derived data (blame, jedi's verdicts, scan state, checkpoints, the hook log).

        Under the git directory, not the working tree: nothing a commit holds can put
        a file there (`git add -f .foureyes/cache` commits files foureyes never reads).
        Never raises: when git cannot say where its directory is, `.git` is assumed (a
        cache that cannot be created there is skipped; it only costs speed).
        """
        try:
            git_dir = self.git_dir
        except EnvironmentProblem:
            git_dir = self.root / ".git"
        return git_dir / "foureyes" / CACHE_DIR

    def refuse_links(self, path: Path) -> None:
        """See `refuse_links`: for every file foureyes writes in the working tree."""
        refuse_links(self.root, path)

    # --- paths --------------------------------------------------------------------

    def relpath(self, path: str | os.PathLike[str]) -> str:
        """The repository-relative POSIX path of `path` (absolute, or relative to cwd)."""
        candidate = Path(path)
        if not candidate.is_absolute():
            candidate = Path.cwd() / candidate
        resolved = candidate.resolve()
        try:
            relative = resolved.relative_to(self.root)
        except ValueError:
            raise UsageError(
                f"{path} is outside the repository at {self.root}",
                "foureyes only tracks files inside the repository it runs in",
            ) from None
        if not relative.parts:
            raise UsageError(f"{path} is the repository root, not a file")
        if relative.parts[0] == ".git":
            raise UsageError(f"{path} is inside .git, which foureyes does not track")
        return PurePosixPath(*relative.parts).as_posix()

    def abspath(self, relpath: str) -> Path:
        return self.root / relpath

    def read_text(self, relpath: str) -> str:
        """The working-tree text of a file; a clear error for binary, huge, undecodable
        or missing files (see `decode_text`)."""
        path = self.abspath(relpath)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise UsageError(f"{relpath} does not exist in the working tree") from None
        if not path.is_file():
            raise UsageError(f"{relpath} is not a regular file")
        if size > MAX_FILE_BYTES:
            raise too_big(relpath, size)
        return decode_text(relpath, path.read_bytes())

    # --- git ----------------------------------------------------------------------

    def git(self, *args: str, stdin: str | None = None, ok: tuple[int, ...] = (0,)) -> str:
        """git's output; raises EnvironmentProblem unless its exit code is in `ok`
        (`git grep` exits 1 when nothing matches)."""
        return _git(self.root, *args, stdin=stdin, ok=ok)

    def git_process(self, *args: str) -> subprocess.Popen[bytes]:
        """A long-running git process speaking bytes on its stdin and stdout (stderr
        discarded), for protocols such as `cat-file --batch` that answer many requests
        for one start-up. The caller owns it and must close its stdin when done."""
        try:
            return subprocess.Popen(
                ["git", *args], cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        except FileNotFoundError:
            raise EnvironmentProblem("git is not installed or not on PATH", "install git") from None

    def blob(self, commit: str, relpath: str) -> bytes | None:
        """The exact bytes of a file at a commit (no decoding), or None when it has none."""
        try:
            done = subprocess.run(
                ["git", "cat-file", "blob", f"{commit}:{relpath}"],
                cwd=self.root, capture_output=True, check=False,
            )  # fmt: skip
        except FileNotFoundError:
            raise EnvironmentProblem("git is not installed or not on PATH", "install git") from None
        return done.stdout if done.returncode == 0 else None

    @property
    def git_dir(self) -> Path:
        """Read from disk where possible: caches key on files in it on every keystroke,
        and a git process costs milliseconds. Git decides when GIT_DIR points elsewhere."""
        if self._git_dir is None:
            found = None if os.environ.get("GIT_DIR") else read_git_dir(self.root)
            self._git_dir = found or Path(self.git("rev-parse", "--absolute-git-dir").strip())
        return self._git_dir

    def identity(self) -> Identity:
        """The acting person, as git's user.name and user.email."""
        user = self._user_config()
        email = user.get("user.email")
        if not email:
            raise EnvironmentProblem(
                "git does not know who you are (user.email is not set)",
                'run: git config user.email "you@example.com" && git config user.name "Your Name"',
            )
        return Identity(name=user.get("user.name") or "", email=email)

    def _user_config(self) -> dict[str, str]:
        """user.name and user.email, each as `git config --get` gives it (the last value
        set, stripped; left out when empty), from one git process: every agent hook asks."""
        try:
            listing = self.git("config", "-z", "--get-regexp", r"^user\.(name|email)$")
        except EnvironmentProblem:  # neither is set (or no config at all)
            return {}
        values: dict[str, str] = {}
        for entry in listing.split("\0"):
            key, _, value = entry.partition("\n")
            values[key] = value.strip()
        return {key: value for key, value in values.items() if key and value}

    def head(self) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "-q", "HEAD").strip() or None
        except EnvironmentProblem:
            return None

    def current_name(self, path: str) -> str | None:
        """Where a path that no longer exists went, following renames git recorded.

        Committed renames come from history; staged ones (`git mv` before a commit)
        from the index. None when git knows of no rename.
        """
        renames = self._rename_map()
        seen = {path}
        current = renames.get(path)
        while current is not None and not self.abspath(current).exists():
            if current in seen:
                return None
            seen.add(current)
            current = renames.get(current)
        return current

    def renames_key(self) -> tuple[object, ...]:
        """Changes whenever the renames git knows of may have: HEAD or the index moved."""
        return tuple(file_stamp(self.git_dir / name) for name in _HEAD_FILES)

    def _rename_map(self) -> dict[str, str]:
        # Keyed by the files git changes when HEAD or the index move, so that asking
        # about many paths costs one `git log`, not one per path.
        key = self.renames_key()
        with self._renames_lock:
            if key != self._renames_key:
                self._renames = self._read_renames(self.head() or "")
                self._renames_key = key
            return self._renames

    def _read_renames(self, head: str) -> dict[str, str]:
        renames: dict[str, str] = {}
        if head:
            log = self.git(
                "log", "--reverse", "--format=", "--name-status", "-M", "--diff-filter=R"
            )
            _add_renames(renames, log)
            staged = self.git("diff", "--cached", "--name-status", "-M", "--diff-filter=R", "HEAD")
        else:
            staged = self.git("diff", "--cached", "--name-status", "-M", "--diff-filter=R")
        _add_renames(renames, staged)
        return renames


_HEAD_FILES = ("HEAD", "index", "packed-refs", "logs/HEAD", "ORIG_HEAD")


def refuse_links(root: Path, path: Path) -> None:
    """Raise UsageError unless `path` is inside `root` (a resolved working-tree root)
    and neither it nor a folder between the root and it is a symbolic link.

    For every file foureyes writes in the working tree: a committed symlink
    (`.foureyes` -> elsewhere) would otherwise redirect the write outside the
    repository. A path that does not exist yet is fine.
    """
    try:
        relative = path.relative_to(root)
    except ValueError:
        raise UsageError(f"{path} is outside the repository at {root}") from None
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            shown = current.relative_to(root).as_posix()
            kind = "file" if current == path else "folder"
            raise UsageError(
                f"{shown} is a symbolic link; foureyes does not write through links in the "
                "working tree (a committed link could point anywhere)",
                f"replace {shown} with a regular {kind} (git rm {shown})",
            )
    if not path.parent.resolve().is_relative_to(root):
        raise UsageError(f"{path} is outside the repository at {root}")


def too_big(path: str, size: int, where: str = "") -> UsageError:
    suffix = f" in {where}" if where else ""
    return UsageError(
        f"{path}{suffix} is {size // 1024} KiB; foureyes skips files over "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MiB"
    )


def decode_text(path: str, data: bytes, where: str = "") -> str:
    """A file's text, or a UsageError saying why it cannot be read as text: binary (a
    NUL byte early on), huge, or not UTF-8. Never decoded with replacement characters:
    text that is not what was written must not be judged as if it were."""
    suffix = f" in {where}" if where else ""
    if len(data) > MAX_FILE_BYTES:
        raise too_big(path, len(data), where)
    if b"\0" in data[:8192]:
        raise UsageError(f"{path}{suffix} is a binary file; foureyes tracks text files only")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path}{suffix} is not valid UTF-8 (byte {error.start}); foureyes reads text "
            "as UTF-8 and will not guess",
            "store the file as UTF-8 (check .gitattributes for working-tree-encoding)",
        ) from None


def read_git_dir(root: Path) -> Path | None:
    """The git directory of a working tree root, read from disk (following a `.git`
    file, as worktrees have); None when it cannot be read that way."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    try:
        text = dot_git.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    target = Path(text[len("gitdir:") :].strip())
    return target if target.is_absolute() else (root / target).resolve()


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """(mtime_ns, size, inode) of a file, or None when it does not exist: the cheap
    "has it changed?" key that caches of derived data use."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _add_renames(renames: dict[str, str], name_status: str) -> None:
    for line in name_status.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].startswith("R"):
            renames[parts[1]] = parts[2]


def _git(cwd: Path, *args: str, stdin: str | None = None, ok: tuple[int, ...] = (0,)) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotepath=off", *args],
            cwd=cwd,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise EnvironmentProblem("git is not installed or not on PATH", "install git") from None
    if done.returncode not in ok:
        raise EnvironmentProblem(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout
