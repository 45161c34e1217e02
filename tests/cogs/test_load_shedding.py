"""Through discord.py: an interaction already past Discord's deadline is dropped without work."""

from __future__ import annotations

import pytest

from bot.ui import deadline
from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event


async def test_a_late_command_and_a_late_ballot_form_do_no_work(
    world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await set_up_event(world)
    shown = await world.alice.slash(world.room_a, "vote")
    monkeypatch.setattr(deadline, "LATE_AFTER", -1.0)  # from now on every interaction arrives late
    dropped = await world.alice.slash(world.room_a, "pick", initiative=5)
    assert dropped.response is None and not dropped.followups
    form = {"pb:ballot:1:0": ["1"], "pb:ballot:1:1": []}
    ignored = await world.alice.submit_modal(shown, form)
    assert ignored.response is None
    assert await Repository(db).ballot(1, str(world.alice.id)) is None
    assert world.env.bot.load.counters.dropped_late == 2


async def test_every_way_an_interaction_ends_gives_its_work_slot_back(world: World, db: Database) -> None:
    await set_up_event(world)
    load = world.env.bot.load
    shown = await world.alice.slash(world.room_a, "vote")  # a command that opens the form
    assert load.in_flight == 0
    await world.alice.submit_modal(shown, {"pb:ballot:1:0": ["1", "2"], "pb:ballot:1:1": []})
    assert load.in_flight == 0
    refused = await world.alice.slash(world.room_a, "pick", initiative=999)  # a polite refusal
    assert refused.response is not None and load.in_flight == 0
    await world.alice.slash(world.room_a, "myballot")
    assert load.in_flight == 0
    assert (await Repository(db).ballot(1, str(world.alice.id))) is not None
