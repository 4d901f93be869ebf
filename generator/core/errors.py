"""One exception base with user-facing text, and the problems that checks report.

In: nothing. Out: `AdvocateError` (raised by every stage, printed by the CLI boundary as
``error: WHERE: message`` plus a hint) and `Problem` (what checks yield, every one at once).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Where:
    """A place in a user's file: path and 1-based line (0 = whole file)."""

    path: Path | str
    line: int = 0
    field: str = ""

    def __str__(self) -> str:
        text = shown_path(self.path)
        if self.line:
            text += f":{self.line}"
        if self.field:
            text += f": {self.field}"
        return text


def shown_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    if isinstance(path, Path) or str(path).startswith("/"):
        try:  # the folder resolved, not the file: a link is named where it lies (even a link loop)
            return str((Path(os.path.realpath(Path(path).parent)) / Path(path).name).relative_to(Path.cwd()))
        except (ValueError, OSError):
            return str(path)
    return str(path)


class AdvocateError(Exception):
    """An error the user can fix. `exit_code` names the category for scripts."""

    exit_code = 1

    def __init__(self, msg: str, where: Where | str | None = None, hint: str | None = None):
        super().__init__(msg)
        self.msg = msg
        self.where = where
        self.hint = hint

    def line(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.msg}"


class InputError(AdvocateError):
    """A file or argument given by the user is malformed or names something unknown."""

    exit_code = 3


class UsageError(InputError):
    """A command names something that does not exist or does not apply: an unknown letter,
    addressee or language, an option the letter does not take (exit 2, as click's usage errors)."""

    exit_code = 2


class CheckFailed(AdvocateError):
    """Checks found errors; `problems` holds all of them."""

    exit_code = 4

    def __init__(self, problems: list[Problem]):
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) stop this letter")
        self.problems = problems


class InputProblems(CheckFailed):
    """Several problems in one input file, all listed (one problem is an `InputError`)."""

    exit_code = 3

    def __init__(self, problems: list[Problem], what: str):
        super().__init__(problems)
        self.msg = f"{len(problems)} error(s) in {what}"


class RenderError(AdvocateError):
    """The letter could not be produced (template, fetch or PDF stage)."""

    exit_code = 5


class DeliveryError(AdvocateError):
    """A letter could not be delivered: no channel, a bad address, an outbox or SMTP failure."""

    exit_code = 6


class SigningError(AdvocateError):
    """A PDF could not be signed or verified: bad key, passphrase, certificate, field or file."""

    exit_code = 6


class SignatureInvalid(SigningError):
    """`advocate verify` found a signature that is broken, untrusted or followed by illegal changes."""

    exit_code = 7


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" | "warning"
    where: Where | str
    message: str
    hint: str = ""

    def line(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"


def errors_in(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def suggest(key: str, known: list[str], listing: str = "advocate citations list") -> str:
    """The hint for an unknown key: the closest of `known`, else the command `listing` that
    lists them (`advocate letters`, `advocate addressees list`, ...)."""
    close = difflib.get_close_matches(key, known, n=3)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"`{listing}` shows the known keys"
