"""Discord's 3-second deadline: shed interactions that are already too late, and report the load.

Discord forgets an interaction 3 seconds after sending it; a callback after that fails with
404 10062 (Unknown interaction). When a burst leaves the bot behind, working through interactions
that can no longer be answered only pushes the ones that still can past their deadline too, and
the backlog feeds itself. So an interaction already late when the bot reaches it is dropped
before any work is done and counted; the participant's client shows "This interaction failed" and
they press again, which costs one cheap new interaction instead of a doomed expensive one.

Admitted interactions are worked on at most ``MAX_IN_FLIGHT`` at a time, first come first served.
Without that limit a burst of a thousand all start at once and advance in lockstep (every one
does its first database read, then every one its second...), so they all finish together at the
end of the burst, every one of them late once the burst takes more than 3 s. With it, the early
ones are answered early, and the age is checked again when a slot frees: the tail of a burst too
large to serve in time is dropped at the door instead of being worked on for nothing.

A periodic report line (not a traceback per interaction) says how many interactions arrived, how
many were answered, dropped late or answered too late, and how far the event loop lagged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import discord
from discord.ext import tasks

log = logging.getLogger("prioritybot.load")

DISCORD_DEADLINE = 3.0
# Past this age there is no time left to do the work and send the callback over the network.
LATE_AFTER = 2.5
REPORT_EVERY = 60.0
LAG_PROBE_EVERY = 0.25
# Enough to overlap one interaction's database round trips and HTTP callback with the others'
# work; few enough that a burst is served in arrival order rather than all at once.
MAX_IN_FLIGHT = 32
# Discord accepts follow-ups to an interaction for 15 minutes; a slot held longer was leaked.
SLOT_LEASE = 15 * 60.0

UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060


def _clock() -> float:
    """Seconds on the clock discord.py's timers follow (ext.tasks sleeps until utcnow-based times)."""
    return discord.utils.utcnow().timestamp()


def interaction_age(interaction: discord.Interaction) -> float:
    """Seconds since Discord created the interaction (its snowflake carries the time)."""
    return (discord.utils.utcnow() - interaction.created_at).total_seconds()


def is_expired_response(error: BaseException) -> bool:
    """The callback came too late (10062) or twice (40060): nobody can be answered through it."""
    return isinstance(error, discord.HTTPException) and error.code in (
        UNKNOWN_INTERACTION,
        ALREADY_ACKNOWLEDGED,
    )


@dataclass
class LoadCounters:
    received: int = 0
    dropped_late: int = 0
    answered_late: int = 0


@dataclass
class InteractionLoad:
    """Counts for the current report interval, and the worst event-loop lag seen in it."""

    counters: LoadCounters = field(default_factory=LoadCounters)
    max_lag: float = 0.0
    _started: float = field(default_factory=lambda: _clock())
    _last_probe: float | None = None
    _slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_IN_FLIGHT))
    # interaction id -> when it took its slot (time.monotonic), for release and leak recovery
    _held: dict[int, float] = field(default_factory=dict)

    def admit(self, interaction: discord.Interaction) -> bool:
        """True if the interaction may still be answered in time; False (and counted) if not.

        Holds no slot: for work too small to queue (autocomplete suggestions)."""
        self.counters.received += 1
        if not self._watch.is_running():
            self._last_probe, self._started = None, _clock()
            self._watch.start()  # watches while interactions arrive, then stops by itself
        if interaction_age(interaction) <= LATE_AFTER:
            return True
        self.counters.dropped_late += 1
        return False

    async def acquire(self, interaction: discord.Interaction) -> bool:
        """Admit the interaction and wait for a work slot; False (counted) if it is, or becomes
        while waiting, too late to answer. On True the caller must ``release`` it."""
        if not self.admit(interaction):
            return False
        if self._slots.locked():
            self._reclaim_leaked()
        await self._slots.acquire()
        if interaction_age(interaction) > LATE_AFTER:
            self._slots.release()
            self.counters.dropped_late += 1
            return False
        self._held[interaction.id] = time.monotonic()
        return True

    def release(self, interaction: discord.Interaction) -> None:
        """Give back the interaction's slot; does nothing if it holds none (safe to call twice)."""
        if self._held.pop(interaction.id, None) is not None:
            self._slots.release()

    @asynccontextmanager
    async def slot(self, interaction: discord.Interaction) -> AsyncIterator[bool]:
        """``async with load.slot(interaction) as admitted:`` work only if admitted."""
        admitted = await self.acquire(interaction)
        try:
            yield admitted
        finally:
            self.release(interaction)

    @property
    def in_flight(self) -> int:
        return len(self._held)

    def _reclaim_leaked(self) -> None:
        stale = [key for key, since in self._held.items() if time.monotonic() - since > SLOT_LEASE]
        for key in stale:
            log.warning("interaction %s held a work slot for %.0f s; reclaimed", key, SLOT_LEASE)
            del self._held[key]
            self._slots.release()

    def note_expired_response(self) -> None:
        self.counters.answered_late += 1

    def stop(self) -> None:
        self._watch.cancel()

    def report(self) -> tuple[str, bool] | None:
        """The line for the interval just ended and whether the bot fell behind in it (None when
        nothing happened); then a new interval begins."""
        now = _clock()
        elapsed = max(now - self._started, 1e-9)
        counters, lag = self.counters, self.max_lag
        self.counters, self.max_lag, self._started = LoadCounters(), 0.0, now
        if not counters.received:
            return None
        line = (
            f"interactions: {counters.received} in {elapsed:.0f} s ({counters.received / elapsed:.1f}/s), "
            f"dropped late {counters.dropped_late}, answered too late {counters.answered_late}; "
            f"event loop lag max {lag * 1000:.0f} ms"
        )
        return line, bool(counters.dropped_late or counters.answered_late or lag > 1.0)

    @tasks.loop(seconds=LAG_PROBE_EVERY)
    async def _watch(self) -> None:
        # How much later than asked this iteration ran: the time a ready callback waits its turn.
        # Only while interactions arrive: an idle bot (or a test's virtual clock) pays nothing.
        now = _clock()
        if self._last_probe is not None:
            self.max_lag = max(self.max_lag, now - self._last_probe - LAG_PROBE_EVERY)
        self._last_probe = now
        if now - self._started < REPORT_EVERY:
            return
        reported = self.report()
        if reported is None:
            self._watch.stop()
            return
        line, fell_behind = reported
        log.log(logging.WARNING if fell_behind else logging.INFO, line)
