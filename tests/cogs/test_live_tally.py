from __future__ import annotations

import discord
import simcord

from bot.client import PriorityBot
from bot.domain.access import MemberAccess
from bot.services import voting
from bot.services.tallies import tally_scope
from bot.ui.live_tally import quartile_badge
from db.connection import Database
from db.live_tallies import LiveTallyRepository
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event

INTERVAL = 5.0  # the default when the bot has no settings


def live_messages(channel: simcord.ChannelHandle) -> list[discord.Message]:
    """The public messages carrying a tally embed, oldest first."""
    return [
        message
        for message in channel.history()
        if message.embeds and not message.flags.ephemeral and "results" in (message.embeds[0].title or "")
    ]


def edits_of(env: simcord.Env, message_id: int) -> int:
    return sum(
        1 for request in env.http_requests if request.method == "PATCH" and str(message_id) in request.path
    )


async def cast_ballots(
    db: Database,
    world: World,
    count: int,
    picks: list[int],
    *,
    channel: simcord.ChannelHandle | None = None,
    voters: str = "voter",
) -> None:
    """Ballots through the same service the Vote button uses (simcord runs one user at a time)."""
    repo = Repository(db)
    place = await voting.voting_place(
        repo, world.guild.id, [(channel or world.room_a).id], MemberAccess.of([], False)
    )
    for index in range(count):
        await voting.submit_ballot(repo, place, f"{voters}-{index}", picks)


async def post_live(world: World, channel: simcord.ChannelHandle, **options: object) -> discord.Message:
    result = await world.facilitator.slash(channel, "tally post", **options)
    assert result.ephemeral
    assert "Live tally posted" in result.response.content
    return live_messages(channel)[-1]


async def test_a_burst_of_ballots_is_one_edit_and_a_quiet_round_none(world: World, db: Database) -> None:
    await set_up_event(world)
    posted = await post_live(world, world.lobby)
    assert posted.embeds[0].title == "Live results: Global priorities"
    assert "0 ballots cast" in (posted.embeds[0].description or "")
    assert [a.filename for a in posted.attachments] == ["live-tally.png"]  # chart on the first post only

    await cast_ballots(db, world, 50, [23, 25])
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, posted.id) == 1
    await world.env.advance_time(INTERVAL)
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, posted.id) == 1  # nothing changed: no edit

    repo = Repository(db)
    event = await repo.active_event(world.guild.id)
    expected = (await tally_scope(repo, event, await repo.rounds(event.id))).ranked()
    shown = live_messages(world.lobby)[-1]
    assert shown.id == posted.id
    description = shown.embeds[0].description or ""
    assert "50 ballots cast" in description
    merged = expected[1]
    assert merged.number == 24 and merged.votes == 50 and merged.raw_votes == 0  # the 23 → 24 merge rule
    badge = quartile_badge(merged.quartile)
    assert f"{badge} · 2. **24** The Global Council — 50 votes (0 raw)" in description
    assert "…and 25 more — see /results" in description
    assert [field.name for field in shown.embeds[0].fields] == ["Legend", "Merge rules"]
    assert [a.filename for a in shown.attachments] == ["live-tally.png"]  # kept, not re-uploaded

    # Another ballot shows within one interval.
    await cast_ballots(db, world, 1, [7], channel=world.room_b, voters="late")
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, posted.id) == 2
    assert "51 ballots cast" in (live_messages(world.lobby)[-1].embeds[0].description or "")


async def test_closing_the_round_makes_a_final_edit_and_ends_the_live_message(
    world: World, db: Database
) -> None:
    await set_up_event(world)
    posted = await post_live(world, world.room_a, scope="room")
    assert "**Room: French**" in (posted.embeds[0].description or "")
    await world.bob.slash(world.room_b, "pick", initiative=5)  # another room: not in this scope
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, posted.id) == 0
    await world.alice.slash(world.room_a, "pick", initiative=11)
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, posted.id) == 1
    await world.facilitator.slash(world.lobby, "round close")
    await world.env.advance_time(INTERVAL)
    final = live_messages(world.room_a)[-1]
    assert final.id == posted.id
    assert final.embeds[0].title == "Final results: Global priorities"
    assert "1 ballot cast" in (final.embeds[0].description or "")
    assert "1. **11**" in (final.embeds[0].description or "")
    assert await LiveTallyRepository(db).active() == []
    assert edits_of(world.env, posted.id) == 2
    await world.env.advance_time(INTERVAL * 3)
    assert edits_of(world.env, posted.id) == 2

    # The loop ended with the last live message; a new one starts it again.
    await world.facilitator.slash(world.lobby, "round open", name="Second round")
    second = await post_live(world, world.lobby)
    await world.carol.slash(world.room_b, "pick", initiative=40)
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, second.id) == 1
    assert "1 ballot cast" in (live_messages(world.lobby)[-1].embeds[0].description or "")


