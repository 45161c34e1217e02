from __future__ import annotations

import asyncio

import pytest
import simcord

from bot.domain.access import MemberAccess
from bot.domain.errors import UserError
from bot.domain.tally import tally
from bot.services import voting
from bot.services.tallies import tally_scope
from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event

ROUND = 1  # the first round of a fresh database


async def vote_with_menus(
    actor: simcord.MemberActor, channel: simcord.ChannelHandle, first: list[str], second: list[str]
) -> simcord.InteractionResult:
    shown = await actor.slash(channel, "vote")
    await actor.select(shown.response, first, custom_id=f"pb:menu:{ROUND}:0")
    await actor.select(shown.response, second, custom_id=f"pb:menu:{ROUND}:1")
    await actor.click(shown.response, custom_id=f"pb:submit:{ROUND}")
    return shown


async def test_ballot_menus_show_a_live_count_and_submit_stores_the_ballot(
    world: World, db: Database
) -> None:
    await set_up_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    assert shown.ephemeral
    ballot = shown.response
    assert "0 of 6" in ballot.content
    menus = [row["components"][0] for row in ballot.components[:2]]
    assert [len(menu["options"]) for menu in menus] == [21, 24]  # recommendations 1-3 and 4-10
    assert menus[1]["options"][3]["label"] == "25 · Regional & thematic hubs"
    await world.alice.select(ballot, ["2", "3"], custom_id=f"pb:menu:{ROUND}:0")
    assert "2 of 6" in shown.response.content
    await world.alice.select(ballot, ["24", "25"], custom_id=f"pb:menu:{ROUND}:1")
    assert "4 of 6" in shown.response.content
    await world.alice.click(ballot, custom_id=f"pb:submit:{ROUND}")
    assert "saved" in shown.response.content
    assert "25 · Regional & thematic hubs" in shown.response.content
    assert shown.response.components == []

    stored = await Repository(db).ballot(ROUND, str(world.alice.id))
    assert stored is not None
    assert stored.picks == {2, 3, 24, 25}
    assert stored.room == "French"


async def test_reopened_ballot_is_prefilled_and_limits_apply_across_menus(world: World, db: Database) -> None:
    await set_up_event(world, max_picks=3)
    await vote_with_menus(world.alice, world.room_a, ["1", "2"], ["30"])
    again = await world.alice.slash(world.room_a, "vote")
    defaults = [
        option["value"]
        for row in again.response.components[:2]
        for option in row["components"][0]["options"]
        if option.get("default")
    ]
    assert defaults == ["1", "2", "30"]
    # Three in each menu is allowed per menu, but six in all is over the round's limit of three.
    await world.alice.select(again.response, ["1", "2", "3"], custom_id=f"pb:menu:{ROUND}:0")
    assert "too many" in again.response.content
    refused = await world.alice.click(again.response, custom_id=f"pb:submit:{ROUND}")
    assert refused.followups or refused.response
    message = (refused.followups[0] if refused.followups else refused.response).content
    assert "at most 3" in message
    assert (await Repository(db).ballot(ROUND, str(world.alice.id))).picks == {1, 2, 30}


async def test_pick_unpick_and_myballot(world: World, db: Database) -> None:
    await set_up_event(world)
    added = await world.bob.slash(world.room_b, "pick", initiative=25)
    assert added.ephemeral
    assert "Added 25 · Regional & thematic hubs" in added.response.content
    await world.bob.slash(world.room_b, "pick", initiative=24)
    mine = await world.bob.slash(world.lobby, "myballot")
    assert "2 of 6" in mine.response.content
    assert "Cast in the room Arabic" in mine.response.content
    removed = await world.bob.slash(world.room_b, "unpick", initiative=25)
    assert "Removed 25" in removed.response.content
    assert (await Repository(db).ballot(ROUND, str(world.bob.id))).picks == {24}
    again = await world.bob.slash(world.room_b, "pick", initiative=24)
    assert "already on your ballot" in again.response.content
    missing = await world.bob.slash(world.room_b, "unpick", initiative=3)
    assert "not on your ballot" in missing.response.content
    unknown = await world.bob.slash(world.room_b, "pick", initiative=99)
    assert "no initiative 99" in unknown.response.content
    history = await Repository(db).ballot_history(ROUND, str(world.bob.id))
    assert [action for action, _, _ in history] == ["pick", "pick", "unpick"]


