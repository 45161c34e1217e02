"""The survey's pure rules: question files, answer checks, the response rate and masking."""

from __future__ import annotations

import pytest

from bot.domain.attendance import Presence, excluded_members, summarise_attendance
from bot.domain.event import EventRoles
from bot.domain.feedback import (
    DEFAULT_SURVEY,
    DESCRIPTION_LIMIT,
    LABEL_LIMIT,
    RATING_ID,
    AnswerError,
    SurveyError,
    average_rating,
    check_answer,
    check_page,
    complete_answers,
    mask_identifiers,
    parse_survey,
    rating_distribution,
    response_rate,
    survey_from_data,
    survey_from_upload,
    survey_to_data,
)

SIX_QUESTIONS = "\n".join(
    f'[[questions]]\nid = "q{n}"\nlabel = "Question {n}"\nrequired = {"true" if n < 3 else "false"}\n'
    for n in range(1, 7)
)
LONG_SURVEY = 'rating = { label = "Overall (1-5)", required = true }\n' + SIX_QUESTIONS


def test_the_built_in_survey_is_the_reports_and_fits_one_modal() -> None:
    survey = DEFAULT_SURVEY
    assert survey.question_ids == ("liked", "missing", "active_role")
    assert survey.questions[0].label == "What do you like about the priorities?"
    assert survey.questions[1].label == "What is missing?"
    assert (
        survey.questions[2].description
        == "What would make you want to play an active role in implementation?"
    )
    assert survey.rating is not None and survey.rating.id == RATING_ID
    assert survey.page_count == 1
    assert all(len(q.label) <= LABEL_LIMIT and len(q.description) <= DESCRIPTION_LIMIT for q in survey.inputs)


def test_a_longer_survey_spans_two_pages_with_the_rating_last() -> None:
    survey = parse_survey(LONG_SURVEY, "long.toml")
    assert survey.page_count == 2
    assert [q.id for q in survey.page(0)] == ["q1", "q2", "q3", "q4", "q5"]
    assert [q.id for q in survey.page(1)] == ["q6", RATING_ID]
    with pytest.raises(AnswerError):
        survey.page(2)


def test_question_fields_have_defaults_and_survive_storage() -> None:
    survey = parse_survey(
        '[[questions]]\nid = "idea"\nlabel = "One idea"\nstyle = "short"\nmax_length = 200\n'
    )
    (question,) = survey.questions
    assert (question.required, question.max_length, question.style) == (True, 200, "short")
    assert survey.rating is None
    assert survey_from_data(survey_to_data(survey)) == survey
    assert survey_from_data(survey_to_data(DEFAULT_SURVEY)) == DEFAULT_SURVEY


