from __future__ import annotations

import simcord

from bot.client import EXTENSIONS, PriorityBot, bot_intents


async def test_every_extension_loads_and_no_command_names_clash(simcord_env: simcord.Env) -> None:
    bot = simcord_env.bot
    assert isinstance(bot, PriorityBot)
    assert set(bot.extensions) == set(EXTENSIONS)
    names = [command.qualified_name for command in bot.tree.walk_commands()]
    assert len(names) == len(set(names))
    assert {"vote", "pick", "unpick", "myballot", "event create", "round open", "round panel"} <= set(names)


def test_intents_are_minimal_and_not_privileged() -> None:
    intents = bot_intents()
    assert intents.guilds and intents.voice_states
    assert not (intents.members or intents.presences or intents.message_content)
