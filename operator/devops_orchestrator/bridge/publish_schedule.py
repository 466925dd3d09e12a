"""When the sweep lists the unpublished tasks (`Consumer.publish_pending`).

Final results are published from the tasks' own watch events; the listing is for what
those could not do: a publication that failed (Redis away, an API error), results that
finished before this process started, and Redis data lost in a restart (the catch-up).
Listing at every sweep meant every task in flight, full bodies, every 15 s: at a burst
of 1,000 that was 3 % of the operator's CPU and a 1,000-object LIST each time. So it
lists at the first sweep, after any failure to publish, and at least every
`relist_seconds`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RELIST_SECONDS = 300.0


@dataclass
class PublishSchedule:
    relist_seconds: float = RELIST_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    _owed: bool = True  # nothing listed since the start yet
    _listed_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def owe(self) -> None:
        """A publication failed, or may have (from any thread): list at the next sweep."""
        with self._lock:
            self._owed = True

    def take_due(self) -> bool:
        """Whether the sweep lists now; if so, the listing starts here (a failure during
        it owes the next one again)."""
        now = self.monotonic()
        with self._lock:
            stale = self._listed_at is None or now - self._listed_at >= self.relist_seconds
            if not (self._owed or stale):
                return False
            self._owed, self._listed_at = False, now
            return True
