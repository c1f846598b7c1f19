"""Ticketing backends that talk to outside help desks over HTTP (``requests``).

- :mod:`core.backends.autotask`: Autotask PSA's REST API.
- :mod:`core.backends.waystone`: the Waystone intermediary API of the original design.
- :mod:`core.backends.http`: what both share: sending, retrying reads, reading errors, health.

Each implements :class:`core.ports.TicketingSystem`; the composition root picks one.
"""
