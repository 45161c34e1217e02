"""Every language is complete: each message translated, placeholders kept, Arabic right to left."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import FSI, PDI, RLM, Translator, available_languages
from bot.i18n.extract import LANGUAGES, LOCALES, TEMPLATE


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    template = _read(TEMPLATE)
    catalog = _read(LOCALES / language / "LC_MESSAGES" / "prioritybot.po")
    problems = []
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id)
        if message is None or message.fuzzy:
            problems.append(f"missing: {source.id!r}")
            continue
        ids = source.id if isinstance(source.id, tuple) else (source.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = set().union(*(_placeholders(i) for i in ids))
        for form in forms:
            # a plural form may leave out {count} (e.g. "one ballot"), but never invent a placeholder
            found = _placeholders(form)
            if found - expected or (expected - {"count"}) - found:
                problems.append(f"placeholders differ: {ids[0]!r} -> {form!r}")
    assert problems == []


def test_all_interpretation_languages_are_available() -> None:
    assert set(available_languages()) >= {"en", *LANGUAGES}


def test_arabic_isolates_values_and_reads_right_to_left() -> None:
    tr = Translator("ar")
    text = tr("Picked: **{count} of {max}**", count=3, max=6)
    assert text.startswith(RLM)
    assert f"{FSI}3{PDI}" in text and f"{FSI}6{PDI}" in text
    assert re.search(r"[\u0600-\u06ff]", text)


async def test_command_descriptions_are_localised_but_names_are_not() -> None:
    import discord
    from discord import app_commands

    from bot.i18n.discord import CatalogueTranslator

    translator = CatalogueTranslator()
    location = app_commands.TranslationContextLocation
    description = app_commands.locale_str("Open your ballot for the current round")
    french = await translator.translate(
        description,
        discord.Locale.french,
        app_commands.TranslationContext(location.command_description, None),
    )
    assert french == Translator("fr").gettext("Open your ballot for the current round") != description.message
    name = await translator.translate(
        app_commands.locale_str("vote"),
        discord.Locale.french,
        app_commands.TranslationContext(location.command_name, None),
    )
    assert name is None
    english = await translator.translate(
        description,
        discord.Locale.american_english,
        app_commands.TranslationContext(location.command_description, None),
    )
    assert english is None
