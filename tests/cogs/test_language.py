from __future__ import annotations

from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event


async def test_language_choice_is_stored_and_can_be_reset(world: World, db: Database) -> None:
    await set_up_event(world)
    chosen = await world.alice.slash(world.room_a, "language", code="ar")
    assert chosen.ephemeral
    repo = Repository(db)
    assert await repo.user_language(world.guild.id, world.alice.id) == "ar"
    choices = await world.alice.autocomplete(world.room_a, "language", "code", "arab")
    assert choices[0]["value"] == "ar"
    unknown = await world.alice.slash(world.room_a, "language", code="tlh")
    # alice now reads Arabic: right-to-left, with the code isolated from the text around it
    assert unknown.response.content.startswith("\u200f")
    assert "\u2068tlh\u2069" in unknown.response.content
    await world.alice.slash(world.room_a, "language", code="auto")
    assert await repo.user_language(world.guild.id, world.alice.id) is None


async def test_event_language_is_for_organisers(world: World, db: Database) -> None:
    await set_up_event(world)
    done = await world.organiser.slash(world.lobby, "event language", code="fr")
    assert done.ephemeral
    event = await Repository(db).active_event(world.guild.id)
    assert event.language == "fr"
    refused = await world.organiser.slash(world.lobby, "event language", code="xx")
    assert "Unknown language xx" in refused.response.content
