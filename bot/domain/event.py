"""Events, rooms and rounds as the rest of the code sees them (stored by db/, shown by cogs/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.ballots import PickLimits
from bot.domain.catalogue import Catalogue

OFFLINE_GUILD_ID = 0


@dataclass(frozen=True)
class EventRoles:
    organiser: int | None = None  # None: members with Manage Server
    facilitator: int | None = None
    staff: int | None = None
    interpreter: int | None = None


@dataclass(frozen=True)
class Event:
    id: int
    guild_id: int
    name: str
    catalogue: Catalogue  # carries the event's own merge rules
    catalogue_source: str
    status: str
    language: str
    roles: EventRoles
    staff_may_vote: bool
    pseudonym_key: str
    created_at: datetime

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Room:
    id: int
    event_id: int
    name: str
    channel_id: int | None


@dataclass(frozen=True)
class Round:
    id: int
    event_id: int
    name: str
    limits: PickLimits
    status: str
    results_visibility: str  # "live" or "hidden" (until close)
    opened_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def results_public(self) -> bool:
        return self.results_visibility == "live" or not self.is_open


@dataclass(frozen=True)
class StoredBallot:
    """A ballot as stored: who, where, what, and when it was last changed."""

    round_id: int
    voter: str
    room: str | None
    picks: frozenset[int]
    created_at: datetime
    updated_at: datetime
