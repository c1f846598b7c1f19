"""Errors the ports raise. Each carries a message fit to show the person as it is; the detail
for the admin goes to the log."""

from __future__ import annotations

from core.tickets import TicketRef


class TicketingError(Exception):
    """A ticketing operation failed. ``user_message`` is safe and polite to show the person."""

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message
        self.detail = detail or user_message


class TicketNotFound(TicketingError):
    """No such ticket, or one the requester may not see (both answer the same)."""

    def __init__(self, ref: TicketRef) -> None:
        super().__init__(
            f"I couldn't find ticket {ref}. Please check the number "
            "(it looks like 48213 or T20251104.0031)."
        )
        self.ref = ref


class UnsupportedOperation(TicketingError):
    """The configured backend cannot do this at all (for example notes on Waystone)."""

    def __init__(self, operation: str, backend: str) -> None:
        super().__init__(f"The {backend} help desk connection can't {operation}, sorry.")
        self.operation = operation
        self.backend = backend


class RequesterUnknown(TicketingError):
    """The person's identity (e-mail) matches nobody the help desk knows."""


class BackendUnavailable(TicketingError):
    """The help desk could not be reached or failed; the person's message is kept."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "The help desk system isn't answering right now. Your message is saved; "
            "please try again in a few minutes.",
            detail=detail,
        )


class ConfigurationError(TicketingError):
    """The bot is misconfigured (credentials, defaults); the detail tells the admin what to fix."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "The help desk connection isn't set up correctly; I've told the administrators.",
            detail=detail,
        )


class NotATechnician(TicketingError):
    """A technician-only operation asked by someone who is not an active technician of the help
    desk. Says nothing about any ticket."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "Only the help desk's technicians can do that. If you are one, ask your "
            "administrator to check that your chat e-mail is on your active technician account.",
            detail=detail,
        )


class TechnicianToolsUnavailable(UnsupportedOperation):
    """The configured help desk has no technician tools (Waystone)."""

    def __init__(self, operation: str, backend: str) -> None:
        super().__init__(operation, backend)
        self.user_message = (
            f"Technician tools ({operation}) are not available on this help desk ({backend})."
        )


class UnknownChoice(TicketingError):
    """A status, queue or person named by a technician matches none (or several) of the help
    desk's own; ``choices`` are the valid ones, for a picker or a reply."""

    def __init__(
        self, what: str, wanted: str, choices: list[str], *, several: bool = False
    ) -> None:
        listed = ", ".join(choices) if choices else "none"
        problem = "matches more than one" if several else "isn't one"
        plural = f"{what}es" if what.endswith("s") else f"{what}s"
        if wanted.strip():
            super().__init__(f"“{wanted}” {problem} of the {plural} here. Choose one of: {listed}.")
        else:
            super().__init__(f"Which one? The {plural} here: {listed}.")
        self.what = what
        self.wanted = wanted
        self.choices = tuple(choices)