async def test_autocomplete_matches_numbers_and_accent_free_words(world: World) -> None:
    await set_up_event(world)
    by_number = await world.alice.autocomplete(world.room_a, "pick", "initiative", "24")
    assert by_number[0] == {"name": "24 · The Global Council", "value": 24}
    by_words = await world.alice.autocomplete(world.room_a, "pick", "initiative", "GLOBAL côuncil")
    assert [choice["value"] for choice in by_words] == [23, 24]
    await world.alice.slash(world.room_a, "pick", initiative=11)
    mine = await world.alice.autocomplete(world.room_a, "unpick", "initiative", "")
    assert [choice["value"] for choice in mine] == [11]


async def test_votes_outside_rooms_closed_rounds_and_by_interpreters_are_refused(
    world: World, db: Database
) -> None:
    await set_up_event(world)
    elsewhere = await world.alice.slash(world.lobby, "vote")
    assert elsewhere.ephemeral
    assert "breakout rooms" in elsewhere.response.content
    assert f"<#{world.room_a.id}>" in elsewhere.response.content
    interpreter = await world.interpreter.slash(world.room_a, "pick", initiative=3)
    assert interpreter.ephemeral
    assert "interpreters do not vote" in interpreter.response.content
    too_many = await world.alice.slash(world.room_a, "pick", initiative=1)
    for number in range(2, 7):
        await world.alice.slash(world.room_a, "pick", initiative=number)
    too_many = await world.alice.slash(world.room_a, "pick", initiative=7)
    assert "at most 6" in too_many.response.content
    await world.facilitator.slash(world.lobby, "round close")
    closed = await world.alice.slash(world.room_a, "pick", initiative=8)
    assert closed.ephemeral
    assert "No voting round is open" in closed.response.content
    stored = await Repository(db).ballots([ROUND])
    assert [(b.voter, len(b.picks)) for b in stored] == [(str(world.alice.id), 6)]


async def test_staff_vote_only_when_the_organiser_allows_it(world: World) -> None:
    await set_up_event(world)
    refused = await world.interpreter.slash(world.room_a, "vote")
    assert "do not vote" in refused.response.content
    await world.organiser.slash(world.lobby, "event roles", staff_may_vote=True)
    allowed = await world.interpreter.slash(world.room_a, "vote")
    assert "Your ballot" in allowed.response.content


async def test_pick_after_submit_respects_the_limit(world: World, db: Database) -> None:
    await set_up_event(world, max_picks=2)
    shown = await world.carol.slash(world.room_a, "vote")
    await world.carol.select(shown.response, ["1", "2"], custom_id=f"pb:menu:{ROUND}:0")
    await world.carol.click(shown.response, custom_id=f"pb:submit:{ROUND}")
    assert shown.response.components == []  # no second Submit to click
    refused = await world.carol.slash(world.room_a, "pick", initiative=3)
    assert "at most 2" in refused.response.content
    stored = await Repository(db).ballots([ROUND])
    assert [(b.voter, b.picks) for b in stored] == [(str(world.carol.id), frozenset({1, 2}))]


async def test_concurrent_submit_and_pick_never_exceed_the_limit(world: World, db: Database) -> None:
    """simcord runs one user action at a time, so the race is driven through the same services."""
    await set_up_event(world, max_picks=2)
    repo = Repository(db)
    place = await voting.voting_place(repo, world.guild.id, [world.room_a.id], MemberAccess.of([], False))
    voter = str(world.carol.id)
    outcomes = await asyncio.gather(
        voting.submit_ballot(repo, place, voter, [1, 2]),
        voting.submit_ballot(repo, place, voter, [1, 2]),
        voting.add_pick(repo, place, voter, 3),
        voting.add_pick(repo, place, voter, 4),
        return_exceptions=True,
    )
    assert any(isinstance(o, UserError) for o in outcomes)
    stored = await repo.ballots([ROUND])
    assert len(stored) == 1
    assert 1 <= len(stored[0].picks) <= 2


