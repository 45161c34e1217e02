"""Opening and closing voting rounds."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.ballots import PickLimits
from bot.domain.errors import UserError
from bot.domain.event import Event, Round
from bot.services.events import clean_name
from db.repositories import Repository

MAX_ROUND_MINUTES = 24 * 60


async def open_round(
    repo: Repository,
    event: Event,
    name: str,
    max_picks: int,
    min_picks: int,
    minutes: int | None,
    results: str,
    now: datetime,
) -> Round:
    if max_picks < 1 or max_picks > len(event.catalogue.initiatives):
        raise UserError(
            "The maximum number of picks must be between 1 and {count}.",
            count=len(event.catalogue.initiatives),
        )
    if min_picks < 1 or min_picks > max_picks:
        raise UserError(
            "The minimum number of picks must be between 1 and the maximum ({max}).", max=max_picks
        )
    if minutes is not None and not 1 <= minutes <= MAX_ROUND_MINUTES:
        raise UserError("A round can last between 1 and {limit} minutes.", limit=MAX_ROUND_MINUTES)
    if results not in ("live", "hidden"):
        raise UserError("Results are either live or hidden.")
    closes_at = now + timedelta(minutes=minutes) if minutes else None
    return await repo.open_round(
        event.id, clean_name(name, "round"), PickLimits(min_picks, max_picks), results, closes_at
    )


async def close_current_round(repo: Repository, event: Event) -> Round:
    round_ = await repo.open_round_of(event.id)
    if round_ is None:
        raise UserError("No round is open in this event.")
    await repo.close_round(round_.id)
    return round_
