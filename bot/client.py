"""The Discord bot: resources injected at construction, cogs and persistent components at start."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.i18n.discord import CatalogueTranslator
from bot.ui.ballot import PERSISTENT_ITEMS
from bot.ui.deadline import InteractionLoad
from db.connection import Database
from db.repositories import Repository

log = logging.getLogger("prioritybot")

EXTENSIONS = (
    "cogs.errors",
    "cogs.events",
    "cogs.rounds",
    "cogs.voting",
    "cogs.language",
    "cogs.results",
    "cogs.tally",
    "cogs.attendance",
    "cogs.feedback",
)


def bot_intents() -> discord.Intents:
    """Only what the features need: guilds (channels, roles) and voice states (attendance).

    No privileged intents: members arrive with each interaction, and message content is never read.
    """
    intents = discord.Intents.none()
    intents.guilds = True
    intents.voice_states = True
    return intents


class PriorityTree(app_commands.CommandTree["PriorityBot"]):
    async def interaction_check(self, interaction: discord.Interaction[PriorityBot], /) -> bool:
        # A command already past Discord's deadline is dropped before any work, and admitted ones
        # wait for a work slot (bot/ui/deadline.py). The slot is given back when the command has
        # finished: on_app_command_completion below, or the error handler (cogs/errors.py).
        # Autocomplete is answered by neither, and is too small to queue: it holds no slot.
        if interaction.type is discord.InteractionType.autocomplete:
            return self.client.load.admit(interaction)
        return await self.client.load.acquire(interaction)


class PriorityBot(commands.Bot):
    def __init__(
        self, db: Database, settings: Settings | None = None, *, sync_commands_on_start: bool = False
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            help_command=None,
            # Nothing the bot sends can ping anyone unless a message opts in explicitly.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=PriorityTree,
        )
        self.db = db
        self.load = InteractionLoad()
        self.settings = settings
        # Stored times follow discord.utils.utcnow, the clock the bot's timers use.
        self.repo = Repository(db, clock=discord.utils.utcnow)
        self.sync_commands_on_start = sync_commands_on_start

    async def setup_hook(self) -> None:
        # The database was opened and migrated in main(); here: cogs, then persistent components.
        await self.tree.set_translator(CatalogueTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(*PERSISTENT_ITEMS)
        if self.sync_commands_on_start:
            await self.tree.sync()

    async def on_app_command_completion(
        self,
        interaction: discord.Interaction,
        command: app_commands.Command[Any, ..., Any] | app_commands.ContextMenu,
    ) -> None:
        self.load.release(interaction)

    async def close(self) -> None:
        self.load.stop()
        await super().close()


async def _sync(settings: Settings, guild_id: int | None) -> int:
    assert settings.token
    async with await Database.open(settings.db_path) as db:
        bot = PriorityBot(db, settings)
        async with bot:
            await bot.login(settings.token)  # runs setup_hook: the tree is complete
            if guild_id:
                guild = discord.Object(id=guild_id)
                bot.tree.copy_global_to(guild=guild)
                synced = await bot.tree.sync(guild=guild)
            else:
                synced = await bot.tree.sync()
    print(
        f"Synced {len(synced)} commands "
        + (f"to server {guild_id}." if guild_id else "globally (may take up to an hour to appear).")
    )
    return 0


def run_bot(settings: Settings, sync_guild: int | None = None, *, sync_only: bool = False) -> int:
    discord.utils.setup_logging(level=getattr(logging, settings.log_level, logging.INFO))
    if sync_only:
        return asyncio.run(_sync(settings, sync_guild))
    asyncio.run(_start(settings))
    return 0


async def _start(settings: Settings) -> None:
    assert settings.token
    async with await Database.open(settings.db_path) as db:
        bot = PriorityBot(db, settings)
        async with bot:
            await bot.start(settings.token)
