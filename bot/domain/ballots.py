"""Ballots and the rules a ballot must follow in a round."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.catalogue import Catalogue
from bot.domain.errors import BallotError


@dataclass(frozen=True)
class Ballot:
    """One participant's picks in one round, attributed to the room where it was cast."""

    voter: str
    picks: frozenset[int]
    room: str | None = None


@dataclass(frozen=True)
class PickLimits:
    min_picks: int = 1
    max_picks: int | None = None  # None: no limit (imported rounds)

    def __post_init__(self) -> None:
        if self.min_picks < 0:
            raise BallotError("The minimum number of picks cannot be negative.")
        if self.max_picks is not None and self.max_picks < max(self.min_picks, 1):
            raise BallotError(
                "The maximum number of picks ({max_picks}) must be at least the minimum ({min_picks}) "
                "and at least 1.",
                max_picks=self.max_picks,
                min_picks=self.min_picks,
            )


def validate_picks(catalogue: Catalogue, picks: Iterable[int], limits: PickLimits) -> frozenset[int]:
    """Return the picks as a set, or raise a BallotError that says what to change."""
    pick_list = list(picks)
    unique = frozenset(pick_list)
    if len(unique) != len(pick_list):
        duplicates = sorted({p for p in pick_list if pick_list.count(p) > 1})
        raise BallotError(
            "Initiative {number} is picked more than once.", number=", ".join(map(str, duplicates))
        )
    unknown = sorted(unique - catalogue.initiative_numbers)
    if unknown:
        raise BallotError(
            "There is no initiative {number} in this event's catalogue.", number=", ".join(map(str, unknown))
        )
    if limits.max_picks is not None and len(unique) > limits.max_picks:
        raise BallotError(
            "You picked {count} initiatives; this round allows at most {max_picks}.",
            count=len(unique),
            max_picks=limits.max_picks,
        )
    if len(unique) < limits.min_picks:
        raise BallotError(
            "You picked {count} initiatives; this round needs at least {min_picks}.",
            count=len(unique),
            min_picks=limits.min_picks,
        )
    return unique
