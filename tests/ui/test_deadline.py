"""Interactions already past Discord's deadline are dropped before any work, and counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import discord

from bot.ui.deadline import InteractionLoad, is_expired_response


@dataclass
class Arrived:
    """What the check reads of an interaction: when Discord created it."""

    created_at: datetime


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
