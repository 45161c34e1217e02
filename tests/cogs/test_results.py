from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
import simcord

from bot.exports import EXPORT_FORMATS, render_export
from bot.services.tallies import export_data, resolve_rounds, tally_scope
from db.connection import Database
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event, vote_in_form

ROUND = 1  # the first round of a fresh database
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def cast(
    actor: simcord.MemberActor, channel: simcord.ChannelHandle, round_id: int, picks: list[int]
) -> None:
    """Vote through the ballot form: menu 0 holds initiatives 1-21, menu 1 holds 22-45."""
    done = await vote_in_form(actor, channel, picks)
    assert "saved" in done.response.content, done.response.content


async def cast_round_one(world: World) -> None:
    await cast(world.alice, world.room_a, ROUND, [1, 2, 3, 4, 5, 6])
    await cast(world.bob, world.room_b, ROUND, [1, 2, 3, 4, 5, 23])
    await cast(world.carol, world.room_a, ROUND, [7, 8, 9, 10, 11, 12])


def message(result: simcord.InteractionResult) -> simcord.results.ResponseMessage:
    """What the member saw last: the followup after a deferral, else the response."""
    return result.followups[-1] if result.followups else result.response


async def test_results_table_is_paginated_with_persistent_buttons(world: World) -> None:
    await set_up_event(world)
    await cast_round_one(world)
    shown = await world.alice.slash(world.lobby, "results show")
    assert shown.ephemeral
    page = message(shown)
    embed = page.embeds[0]
    assert embed.title == "Results: Global priorities"
    assert "3 ballots" in embed.description
    assert "Cut points" in embed.description
    assert "Page 1 of 3" in embed.footer.text  # 45 initiatives, 15 a page
    assert "23 → 24" in embed.footer.text
    lines = [line for line in embed.description.splitlines() if " — " in line]
    assert len(lines) == 15
    assert lines[0].startswith("1. 1 · ") and lines[0].endswith("— 2 (2 +0) Q1")
    # bob picked 23 but not 24: the merge rule adds one vote to 24, shown as (raw +merged)
    assert "24 · The Global Council — 1 (0 +1) Q1" in embed.description

    await world.alice.click(page, custom_id=f"pb:results:{ROUND}:0:1")
    second = message(shown).embeds[0]
    assert "Page 2 of 3" in second.footer.text
    second_lines = [line for line in second.description.splitlines() if " — " in line]
    assert len(second_lines) == 15
    assert set(second_lines).isdisjoint(lines)
    await world.alice.click(message(shown), custom_id=f"pb:results:{ROUND}:0:2")
    third = message(shown).embeds[0]
    assert "Page 3 of 3" in third.footer.text
    assert len([line for line in third.description.splitlines() if " — " in line]) == 15
    await world.alice.click(message(shown), custom_id=f"pb:results:{ROUND}:0:1")
    assert message(shown).embeds[0].description == second.description


async def test_page_buttons_work_after_a_restart(world: World, db: Database) -> None:
    await set_up_event(world)
    await cast_round_one(world)
    shown = await world.alice.slash(world.lobby, "results show")
    await world.restart(db)
    await world.alice.click(message(shown), custom_id=f"pb:results:{ROUND}:0:1")
    assert "Page 2 of 3" in message(shown).embeds[0].footer.text
    assert len(message(shown).attachments) == 2  # the charts stay attached while paging


async def test_results_attach_png_charts_and_filter_by_room(world: World) -> None:
    await set_up_event(world)
    await cast_round_one(world)
    shown = await world.facilitator.slash(
        world.lobby, "results show", round="Global priorities", room="Arabic"
    )
    page = message(shown)
    assert page.embeds[0].title == "Results: Global priorities — Arabic"
    assert "1 ballot." in page.embeds[0].description
    attachments = page.attachments
    assert len(attachments) == 2
    assert {a.filename.rsplit("-", 1)[-1] for a in attachments} == {"heatmap.png", "ranking.png"}
    for attachment in attachments:
        assert (await attachment.read()).startswith(PNG_MAGIC)
    choices = await world.alice.autocomplete(world.lobby, "results show", "room", "ara")
    assert [choice["value"] for choice in choices] == ["Arabic"]
    rounds = await world.alice.autocomplete(world.lobby, "results show", "round", "")
    assert [choice["value"] for choice in rounds] == ["Global priorities"]


async def test_hidden_results_wait_for_the_close_except_for_facilitators(world: World) -> None:
    await set_up_event(world, results="hidden")
    await cast_round_one(world)
    hidden = await world.alice.slash(world.lobby, "results show")
    assert hidden.ephemeral
    assert "kept hidden until it closes" in message(hidden).content
    assert not message(hidden).embeds
    facilitator = await world.facilitator.slash(world.lobby, "results show")
    assert "3 ballots" in message(facilitator).embeds[0].description
    await world.facilitator.slash(world.lobby, "round close")
    shown = await world.alice.slash(world.lobby, "results show")
    assert "Round closed: 3 ballots." in message(shown).embeds[0].description


async def test_page_buttons_check_visibility_again(world: World) -> None:
    await set_up_event(world, results="hidden")
    await cast_round_one(world)
    shown = await world.facilitator.slash(world.lobby, "results show")
    # the organiser gives the facilitator role to someone else: the next click is refused
    await world.organiser.slash(world.lobby, "event roles", facilitator=world.guild.create_role("Hosts"))
    refused = await world.facilitator.click(message(shown), custom_id=f"pb:results:{ROUND}:0:1")
    assert "kept hidden" in message(refused).content
    assert "Page 1 of 3" in message(shown).embeds[0].footer.text


