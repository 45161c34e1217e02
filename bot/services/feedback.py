"""The feedback survey's use cases, shared by the cog, its components and the CLI."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.access import MemberAccess
from bot.domain.errors import NotFoundError, UserError
from bot.domain.event import Event
from bot.domain.feedback import (
    DEFAULT_SURVEY,
    ResponseRate,
    Survey,
    average_rating,
    check_page,
    complete_answers,
    mask_identifiers,
    prefill,
    rating_distribution,
    response_rate,
    survey_from_upload,
)
from bot.exports.feedback_export import FeedbackExportData, FeedbackRow
from bot.services.attendance import attendance_summary, require_attendee
from bot.services.tallies import pseudonym
from db.feedback import AttendanceRepository, FeedbackRepository, SurveyState
from db.repositories import Repository

MAX_SURVEY_MINUTES = 30 * 24 * 60  # the 2020 survey ran for nine days


async def survey_state(store: FeedbackRepository, event: Event) -> SurveyState:
    """The event's survey; one that was never set up has the built-in questions and is a draft."""
    found = await store.state(event.id)
    if found is not None:
        return found
    return SurveyState(event.id, event.guild_id, DEFAULT_SURVEY, "", "draft", None, None, None, None, None)


async def set_questions(store: FeedbackRepository, event: Event, filename: str, content: bytes) -> Survey:
    survey = await asyncio.to_thread(survey_from_upload, filename, content)
    await store.set_questions(event.id, survey, filename)
    return survey


async def open_survey(
    store: FeedbackRepository, event: Event, minutes: int | None, now: datetime
) -> SurveyState:
    if minutes is not None and not 1 <= minutes <= MAX_SURVEY_MINUTES:
        raise UserError("A survey can stay open between 1 and {limit} minutes.", limit=MAX_SURVEY_MINUTES)
    state = await survey_state(store, event)
    if state.is_open:
        raise UserError("The feedback survey is already open. Close it first with /feedback close.")
    return await store.open(event.id, now + timedelta(minutes=minutes) if minutes else None)


async def close_survey(store: FeedbackRepository, event: Event) -> SurveyState:
    if not await store.close(event.id):
        raise UserError("The feedback survey is not open.")
    closed = await store.state(event.id)
    assert closed is not None
    return closed


async def survey_event(
    repo: Repository, store: FeedbackRepository, guild_id: int, event_id: int | None
) -> Event:
    """The event whose survey a member answers: the button's, or the server's open survey."""
    if event_id is None:
        open_surveys = await store.open_surveys(guild_id)
        if not open_surveys:
            raise UserError("There is no feedback survey open in this server right now.")
        event_id = open_surveys[0].event_id
    event = await repo.event_by_id(guild_id, event_id)
    if event is None:
        raise NotFoundError("This feedback survey no longer exists.")
    return event


@dataclass(frozen=True)
class FeedbackForm:
    """One modal page to show, with what the member answered before."""

    survey: Survey
    page: int
    values: dict[str, str]


async def _answerable(
    store: FeedbackRepository,
    attendance: AttendanceRepository,
    event: Event,
    user_id: int,
    member: MemberAccess,
) -> SurveyState:
    state = await survey_state(store, event)
    if not state.is_open:
        raise UserError("The feedback survey is closed; answers are no longer taken.")
    await require_attendee(attendance, event, user_id, member)
    return state


async def open_form(
    store: FeedbackRepository,
    attendance: AttendanceRepository,
    event: Event,
    user_id: int,
    member: MemberAccess,
    page: int = 0,
) -> FeedbackForm:
    """The form page, pre-filled with the member's response and any page sent since."""
    state = await _answerable(store, attendance, event, user_id, member)
    state.survey.page(page)  # an unknown page is refused before anything is shown
    stored = await store.response(event.id, str(user_id))
    values = prefill(state.survey, stored.answers, stored.rating) if stored else {}
    values.update(await store.draft(event.id, str(user_id)) or {})
    return FeedbackForm(state.survey, page, values)


@dataclass(frozen=True)
class PageOutcome:
    survey: Survey
    page: int
    complete: bool  # the last page: the response is stored
    first: bool  # the member's first complete response (else an edit)

    @property
    def next_page(self) -> int:
        return self.page + 1


async def submit_page(
    store: FeedbackRepository,
    attendance: AttendanceRepository,
    event: Event,
    user_id: int,
    member: MemberAccess,
    page: int,
    values: dict[str, str],
) -> PageOutcome:
    """Check a page; keep it as a draft, or on the last page store the whole response at once.

    Nothing is stored when any answer is refused, and a response exists only once every page has
    been sent: an earlier page alone is a draft, never counted.
    """
    state = await _answerable(store, attendance, event, user_id, member)
    survey = state.survey
    checked = check_page(survey, page, values)
    if page < survey.page_count - 1:
        await store.save_draft(event.id, str(user_id), checked)
        return PageOutcome(survey, page, complete=False, first=False)
    stored = await store.response(event.id, str(user_id))
    earlier = prefill(survey, stored.answers, stored.rating) if stored else {}
    earlier.update(await store.draft(event.id, str(user_id)) or {})
    missing_page = any(q.id not in earlier for p in range(page) for q in survey.page(p) if q.required)
    if missing_page:
        raise UserError("Your answers to the first page were not found; press Give feedback to start again.")
    answers = complete_answers(survey, {**earlier, **checked})
    first = await store.save_response(event.id, str(user_id), answers)
    return PageOutcome(survey, page, complete=True, first=first)


# --- results and exports -------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackResults:
    state: SurveyState
    responses: int
    rate: ResponseRate
    distribution: dict[int, int]
    average: float | None
    export: FeedbackExportData


async def feedback_results(
    store: FeedbackRepository, attendance: AttendanceRepository, event: Event
) -> FeedbackResults:
    """Response rate over the attendees (staff and interpreters excluded) and the anonymised answers."""
    state = await survey_state(store, event)
    responses = await store.responses(event.id)
    summary = await attendance_summary(attendance, event)
    rate = response_rate((r.user_id for r in responses), summary.attendees)
    distribution = rating_distribution(r.rating for r in responses)
    rows = tuple(
        FeedbackRow(
            pseudonym=pseudonym(event, response.user_id),
            answers={qid: mask_identifiers(text) for qid, text in response.answers.items()},
            rating=response.rating,
            submitted_at=response.submitted_at,
        )
        for response in responses
    )
    export = FeedbackExportData(
        event_name=event.name,
        questions=tuple((q.id, q.label) for q in state.survey.questions),
        rows=tuple(sorted(rows, key=lambda row: (row.submitted_at, row.pseudonym))),
        attendees=rate.attendees,
        answered=rate.answered,
        response_rate=rate.percent,
        rating_distribution=distribution,
    )
    return FeedbackResults(state, len(responses), rate, distribution, average_rating(distribution), export)
