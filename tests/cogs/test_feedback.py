"""The feedback survey through simcord: the real bot against an in-memory Discord."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import simcord

from bot.domain.access import MemberAccess
from bot.domain.errors import UserError
from bot.domain.feedback import Answers
from bot.exports.feedback_export import render_feedback_export
from bot.services import feedback as feedback_service
from bot.services.tallies import pseudonym
from db.connection import Database
from db.feedback import AttendanceRepository, FeedbackRepository
from db.repositories import Repository
from tests.cogs.conftest import World, set_up_event

EVENT = 1  # the first event of a fresh database
GIVE = f"pb:fb:give:{EVENT}"
LIKED, MISSING, ACTIVE, RATING = (
    f"pb:fb:input:{name}" for name in ("liked", "missing", "active_role", "rating")
)
ANSWERS = {LIKED: "The regional hubs", MISSING: "Capacity building", ACTIVE: "Time", RATING: "4"}


def inputs(shown: simcord.InteractionResult) -> dict[str, dict[str, Any]]:
    """The modal's text inputs by custom_id, with their label (each sits in a Label)."""
    assert shown.modal is not None, shown.response and shown.response.content
    found = {}
    for label in shown.modal["components"]:
        component = dict(label["component"])
        component["label_text"] = label["label"]
        found[component["custom_id"]] = component
    return found


async def open_survey(world: World, **options: object) -> simcord.InteractionResult:
    opened = await world.organiser.slash(world.lobby, "feedback open", **options)
    assert not opened.response.ephemeral  # the Give feedback button is for everyone
    assert "is open" in opened.followups[0].content
    return opened


async def stored(db: Database, member: simcord.MemberActor):
    return await FeedbackRepository(db).response(EVENT, str(member.id))


async def test_an_attendee_answers_then_edits_with_the_form_prefilled(world: World, db: Database) -> None:
    await set_up_event(world)
    await world.alice.join_voice(world.room_b)  # the Arabic room is a voice channel
    opened = await open_survey(world)
    embed = opened.response.embeds[0]
    assert embed.title == "Feedback: GC 2020"
    assert "What is missing?" in (embed.description or "")

    shown = await world.alice.click(opened.response, custom_id=GIVE)
    assert shown.modal["title"] == "Feedback"
    fields = inputs(shown)
    assert list(fields) == [LIKED, MISSING, ACTIVE, RATING]
    assert fields[LIKED]["label_text"] == "What do you like about the priorities?"
    assert fields[LIKED]["style"] == 2 and fields[RATING]["style"] == 1  # paragraphs, a short rating
    assert all("value" not in field for field in fields.values())

    done = await world.alice.submit_modal(shown, ANSWERS)
    assert done.response.ephemeral
    assert "Thank you! Your feedback is saved." in done.response.content
    response = await stored(db, world.alice)
    assert response.answers == {
        "liked": "The regional hubs",
        "missing": "Capacity building",
        "active_role": "Time",
    }
    assert response.rating == 4

    # Editable while open, through /feedback give too, pre-filled with the previous answers.
    again = await world.alice.slash(world.lobby, "feedback give")
    fields = inputs(again)
    assert fields[LIKED]["value"] == "The regional hubs"
    assert fields[RATING]["value"] == "4"
    edited = await world.alice.submit_modal(again, {**ANSWERS, MISSING: "More time", RATING: "5"})
    assert "changed and saved" in edited.response.content
    response = await stored(db, world.alice)
    assert (response.answers["missing"], response.rating) == ("More time", 5)
    assert len(await FeedbackRepository(db).responses(EVENT)) == 1  # one response per attendee


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({RATING: "6"}, "The rating must be a whole number from 1 to 5; you wrote “6”."),
        ({RATING: "great"}, "The rating must be a whole number from 1 to 5; you wrote “great”."),
        ({RATING: "0"}, "whole number from 1 to 5"),
        ({MISSING: "   \n  "}, "“What is missing?” needs an answer."),
    ],
)
async def test_bad_answers_are_refused_and_nothing_is_stored(
    world: World, db: Database, changes: dict[str, str], message: str
) -> None:
    await set_up_event(world)
    await world.alice.slash(world.room_a, "checkin")
    opened = await open_survey(world)
    shown = await world.alice.click(opened.response, custom_id=GIVE)
    refused = await world.alice.submit_modal(shown, {**ANSWERS, **changes})
    assert refused.response.ephemeral
    assert message in refused.response.content
    assert await stored(db, world.alice) is None

    # An earlier response is left exactly as it was.
    shown = await world.alice.click(opened.response, custom_id=GIVE)
    await world.alice.submit_modal(shown, ANSWERS)
    shown = await world.alice.click(opened.response, custom_id=GIVE)
    refused = await world.alice.submit_modal(shown, {**ANSWERS, LIKED: "changed", **changes})
    assert message in refused.response.content
    assert (await stored(db, world.alice)).answers["liked"] == "The regional hubs"


