"""The floor: a bare discord.Client that answers every interaction with an ephemeral "ok".

    python -m tests.loopback.floor_bot --api http://127.0.0.1:PORT/api/v10

Same intents, same discord.py gateway, HTTP and rate-limit code as the bot, and no work at all
per interaction: what the bot costs beyond this is the bot's own. Started the way bot/client.py
starts the bot (``setup_logging``, ``asyncio.run``, ``async with client: await client.start``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

try:
    from tests.loopback.launch_bot import parse_args, point_discord_py_at
except ImportError:  # run by path, with another checkout's ``tests`` first on sys.path
    from launch_bot import parse_args, point_discord_py_at  # type: ignore[no-redef]


def floor_intents() -> object:
    """The bot's intents (bot.client.bot_intents: guilds and voice states, nothing privileged),
    repeated here so the floor does not import the bot it is measured against."""
    import discord

    intents = discord.Intents.none()
    intents.guilds = True
    intents.voice_states = True
    return intents


async def _start(token: str) -> None:
    import discord

    client = discord.Client(intents=floor_intents(), allowed_mentions=discord.AllowedMentions.none())  # type: ignore[arg-type]

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        # Too late or twice: the stub counts it, and so does the report; nothing to do here.
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.send_message("ok", ephemeral=True)

    async with client:
        await client.start(token)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv, "Run the floor client against the loopback Discord.")
    point_discord_py_at(args.api)
    import discord

    discord.utils.setup_logging(
        level=getattr(logging, os.environ.get("PRIORITYBOT_LOG_LEVEL", "INFO").upper())
    )
    with contextlib.suppress(KeyboardInterrupt):  # SIGINT is how the driver stops us
        asyncio.run(_start(args.token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
