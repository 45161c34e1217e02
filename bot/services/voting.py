"""Casting and changing ballots: where a vote may be cast, and the checks it must pass."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.access import MemberAccess, require_voter
from bot.domain.ballots import PickLimits, validate_picks
from bot.domain.errors import BallotError, NotFoundError, UserError
from bot.domain.event import Event, Room, Round, StoredBallot
from db.repositories import BallotChange, Repository


@dataclass(frozen=True)
class VotingPlace:
    """The event, its open round and the breakout room a vote is being cast in."""

    event: Event
    round: Round
    room: Room


async def active_event(repo: Repository, guild_id: int) -> Event:
    event = await repo.active_event(guild_id)
    if event is None:
        raise NotFoundError(
            "There is no active event in this server. An organiser can start one with /event create."
        )
    return event


async def open_round(repo: Repository, event: Event) -> Round:
    round_ = await repo.open_round_of(event.id)
    if round_ is None:
        raise UserError("No voting round is open right now. A facilitator will open one with /round open.")
    return round_


async def room_of_channel(repo: Repository, event: Event, channel_ids: Iterable[int]) -> Room | None:
    """The breakout room for a channel (or, for a thread, its parent channel)."""
    for channel_id in channel_ids:
        room = await repo.room_for_channel(event.id, channel_id)
        if room is not None:
            return room
    return None


async def voting_place(
    repo: Repository,
    guild_id: int,
    channel_ids: Iterable[int],
    member: MemberAccess,
    round_id: int | None = None,
) -> VotingPlace:
    """Check that the member may vote here and now; raise a UserError that says why not."""
    event = await active_event(repo, guild_id)
    require_voter(event.roles, member, event.staff_may_vote)
    round_ = await open_round(repo, event)
    if round_id is not None and round_id != round_.id:
        raise UserError(
            "This ballot belongs to a round that has closed. The round {name} is open now: use /vote.",
            name=round_.name,
        )
    room = await room_of_channel(repo, event, channel_ids)
    if room is None:
        rooms = await repo.rooms(event.id, attached_only=True)
        if not rooms:
            raise UserError(
                "This event has no breakout rooms yet; an organiser adds them with /event room-add."
            )
        raise UserError(
            "Votes are taken in the event's breakout rooms: {rooms}.",
            rooms=", ".join(f"<#{r.channel_id}>" for r in rooms),
        )
    return VotingPlace(event, round_, room)


async def submit_ballot(
    repo: Repository, place: VotingPlace, voter: str, picks: Iterable[int]
) -> BallotChange:
    """Replace the voter's ballot with ``picks`` (checked against the round's limits)."""
    chosen = validate_picks(place.event.catalogue, picks, place.round.limits)
    return await repo.change_ballot(place.round.id, voter, place.room.id, "submit", lambda _: chosen)


async def add_pick(repo: Repository, place: VotingPlace, voter: str, number: int) -> BallotChange:
    catalogue, limits = place.event.catalogue, place.round.limits

    def with_pick(current: frozenset[int]) -> frozenset[int]:
        if number in current:
            raise BallotError("Initiative {number} is already on your ballot.", number=number)
        # One pick at a time may start below the round's minimum; only the maximum applies here.
        return validate_picks(catalogue, [*current, number], PickLimits(1, limits.max_picks))

    return await repo.change_ballot(place.round.id, voter, place.room.id, "pick", with_pick)


async def remove_pick(repo: Repository, place: VotingPlace, voter: str, number: int) -> BallotChange:
    def without_pick(current: frozenset[int]) -> frozenset[int]:
        if number not in current:
            raise BallotError("Initiative {number} is not on your ballot.", number=number)
        return current - {number}

    return await repo.change_ballot(place.round.id, voter, place.room.id, "unpick", without_pick)


async def current_picks(repo: Repository, round_id: int, voter: str) -> frozenset[int]:
    ballot = await repo.ballot(round_id, voter)
    return ballot.picks if ballot else frozenset()


async def my_ballot(repo: Repository, guild_id: int, voter: str) -> tuple[Event, Round, StoredBallot | None]:
    event = await active_event(repo, guild_id)
    round_ = await repo.open_round_of(event.id) or await repo.latest_round(event.id)
    if round_ is None:
        raise UserError("No voting round has been opened in this event yet.")
    return event, round_, await repo.ballot(round_.id, voter)