async def test_over_long_answers_are_refused_on_the_server_too(world: World, db: Database) -> None:
    """Discord enforces max_length in the form; the service checks again (a stale or forged form)."""
    await set_up_event(world)
    await world.alice.slash(world.room_a, "checkin")
    await open_survey(world)
    repo, store, attendance = Repository(db), FeedbackRepository(db), AttendanceRepository(db)
    event = await repo.active_event(world.guild.id)
    values = {"liked": "x" * 1001, "missing": "y", "rating": "3"}
    with pytest.raises(UserError, match="has 1001 characters; the limit is 1000"):
        await feedback_service.submit_page(
            store, attendance, event, world.alice.id, MemberAccess.of([], False), 0, values
        )
    assert await store.response(EVENT, str(world.alice.id)) is None
    shown = await world.alice.click((await open_survey_message(world)), custom_id=GIVE)
    assert inputs(shown)[LIKED]["max_length"] == 1000  # and Discord is told the same limit


async def open_survey_message(world: World) -> Any:
    return next(
        m for m in reversed(world.lobby.history()) if m.embeds and m.embeds[0].title.startswith("Feedback")
    )


async def test_non_attendees_staff_and_a_closed_survey_are_refused(world: World, db: Database) -> None:
    await set_up_event(world)
    opened = await open_survey(world)
    refused = await world.bob.click(opened.response, custom_id=GIVE)
    assert refused.modal is None and refused.response.ephemeral
    assert "for people who attended GC 2020" in refused.response.content
    assert "/checkin" in refused.response.content

    await world.interpreter.join_voice(world.room_b)
    refused = await world.interpreter.click(opened.response, custom_id=GIVE)
    assert "staff and interpreters are not counted as attendees" in refused.response.content

    # A form opened before the close cannot be sent after it.
    await world.alice.join_voice(world.room_b)
    shown = await world.alice.click(opened.response, custom_id=GIVE)
    closed = await world.organiser.slash(world.lobby, "feedback close")
    assert "closed with 0 responses" in closed.response.content
    late = await world.alice.submit_modal(shown, ANSWERS)
    assert "closed" in late.response.content
    assert await stored(db, world.alice) is None
    refused = await world.alice.slash(world.lobby, "feedback give")
    assert "no feedback survey open" in refused.response.content
    # The public message says so and has no button left.
    message = await open_survey_message(world)
    assert "The survey is closed" in message.embeds[0].description
    assert message.components == []


async def test_participants_cannot_run_the_organiser_subcommands(world: World) -> None:
    await set_up_event(world)
    for command in ("feedback open", "feedback close", "feedback results", "feedback questions"):
        refused = await world.alice.slash(world.lobby, command)
        assert "Only organisers" in refused.response.content, command


TWO_PAGES = b"""
rating = { label = "Overall (1-5)", required = true }

[[questions]]
id = "liked"
label = "What do you like about the priorities?"

[[questions]]
id = "missing"
label = "What is missing?"

[[questions]]
id = "active_role"
label = "An active role in implementation"
description = "What would make you want to play an active role in implementation?"
required = false

[[questions]]
id = "hubs"
label = "Regional hubs"
style = "short"
max_length = 200

[[questions]]
id = "language"
label = "Language support"
required = false

[[questions]]
id = "next"
label = "Next steps"
"""


