"""What the responders' domain functions raise, by kind, so a caller acts on the kind and
never on the wording (the message is the Spanish sentence shown to the person)."""

from __future__ import annotations

from conectados.errors import BadInput, ConectadosError


class ChangedMeanwhile(ConectadosError):
    """Another person or process moved the reply, message or ticket at the same time: nothing
    was changed here."""


class AlreadyDecided(BadInput):
    """The reply, message or ticket is no longer in a state this action applies to."""
