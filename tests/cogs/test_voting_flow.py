from __future__ import annotations

import simcord

from bot.domain.tally import tally
from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event


async def test_vote_through_ballot_menus_and_submit(world: World, db: Database) -> None:
    await set_up_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    assert shown.ephemeral
    ballot = shown.response
    assert "0 of 6" in ballot.content
    await world.alice.select(ballot, ["2", "3"], custom_id=f"pb:menu:1:0")
    assert "2 of 6" in shown.response.content
    await world.alice.select(ballot, ["24", "25"], custom_id="pb:menu:1:1")
    assert "4 of 6" in shown.response.content
    done = await world.alice.click(ballot, custom_id="pb:submit:1")
    assert "saved" in shown.response.content
    assert "25 · Regional & thematic hubs" in shown.response.content

    repo = Repository(db)
    stored = await repo.ballot(1, str(world.alice.id))
    assert stored is not None
    assert stored.picks == {2, 3, 24, 25}
    assert stored.room == "French"
    assert done.acknowledged
