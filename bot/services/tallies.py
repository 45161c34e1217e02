"""Tallies of a scope (rounds, optionally one room) and the data exports are made from."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Sequence

from bot.domain.ballots import Ballot
from bot.domain.errors import NotFoundError
from bot.domain.event import Event, Room, Round
from bot.domain.tally import QuartileMove, Tally, compare_tallies, tally, tally_pairs
from bot.exports.model import ExportData
from db.repositories import Repository


def pseudonym(event: Event, voter: str) -> str:
    """A stable per-event pseudonym: the same voter always maps to it, and it reveals nothing."""
    digest = hmac.new(event.pseudonym_key.encode(), voter.encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:10]}"


async def resolve_rounds(repo: Repository, event: Event, round_names: Sequence[str] | None) -> list[Round]:
    """The named rounds, or every round of the event when no name is given."""
    if not round_names:
        rounds = await repo.rounds(event.id)
        if not rounds:
            raise NotFoundError("The event {event} has no rounds yet.", event=event.name)
        return rounds
    found = []
    for name in round_names:
        round_ = await repo.round_by_name(event.id, name)
        if round_ is None:
            raise NotFoundError("The event {event} has no round called {name}.", event=event.name, name=name)
        found.append(round_)
    return found


async def resolve_room(repo: Repository, event: Event, room_name: str | None) -> Room | None:
    if room_name is None:
        return None
    room = await repo.room_by_name(event.id, room_name)
    if room is None:
        raise NotFoundError(
            "The event {event} has no breakout room called {name}.", event=event.name, name=room_name
        )
    return room


async def scope_ballots(repo: Repository, rounds: Sequence[Round], room: Room | None = None) -> list[Ballot]:
    stored = await repo.ballots([r.id for r in rounds], room_id=room.id if room else None)
    return [Ballot(b.voter, b.picks, b.room) for b in stored]


async def tally_scope(
    repo: Repository, event: Event, rounds: Sequence[Round], room: Room | None = None
) -> Tally:
    ballot_ids, initiatives = await repo.pick_pairs([r.id for r in rounds], room_id=room.id if room else None)
    return tally_pairs(event.catalogue, ballot_ids, initiatives)


async def export_data(
    repo: Repository,
    event: Event,
    rounds: Sequence[Round],
    room: Room | None = None,
    *,
    reveal_voters: bool = False,
    language: str = "en",
) -> ExportData:
    ballots = await scope_ballots(repo, rounds, room)
    by_room: dict[str, list[frozenset[int]]] = defaultdict(list)
    for ballot in ballots:
        by_room[ballot.room or ""].append(ballot.picks)
    shown = [
        Ballot(ballot.voter if reveal_voters else pseudonym(event, ballot.voter), ballot.picks, ballot.room)
        for ballot in ballots
    ]
    return ExportData(
        event_name=event.name,
        round_names=tuple(r.name for r in rounds),
        room=room.name if room else None,
        tally=tally(event.catalogue, [b.picks for b in ballots]),
        room_tallies={name: tally(event.catalogue, picks) for name, picks in sorted(by_room.items())},
        ballots=tuple(shown),
        language=language,
    )


async def compare_rounds(
    repo: Repository, event: Event, before: str, after: str
) -> tuple[Tally, Tally, list[QuartileMove]]:
    first, second = await resolve_rounds(repo, event, [before]), await resolve_rounds(repo, event, [after])
    tally_before = await tally_scope(repo, event, first)
    tally_after = await tally_scope(repo, event, second)
    return tally_before, tally_after, compare_tallies(tally_before, tally_after)
