from __future__ import annotations

import random
from datetime import UTC, datetime

import discord
import pytest

from bot.domain.ballots import PickLimits
from bot.domain.catalogue import Catalogue, parse_catalogue
from bot.domain.event import Event, EventRoles, Room, Round
from bot.domain.tally import tally
from bot.i18n import Translator
from bot.services.live import LiveSnapshot
from bot.ui.live_tally import live_tally_embed

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def big_catalogue(recommendations: int = 10, per_recommendation: int = 20) -> Catalogue:
    """200 initiatives with long titles and a few merge rules."""
    parts = ['name = "Synthetic"']
    number = 0
    for rec in range(1, recommendations + 1):
        parts.append(f'[[recommendations]]\nnumber = {rec}\ntitle = "Recommendation {rec} ' + "x" * 80 + '"')
        for _ in range(per_recommendation):
            number += 1
            title = f"Initiative {number} " + "with a very long descriptive title " * 4
            parts.append(f'  [[recommendations.initiatives]]\n  number = {number}\n  title = "{title}"')
    for source in range(2, min(40, number), 2):
        parts.append(f"[[merge_rules]]\nsource = {source}\ntarget = {source - 1}")
    return parse_catalogue("\n".join(parts), "synthetic.toml")


def snapshot(
    catalogue: Catalogue, *, hidden: bool = False, closed: bool = False, rooms: int = 3
) -> LiveSnapshot:
    event = Event(
        1,
        1,
        "Synthetic event " + "e" * 90,
        catalogue,
        "synthetic",
        "active",
        "en",
        EventRoles(),
        False,
        "key",
        NOW,
    )
    round_ = Round(
        1, 1, "Round " + "r" * 200, PickLimits(1, 6), "closed" if closed else "open",
        "hidden" if hidden else "live", NOW, None, NOW if closed else None,
    )  # fmt: skip
    generator = random.Random(7)
    numbers = sorted(catalogue.initiative_numbers)
    ballots = [frozenset(generator.sample(numbers, 6)) for _ in range(500)]
    counts = {f"Room {index} " + "n" * 80: 500 // rooms for index in range(rooms)}
    return LiveSnapshot(
        event,
        round_,
        None,
        len(ballots),
        counts,
        None if hidden and not closed else tally(catalogue, ballots),
    )


def assert_fits(embed: discord.Embed) -> None:
    assert embed.description is not None
    assert len(embed.description) <= 4096
    assert len(embed.fields) <= 25
    assert all(len(field.value or "") <= 1024 for field in embed.fields)
    assert len(embed.title or "") <= 256
    assert len(embed) <= 6000


@pytest.mark.parametrize("closed", [False, True])
def test_a_200_initiative_catalogue_fits_discord_limits(closed: bool) -> None:
    catalogue = big_catalogue()
    assert len(catalogue.initiatives) == 200
    embed = live_tally_embed(snapshot(catalogue, closed=closed), Translator("en"), updated_at=NOW)
    assert_fits(embed)
    assert embed.description is not None
    assert "…and 180 more — see /results" in embed.description
    ranked_lines = [line for line in embed.description.splitlines() if " Q" in line and " · " in line]
    assert len(ranked_lines) == 20
    assert "500 ballots cast" in embed.description


def test_quartiles_are_shown_by_label_as_well_as_colour(catalogue: Catalogue) -> None:
    embed = live_tally_embed(snapshot(catalogue), Translator("en"), updated_at=NOW)
    assert embed.description is not None
    first = next(line for line in embed.description.splitlines() if line.startswith("🟩"))
    assert first.startswith("🟩 Q1 · 1. ")
    legend = embed.fields[0].value or ""
    for square, label in [("🟩", "Q1"), ("🟨", "Q2"), ("🟧", "Q3"), ("🟥", "Q4")]:
        assert f"{square} {label} " in legend
    assert "23 → 24: +" in (embed.fields[1].value or "")  # the catalogue's merge rule, with its count


def test_hidden_results_show_participation_only(catalogue: Catalogue) -> None:
    shown = snapshot(catalogue, hidden=True, rooms=40)
    embed = live_tally_embed(shown, Translator("en"), updated_at=NOW)
    assert_fits(embed)
    text = (embed.description or "") + "".join(f.value or "" for f in embed.fields)
    assert embed.fields == []
    for initiative in catalogue.initiatives:
        assert initiative.title not in text
    assert "Results are hidden until the round closes" in text
    assert "…and 15 more rooms" in text


def test_room_scope_and_note() -> None:
    base = snapshot(big_catalogue(2, 5))
    room = Room(3, 1, "French", 99)
    scoped = LiveSnapshot(base.event, base.round, room, 2, {"French": 2}, base.tally)
    embed = live_tally_embed(scoped, Translator("en"), updated_at=NOW, note="continues below")
    assert embed.description is not None
    assert embed.description.startswith("continues below\n**Room: French**")
    assert "more — see /results" not in embed.description  # 10 initiatives: all shown
