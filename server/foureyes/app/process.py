"""Run a wrapped command (an agent) to the end, passing on the signals meant for it.

`foureyes run -- CMD` must behave like CMD: same terminal, same exit code, and a
Ctrl-C must reach it exactly once. The command runs in our process group, so when a
person presses Ctrl-C the terminal sends SIGINT to both of us: forwarding that one
too would deliver it twice (and many agents quit on a second Ctrl-C). A signal sent
to us alone (`kill`, a supervisor) is forwarded. On Linux the kernel says which is
which (`si_code` of the signal), so we wait for signals synchronously and look; on
other systems SIGTERM and SIGHUP are forwarded and SIGINT is left to the terminal.
Meanwhile we never die of these signals ourselves: the claims must still be written.

This module knows processes and signals; it must not know about checkpoints, claims
or argv parsing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence

from foureyes.core.errors import UsageError

_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_SI_USER = 0  # sent by kill(2); the tty driver uses SI_KERNEL (0x80)
_SI_QUEUE = -1
_SI_TKILL = -6


def run_command(argv: Sequence[str]) -> int:
    """Run `argv`, wait for it, return its exit code (128 + N when signal N ended it)."""
    if not argv:
        raise UsageError(
            "no command to run", "give it after --, e.g. foureyes run --agent x -- aider"
        )
    if hasattr(signal, "sigtimedwait") and hasattr(os, "posix_spawnp"):
        return _run_linux(list(argv))
    return _run_portable(list(argv))


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


def _run_linux(argv: list[str]) -> int:
    waited = {*_FORWARDED, signal.SIGCHLD}
    # Blocked before the child exists, so that no signal is lost in between; the child
    # gets an empty mask (setsigmask). Its handlers are what exec leaves: default, or
    # ignored where we were told to ignore (nohup), as for any command a shell runs.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, waited)
    try:
        try:
            pid = os.posix_spawnp(argv[0], argv, os.environ, setsigmask=())
        except FileNotFoundError:
            raise UsageError(
                f"command not found: {argv[0]}", "check its spelling and that it is on PATH"
            ) from None
        except PermissionError:
            raise UsageError(f"cannot run {argv[0]}: permission denied") from None
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return _exit_code(status)
            info = signal.sigtimedwait(waited, 1.0)
            if info is None or info.si_signo == signal.SIGCHLD:
                continue
            if info.si_code in (_SI_USER, _SI_QUEUE, _SI_TKILL):
                # Sent to us alone, not by the terminal to the whole group: pass it on.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, info.si_signo)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _run_portable(argv: list[str]) -> int:
    try:
        child = subprocess.Popen(argv)
    except FileNotFoundError:
        raise UsageError(
            f"command not found: {argv[0]}", "check its spelling and that it is on PATH"
        ) from None
    handlers: dict[int, object] = {}

    def forward(signo: int, _frame: object) -> None:
        if signo != signal.SIGINT:  # the terminal already sent SIGINT to the child
            child.send_signal(signo)

    for forwarded in _FORWARDED:
        try:
            handlers[forwarded] = signal.signal(forwarded, forward)
        except (ValueError, OSError):  # not the main thread, or not on this system
            continue
    try:
        while True:
            try:
                code = child.wait()
                break
            except KeyboardInterrupt:
                continue
    finally:
        for signo, handler in handlers.items():
            signal.signal(signo, handler)  # type: ignore[arg-type]
    return 128 - code if code < 0 else code
