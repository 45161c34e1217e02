"""What a live tally shows: the tally of a round or room now, or only participation while hidden."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.event import Event, Room, Round
from bot.domain.tally import Tally
from bot.services.tallies import tally_scope
from db.repositories import Repository


@dataclass(frozen=True)
class LiveSnapshot:
    """The state of one scope at one moment; ``tally`` is None while results are hidden."""

    event: Event
    round: Round
    room: Room | None
    ballot_count: int
    ballots_by_room: dict[str, int]
    tally: Tally | None

    @property
    def final(self) -> bool:
        return not self.round.is_open


async def live_snapshot(
    repo: Repository, event: Event, round_: Round, room: Room | None, *, reveal: bool = False
) -> LiveSnapshot:
    """The scope's state; the full tally only when the round's results are public or ``reveal``."""
    counts = await repo.ballot_counts_by_room(round_.id)
    if room is not None:
        counts = {room.name: counts.get(room.name, 0)}
    shown = reveal or round_.results_public
    return LiveSnapshot(
        event=event,
        round=round_,
        room=room,
        ballot_count=sum(counts.values()),
        ballots_by_room=counts,
        tally=await tally_scope(repo, event, [round_], room) if shown else None,
    )
