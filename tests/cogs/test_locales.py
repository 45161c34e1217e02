"""Participants vote in their own language: their Discord locale, or /language (Arabic)."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from tests.cogs.conftest import World, set_up_event

ROUND = 1


@pytest.mark.parametrize(
    ("locale", "language"), [("fr", "fr"), ("id", "id"), ("zh-CN", "zh_Hans"), ("zh-TW", "zh_Hant")]
)
async def test_ballot_and_confirmation_follow_the_discord_locale(
    world: World, member_locales: dict[int, str], locale: str, language: str
) -> None:
    await set_up_event(world)
    member_locales[world.alice.id] = locale
    tr = Translator(language)
    saved = tr("✅ Your ballot is saved.")
    assert saved != "✅ Your ballot is saved."  # the catalogue really translates it
    shown = await world.alice.slash(world.room_a, "vote")
    assert shown.response.content.startswith(
        tr("**Your ballot** for the round {round} (room {room})", round="Global priorities", room="French")
    )
    await world.alice.select(shown.response, ["24"], custom_id=f"pb:menu:{ROUND}:1")
    await world.alice.click(shown.response, custom_id=f"pb:submit:{ROUND}")
    assert shown.response.content.startswith(saved)
    # initiative titles come from the catalogue's translations
    assert world.env.bot.repo is not None
    refused = await world.alice.slash(world.lobby, "pick", initiative=3)
    assert refused.response.content.startswith(
        tr("Votes are taken in the event's breakout rooms: {rooms}.", rooms="")[:12]
    )


async def test_arabic_through_the_language_command(world: World) -> None:
    await set_up_event(world)
    await world.alice.slash(world.room_a, "language", code="ar")
    tr = Translator("ar")
    added = await world.alice.slash(world.room_a, "pick", initiative=24)
    content = added.response.content
    assert content.startswith("\u200f")  # right-to-left
    assert "✅" in content and any("\u0600" <= ch <= "\u06ff" for ch in content)
    assert content.startswith(tr("✅ Added {initiative}.", initiative="")[:4])
    assert "\u206824" in content  # the initiative number is isolated from the Arabic around it
