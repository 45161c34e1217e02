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


def form_defaults(shown: simcord.InteractionResult) -> dict[str, list[str]]:
    """The values each menu of a shown ballot form is pre-filled with, by custom_id."""
    assert shown.modal is not None, shown.response and shown.response.content
    values: dict[str, list[str]] = {}
    for component in shown.modal["components"]:
        select = component.get("component")
        if select and select.get("type") == 3:
            values[select["custom_id"]] = [o["value"] for o in select["options"] if o.get("default")]
    return values


async def submit_form(
    actor: simcord.MemberActor, shown: simcord.InteractionResult, **menus: list[int]
) -> simcord.InteractionResult:
    """Submit a ballot form as a person would: menus not named keep what they were pre-filled with.

    Menus are named ``menu0``, ``menu1``, ... after their index in the form.
    """
    values = form_defaults(shown)
    for name, picks in menus.items():
        index = int(name.removeprefix("menu"))
        custom_id = next(key for key in values if key.endswith(f":{index}"))
        values[custom_id] = [str(n) for n in picks]
    return await actor.submit_modal(shown, values)


async def vote_in_form(
    actor: simcord.MemberActor, channel: simcord.ChannelHandle, picks: list[int]
) -> simcord.InteractionResult:
    """/vote and submit ``picks`` (report catalogue: menu 0 holds 1-21, menu 1 holds 22-45)."""
    shown = await actor.slash(channel, "vote")
    return await submit_form(
        actor, shown, menu0=[n for n in picks if n <= 21], menu1=[n for n in picks if n > 21]
    )
