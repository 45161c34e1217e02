"""Localised command and option descriptions through discord.py's app_commands.Translator.

Command and option *names* stay as they are, so a facilitator can give one instruction
("type /vote") to a room that speaks seven languages; descriptions and choice names follow each
member's Discord language.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import DEFAULT_LANGUAGE, Translator, normalise_language

_UNTRANSLATED = (
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
)


class CatalogueTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        if context.location in _UNTRANSLATED:
            return None
        language = normalise_language(locale.value)
        if language == DEFAULT_LANGUAGE:
            return None
        translated = Translator(language).gettext(string.message)
        return translated if translated != string.message else None