async def test_full_round_stored_tally_equals_the_engine(world: World, db: Database) -> None:
    await set_up_event(world)
    panel_a = await world.facilitator.slash(world.room_a, "round panel")
    assert not panel_a.ephemeral
    await world.facilitator.slash(world.room_b, "round panel")
    panel_message = world.room_a.last_message
    opened = await world.alice.click(panel_message, custom_id=f"pb:vote:{ROUND}")
    assert opened.ephemeral
    await world.alice.select(opened.response, ["2", "11"], custom_id=f"pb:menu:{ROUND}:0")
    await world.alice.select(opened.response, ["23", "25"], custom_id=f"pb:menu:{ROUND}:1")
    await world.alice.click(opened.response, custom_id=f"pb:submit:{ROUND}")
    await vote_with_menus(world.bob, world.room_b, ["2"], ["24", "25"])
    await vote_with_menus(world.carol, world.room_b, [], ["23"])
    # bob changes his mind
    await vote_with_menus(world.bob, world.room_b, ["16"], ["24"])
    status = await world.facilitator.slash(world.lobby, "round status")
    assert "3 ballots so far" in status.response.content
    assert "French: 1" in status.response.content
    assert "Arabic: 2" in status.response.content
    closed = await world.facilitator.slash(world.lobby, "round close")
    assert "closed with 3 ballots" in closed.response.content

    repo = Repository(db)
    event = await repo.event_by_name(world.guild.id, "GC 2020")
    rounds = await repo.rounds(event.id)
    stored = await tally_scope(repo, event, rounds)
    expected = tally(event.catalogue, [{2, 11, 23, 25}, {16, 24}, {23}])
    assert stored == expected
    assert stored.result(24).votes == 3  # bob, plus alice and carol through the merge rule
    assert stored.result(23).votes == 2


async def test_panel_button_and_scheduled_close_survive_a_restart(world: World, db: Database) -> None:
    await set_up_event(world, minutes=30)
    await world.facilitator.slash(world.room_a, "round panel")
    panel_message = world.room_a.last_message
    await world.restart(db)
    opened = await world.alice.click(panel_message, custom_id=f"pb:vote:{ROUND}")
    assert "Your ballot" in opened.response.content
    await world.alice.select(opened.response, ["5"], custom_id=f"pb:menu:{ROUND}:0")
    await world.alice.click(opened.response, custom_id=f"pb:submit:{ROUND}")
    await world.env.advance_time(31 * 60)
    repo = Repository(db)
    round_ = (await repo.rounds((await repo.active_event(world.guild.id)).id))[0]
    assert not round_.is_open
    assert "closed" in world.room_a.last_message.content
    late = await world.bob.click(panel_message, custom_id=f"pb:vote:{ROUND}")
    assert "No voting round is open" in late.response.content
    assert [b.picks for b in await repo.ballots([ROUND])] == [frozenset({5})]


async def test_an_open_ballot_keeps_its_draft_across_a_restart(world: World, db: Database) -> None:
    await set_up_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    await world.alice.select(shown.response, ["7"], custom_id=f"pb:menu:{ROUND}:0")
    await world.restart(db)
    await world.alice.select(shown.response, ["30"], custom_id=f"pb:menu:{ROUND}:1")
    await world.alice.click(shown.response, custom_id=f"pb:submit:{ROUND}")
    assert (await Repository(db).ballot(ROUND, str(world.alice.id))).picks == {7, 30}


@pytest.mark.parametrize("command", ["round open", "round close", "round status", "round panel"])
async def test_round_commands_need_the_facilitator_role(world: World, command: str) -> None:
    await set_up_event(world)
    options = {"name": "Another"} if command == "round open" else {}
    refused = await world.alice.slash(world.room_a, command, **options)
    assert refused.ephemeral
    assert "Only facilitators and organisers" in refused.response.content
    assert f"<@&{world.facilitator_role.id}>" in refused.response.content