LABEL_46 = "x" * 46


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("questions = [", "qs.toml: not valid TOML"),
        ('[[questions]]\nlabel = "A"\n', "qs.toml: questions[1] is missing `id`."),
        ('[[questions]]\nid = "a"\n', "qs.toml: questions[1] is missing `label`."),
        (
            '[[questions]]\nid = "a"\nlabel = "A"\n[[questions]]\nid = "a"\nlabel = "B"\n',
            "question id a is used twice",
        ),
        (
            '[[questions]]\nid = "Bad id"\nlabel = "A"\n',
            "qs.toml: `id` in questions[1] must be 1 to 32 lowercase",
        ),
        ('[[questions]]\nid = "rating"\nlabel = "A"\n', "qs.toml: `id` in questions[1] cannot be rating"),
        (
            f'[[questions]]\nid = "a"\nlabel = "{LABEL_46}"\n',
            "qs.toml: the `label` of questions[1] is longer than 45",
        ),
        ('[[questions]]\nid = "a"\nlabel = "  "\n', "qs.toml: questions[1] has an empty `label`."),
        (
            f'[[questions]]\nid = "a"\nlabel = "A"\ndescription = "{"d" * 101}"\n',
            "qs.toml: the `description` of questions[1] is longer than 100",
        ),
        (
            '[[questions]]\nid = "a"\nlabel = "A"\nmax_length = 5000\n',
            "qs.toml: `max_length` in questions[1] must be between 1 and 4000",
        ),
        (
            '[[questions]]\nid = "a"\nlabel = "A"\nmax_length = true\n',
            "qs.toml: `max_length` in questions[1] must be a whole number.",
        ),
        (
            '[[questions]]\nid = "a"\nlabel = "A"\nrequired = "yes"\n',
            "qs.toml: `required` in questions[1] must be true or false.",
        ),
        (
            '[[questions]]\nid = "a"\nlabel = "A"\nstyle = "long"\n',
            'qs.toml: `style` in questions[1] must be "paragraph" or "short".',
        ),
        (
            '[[questions]]\nid = "a"\nlabel = "A"\ncolour = "red"\n',
            "qs.toml: questions[1] has an unknown field `colour`.",
        ),
        (
            '[[questions]]\nid = "a"\nlabel = "A"\nrating = { label = "R" }\n',
            "qs.toml: questions[1] has a `rating` field; put `rating = { ... }` before the first [[questions]]",
        ),
        ("rating = { required = true }\n", "qs.toml: rating is missing `label`."),
        ("rating = 5\n", "qs.toml: `rating` must be a table"),
        ('title = "Survey"\n', "qs.toml: unknown field `title`"),
        ("", "qs.toml: the survey has no questions and no rating."),
        (
            'rating = { label = "R" }\n' + SIX_QUESTIONS + SIX_QUESTIONS.replace('"q', '"r'),
            "qs.toml: the survey has 13 inputs; at most 10",
        ),
    ],
)
def test_a_bad_question_file_names_the_file_and_the_field(text: str, message: str) -> None:
    with pytest.raises(SurveyError) as caught:
        parse_survey(text, "qs.toml")
    assert message in str(caught.value)


def test_an_upload_must_be_utf8_text() -> None:
    with pytest.raises(SurveyError, match=r"q\.toml: the file is not UTF-8 text"):
        survey_from_upload("q.toml", b"\xff\xfe[[questions]]")
    assert survey_from_upload("q.toml", "\ufeff".encode() + b'rating = { label = "R" }').rating is not None


# --- answers ---------------------------------------------------------------------------------------


def test_answers_are_trimmed_and_required_ones_cannot_be_blank() -> None:
    liked, missing, active_role, _rating = DEFAULT_SURVEY.inputs
    assert check_answer(liked, "  The hubs  \n") == "The hubs"
    assert check_answer(active_role, "   ") == ""  # optional
    with pytest.raises(AnswerError, match="needs an answer"):
        check_answer(missing, " \n\t ")


def test_the_configured_max_length_is_enforced_on_the_server_too() -> None:
    (question,) = parse_survey('[[questions]]\nid = "a"\nlabel = "A"\nmax_length = 10\n').questions
    assert check_answer(question, "0123456789") == "0123456789"
    with pytest.raises(AnswerError, match="has 11 characters; the limit is 10"):
        check_answer(question, "0123456789x")


@pytest.mark.parametrize("value", ["0", "6", "10", "seven", "4.5", "-1", "3 stars"])
def test_a_rating_outside_1_to_5_or_not_a_number_is_refused(value: str) -> None:
    assert DEFAULT_SURVEY.rating is not None
    with pytest.raises(AnswerError, match="whole number from 1 to 5"):
        check_answer(DEFAULT_SURVEY.rating, value)


@pytest.mark.parametrize(("value", "expected"), [("1", 1), (" 5 ", 5), ("٤", 4), ("३", 3)])
def test_ratings_in_any_script_are_read(value: str, expected: int) -> None:
    answers = complete_answers(DEFAULT_SURVEY, {"liked": "a", "missing": "b", RATING_ID: value})
    assert answers.rating == expected
    assert dict(answers.texts) == {"liked": "a", "missing": "b", "active_role": ""}


