"""A catalogue too large for one form (more than five menus) is voted on a paged message ballot."""

from __future__ import annotations

import simcord

from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World

ROUND = 1


def large_catalogue(recommendations: int = 7, per_recommendation: int = 20) -> bytes:
    """7 recommendations of 20 initiatives: seven menus, more than a form holds."""
    lines = ['name = "Large"']
    number = 1
    for r in range(1, recommendations + 1):
        lines += ["[[recommendations]]", f"number = {r}", f'title = "Recommendation {r}"']
        for _ in range(per_recommendation):
            lines += [
                "  [[recommendations.initiatives]]",
                f"  number = {number}",
                f'  title = "Item {number}"',
            ]
            number += 1
    return "\n".join(lines).encode()


async def set_up_large_event(world: World) -> None:
    created = await world.organiser.slash(
        world.lobby, "event create", name="Big", file=("large.toml", large_catalogue())
    )
    assert "140 initiatives" in created.response.content, created.response.content
    await world.organiser.slash(world.lobby, "event room-add", channel=world.room_a, name="French")
    await world.organiser.slash(world.lobby, "event roles", facilitator=world.facilitator_role)
    await world.facilitator.slash(world.lobby, "round open", name="R", max_picks=3)


def menu_ids(message: simcord.MessageLike) -> list[str]:
    return [
        component["custom_id"]
        for row in message.components  # type: ignore[union-attr]
        for component in row["components"]
        if component["type"] == 3
    ]


async def test_menus_come_four_to_a_page_with_a_live_count_and_submit_stores_the_draft(
    world: World, db: Database
) -> None:
    await set_up_large_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    assert shown.modal is None and shown.ephemeral
    ballot = shown.response
    assert "0 of 3" in ballot.content and "Page 1 of 2" in ballot.content
    assert menu_ids(ballot) == [f"pb:menu:{ROUND}:{i}" for i in range(4)]
    await world.alice.select(ballot, ["1", "2"], custom_id=f"pb:menu:{ROUND}:0")
    assert "2 of 3" in shown.response.content
    await world.alice.click(shown.response, custom_id=f"pb:page:{ROUND}:1")
    assert "Page 2 of 2" in shown.response.content
    assert menu_ids(shown.response) == [f"pb:menu:{ROUND}:{i}" for i in range(4, 7)]
    await world.alice.select(shown.response, ["130", "131"], custom_id=f"pb:menu:{ROUND}:6")
    assert "too many" in shown.response.content
    refused = await world.alice.click(shown.response, custom_id=f"pb:submit:{ROUND}")
    message = (refused.followups[0] if refused.followups else refused.response).content
    assert "at most 3" in message
    assert await Repository(db).ballot(ROUND, str(world.alice.id)) is None
    await world.alice.select(shown.response, ["131"], custom_id=f"pb:menu:{ROUND}:6")
    await world.alice.click(shown.response, custom_id=f"pb:submit:{ROUND}")
    assert "You picked 3 initiatives" in shown.response.content
    assert (await Repository(db).ballot(ROUND, str(world.alice.id))).picks == {1, 2, 131}


async def test_an_open_message_ballot_keeps_its_draft_across_a_restart(world: World, db: Database) -> None:
    await set_up_large_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    await world.alice.select(shown.response, ["7"], custom_id=f"pb:menu:{ROUND}:0")
    await world.restart(db)
    await world.alice.select(shown.response, ["30"], custom_id=f"pb:menu:{ROUND}:1")
    await world.alice.click(shown.response, custom_id=f"pb:submit:{ROUND}")
    assert (await Repository(db).ballot(ROUND, str(world.alice.id))).picks == {7, 30}
