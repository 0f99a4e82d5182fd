"""What one policy value may be: the checks the policy schema attaches to its fields.

Each check takes a value as TOML gave it and returns it in the shape its field's type
wants, or raises `FieldError` with the words that finish "<key path> ..." in the
message the user sees (`must be true or false, not 'yes'`). Checks never see the
key path or the file: policy_schema.py adds those. This module must not know
about the Policy value, files or other keys.
"""

from __future__ import annotations

from foureyes.rules import identity
from foureyes.rules.patterns import PatternError, compile_pattern
from foureyes.sources.trailers import MarkerError, compile_markers

MAX_APPROVALS = 20
MAX_WEBHOOK_TIMEOUT = 30.0


class FieldError(Exception):
    """A value that is not what its key needs: `problem` finishes the sentence."""

    def __init__(self, problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


class UnknownKey(FieldError):
    """A key of a table whose keys are fixed (rule names, say) that is none of them."""

    def __init__(self, known: tuple[str, ...]) -> None:
        super().__init__("is not a policy key")
        self.known = known


def kind(value: object) -> str:
    """What TOML type a value is, in the words of the docs."""
    names = {str: "a string", int: "a number", float: "a number", bool: "true/false",
             list: "a list", dict: "a table"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def table(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise FieldError(f"must be a table, not {kind(value)}")
    return value


def tables(value: object) -> list[object]:
    """A list of tables ([[notify.webhooks]]); each entry is checked as its own table."""
    if not isinstance(value, list):
        raise FieldError("must be a list of tables ([[notify.webhooks]])")
    return value


def version(value: object) -> int:
    if value != 1 or isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"is {value!r}; this foureyes reads version 1")
    return value


def flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false, not {value!r}")
    return value


def approvals(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise FieldError(f"must be a whole number, not {value!r}")
    if not 0 <= value <= MAX_APPROVALS:
        raise FieldError(f"must be from 0 to {MAX_APPROVALS}, not {value}")
    return value


def score(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise FieldError(f"must be a whole number from 0 to 100, not {value!r}")
    return value


def choice(value: object, choices: tuple[str, ...]) -> str:
    """One of `choices`, in any case (the schema's Literal types give the choices)."""
    if not isinstance(value, str) or value.lower() not in choices:
        raise FieldError(f"is {value!r}; it must be one of: {', '.join(choices)}")
    return value.lower()


def _strings(value: object) -> list[str] | None:
    """A string or a list of non-empty strings, stripped; None when it is neither."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [v.strip() for v in value]


def strings(value: object) -> list[str]:
    found = _strings(value)
    if found is None:
        wrong = "" if isinstance(value, list) else f", not {kind(value)}"
        raise FieldError(f"must be a list of non-empty strings{wrong}")
    return found


def entries(value: object) -> list[str]:
    """Who is senior: emails, @handles, @org/teams or "*"."""
    found = strings(value)
    for entry in found:
        if not (entry == identity.ANYONE or identity.is_email(entry) or entry.startswith("@")):
            raise FieldError(
                f'has {entry!r}, which is not an email, an @handle, an @org/team or "*"'
            )
    return found


def patterns(value: object) -> list[str]:
    found = strings(value)
    for pattern in found:
        try:
            compile_pattern(pattern)
        except PatternError as error:
            raise FieldError(f"has the pattern {pattern!r}: {error}") from None
    return found


def markers(value: object) -> list[str]:
    found = strings(value)
    try:
        compile_markers(tuple(found))
    except MarkerError as error:
        raise FieldError(str(error), error.hint) from None
    return found


def handle(key: object) -> str:
    if not isinstance(key, str) or not identity.is_handle(key):
        raise FieldError('must be an @handle, like "@sam"')
    return key


def team(key: object) -> str:
    if not isinstance(key, str) or not identity.is_team(key):
        raise FieldError('must be an @org/team, like "@acme/platform"')
    return key


def emails(value: object) -> list[str]:
    found = _strings(value)
    if found is None or not all(identity.is_email(v) for v in found):
        raise FieldError("must be a string or a list of strings")
    return found


def members(value: object) -> list[str]:
    found = _strings(value)
    if found is None or not all(identity.is_email(v) or v.startswith("@") for v in found):
        raise FieldError("must be a string or a list of strings")
    return found


def _text(value: object, problem: str, hint: str | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(problem, hint)
    return value.strip()


def python(value: object) -> str:
    return _text(
        value,
        "must be a non-empty string",
        'a virtual environment\'s folder or an interpreter, e.g. ".venv"',
    )


def signers_path(value: object) -> str:
    return _text(value, "must be a path (a string)")


def key_path(value: object) -> str:
    return _text(value, "must be a path to an SSH key (a string)")


def url(value: object) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise FieldError("must be an http:// or https:// URL")
    return value


def timeout(value: object) -> float:
    if (not isinstance(value, int | float) or isinstance(value, bool)
            or not 0 < value <= MAX_WEBHOOK_TIMEOUT):  # fmt: skip
        raise FieldError(f"must be seconds, above 0 and at most {MAX_WEBHOOK_TIMEOUT:g}")
    return float(value)