@pytest.mark.parametrize("export_format", EXPORT_FORMATS)
async def test_export_matches_the_engine(world: World, db: Database, export_format: str) -> None:
    await set_up_event(world)
    await cast_round_one(world)
    result = await world.organiser.slash(world.lobby, "export", format=export_format)
    assert result.ephemeral
    sent = message(result)
    [attachment] = sent.attachments
    payload = await attachment.read()
    repo = Repository(db)
    event = await repo.active_event(world.guild.id)
    assert event is not None
    rounds = await resolve_rounds(repo, event, ["Global priorities"])
    engine = await tally_scope(repo, event, rounds)
    expected = [(r.number, r.votes, r.raw_votes, r.quartile) for r in engine.results]
    if export_format == "csv":
        assert attachment.filename.endswith(".csv")
        rows = list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))
        got = [(int(r["number"]), int(r["votes"]), int(r["raw_votes"]), int(r["quartile"])) for r in rows]
        assert got == expected
    elif export_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(payload))["Tally"]
        header = [cell.value for cell in sheet[1]]
        rows = [
            dict(zip(header, values, strict=True))
            for values in sheet.iter_rows(min_row=2, max_row=len(expected) + 1, values_only=True)
        ]
        assert [(r["number"], r["votes"], r["raw_votes"], r["quartile"]) for r in rows] == expected
    elif export_format == "json":
        document = json.loads(payload)
        got = [(r["number"], r["votes"], r["raw_votes"], r["quartile"]) for r in document["rows"]]
        assert got == expected
        voters = [ballot["ballot"] for ballot in document["ballots"]]
        assert len(voters) == 3
        assert all(voter.startswith("P-") for voter in voters)
        assert str(world.alice.id) not in payload.decode("utf-8")
    elif export_format == "wikitext":
        assert attachment.filename.endswith(".wiki")
        data = await export_data(repo, event, rounds)
        assert payload == render_export("wikitext", data)
    else:
        assert payload.startswith(PNG_MAGIC)
    assert all(action != "export-voter-ids" for _, action, _ in await repo.audit_entries(event.id))


async def test_export_with_voter_ids_is_audited(world: World, db: Database) -> None:
    await set_up_event(world)
    await cast_round_one(world)
    result = await world.organiser.slash(world.lobby, "export", format="json", voter_ids=True)
    document = json.loads(await message(result).attachments[0].read())
    voters = {ballot["ballot"] for ballot in document["ballots"]}
    assert voters == {str(world.alice.id), str(world.bob.id), str(world.carol.id)}
    repo = Repository(db)
    event = await repo.active_event(world.guild.id)
    assert event is not None
    audited = [entry for entry in await repo.audit_entries(event.id) if entry[1] == "export-voter-ids"]
    assert len(audited) == 1
    actor, _, detail = audited[0]
    assert actor == str(world.organiser.id)
    assert "format=json" in detail and "Global priorities" in detail


async def test_export_is_hidden_from_participants_and_refused_to_facilitators(
    world: World, db: Database
) -> None:
    await set_up_event(world)
    assert "export" not in world.alice.available_commands(world.lobby)
    assert "results show" in world.alice.available_commands(world.lobby)
    with pytest.raises(simcord.SetupError):
        await world.alice.slash(world.lobby, "export", format="csv")
    export_command = next(c for c in await world.env.bot.tree.fetch_commands() if c.name == "export")
    world.guild.set_command_permissions(export_command, {world.facilitator_role: True})
    refused = await world.facilitator.slash(world.lobby, "export", format="csv", voter_ids=True)
    assert "Only organisers" in message(refused).content
    assert not message(refused).attachments
    repo = Repository(db)
    event = await repo.active_event(world.guild.id)
    assert event is not None
    assert all(action != "export-voter-ids" for _, action, _ in await repo.audit_entries(event.id))


async def test_compare_lists_quartile_moves(world: World) -> None:
    await set_up_event(world)
    await cast_round_one(world)
    await world.facilitator.slash(world.lobby, "round close")
    opened = await world.facilitator.slash(world.lobby, "round open", name="Second round")
    assert "is open" in opened.response.content
    second = ROUND + 1
    await cast(world.alice, world.room_a, second, [13, 14, 15, 16, 17, 18])
    await cast(world.bob, world.room_b, second, [13, 14, 15, 16, 17, 18])
    await cast(world.carol, world.room_a, second, [19, 20, 21, 22, 25, 26])
    await world.facilitator.slash(world.lobby, "round close")

    compared = await world.alice.slash(
        world.lobby, "results compare", round_a="Global priorities", round_b="Second round"
    )
    assert compared.ephemeral
    embed = compared.response.embeds[0]
    up_part, down_part = embed.description.split("Less pronounced")
    assert "More pronounced" in up_part
    # Round 1: 1-12 and 23-24 had votes (Q1), the rest none; round 2 turns that around.
    moved_up = {int(line.split()[1]) for line in up_part.splitlines() if "→" in line and "·" in line}
    moved_down = {int(line.split()[1]) for line in down_part.splitlines() if "→" in line and "·" in line}
    assert moved_up == {13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 25, 26}
    assert moved_down == {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 23, 24}
    assert "13 · " in up_part and "Q2 → Q1 (0 → 2 votes)" in up_part


async def test_compare_respects_hidden_results(world: World) -> None:
    await set_up_event(world)
    await world.facilitator.slash(world.lobby, "round close")
    await world.facilitator.slash(world.lobby, "round open", name="Second round", results="hidden")
    refused = await world.alice.slash(
        world.lobby, "results compare", round_a="Global priorities", round_b="Second round"
    )
    assert "kept hidden" in refused.response.content
    same = await world.facilitator.slash(
        world.lobby, "results compare", round_a="Second round", round_b="Second round"
    )
    assert "two different rounds" in same.response.content
