"""PostgreSQL ``LISTEN``: a process learns at once that another one queued an event or an
answer (``NOTIFY`` in the same transaction, see :mod:`storage.inbox`) instead of waiting for
its next look. SQLite has nothing of the kind: processes look every poll interval there."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from storage.db import Database

log = logging.getLogger(__name__)

INBOX_CHANNEL = "ticketbot_inbox"  # an event waits for a worker
OUTBOX_CHANNEL = "ticketbot_outbox"  # answers wait to be delivered
RECONNECT_SECONDS = 1.0
WAIT_SECONDS = 0.5  # how long one wait for notifications lasts (and so how fast stop() is)


class Listener:
    """``LISTEN`` on ``channels`` in a thread of its own, calling ``on_notify(channel)`` for
    each notification (and once after every (re)connection, for what was missed meanwhile)."""

    def __init__(
        self, database: Database, channels: Sequence[str], on_notify: Callable[[str], None]
    ) -> None:
        url = database.engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._channels = list(channels)
        self._on_notify = on_notify
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="inbox-listen", daemon=True)

    def start(self) -> Listener:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening (the thread ends within :data:`WAIT_SECONDS`)."""
        self._stopped.set()

    def _run(self) -> None:
        import psycopg
        from psycopg import sql

        while not self._stopped.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    for channel in self._channels:
                        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    self._on_notify("")
                    while not self._stopped.is_set():
                        for notification in connection.notifies(timeout=WAIT_SECONDS):
                            self._on_notify(notification.channel)
            except psycopg.Error as exc:
                # The poll still finds everything; this only makes it prompt again later.
                log.warning("inbox: listening for notifications failed: %s", exc)
                self._stopped.wait(RECONNECT_SECONDS)
