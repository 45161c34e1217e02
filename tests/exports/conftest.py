"""Export data built the way the services build it: the report's ballots, tallied for real."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import pytest

from bot.domain.ballots import Ballot
from bot.domain.catalogue import Catalogue, load_catalogue, parse_catalogue
from bot.domain.sample_event import SAMPLE_EVENT, SAMPLE_ROOMS, SAMPLE_ROUND, sample_ballots
from bot.domain.tally import tally
from bot.exports.model import ExportData

# A title that breaks naive CSV, wikitext and spreadsheet writers alike.
HOSTILE_TITLE = "Evil, \"quoted\" | title {{Delete}} [[Main Page]] <b>bold</b></ref> ''x'' ~~~~"
FORMULA_TITLE = '=HYPERLINK("http://example.org","click")'


def export_data(
    catalogue: Catalogue, ballots: Iterable[Ballot], rooms: Iterable[str], event: str = SAMPLE_EVENT
) -> ExportData:
    ballots = tuple(ballots)
    room_tallies = {room: tally(catalogue, [b.picks for b in ballots if b.room == room]) for room in rooms}
    return ExportData(
        event_name=event,
        round_names=(SAMPLE_ROUND,),
        room=None,
        tally=tally(catalogue, [b.picks for b in ballots]),
        room_tallies=room_tallies,
        ballots=ballots,
    )


@pytest.fixture(scope="session")
def report_catalogue() -> Catalogue:
    return load_catalogue("builtin:movement-strategy-2020")


@pytest.fixture(scope="session")
def report_data(report_catalogue: Catalogue) -> ExportData:
    return export_data(report_catalogue, sample_ballots(), SAMPLE_ROOMS)


@pytest.fixture(scope="session")
def hostile_catalogue() -> Catalogue:
    # json.dumps gives a valid TOML basic string for these characters (quotes and backslashes escaped).
    text = f"""
name = "Hostile titles"

[[recommendations]]
number = 1
title = {json.dumps("Safety | first {{and}} [[last]]")}

  [[recommendations.initiatives]]
  number = 1
  title = {json.dumps(HOSTILE_TITLE)}

  [[recommendations.initiatives]]
  number = 2
  title = {json.dumps(FORMULA_TITLE)}

  [[recommendations.initiatives]]
  number = 3
  title = "Plain"

[[merge_rules]]
source = 1
target = 3
note = "Hostile <b>note</b> | with a pipe"
"""
    return parse_catalogue(text, "hostile-test")


@pytest.fixture(scope="session")
def hostile_data(hostile_catalogue: Catalogue) -> ExportData:
    ballots = [
        Ballot("voter-b", frozenset({1}), "Room | A"),
        Ballot("voter-a", frozenset({1, 2}), "Room | A"),
        Ballot("voter-c", frozenset({3, 2}), "Room B"),
    ]
    return export_data(hostile_catalogue, ballots, ["Room | A", "Room B"], event="Évènement ✓")


@pytest.fixture(scope="session")
def build_export_data() -> Callable[..., ExportData]:
    """The builder itself, for tests that need their own ballots."""
    return export_data
