"""Participants vote and give feedback in their own language: their Discord locale, or /language."""

from __future__ import annotations

import pytest

from bot.i18n import Translator
from tests.cogs.conftest import World, set_up_event, submit_form

ROUND = 1
EVENT = 1
GIVE = f"pb:fb:give:{EVENT}"
INPUTS = {
    f"pb:fb:input:{name}": value
    for name, value in (("liked", "A"), ("missing", "B"), ("active_role", "C"), ("rating", "5"))
}


@pytest.mark.parametrize(
    ("locale", "language"), [("fr", "fr"), ("id", "id"), ("zh-CN", "zh_Hans"), ("zh-TW", "zh_Hant")]
)
async def test_voting_and_feedback_follow_the_discord_locale(
    world: World, member_locales: dict[int, str], locale: str, language: str
) -> None:
    await set_up_event(world)
    member_locales[world.alice.id] = locale
    tr = Translator(language)
    saved = tr("✅ Your ballot is saved.")
    assert saved != "✅ Your ballot is saved."  # the catalogue really translates it

    shown = await world.alice.slash(world.room_a, "vote")
    heading = tr(
        "**Your ballot** for the round {round} (room {room})", round="Global priorities", room="French"
    )
    assert shown.modal is not None
    assert shown.modal["components"][0]["content"].startswith(heading)
    assert shown.modal["components"][1]["label"] == tr("Recommendations {first}-{last}", first=1, last=3)
    done = await submit_form(world.alice, shown, menu1=[24])
    assert done.response.content.startswith(saved)
    # the initiative's title comes from the catalogue's (unofficial) translations
    assert world.env.bot.repo is not None
    council = (
        (await world.env.bot.repo.active_event(world.guild.id)).catalogue.initiative(24).title_in(language)
    )
    assert council != "The Global Council" and council in done.response.content

    refused = await world.alice.slash(world.lobby, "pick", initiative=3)
    rooms = f"<#{world.room_a.id}>, <#{world.room_b.id}>"
    assert refused.response.content == tr(
        "Votes are taken in the event's breakout rooms: {rooms}.", rooms=rooms
    )

    opened = await world.organiser.slash(world.lobby, "feedback open")
    form = await world.alice.click(opened.response, custom_id=GIVE)
    assert form.modal is not None
    done = await world.alice.submit_modal(form, INPUTS)
    thanks = tr("✅ Thank you! Your feedback is saved.")
    assert thanks != "✅ Thank you! Your feedback is saved."
    assert done.response.content.startswith(thanks)


async def test_arabic_through_the_language_command(world: World) -> None:
    await set_up_event(world)
    await world.alice.slash(world.room_a, "language", code="ar")
    tr = Translator("ar")
    added = await world.alice.slash(world.room_a, "pick", initiative=24)
    content = added.response.content
    assert content.startswith("\u200f")  # right-to-left
    label = "24 · " + (await world.env.bot.repo.active_event(world.guild.id)).catalogue.initiative(
        24
    ).title_in("ar")
    assert content.startswith(tr("✅ Added {initiative}.", initiative=label))
    assert "\u206824 · " in content  # the initiative number is isolated from the Arabic around it
    assert any("\u0600" <= ch <= "\u06ff" for ch in content)

    opened = await world.organiser.slash(world.lobby, "feedback open")
    form = await world.alice.click(opened.response, custom_id=GIVE)
    refused = await world.alice.submit_modal(form, {**INPUTS, "pb:fb:input:liked": "  "})
    question = tr.gettext("What do you like about the priorities?")
    assert question != "What do you like about the priorities?"
    assert question in refused.response.content  # the built-in question is named in Arabic too
    form = await world.alice.click(opened.response, custom_id=GIVE)
    done = await world.alice.submit_modal(form, INPUTS)
    assert done.response.content.startswith(tr("✅ Thank you! Your feedback is saved."))
    assert done.response.content.startswith("\u200f")
