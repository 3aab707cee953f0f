"""Domain errors: raised by library code, translated to a Chinese line and exit code in cli.py."""

from __future__ import annotations

# Exit codes are part of the automation contract (see README).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3


class ShenbaoError(Exception):
    """An error a clerk must read: `message` is Chinese and says what to do. `code` names the
    kind for scripts (`--json`'s `error.code`)."""

    exit_code = EXIT_USAGE
    code = "usage"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PackError(ShenbaoError):
    """The campaign pack is missing or malformed."""

    exit_code = EXIT_USAGE
    code = "pack"


class OutputError(ShenbaoError):
    """An output could not be written (read-only folder, file locked by Excel, disk full)."""

    exit_code = EXIT_OUTPUT
    code = "output"