async def test_a_two_page_survey_keeps_page_one_as_a_draft_until_the_last_page(
    world: World, db: Database
) -> None:
    await set_up_event(world)
    uploaded = await world.organiser.slash(world.lobby, "feedback questions", file=("survey.toml", TWO_PAGES))
    assert "questions are replaced" in uploaded.response.content
    assert "2 pages" in uploaded.response.content
    await world.alice.slash(world.room_a, "checkin")
    opened = await open_survey(world)
    store = FeedbackRepository(db)

    page_one = await world.alice.click(opened.response, custom_id=GIVE)
    assert page_one.modal["title"] == "Feedback (1/2)"
    assert len(inputs(page_one)) == 5
    first = {
        "pb:fb:input:liked": "Hubs",
        "pb:fb:input:missing": "Money",
        "pb:fb:input:hubs": "Yes",
        "pb:fb:input:language": "Arabic",
    }
    kept = await world.alice.submit_modal(page_one, first)
    assert "Page 1 of 2 is kept" in kept.response.content
    assert await store.response(EVENT, str(world.alice.id)) is None  # not a response yet
    assert await store.draft(EVENT, str(world.alice.id)) is not None
    [[button]] = [row["components"] for row in kept.response.components]
    assert button["label"] == "Continue (2/2)"

    page_two = await world.alice.click(kept.response, custom_id=button["custom_id"])
    assert page_two.modal["title"] == "Feedback (2/2)"
    assert list(inputs(page_two)) == ["pb:fb:input:next", "pb:fb:input:rating"]
    refused = await world.alice.submit_modal(
        page_two, {"pb:fb:input:next": "More", "pb:fb:input:rating": "9"}
    )
    assert "whole number from 1 to 5" in refused.response.content
    assert await store.response(EVENT, str(world.alice.id)) is None

    page_two = await world.alice.click(kept.response, custom_id=button["custom_id"])
    done = await world.alice.submit_modal(page_two, {"pb:fb:input:next": "More", "pb:fb:input:rating": "3"})
    assert "Thank you! Your feedback is saved." in kept.response.content  # the Continue message is replaced
    assert kept.response.components == []
    assert done.acknowledged
    response = await store.response(EVENT, str(world.alice.id))
    assert response.answers == {
        "liked": "Hubs", "missing": "Money", "active_role": "", "hubs": "Yes", "language": "Arabic", "next": "More",
    }  # fmt: skip
    assert response.rating == 3
    assert await store.draft(EVENT, str(world.alice.id)) is None

    # Opening it again shows page one with the stored answers.
    again = await world.alice.click(opened.response, custom_id=GIVE)
    assert inputs(again)["pb:fb:input:hubs"]["value"] == "Yes"

    # The questions cannot change once people answered.
    await world.organiser.slash(world.lobby, "feedback close")
    refused = await world.organiser.slash(world.lobby, "feedback questions", file=("survey.toml", TWO_PAGES))
    assert "1 people have already answered" in refused.response.content


async def test_a_bad_question_file_is_refused_naming_it_and_nothing_changes(
    world: World, db: Database
) -> None:
    await set_up_event(world)
    bad = TWO_PAGES.replace(b'id = "next"', b'id = "liked"')
    refused = await world.organiser.slash(world.lobby, "feedback questions", file=("bad.toml", bad))
    assert refused.response.ephemeral
    assert "bad.toml: the question id liked is used twice." in refused.response.content
    shown = await world.organiser.slash(world.lobby, "feedback questions")
    assert "built-in questions" in shown.response.content
    await open_survey(world)
    refused = await world.organiser.slash(world.lobby, "feedback questions", file=("survey.toml", TWO_PAGES))
    assert "Close the feedback survey before changing its questions." in refused.response.content


async def test_the_button_and_the_scheduled_close_survive_a_restart(world: World, db: Database) -> None:
    await set_up_event(world)
    await world.alice.join_voice(world.room_b)
    opened = await open_survey(world, closes_in=30)
    await world.restart(db)

    shown = await world.alice.click(opened.response, custom_id=GIVE)  # posted before the restart
    done = await world.alice.submit_modal(shown, ANSWERS)
    assert "saved" in done.response.content

    await world.env.advance_time(29 * 60)
    assert (await FeedbackRepository(db).state(EVENT)).is_open
    await world.env.advance_time(60)
    state = await FeedbackRepository(db).state(EVENT)
    assert state.status == "closed"
    assert state.closed_at == state.closes_at
    message = await open_survey_message(world)
    assert "The survey is closed" in message.embeds[0].description
    late = await world.alice.slash(world.lobby, "feedback give")
    assert "no feedback survey open" in late.response.content


async def test_a_reopened_survey_is_not_closed_by_its_old_schedule(world: World, db: Database) -> None:
    await set_up_event(world)
    await open_survey(world, closes_in=10)
    await world.organiser.slash(world.lobby, "feedback close")
    await open_survey(world)  # no schedule this time
    await world.env.advance_time(15 * 60)
    assert (await FeedbackRepository(db).state(EVENT)).is_open


