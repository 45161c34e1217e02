"""Two servers running events of the same name: nothing one does can read or change the other's."""

from __future__ import annotations

import json
import sqlite3

import discord
import simcord

from bot.domain.tally import tally
from bot.i18n import Translator
from bot.ui.results import results_embed
from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event

A_BALLOTS = {"alice": {1, 2, 3}, "bob": {4}, "dora": {5, 6}}
B_BALLOTS = {"bea": {40, 41}, "dora": {7}}

State = dict[int, tuple[list[str], dict[str, frozenset[int]]]]


def second_world(env: simcord.Env, dora: simcord.UserHandle) -> tuple[World, simcord.MemberActor]:
    """Guild B, built like guild A (same event, room and round names), sharing the member dora."""
    guild = env.create_guild("Global Conversations B")
    organisers = guild.create_role("Organisers", permissions=discord.Permissions(manage_guild=True))
    facilitators = guild.create_role("Facilitators")
    interpreters = guild.create_role("Interpreters")
    world = World(
        env=env,
        guild=guild,
        lobby=guild.create_text_channel("lobby"),
        room_a=guild.create_text_channel("room-french"),
        room_b=guild.create_voice_channel("room-arabic"),
        organiser=guild.add_member(env.create_user("olga-b"), roles=[organisers]),
        facilitator=guild.add_member(env.create_user("farid-b"), roles=[facilitators]),
        facilitator_role=facilitators,
        staff_role=guild.create_role("Staff"),
        alice=guild.add_member(env.create_user("bea")),
        bob=guild.add_member(env.create_user("bruno")),
        carol=guild.add_member(env.create_user("clara")),
        interpreter=guild.add_member(env.create_user("ivo"), roles=[interpreters]),
        interpreter_role=interpreters,
    )
    return world, guild.add_member(dora)


def state(db: Database) -> State:
    """Per guild: its rounds' statuses and its ballots (by Discord user id)."""
    connection = sqlite3.connect(db.path)
    try:
        found: State = {}
        for guild_id, status in connection.execute(
            "SELECT e.guild_id, r.status FROM rounds r JOIN events e ON e.id = r.event_id ORDER BY r.id"
        ):
            found.setdefault(guild_id, ([], {}))[0].append(status)
        for guild_id, voter, number in connection.execute(
            "SELECT e.guild_id, b.voter, p.initiative FROM ballots b JOIN rounds r ON r.id = b.round_id "
            "JOIN events e ON e.id = r.event_id JOIN ballot_picks p ON p.ballot_id = b.id"
        ):
            ballots = found[guild_id][1]
            ballots[voter] = ballots.get(voter, frozenset()) | {number}
        return found
    finally:
        connection.close()


def by_id(members: dict[str, simcord.MemberActor], ballots: dict[str, set[int]]) -> dict[str, frozenset[int]]:
    return {str(members[name].id): frozenset(picks) for name, picks in ballots.items()}


def edits_of(env: simcord.Env, message_id: int) -> int:
    return sum(1 for r in env.http_requests if r.method == "PATCH" and str(message_id) in r.path)