def test_an_optional_rating_may_be_left_empty_but_a_required_one_not() -> None:
    optional = parse_survey('rating = { label = "R", required = false }\n')
    assert complete_answers(optional, {}).rating is None
    with pytest.raises(AnswerError, match="Please give a rating"):
        complete_answers(DEFAULT_SURVEY, {"liked": "a", "missing": "b", RATING_ID: " "})


def test_a_page_is_checked_as_a_whole() -> None:
    survey = parse_survey(LONG_SURVEY)
    assert check_page(survey, 1, {"q6": " later ", RATING_ID: "2"}) == {"q6": "later", RATING_ID: "2"}
    with pytest.raises(AnswerError):
        check_page(survey, 0, {"q1": "fine", "q2": ""})


# --- figures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answered", "attendees", "percent"),
    [(84, 214, 39), (1, 8, 13), (1, 3, 33), (2, 3, 67), (0, 5, 0), (5, 5, 100), (1, 200, 1), (1, 201, 0)],
)
def test_the_response_rate_rounds_half_up_to_a_whole_percent(
    answered: int, attendees: int, percent: int
) -> None:
    respondents = [f"u{n}" for n in range(answered)]
    assert response_rate(respondents, [f"u{n}" for n in range(attendees)]).percent == percent


def test_the_report_figure_and_respondents_who_are_not_attendees() -> None:
    attendees = [f"u{n}" for n in range(214)]
    rate = response_rate([*attendees[:84], "staff-1", "staff-2"], attendees)
    assert (rate.answered, rate.attendees, rate.percent) == (84, 214, 39)
    assert response_rate(["u1"], []).percent is None


def test_rating_distribution_and_average() -> None:
    distribution = rating_distribution([5, 4, 4, None, 1])
    assert distribution == {1: 1, 2: 0, 3: 0, 4: 2, 5: 1}
    assert average_rating(distribution) == pytest.approx(3.5)
    assert average_rating(rating_distribution([])) is None


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("thanks <@123456789012345678>!", "thanks [mention]!"),
        ("<@!123> and <@&456> in <#789>", "[mention] and [mention] in [mention]"),
        ("hey @everyone and @here", "hey [mention] and [mention]"),
        ("my id is 123456789012345678", "my id is [id]"),
        (
            "20 digits 12345678901234567890, 21 digits 123456789012345678901",
            "20 digits [id], 21 digits 123456789012345678901",
        ),
        ("16 digits 1234567890123456 stay", "16 digits 1234567890123456 stay"),
        ("45 initiatives, 2020, +41 79 123 45 67", "45 initiatives, 2020, +41 79 123 45 67"),
    ],
)
def test_mentions_and_discord_ids_are_masked(text: str, masked: str) -> None:
    assert mask_identifiers(text) == masked


# --- attendance --------------------------------------------------------------------------------------


def test_attendance_counts_each_person_once_and_staff_apart() -> None:
    presences = [
        Presence("alice", "2020-11-21", 1, "voice"),
        Presence("alice", "2020-11-21", 2, "voice"),
        Presence("alice", "2020-11-22", 1, "ballot"),
        Presence("bob", "2020-11-22", None, "checkin"),
        Presence("ines", "2020-11-21", 1, "voice"),
    ]
    roles = EventRoles(staff=10, interpreter=20)
    excluded = excluded_members(roles, {"alice": [5], "ines": [20], "sam": [10]})
    assert excluded == {"ines", "sam"}
    summary = summarise_attendance(presences, excluded)
    assert summary.total == 2
    assert summary.excluded == {"ines"}  # sam was never seen taking part
    assert dict(summary.by_day) == {"2020-11-21": 1, "2020-11-22": 2}
    assert dict(summary.by_room) == {1: 1, 2: 1}
    assert dict(summary.by_day_room) == {("2020-11-21", 1): 1, ("2020-11-21", 2): 1, ("2020-11-22", 1): 1}
    assert dict(summary.by_source) == {"voice": 1, "ballot": 1, "checkin": 1}
