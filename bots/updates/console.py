"""Updates in the terminal chat: a background thread that turns due signals into messages and
prints the ones for this terminal's conversation."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from bots.composition import Runtime
from bots.console import ConsoleChat, render_card
from bots.updates.kit import UpdatesKit
from bots.updates.senders import ConsoleSender
from core.messages import ConversationRef, Reply
from core.updates.binding import ThreadBinder
from core.updates.model import Tracked
from core.updates.service import Dispatcher

log = logging.getLogger("ticketbot.updates")


class ConsoleUpdates:
    """Call :meth:`tick` (tests, before a prompt) or run it every ``every`` seconds with
    :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        kit: UpdatesKit,
        conversation: ConversationRef,
        show: Callable[[Reply], None],
        clock: Callable[[], datetime],
        *,
        every: float = 2.0,
        bind: Callable[[Tracked, Reply], None] | None = None,
    ) -> None:
        self._kit = kit
        sender = ConsoleSender(conversation.channel_id, show)
        self._dispatcher = Dispatcher(
            kit.store,
            {"console": sender},
            clock,
            accepts=lambda tracked: tracked.conversation.channel_id == conversation.channel_id,
            bind=bind,
        )
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def tick(self) -> int:
        """One round; the number of updates shown."""
        with self._lock:
            if self._kit.service is not None:
                self._kit.service.process_due()
            return asyncio.run(self._dispatcher.deliver_due())

    def before_each(self, lines: Iterable[str]) -> Iterator[str]:
        """``lines``, with the updates that arrived shown before each one (and after the last)."""
        for line in lines:
            self.tick()
            yield line
        self.tick()

    def start(self) -> None:
        if self._kit.service is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="console-updates", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self.tick()
            except Exception:
                log.exception("terminal updates round failed")


def terminal_updates(
    runtime: Runtime, chat: ConsoleChat, *, interactive: bool
) -> ConsoleUpdates | None:
    """Updates for ``chat``'s conversation (None when the backend has none): printed as they
    arrive in an interactive terminal; scripted, call :meth:`ConsoleUpdates.before_each`."""
    if runtime.updates is None or runtime.updates.service is None:
        return None

    def show(reply: Reply) -> None:
        # The whole text (an update may list several changes), then the card.
        text = reply.text + ("\n" + render_card(reply.card) if reply.card else "")
        if interactive:
            print("\nbot> " + text.replace("\n", "\n     ") + "\nyou> ", end="")
        else:
            print(text + "\n")
        sys.stdout.flush()

    updates = ConsoleUpdates(
        runtime.updates,
        chat.conversation,
        show,
        runtime.clock,
        bind=ThreadBinder(runtime.store, runtime.clock),
    )
    if interactive:
        updates.start()
    return updates
