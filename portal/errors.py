"""Domain errors. Services raise them; views turn them into form errors or flash messages.

Each error carries a message that is already a lazy translation, so the same text reaches
the browser in the reader's language and the CLI in the default one.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the command; nothing was written."""

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    """The actor may not perform this command."""


class NotFound(DomainError):
    """The subject of the command does not exist."""


class Conflict(DomainError):
    """The command conflicts with what is already recorded (duplicate, taken, stale)."""


class InvalidInput(DomainError):
    """A value broke a rule that the form could not check on its own."""
