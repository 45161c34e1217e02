"""/language: a member's own language, over their Discord client's (Discord has no Arabic)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import UserError
from bot.i18n import ENGLISH_LANGUAGE_NAMES, LANGUAGE_NAMES, Translator, available_languages
from bot.ui.common import require_guild, translator_for

if TYPE_CHECKING:
    from bot.client import PriorityBot

AUTOMATIC = "auto"


class Language(commands.Cog):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot

    @app_commands.command(name="language", description="Choose the language prioritybot speaks to you")
    @app_commands.describe(code="Your language; 'auto' follows your Discord language again")
    @app_commands.guild_only()
    async def language(self, interaction: discord.Interaction, code: str | None = None) -> None:
        guild_id = require_guild(interaction)
        if code is None:
            tr = await translator_for(interaction)
            await interaction.response.send_message(
                tr(
                    "Your language is {language}. Choose another with /language code.",
                    language=LANGUAGE_NAMES.get(tr.language, tr.language),
                ),
                ephemeral=True,
            )
            return
        if code == AUTOMATIC:
            await self.bot.repo.set_user_language(guild_id, interaction.user.id, None)
            tr = Translator(interaction.locale.value)
            await interaction.response.send_message(
                tr("prioritybot now follows your Discord language."), ephemeral=True
            )
            return
        if code not in available_languages():
            raise UserError(
                "Unknown language {code}. Available: {languages}.",
                code=code[:20],
                languages=", ".join(available_languages()),
            )
        await self.bot.repo.set_user_language(guild_id, interaction.user.id, code)
        tr = Translator(code)
        await interaction.response.send_message(
            tr("prioritybot will now speak {language} to you.", language=LANGUAGE_NAMES.get(code, code)),
            ephemeral=True,
        )

    @language.autocomplete("code")
    async def language_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return language_choices(current)


def language_choices(current: str) -> list[app_commands.Choice[str]]:
    needle = current.casefold()
    choices = []
    for code in available_languages():
        native = LANGUAGE_NAMES.get(code, code)
        english = ENGLISH_LANGUAGE_NAMES.get(code, code)
        label = native if native == english else f"{native} — {english}"
        if needle in f"{code} {native} {english}".casefold():
            choices.append(app_commands.Choice(name=f"{label} ({code})", value=code))
    return [*choices, app_commands.Choice(name="auto", value=AUTOMATIC)][:25]


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(Language(bot))
