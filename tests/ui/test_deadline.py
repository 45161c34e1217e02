"""Interactions already past Discord's deadline are dropped before any work, and counted."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import discord

from bot.ui.deadline import InteractionLoad, is_expired_response

_ids = itertools.count(1)


@dataclass
class Arrived:
    """What the check reads of an interaction: when Discord created it, and its id."""

    created_at: datetime
    id: int = field(default_factory=lambda: next(_ids))


def arrived(seconds_ago: float) -> Arrived:
    return Arrived(discord.utils.utcnow() - timedelta(seconds=seconds_ago))


async def test_an_interaction_inside_the_deadline_is_admitted_and_a_late_one_is_counted() -> None:
    load = InteractionLoad()
    now = discord.utils.utcnow()
    try:
        assert load.admit(Arrived(now - timedelta(seconds=1)))  # type: ignore[arg-type]
        assert not load.admit(Arrived(now - timedelta(seconds=2.6)))  # type: ignore[arg-type]
        assert not load.admit(Arrived(now - timedelta(seconds=30)))  # type: ignore[arg-type]
        load.note_expired_response()
        reported = load.report()
    finally:
        load.stop()
    assert reported is not None
    line, fell_behind = reported
    assert "interactions: 3 in" in line and "dropped late 2" in line and "answered too late 1" in line
    assert fell_behind
    assert load.report() is None  # a new interval: nothing happened in it yet


def test_only_a_late_or_second_callback_counts_as_expired() -> None:
    class Response:
        status = 404
        reason = "Not Found"

    def error(code: int) -> discord.HTTPException:
        return discord.NotFound(Response(), {"code": code, "message": "x"})  # type: ignore[arg-type]

    assert is_expired_response(error(10062))
    assert is_expired_response(error(40060))
    assert not is_expired_response(error(10008))  # an unknown message is a real failure
    assert not is_expired_response(ValueError())


async def test_admitted_interactions_are_worked_on_a_few_at_a_time_in_arrival_order() -> None:
    load = InteractionLoad(_slots=asyncio.Semaphore(2))
    order: list[int] = []
    release = asyncio.Event()

    async def work(number: int) -> None:
        async with load.slot(arrived(0)) as admitted:  # type: ignore[arg-type]
            assert admitted
            order.append(number)
            await release.wait()

    try:
        tasks = [asyncio.create_task(work(n)) for n in range(5)]
        await asyncio.sleep(0.01)
        assert order == [0, 1] and load.in_flight == 2  # the others wait for a slot
        release.set()
        await asyncio.gather(*tasks)
    finally:
        load.stop()
    assert order == [0, 1, 2, 3, 4]
    assert load.in_flight == 0


async def test_an_interaction_that_becomes_late_while_waiting_for_a_slot_is_dropped() -> None:
    load = InteractionLoad(_slots=asyncio.Semaphore(1))
    first, waiting = arrived(0), arrived(2.4)  # 0.1 s of its time left
    try:
        assert await load.acquire(first)  # type: ignore[arg-type]
        late = asyncio.create_task(load.acquire(waiting))  # type: ignore[arg-type]
        await asyncio.sleep(0.2)  # the first one's work outlasts the time the second had left
        assert not late.done()
        load.release(first)  # type: ignore[arg-type]
        assert await late is False
        load.release(first)  # type: ignore[arg-type]  # a second release gives back nothing
        assert load.counters.dropped_late == 1 and load.in_flight == 0
        assert await load.acquire(arrived(0))  # type: ignore[arg-type]  # exactly one slot again
        assert load._slots.locked()
    finally:
        load.stop()
