"""Attendance: noting who took part (voice joins, check-ins; ballots are read as they are) and
counting them, staff and interpreters apart."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.domain.access import MemberAccess, is_staff_or_interpreter
from bot.domain.attendance import AttendanceSummary, excluded_members, summarise_attendance
from bot.domain.errors import UserError
from bot.domain.event import Event, Room
from db.feedback import AttendanceRepository


async def note_voice_join(
    store: AttendanceRepository, guild_id: int, user_id: int, channel_id: int, role_ids: Collection[int]
) -> bool:
    """Record a member in a breakout room's voice channel; False if the channel is not a room."""
    room = await store.room_of_channel(guild_id, channel_id)
    if room is None:
        return False
    await store.record(room.event_id, str(user_id), room.room_id, "voice", role_ids)
    return True


@dataclass(frozen=True)
class CheckIn:
    new: bool  # False: already checked in today (here)
    excluded: bool  # staff or interpreter: recorded, never counted


async def check_in(
    store: AttendanceRepository, event: Event, user_id: int, room: Room | None, member: MemberAccess
) -> CheckIn:
    new = await store.record(event.id, str(user_id), room.id if room else None, "checkin", member.role_ids)
    return CheckIn(new, is_staff_or_interpreter(event.roles, member))


async def attendance_summary(store: AttendanceRepository, event: Event) -> AttendanceSummary:
    presences = await store.presences(event.id)
    excluded = excluded_members(event.roles, await store.member_roles(event.id))
    return summarise_attendance(presences, excluded)


async def require_attendee(
    store: AttendanceRepository, event: Event, user_id: int, member: MemberAccess
) -> None:
    """Raise a UserError saying why the member is not an attendee of the event, or return."""
    if is_staff_or_interpreter(event.roles, member):
        raise UserError(
            "The feedback survey is for the event's participants; staff and interpreters are not "
            "counted as attendees. Thank you for making the event possible!"
        )
    if not await store.has_taken_part(event.id, str(user_id)):
        raise UserError(
            "The feedback survey is for people who attended {event}: who joined a breakout room, "
            "voted, or checked in with /checkin. If you took part, check in with /checkin and try again.",
            event=event.name,
        )