async def test_results_show_the_rate_ratings_and_an_anonymised_file(world: World, db: Database) -> None:
    await set_up_event(world)
    await world.alice.join_voice(world.room_b)  # voice
    await world.bob.slash(world.room_a, "pick", initiative=5)  # a ballot
    await world.carol.slash(world.lobby, "checkin")  # a check-in
    await world.interpreter.join_voice(world.room_b)  # never counted
    opened = await open_survey(world)

    mentions = f"Thanks <@{world.bob.id}> and <@&{world.staff_role.id}>! @everyone my id is {world.alice.id}"
    for member, liked, rating in ((world.alice, mentions, "5"), (world.bob, "Hubs", "3")):
        shown = await member.click(opened.response, custom_id=GIVE)
        await member.submit_modal(shown, {**ANSWERS, LIKED: liked, RATING: rating})

    results = await world.organiser.slash(world.lobby, "feedback results")
    assert results.response.ephemeral
    content = results.response.content
    assert "2 responses." in content
    assert "2 of 3 attendees answered: 67%" in content
    assert "average 4.0" in content
    [attachment] = results.response.attachments
    assert attachment.filename == "feedback-gc-2020.csv"
    text = (await attachment.read()).decode()
    assert str(world.alice.id) not in text and str(world.bob.id) not in text
    assert "alice" not in text and "bob" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["pseudonym", "liked", "missing", "active_role", "rating", "submitted_at"]
    event = await Repository(db).active_event(world.guild.id)
    by_pseudonym = {row["pseudonym"]: row for row in rows}
    alice_row = by_pseudonym[pseudonym(event, str(world.alice.id))]
    assert alice_row["liked"] == "Thanks [mention] and [mention]! [mention] my id is [id]"
    assert alice_row["rating"] == "5"
    assert by_pseudonym[pseudonym(event, str(world.bob.id))]["liked"] == "Hubs"


async def test_the_response_rate_of_the_report_84_of_214(world: World, db: Database) -> None:
    """214 attendees over two days (staff and interpreters apart) and 84 responses: 39%."""
    await set_up_event(world)
    repo, store, attendance = Repository(db), FeedbackRepository(db), AttendanceRepository(db)
    event = await repo.active_event(world.guild.id)
    french, arabic = await repo.rooms(event.id)
    for n in range(214):
        user = str(10_000 + n)
        await attendance.record(event.id, user, french.id if n % 2 else arabic.id, "voice", [])
        if n % 3 == 0:  # some joined twice, or checked in as well: still one person each
            await attendance.record(event.id, user, arabic.id, "voice", [])
            await attendance.record(event.id, user, None, "checkin", [])
    for n in range(7):  # staff and interpreters were in the rooms too
        role = world.staff_role.id if n % 2 else world.interpreter_role.id
        await attendance.record(event.id, str(90_000 + n), french.id, "voice", [role])
    await store.open(event.id, None)
    for n in range(84):
        await store.save_response(event.id, str(10_000 + n), Answers({"liked": f"answer {n}"}, 1 + n % 5))
    await store.save_response(event.id, "90000", Answers({"liked": "staff view"}, 5))

    results = await feedback_service.feedback_results(store, attendance, event)
    assert (results.rate.answered, results.rate.attendees, results.rate.percent) == (84, 214, 39)
    assert results.responses == 85

    shown = await world.organiser.slash(world.lobby, "feedback results")
    assert "84 of 214 attendees answered: 39%" in shown.response.content
    assert "1 response is from someone not counted as an attendee now" in shown.response.content
    summary = await world.organiser.slash(world.lobby, "attendance")
    description = summary.response.embeds[0].description
    assert "**214** attendees" in description
    assert "Not counted: 7 staff members and interpreters." in description

    document = json.loads(render_feedback_export("json", results.export))
    assert document["response_rate_percent"] == 39
    assert len(document["responses"]) == 85


async def test_a_form_open_during_a_restart_is_still_accepted(world: World, db: Database) -> None:
    await set_up_event(world)
    await world.alice.slash(world.room_a, "checkin")
    opened = await open_survey(world)
    shown = await world.alice.click(opened.response, custom_id=GIVE)
    assert shown.modal["custom_id"].startswith(f"pb:fb:form:{EVENT}:0:")
    await world.restart(db)  # the new bot holds no Modal for the form on alice's screen
    done = await world.alice.submit_modal(shown, ANSWERS)
    assert done.response.ephemeral
    assert "Thank you! Your feedback is saved." in done.response.content
    assert (await stored(db, world.alice)).answers["missing"] == "Capacity building"


async def test_a_form_is_answered_once_when_the_bot_still_holds_it(world: World, db: Database) -> None:
    await set_up_event(world)
    await world.alice.slash(world.room_a, "checkin")
    opened = await open_survey(world)
    shown = await world.alice.click(opened.response, custom_id=GIVE)
    done = await world.alice.submit_modal(shown, ANSWERS)
    # the in-memory Modal answered; the restart listener stood aside (no second reply, no error)
    assert done.response.ephemeral and not done.followups
    assert len(await FeedbackRepository(db).responses(EVENT)) == 1