async def test_a_live_message_moves_to_a_fresh_one_before_an_hour(world: World, db: Database) -> None:
    world.env.bot.live_tally_interval = 60.0  # type: ignore[attr-defined]
    await set_up_event(world)
    posted = await post_live(world, world.lobby)
    await cast_ballots(db, world, 3, [1])
    await world.env.advance_time(54 * 60)
    assert len(live_messages(world.lobby)) == 1
    await world.env.advance_time(2 * 60)
    old, fresh = live_messages(world.lobby)
    assert old.id == posted.id
    assert "This live tally continues below" in (old.embeds[0].description or "")
    assert fresh.jump_url in (old.embeds[0].description or "")
    assert "3 ballots cast" in (fresh.embeds[0].description or "")
    assert fresh.attachments == []  # the chart is uploaded once, with the first post
    assert [live.message_id for live in await LiveTallyRepository(db).active()] == [fresh.id]
    # Only the fresh message follows new ballots.
    frozen_edits = edits_of(world.env, old.id)
    await cast_ballots(db, world, 5, [2])
    await world.env.advance_time(60)
    assert edits_of(world.env, old.id) == frozen_edits
    assert edits_of(world.env, fresh.id) == 1
    assert "5 ballots cast" in (live_messages(world.lobby)[-1].embeds[0].description or "")


async def test_live_messages_resume_after_a_restart(world: World, db: Database) -> None:
    await set_up_event(world)
    posted = await post_live(world, world.lobby)
    bot = PriorityBot(db, sync_commands_on_start=True)
    bot.live_tally_interval = 2.0  # type: ignore[attr-defined]
    await world.env.restart_bot(bot)
    await world.env.advance_time(2.0)
    assert edits_of(world.env, posted.id) == 0  # the stored version says nothing changed
    await cast_ballots(db, world, 20, [30])
    await world.env.advance_time(2.0)
    assert edits_of(world.env, posted.id) == 1
    assert "20 ballots cast" in (live_messages(world.lobby)[-1].embeds[0].description or "")


async def test_hidden_results_show_participation_and_facilitators_preview(world: World, db: Database) -> None:
    await set_up_event(world, results="hidden")
    posted = await post_live(world, world.lobby)
    assert posted.attachments == []  # no chart: it would reveal the results
    await world.alice.slash(world.room_a, "pick", initiative=11)
    await world.bob.slash(world.room_b, "pick", initiative=24)
    await world.carol.slash(world.room_b, "pick", initiative=24)
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, posted.id) == 1
    public = live_messages(world.lobby)[-1].embeds[0]
    text = (public.description or "") + "".join(field.value or "" for field in public.fields)
    assert "3 ballots cast" in text
    assert "• Arabic: 2" in text and "• French: 1" in text
    assert "The Global Council" not in text and "votes" not in text and "Q1" not in text

    preview = await world.facilitator.slash(world.lobby, "tally preview")
    assert preview.ephemeral
    shown = preview.response.embeds[0].description or ""
    assert "not shown publicly yet" in shown
    assert "1. **24** The Global Council — 2 votes (2 raw)" in shown
    refused = await world.alice.slash(world.lobby, "tally preview")
    assert refused.ephemeral and "Only facilitators and organisers" in refused.response.content

    await world.facilitator.slash(world.lobby, "round close")
    await world.env.advance_time(INTERVAL)
    final = live_messages(world.lobby)[-1].embeds[0]
    assert final.title == "Final results: Global priorities"
    assert "The Global Council" in (final.description or "")


async def test_stop_ends_the_live_messages_of_the_channel(world: World, db: Database) -> None:
    await set_up_event(world)
    first = await post_live(world, world.lobby)
    second = await post_live(world, world.lobby)
    stopped = await world.facilitator.slash(world.lobby, "tally stop", message=str(first.id))
    assert "Stopped 1 live tally" in stopped.response.content
    assert "no longer updated" in (live_messages(world.lobby)[0].embeds[0].description or "")
    await cast_ballots(db, world, 4, [9])
    await world.env.advance_time(INTERVAL)
    assert edits_of(world.env, first.id) == 1  # the stop note only
    assert edits_of(world.env, second.id) == 1
    stopped = await world.facilitator.slash(world.lobby, "tally stop")
    assert "Stopped 1 live tally" in stopped.response.content
    again = await world.facilitator.slash(world.lobby, "tally stop")
    assert again.ephemeral and "no live tally updating in this channel" in again.response.content
    assert await LiveTallyRepository(db).active() == []


async def test_participants_are_refused_politely(world: World) -> None:
    await set_up_event(world)
    refused = await world.alice.slash(world.room_a, "tally post")
    assert refused.ephemeral
    assert "Only facilitators and organisers" in refused.response.content
    assert live_messages(world.room_a) == []
    outside = await world.facilitator.slash(world.lobby, "tally post", scope="room")
    assert outside.ephemeral and "breakout rooms" in outside.response.content