def last_message(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    return message


async def test_two_guilds_with_the_same_event_name_are_isolated(world: World, db: Database) -> None:
    env = world.env
    dora_user = env.create_user("dora")
    dora_a = world.guild.add_member(dora_user)
    b, dora_b = second_world(env, dora_user)
    assert dora_a.id == dora_b.id  # one Discord user, a member of both servers
    await set_up_event(world)
    await set_up_event(b)
    a_members = {"alice": world.alice, "bob": world.bob, "dora": dora_a}
    b_members = {"bea": b.alice, "dora": dora_b}
    for members, ballots, w in ((a_members, A_BALLOTS, world), (b_members, B_BALLOTS, b)):
        for name, picks in ballots.items():
            room = w.room_b if name == "bob" else w.room_a
            for number in sorted(picks):
                added = await members[name].slash(room, "pick", initiative=number)
                assert "Added" in added.response.content
    expected: State = {
        world.guild.id: (["open"], by_id(a_members, A_BALLOTS)),
        b.guild.id: (["open"], by_id(b_members, B_BALLOTS)),
    }
    assert state(db) == expected

    # /event info: each organiser sees their own rooms only.
    info_b = (await b.organiser.slash(b.lobby, "event info")).response.embeds[0]
    rooms_b = next(field.value for field in info_b.fields if field.name == "Breakout rooms")
    assert info_b.title == "GC 2020"
    assert f"<#{b.room_a.id}>" in rooms_b and f"<#{b.room_b.id}>" in rooms_b
    assert str(world.room_a.id) not in rooms_b and str(world.room_b.id) not in rooms_b

    # /round status: each server's own count.
    status_a = (await world.facilitator.slash(world.lobby, "round status")).response.content
    status_b = (await b.facilitator.slash(b.lobby, "round status")).response.content
    assert "3 ballots so far" in status_a and "French: 2" in status_a and "Arabic: 1" in status_a
    assert "2 ballots so far" in status_b and "French: 2" in status_b and "Arabic: 0" in status_b

    # /myballot: the same user sees a different ballot in each server.
    mine_a = (await dora_a.slash(world.lobby, "myballot")).response.content
    mine_b = (await dora_b.slash(b.lobby, "myballot")).response.content
    assert "• 5 · " in mine_a and "• 6 · " in mine_a and "• 7 · " not in mine_a
    assert "• 7 · " in mine_b and "• 5 · " not in mine_b
    assert state(db) == expected

    # /pick in B changes B's ballot only.
    await dora_b.slash(b.room_a, "pick", initiative=8)
    expected[b.guild.id][1][str(dora_b.id)] = frozenset({7, 8})
    assert state(db) == expected

    # /results show in B: exactly B's tally.
    repo = Repository(db)
    event_b = await repo.active_event(b.guild.id)
    event_a = await repo.active_event(world.guild.id)
    assert event_a is not None and event_b is not None and event_a.id != event_b.id
    round_b = await repo.open_round_of(event_b.id)
    assert round_b is not None
    tally_b = tally(event_b.catalogue, list(expected[b.guild.id][1].values()))
    shown = last_message(await b.alice.slash(b.lobby, "results show")).embeds[0]
    wanted, _ = results_embed(Translator("en-US"), round_b, None, tally_b, 0)
    assert shown.description == wanted.description
    assert "2 ballots" in (shown.description or "")

    # /export by B's organiser: B's ballots only.
    exported = last_message(await b.organiser.slash(b.lobby, "export", format="json"))
    document = json.loads(await exported.attachments[0].read())
    assert sorted(ballot["picks"] for ballot in document["ballots"]) == sorted(
        sorted(picks) for picks in expected[b.guild.id][1].values()
    )
    assert state(db) == expected

    # /tally post in B follows B's ballots only.
    posted = await b.facilitator.slash(b.lobby, "tally post")
    assert "Live tally posted" in last_message(posted).content
    live_b = b.lobby.last_message
    assert live_b is not None and "2 ballots cast" in (live_b.embeds[0].description or "")
    await world.carol.slash(world.room_a, "pick", initiative=9)  # a new ballot in A
    expected[world.guild.id][1][str(world.carol.id)] = frozenset({9})
    await env.advance_time(5.0)
    assert edits_of(env, live_b.id) == 0
    await b.carol.slash(b.room_a, "pick", initiative=10)  # and one in B
    expected[b.guild.id][1][str(b.carol.id)] = frozenset({10})
    await env.advance_time(5.0)
    assert edits_of(env, live_b.id) == 1
    assert "3 ballots cast" in (b.lobby.last_message.embeds[0].description or "")
    assert state(db) == expected

    # /round close in B closes B's round; A keeps voting.
    closed = await b.facilitator.slash(b.lobby, "round close")
    assert "closed with 3 ballots" in closed.response.content
    expected[b.guild.id] = (["closed"], expected[b.guild.id][1])
    assert state(db) == expected
    refused = await dora_b.slash(b.room_a, "pick", initiative=11)
    assert refused.ephemeral and "No voting round is open" in refused.response.content
    await dora_a.slash(world.room_a, "pick", initiative=11)
    expected[world.guild.id][1][str(dora_a.id)] = frozenset({5, 6, 11})
    assert state(db) == expected
