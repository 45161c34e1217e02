"""Who attended an event, counted once each however often they were seen. Pure: no Discord, no SQL.

An attendee is a member who joined a breakout room (voice), cast a ballot or checked in. Event
staff and interpreters are never attendees: they are counted apart, as the 2020 report did
("214 people (excluding event staff & interpreters)").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bot.domain.access import MemberAccess, is_staff_or_interpreter
from bot.domain.event import EventRoles

SOURCES = ("voice", "ballot", "checkin")


@dataclass(frozen=True)
class Presence:
    """One sighting: a person on a day (UTC, 'YYYY-MM-DD'), in a room or none, and how."""

    user_id: str
    day: str
    room_id: int | None
    source: str


@dataclass(frozen=True)
class AttendanceSummary:
    attendees: frozenset[str]
    excluded: frozenset[str]  # staff and interpreters who were seen taking part
    by_day: Mapping[str, int]  # distinct attendees per day, days in order
    by_room: Mapping[int, int]  # distinct attendees per room id, over every day
    by_day_room: Mapping[tuple[str, int], int]
    by_source: Mapping[str, int]

    @property
    def total(self) -> int:
        return len(self.attendees)


def excluded_members(roles: EventRoles, member_roles: Mapping[str, Collection[int]]) -> frozenset[str]:
    """The members whose last known roles make them staff or interpreters of the event."""
    return frozenset(
        user_id
        for user_id, role_ids in member_roles.items()
        if is_staff_or_interpreter(roles, MemberAccess.of(role_ids, False))
    )


def summarise_attendance(presences: Iterable[Presence], excluded: Collection[str]) -> AttendanceSummary:
    """Distinct people per day, room and source; each person once in the total."""
    excluded_set = frozenset(excluded)
    attendees: set[str] = set()
    excluded_seen: set[str] = set()
    days: dict[str, set[str]] = defaultdict(set)
    rooms: dict[int, set[str]] = defaultdict(set)
    day_rooms: dict[tuple[str, int], set[str]] = defaultdict(set)
    sources: dict[str, set[str]] = defaultdict(set)
    for presence in presences:
        if presence.user_id in excluded_set:
            excluded_seen.add(presence.user_id)
            continue
        attendees.add(presence.user_id)
        days[presence.day].add(presence.user_id)
        sources[presence.source].add(presence.user_id)
        if presence.room_id is not None:
            rooms[presence.room_id].add(presence.user_id)
            day_rooms[(presence.day, presence.room_id)].add(presence.user_id)
    return AttendanceSummary(
        attendees=frozenset(attendees),
        excluded=frozenset(excluded_seen),
        by_day={day: len(people) for day, people in sorted(days.items())},
        by_room={room: len(people) for room, people in sorted(rooms.items())},
        by_day_room={key: len(people) for key, people in sorted(day_rooms.items())},
        by_source={source: len(sources[source]) for source in SOURCES if source in sources},
    )
