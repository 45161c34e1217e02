"""The one error handler for every app command (components use the same report_error)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.ui.common import report_error

if TYPE_CHECKING:
    from bot.client import PriorityBot


class Errors(commands.Cog):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot
        self._previous_handler = bot.tree.on_error

    async def cog_load(self) -> None:
        self.bot.tree.on_error = self.on_app_command_error  # type: ignore[method-assign]

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous_handler  # type: ignore[method-assign]

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        try:
            await report_error(interaction, error)
        finally:
            self.bot.load.release(interaction)  # the work slot PriorityTree.interaction_check took


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(Errors(bot))
