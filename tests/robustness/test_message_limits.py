"""Replies must fit Discord's 2,000-character message limit whatever the event's size.

Found while fuzzing: these replies are built from unbounded lists (rooms, picks); Discord refuses
a message over 2,000 characters with HTTP 400, and a member whose vote was committed would be
told it may not have been saved. The replies now keep their head and tail and cut the list.
"""

from __future__ import annotations

from pathlib import Path

import discord
import simcord

from bot.client import PriorityBot
from db.connection import Database
from db.repositories import Repository

DISCORD_CONTENT_LIMIT = 2000


async def organised_guild(
    env: simcord.Env,
) -> tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.MemberActor]:
    guild = env.create_guild("Big event")
    lobby = guild.create_text_channel("lobby")
    organisers = guild.create_role("Organisers", permissions=discord.Permissions(manage_guild=True))
    return guild, lobby, guild.add_member(env.create_user("olga"), roles=[organisers])


def answer(result: simcord.InteractionResult) -> str:
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    return message.content


async def test_round_status_of_an_event_with_many_rooms(tmp_path: Path) -> None:
    async with (
        await Database.open(tmp_path / "db.sqlite3") as db,
        simcord.run(PriorityBot(db, sync_commands_on_start=True)) as env,
    ):
        guild, lobby, organiser = await organised_guild(env)
        await organiser.slash(lobby, "event create", name="Big")
        for index in range(90):
            channel = guild.create_text_channel(f"room-{index}")
            await organiser.slash(lobby, "event room-add", channel=channel, name=f"Breakout room {index:02d}")
        await organiser.slash(lobby, "round open", name="R")
        status = answer(await organiser.slash(lobby, "round status"))
        assert "0 ballots so far" in status, status
        assert len(status) <= DISCORD_CONTENT_LIMIT


LONG_TITLES = "\n".join(
    [
        'name = "Long titles"',
        "[[recommendations]]",
        "number = 1",
        'title = "One"',
        *(
            f'[[recommendations.initiatives]]\nnumber = {n}\ntitle = "{n:02d} {"long title " * 15}"'
            for n in range(1, 31)
        ),
    ]
).encode()


async def test_pick_reply_with_many_long_picks(tmp_path: Path) -> None:
    async with (
        await Database.open(tmp_path / "db.sqlite3") as db,
        simcord.run(PriorityBot(db, sync_commands_on_start=True)) as env,
    ):
        guild, lobby, organiser = await organised_guild(env)
        room = guild.create_text_channel("room")
        voter = guild.add_member(env.create_user("vic"))
        await organiser.slash(lobby, "event create", name="Long", file=("long.toml", LONG_TITLES))
        await organiser.slash(lobby, "event room-add", channel=room, name="Room")
        await organiser.slash(lobby, "round open", name="R", max_picks=30)
        repo = Repository(db)
        for number in range(1, 31):
            reply = answer(await voter.slash(room, "pick", initiative=number))
            stored = await repo.ballots([1])
            assert stored and number in stored[0].picks  # committed either way
            assert "✅ Added" in reply, (number, reply)
