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


async def test_synced_commands_carry_translated_descriptions(simcord_env: simcord.Env) -> None:
    synced = [
        entry.json
        for entry in simcord_env.http_requests
        if entry.method == "PUT" and entry.path.endswith("/commands") and isinstance(entry.json, list)
    ]
    assert synced, "the bot synced its commands at start"
    vote = next(command for command in synced[-1] if command["name"] == "vote")
    assert vote["description"] == "Open your ballot for the current round"
    localised = vote.get("description_localizations") or {}
    assert {"fr", "de", "es-ES", "ru", "id", "hi", "zh-CN", "zh-TW"} <= set(localised)
    assert localised["fr"] != vote["description"]
    assert not vote.get("name_localizations")  # names stay as they are, for one instruction to all
