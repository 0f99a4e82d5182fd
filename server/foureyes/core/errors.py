"""Errors a user can cause, each carrying what went wrong and how to fix it.

Faces decide how to show them (the CLI prints and picks an exit code, the language
server sends a message); this module must not know about either.
"""

from __future__ import annotations


class FoureyesError(Exception):
    """Base for every error that is the user's input or environment, not a bug."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(FoureyesError):
    """An argument, a path or a range that cannot be used as given."""


class EnvironmentProblem(FoureyesError):
    """Something outside the input is missing: git, a repository, an identity."""


class LedgerError(FoureyesError):
    """The ledger cannot be written, or exists but cannot be opened for reading.

    Bad content never raises: a torn or invalid line is a reported problem.
    """
