"""Results on demand: which round and room a reader means, whether they may see it, and its tally.

Shared by /results (show, compare), its page buttons and /export, so the visibility rule and the
default round are decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.access import MemberAccess, is_facilitator
from bot.domain.errors import NotFoundError, UserError
from bot.domain.event import Event, Room, Round
from bot.domain.tally import QuartileMove, Tally
from bot.services.tallies import compare_rounds, resolve_room, resolve_rounds, tally_scope
from db.repositories import Repository


class ResultsHidden(UserError):
    """The round's results are kept hidden until it closes, and the reader is not a facilitator."""


@dataclass(frozen=True)
class ResultsScope:
    event: Event
    round: Round
    room: Room | None
    tally: Tally


@dataclass(frozen=True)
class Comparison:
    before: Round
    after: Round
    tally_before: Tally
    tally_after: Tally
    moves: list[QuartileMove]


def may_see_results(event: Event, round_: Round, member: MemberAccess) -> bool:
    """Everyone once the round's results are public (live, or after close); facilitators always."""
    return round_.results_public or is_facilitator(event.roles, member)


def require_results_visible(event: Event, round_: Round, member: MemberAccess) -> None:
    if not may_see_results(event, round_, member):
        raise ResultsHidden(
            "The results of the round {round} are kept hidden until it closes. Thank you for your patience!",
            round=round_.name,
        )


async def default_round(repo: Repository, event: Event, round_name: str | None) -> Round:
    """The named round, else the open round, else the latest one."""
    if round_name:
        return (await resolve_rounds(repo, event, [round_name]))[0]
    round_ = await repo.open_round_of(event.id) or await repo.latest_round(event.id)
    if round_ is None:
        raise UserError("No voting round has been opened in this event yet.")
    return round_


async def results_by_name(
    repo: Repository, event: Event, member: MemberAccess, round_name: str | None, room_name: str | None
) -> ResultsScope:
    round_ = await default_round(repo, event, round_name)
    require_results_visible(event, round_, member)
    room = await resolve_room(repo, event, room_name)
    return ResultsScope(event, round_, room, await tally_scope(repo, event, [round_], room))


async def results_by_id(
    repo: Repository, event: Event, member: MemberAccess, round_id: int, room_id: int | None
) -> ResultsScope:
    """The scope a page button names; recomputed from the database at every click."""
    round_ = await repo.round_by_id(event.id, round_id)
    if round_ is None:
        raise NotFoundError("These results are out of date; ask for them again with /results show.")
    require_results_visible(event, round_, member)
    room = None
    if room_id:
        room = next((r for r in await repo.rooms(event.id) if r.id == room_id), None)
        if room is None:
            raise NotFoundError("These results are out of date; ask for them again with /results show.")
    return ResultsScope(event, round_, room, await tally_scope(repo, event, [round_], room))


async def compare(
    repo: Repository, event: Event, member: MemberAccess, before_name: str, after_name: str
) -> Comparison:
    before = await default_round(repo, event, before_name)
    after = await default_round(repo, event, after_name)
    if before.id == after.id:
        raise UserError("Choose two different rounds to compare.")
    require_results_visible(event, before, member)
    require_results_visible(event, after, member)
    tally_before, tally_after, moves = await compare_rounds(repo, event, before.name, after.name)
    return Comparison(before, after, tally_before, tally_after, moves)


async def round_names(repo: Repository, event: Event) -> list[str]:
    return [round_.name for round_ in await repo.rounds(event.id)]


async def room_names(repo: Repository, event: Event) -> list[str]:
    return [room.name for room in await repo.rooms(event.id)]
