"""Attendance through simcord: voice joins, ballots and check-ins, each person counted once."""

from __future__ import annotations

import sqlite3

import pytest
import simcord

from db.connection import Database
from tests.cogs.conftest import World, set_up_event

DAY = 24 * 60 * 60


async def attendance(world: World) -> str:
    shown = await world.organiser.slash(world.lobby, "attendance")
    assert shown.response.ephemeral
    return shown.response.embeds[0].description or ""


def attendance_rows(db: Database, user_id: int) -> list[tuple[str, int | None, str]]:
    with sqlite3.connect(db.path) as connection:
        return connection.execute(
            "SELECT day, room_id, source FROM attendance WHERE user_id = ? ORDER BY id", (str(user_id),)
        ).fetchall()


async def test_voice_ballots_and_check_ins_count_each_person_once(world: World, db: Database) -> None:
    await set_up_event(world)
    hallway = world.guild.create_voice_channel("hallway")  # not a breakout room
    sam = world.guild.add_member(world.env.create_user("sam"), roles=[world.staff_role])

    await world.alice.join_voice(world.room_b)
    await world.alice.leave_voice()
    await world.alice.join_voice(world.room_b)
    await world.alice.set_voice(self_mute=True)
    await world.alice.join_voice(hallway)
    await world.alice.join_voice(world.room_b)
    await world.bob.slash(world.room_a, "pick", initiative=5)  # a ballot in the French room
    checked = await world.bob.slash(world.room_a, "checkin")
    assert "checked in to GC 2020" in checked.response.content
    await world.carol.slash(world.lobby, "checkin")
    again = await world.carol.slash(world.lobby, "checkin")
    assert "already checked in" in again.response.content
    await world.interpreter.join_voice(world.room_b)
    noted = await world.interpreter.slash(world.room_a, "checkin")
    assert "not counted among the attendees" in noted.response.content
    await sam.join_voice(world.room_b)
    await world.facilitator.slash(world.lobby, "round status")  # running the event is not attending it

    assert attendance_rows(db, world.alice.id) == [(attendance_rows(db, world.alice.id)[0][0], 2, "voice")]
    shown = await attendance(world)
    assert "**3** attendees (each person counted once" in shown
    assert "Not counted: 2 staff members and interpreters." in shown
    assert "• Arabic: 1" in shown and "• French: 1" in shown
    assert "voice channel: 1 · cast a ballot: 1 · checked in: 2" in shown

    # The next day: alice again, and dave for the first time; still one alice in the total.
    await world.env.advance_time(DAY)
    await world.alice.leave_voice()
    await world.alice.join_voice(world.room_b)
    dave = world.guild.add_member(world.env.create_user("dave"))
    await dave.join_voice(world.room_b)
    shown = await attendance(world)
    assert "**4** attendees" in shown
    days = [line for line in shown.splitlines() if line.startswith("• 20")]
    assert [line.split(": ", 1)[1] for line in days] == ["**3** (French 1 · Arabic 1)", "**2** (Arabic 2)"]
    assert "• Arabic: 2" in shown
    assert len(attendance_rows(db, world.alice.id)) == 2  # one row per day, nothing counted twice


async def test_staff_who_vote_are_still_left_out(world: World) -> None:
    await set_up_event(world)
    sam = world.guild.add_member(world.env.create_user("sam"), roles=[world.staff_role])
    await world.organiser.slash(world.lobby, "event roles", staff_may_vote=True)
    voted = await sam.slash(world.room_a, "pick", initiative=7)
    assert "Added" in voted.response.content
    await world.alice.slash(world.room_a, "pick", initiative=7)
    shown = await attendance(world)
    assert "**1** attendee (" in shown
    assert "Not counted: 1 member of staff or interpreter." in shown


async def test_roles_set_after_people_arrived_still_exclude_them(world: World) -> None:
    await world.organiser.slash(world.lobby, "event create", name="Late roles")
    await world.organiser.slash(world.lobby, "event room-add", channel=world.room_b, name="Arabic")
    await world.interpreter.join_voice(world.room_b)
    await world.alice.join_voice(world.room_b)
    assert "**2** attendees" in await attendance(world)
    await world.organiser.slash(world.lobby, "event roles", interpreter=world.interpreter_role)
    shown = await attendance(world)
    assert "**1** attendee (" in shown
    assert "Not counted: 1 member of staff or interpreter." in shown


async def test_members_already_in_a_room_are_counted(world: World) -> None:
    stage = world.guild.create_voice_channel("plenary")
    await world.organiser.slash(world.lobby, "event create", name="Plenary")
    await world.alice.join_voice(stage)  # before the channel became a breakout room
    await world.organiser.slash(world.lobby, "event room-add", channel=stage, name="Plenary")
    assert "**1** attendee (" in await attendance(world)


async def test_attendance_is_for_organisers_and_check_in_needs_an_event(world: World) -> None:
    refused = await world.alice.slash(world.lobby, "checkin")
    assert "no active event" in refused.response.content
    await set_up_event(world)
    for member in (world.alice, world.facilitator):  # hidden: default permission Manage Server
        with pytest.raises(simcord.SetupError):
            await member.slash(world.lobby, "attendance")
