"""The handlers of :mod:`core.operations`, registered by type in
:data:`core.handlers.registry.HANDLERS` (importing this package registers them all)."""

from core.handlers import answers, drafts, technicians, tickets, updates
from core.handlers.pending import settle
from core.handlers.registry import HANDLERS, Work, run

__all__ = [
    "HANDLERS",
    "Work",
    "answers",
    "drafts",
    "run",
    "settle",
    "technicians",
    "tickets",
    "updates",
]
