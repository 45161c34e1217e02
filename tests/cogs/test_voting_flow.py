from __future__ import annotations

import asyncio

import pytest

from bot.domain.access import MemberAccess
from bot.domain.errors import UserError
from bot.domain.tally import tally
from bot.services import voting
from bot.services.tallies import tally_scope
from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, form_defaults, set_up_event, submit_form, vote_in_form

ROUND = 1  # the first round of a fresh database


async def test_the_ballot_is_one_form_with_every_menu_and_submit_stores_exactly_the_choice(
    world: World, db: Database
) -> None:
    await set_up_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    form = shown.modal
    assert form is not None and form["title"] == "Your ballot: Global priorities"
    guidance = form["components"][0]["content"]
    assert "room French" in guidance and "0 of 6" in guidance
    menus = [c["component"] for c in form["components"] if "component" in c]
    assert [len(menu["options"]) for menu in menus] == [21, 24]  # recommendations 1-3 and 4-10
    assert [c["label"] for c in form["components"][1:]] == ["Recommendations 1-3", "Recommendations 4-10"]
    assert menus[1]["options"][3]["label"] == "25 · Regional & thematic hubs"
    assert [menu["max_values"] for menu in menus] == [6, 6]
    done = await submit_form(world.alice, shown, menu0=[2, 3], menu1=[24, 25])
    assert done.ephemeral
    assert "Your ballot is saved" in done.response.content
    assert "You picked 4 initiatives" in done.response.content
    assert "25 · Regional & thematic hubs" in done.response.content

    stored = await Repository(db).ballot(ROUND, str(world.alice.id))
    assert stored is not None
    assert stored.picks == {2, 3, 24, 25}
    assert stored.room == "French"


async def test_a_refused_choice_is_kept_and_the_reopened_form_holds_it(world: World, db: Database) -> None:
    await set_up_event(world, max_picks=3)
    await vote_in_form(world.alice, world.room_a, [1, 2, 30])
    again = await world.alice.slash(world.room_a, "vote")
    assert sorted(v for values in form_defaults(again).values() for v in values) == ["1", "2", "30"]
    assert "3 of 3" in again.modal["components"][0]["content"]
    # Three in each menu is allowed per menu, but four in all is over the round's limit of three.
    refused = await submit_form(world.alice, again, menu0=[1, 2, 3])
    assert refused.ephemeral
    assert "at most 3" in refused.response.content
    assert "Your choice is kept" in refused.response.content
    assert (await Repository(db).ballot(ROUND, str(world.alice.id))).picks == {1, 2, 30}
    fix = await world.alice.click(refused.response, custom_id=f"pb:vote:{ROUND}")
    assert sorted(int(v) for values in form_defaults(fix).values() for v in values) == [1, 2, 3, 30]
    fixed = await submit_form(world.alice, fix, menu1=[])
    assert "changed and saved" in fixed.response.content
    assert (await Repository(db).ballot(ROUND, str(world.alice.id))).picks == {1, 2, 3}
    # The draft is gone once the ballot is stored: the next form shows the ballot.
    latest = await world.alice.slash(world.room_a, "vote")
    assert sorted(int(v) for values in form_defaults(latest).values() for v in values) == [1, 2, 3]


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
    assert allowed.modal is not None and allowed.modal["title"].startswith("Your ballot")


async def test_pick_after_submit_respects_the_limit(world: World, db: Database) -> None:
    await set_up_event(world, max_picks=2)
    done = await vote_in_form(world.carol, world.room_a, [1, 2])
    assert done.response.components == []  # nothing left to click
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
    assert opened.modal is not None
    await submit_form(world.alice, opened, menu0=[2, 11], menu1=[23, 25])
    await vote_in_form(world.bob, world.room_b, [2, 24, 25])
    await vote_in_form(world.carol, world.room_b, [23])
    # bob changes his mind
    await vote_in_form(world.bob, world.room_b, [16, 24])
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
    await submit_form(world.alice, opened, menu0=[5])
    await world.env.advance_time(31 * 60)
    repo = Repository(db)
    round_ = (await repo.rounds((await repo.active_event(world.guild.id)).id))[0]
    assert not round_.is_open
    assert "closed" in world.room_a.last_message.content
    late = await world.bob.click(panel_message, custom_id=f"pb:vote:{ROUND}")
    assert "No voting round is open" in late.response.content
    assert [b.picks for b in await repo.ballots([ROUND])] == [frozenset({5})]


async def test_a_form_opened_before_a_restart_is_accepted_after_it(world: World, db: Database) -> None:
    await set_up_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    await world.restart(db)
    done = await submit_form(world.alice, shown, menu0=[7], menu1=[30])
    assert "Your ballot is saved" in done.response.content
    assert (await Repository(db).ballot(ROUND, str(world.alice.id))).picks == {7, 30}


@pytest.mark.parametrize("command", ["round open", "round close", "round status", "round panel"])
async def test_round_commands_need_the_facilitator_role(world: World, command: str) -> None:
    await set_up_event(world)
    options = {"name": "Another"} if command == "round open" else {}
    refused = await world.alice.slash(world.room_a, command, **options)
    assert refused.ephemeral
    assert "Only facilitators and organisers" in refused.response.content
    assert f"<@&{world.facilitator_role.id}>" in refused.response.content
