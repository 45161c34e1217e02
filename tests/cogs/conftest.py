from __future__ import annotations

from dataclasses import dataclass

import discord
import pytest
import simcord

from bot.client import PriorityBot
from db.connection import Database


@pytest.fixture
def simcord_bot(db: Database) -> PriorityBot:
    return PriorityBot(db, sync_commands_on_start=True)


@dataclass
class World:
    env: simcord.Env
    guild: simcord.GuildHandle
    lobby: simcord.ChannelHandle
    room_a: simcord.ChannelHandle
    room_b: simcord.ChannelHandle
    organiser: simcord.MemberActor
    facilitator: simcord.MemberActor
    facilitator_role: simcord.RoleHandle
    staff_role: simcord.RoleHandle
    alice: simcord.MemberActor
    bob: simcord.MemberActor
    carol: simcord.MemberActor
    interpreter: simcord.MemberActor
    interpreter_role: simcord.RoleHandle

    async def restart(self, db: Database) -> PriorityBot:
        bot = PriorityBot(db, sync_commands_on_start=True)
        await self.env.restart_bot(bot)
        return bot


@pytest.fixture
def world(simcord_env: simcord.Env) -> World:
    env = simcord_env
    guild = env.create_guild("Global Conversations")
    lobby = guild.create_text_channel("lobby")
    room_a = guild.create_text_channel("room-french")
    room_b = guild.create_voice_channel("room-arabic")
    organisers = guild.create_role("Organisers", permissions=discord.Permissions(manage_guild=True))
    facilitators = guild.create_role("Facilitators")
    staff = guild.create_role("Staff")
    interpreters = guild.create_role("Interpreters")
    return World(
        env=env,
        guild=guild,
        lobby=lobby,
        room_a=room_a,
        room_b=room_b,
        organiser=guild.add_member(env.create_user("olga"), roles=[organisers]),
        facilitator=guild.add_member(env.create_user("farid"), roles=[facilitators]),
        facilitator_role=facilitators,
        staff_role=staff,
        alice=guild.add_member(env.create_user("alice")),
        bob=guild.add_member(env.create_user("bob")),
        carol=guild.add_member(env.create_user("carol")),
        interpreter=guild.add_member(env.create_user("ines"), roles=[interpreters]),
        interpreter_role=interpreters,
    )


async def set_up_event(world: World, **round_options: object) -> None:
    """Organiser creates the event, two rooms and the roles; facilitator opens a round."""
    await world.organiser.slash(world.lobby, "event create", name="GC 2020")
    await world.organiser.slash(world.lobby, "event room-add", channel=world.room_a, name="French")
    await world.organiser.slash(world.lobby, "event room-add", channel=world.room_b, name="Arabic")
    await world.organiser.slash(
        world.lobby,
        "event roles",
        facilitator=world.facilitator_role,
        staff=world.staff_role,
        interpreter=world.interpreter_role,
    )
    options = {"name": "Global priorities", **round_options}
    result = await world.facilitator.slash(world.lobby, "round open", **options)
    assert "is open" in result.response.content, result.response.content


@pytest.fixture
def member_locales(monkeypatch: pytest.MonkeyPatch) -> dict[int, str]:
    """Discord client locales per member id (simcord sends en-US unless told otherwise)."""
    import simcord.interactions

    locales: dict[int, str] = {}
    original = simcord.interactions.base_payload

    def with_locale(*args: object, **kwargs: object) -> object:
        record, payload = original(*args, **kwargs)  # type: ignore[arg-type]
        locale = locales.get(int(kwargs["user_id"]))  # type: ignore[arg-type]
        if locale:
            payload["locale"] = locale
        return record, payload

    monkeypatch.setattr(simcord.interactions, "base_payload", with_locale)
    return locales
