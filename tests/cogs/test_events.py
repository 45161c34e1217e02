from __future__ import annotations

import logging

import discord
import pytest
import simcord

from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event

TINY_CATALOGUE = b"""
name = "Tiny"
[[recommendations]]
number = 1
title = "Only"
  [[recommendations.initiatives]]
  number = 1
  title = "Alpha"
  [[recommendations.initiatives]]
  number = 2
  title = "Beta"
"""


async def test_create_with_an_attached_catalogue(world: World, db: Database) -> None:
    created = await world.organiser.slash(
        world.lobby, "event create", name="Tiny event", file=("tiny.toml", TINY_CATALOGUE)
    )
    assert created.ephemeral
    assert "1 recommendations, 2 initiatives" in created.response.content
    event = await Repository(db).active_event(world.guild.id)
    assert [i.title for i in event.catalogue.initiatives] == ["Alpha", "Beta"]


async def test_a_bad_catalogue_file_is_refused_and_nothing_is_stored(world: World, db: Database) -> None:
    bad = TINY_CATALOGUE.replace(b"number = 2", b"number = 1")
    refused = await world.organiser.slash(world.lobby, "event create", name="Bad", file=("bad.toml", bad))
    assert refused.ephemeral
    assert "bad.toml: initiative number 1 is used twice" in refused.response.content
    assert await Repository(db).event_names(world.guild.id) == []


async def test_one_active_event_per_server(world: World) -> None:
    await world.organiser.slash(world.lobby, "event create", name="First")
    second = await world.organiser.slash(world.lobby, "event create", name="Second")
    assert "still active" in second.response.content
    await world.organiser.slash(world.lobby, "event close")
    third = await world.organiser.slash(world.lobby, "event create", name="Second")
    assert "created" in third.response.content


async def test_event_commands_are_hidden_from_and_refused_to_participants(world: World) -> None:
    await set_up_event(world)
    visible = world.alice.available_commands(world.lobby)
    assert "vote" in visible
    assert not any(name.startswith("event ") for name in visible)
    with pytest.raises(simcord.SetupError):
        await world.alice.slash(world.lobby, "event info")


async def test_organiser_role_grants_event_commands_at_run_time(world: World, db: Database) -> None:
    await set_up_event(world)
    helpers = world.guild.create_role("Helpers")
    await world.organiser.slash(world.lobby, "event roles", organiser=helpers)
    helper = world.guild.add_member(world.env.create_user("hana"), roles=[helpers])
    event_command = next(c for c in await world.env.bot.tree.fetch_commands() if c.name == "event")
    world.guild.set_command_permissions(event_command, {helpers: True, world.facilitator_role: True})
    info = await helper.slash(world.lobby, "event info")
    assert info.response.embeds[0].title == "GC 2020"
    await world.facilitator.slash(world.lobby, "round close")
    # a server admin let facilitators see /event, but the facilitator role does not make an organiser
    refused = await world.facilitator.slash(world.lobby, "event close")
    assert "Only organisers" in refused.response.content
    assert (await Repository(db).active_event(world.guild.id)) is not None


async def test_rooms_merge_rules_and_info(world: World, db: Database) -> None:
    await set_up_event(world)
    clash = await world.organiser.slash(world.lobby, "event room-add", channel=world.room_a, name="Other")
    assert "already the breakout room French" in clash.response.content
    added = await world.organiser.slash(
        world.lobby, "event merge-add", source=10, target=13, note="accessibility"
    )
    assert "counts for 13" in added.response.content
    same = await world.organiser.slash(world.lobby, "event merge-add", source=10, target=10)
    assert "into itself" in same.response.content
    unknown = await world.organiser.slash(world.lobby, "event merge-add", source=10, target=99)
    assert "initiative 99" in unknown.response.content
    info = await world.organiser.slash(world.lobby, "event info")
    fields = {field.name: field.value for field in info.response.embeds[0].fields}
    assert "23 → 24" in fields["Merge rules"]
    assert "10 → 13" in fields["Merge rules"]
    assert "French" in fields["Breakout rooms"]
    assert "Global priorities: open" in fields["Rounds"]
    removed = await world.organiser.slash(world.lobby, "event merge-remove", source=23, target=24)
    assert "removed" in removed.response.content
    gone = await world.organiser.slash(world.lobby, "event merge-remove", source=23, target=24)
    assert "no merge rule 23 -> 24" in gone.response.content
    left = await world.organiser.slash(world.lobby, "event room-remove", channel=world.room_a)
    assert "no longer a breakout room" in left.response.content
    event = await Repository(db).active_event(world.guild.id)
    assert [(r.source, r.target) for r in event.catalogue.merge_rules] == [(10, 13)]
    vote = await world.alice.slash(world.room_a, "vote")
    assert "breakout rooms" in vote.response.content


async def test_no_event_yet_is_explained(world: World) -> None:
    result = await world.alice.slash(world.room_a, "vote")
    assert result.ephemeral
    assert "no active event" in result.response.content


async def test_unexpected_errors_are_logged_with_an_id(
    world: World, db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up_event(world)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Repository, "ballot_counts_by_room", broken)
    with caplog.at_level(logging.ERROR, logger="prioritybot.errors"):
        result = await world.facilitator.slash(world.lobby, "round status")
    assert result.ephemeral
    assert "Something went wrong on our side (error " in result.response.content
    error_id = result.response.content.split("(error ")[1].split(")")[0]
    assert any(error_id in record.getMessage() for record in caplog.records)
    assert "disk on fire" not in result.response.content


async def test_guilds_do_not_see_each_other(world: World, db: Database) -> None:
    await set_up_event(world)
    other = world.env.create_guild("Other server")
    other_room = other.create_text_channel("room")
    admin_role = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = other.add_member(world.env.create_user("zed"), roles=[admin_role])
    info = await admin.slash(other_room, "event info")
    assert "no active event" in info.response.content
    await admin.slash(other_room, "event create", name="GC 2020")
    await admin.slash(other_room, "event room-add", channel=other_room)
    await admin.slash(other_room, "round open", name="Global priorities")
    await admin.slash(other_room, "pick", initiative=1)
    repo = Repository(db)
    first = await repo.active_event(world.guild.id)
    second = await repo.active_event(other.id)
    assert first.id != second.id
    first_round = (await repo.rounds(first.id))[0]
    assert await repo.ballots([first_round.id]) == []
    mine = await world.alice.slash(world.room_a, "myballot")
    assert "not voted" in mine.response.content
