"""The project's error types and the exit codes the CLI turns them into."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    """Exit codes of the `conectados` command."""

    OK = 0
    """The command did what was asked."""
    FAILURE = 1
    """Something outside the user's input failed (database down, network, a bug)."""
    BAD_INPUT = 2
    """A file, option or value the user gave is wrong; the message says where."""


class ConectadosError(Exception):
    """An error whose message is a Spanish sentence fit to show the user as it is."""

    exit_status = ExitStatus.FAILURE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInput(ConectadosError):
    """The user's input is wrong: a file, a line, a field.

    `location` is `FILE:LINE` (or just `FILE`, or an environment variable's name)
    and `field` the key or column, so the message can always say where to look.
    """

    exit_status = ExitStatus.BAD_INPUT

    def __init__(self, problem: str, location: str | None = None, field: str | None = None):
        self.problem = problem
        self.location = location
        self.field = field
        prefix = ": ".join(part for part in (location, field) if part)
        super().__init__(f"{prefix}: {problem}" if prefix else problem)


class ConfigError(BadInput):
    """The settings file or a CONECTADOS_* variable is wrong."""


class ManyBadInputs(BadInput):
    """Several problems in one input, reported together so they can be fixed in one pass."""

    def __init__(self, problems: list[BadInput]) -> None:
        self.problems = problems
        first = problems[0]
        super().__init__(first.problem, first.location, first.field)
        self.message = "\n".join(problem.message for problem in problems)


class DatabaseError(ConectadosError):
    """The database cannot be reached or is not in the state this version needs."""


class NewerDatabase(DatabaseError):
    """The database was created or updated by a newer version of Conectados: update the program.

    Bad input (exit 2), not a failure: the user pointed this version at a database it must not
    touch, and `conectados init` cannot help.
    """

    exit_status = ExitStatus.BAD_INPUT


class OlderDatabase(DatabaseError):
    """The database is not initialised, or was left by an older version: run `conectados init`.

    Bad input (exit 2): the person who installed Conectados fixes it with one command, and a
    service restarted by systemd would only fail the same way again (the unit stops
    restarting on exit 2).
    """

    exit_status = ExitStatus.BAD_INPUT
