"""The post-event feedback survey: its questions, the checks on answers, and the figures reported.

Pure: no Discord, no SQL. The question set is the 2020 report's unless the organiser uploads a
TOML file; the limits below are Discord's (a modal holds five inputs, a label 45 characters,
a text input 4000), checked here so a bad file is refused when uploaded, not when a participant
opens the survey.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.errors import UserError

LABEL_LIMIT = 45
DESCRIPTION_LIMIT = 100
TEXT_LIMIT = 4000
DEFAULT_MAX_LENGTH = 1000
INPUTS_PER_PAGE = 5
MAX_PAGES = 2
MAX_INPUTS = INPUTS_PER_PAGE * MAX_PAGES
RATING_ID = "rating"
RATING_SCALE = (1, 2, 3, 4, 5)
RATING_INPUT_LIMIT = 10  # room for " 4 " or a mistake like "10", refused with a message
STYLES = ("paragraph", "short")
MAX_SURVEY_BYTES = 100_000

_QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# Column names of the exports, which a question id must not shadow.
RESERVED_IDS = frozenset({RATING_ID, "pseudonym", "submitted_at"})
_QUESTION_KEYS = frozenset({"id", "label", "description", "required", "max_length", "style"})
_RATING_KEYS = frozenset({"label", "description", "required"})


class SurveyError(UserError):
    """A question file that cannot be used as it is; nothing of it is stored."""


class AnswerError(UserError):
    """An answer the survey cannot accept; nothing of the submission is stored."""

    translated_params = ("question",)  # built-in question labels are in the catalogues


@dataclass(frozen=True)
class Question:
    """One input of the survey: a free-text question, or the 1-5 rating (``style == "rating"``)."""

    id: str
    label: str
    description: str = ""
    required: bool = True
    max_length: int = DEFAULT_MAX_LENGTH
    style: str = "paragraph"  # "paragraph", "short" or "rating"

    @property
    def is_rating(self) -> bool:
        return self.style == "rating"


@dataclass(frozen=True)
class Survey:
    questions: tuple[Question, ...]  # the free-text questions, in order
    rating: Question | None = None

    @property
    def inputs(self) -> tuple[Question, ...]:
        """Every input in the order shown: the questions, then the rating."""
        return (*self.questions, self.rating) if self.rating else self.questions

    @property
    def question_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    @property
    def page_count(self) -> int:
        return max(1, -(-len(self.inputs) // INPUTS_PER_PAGE))

    def page(self, index: int) -> tuple[Question, ...]:
        if not 0 <= index < self.page_count:
            raise AnswerError("This survey page does not exist any more; press Give feedback again.")
        return self.inputs[index * INPUTS_PER_PAGE : (index + 1) * INPUTS_PER_PAGE]


def _(message: str) -> str:
    """Marks a message for translation where it is defined; it is translated where it is shown."""
    return message


def rating_question(label: str, description: str = "", required: bool = True) -> Question:
    return Question(RATING_ID, label, description, required, max_length=RATING_INPUT_LIMIT, style="rating")


# The questions of the November 2020 feedback form ("what do you like", "what is missing", and
# what would make people take an active role), plus a satisfaction rating. Labels are message
# ids: they are shown translated.
DEFAULT_SURVEY = Survey(
    questions=(
        Question("liked", _("What do you like about the priorities?")),
        Question("missing", _("What is missing?")),
        Question(
            "active_role",
            _("Playing an active role in implementation"),
            description=_("What would make you want to play an active role in implementation?"),
            required=False,
        ),
    ),
    rating=rating_question(
        _("How satisfied are you with the event? (1-5)"),
        description=_("1 = not at all satisfied, 5 = very satisfied"),
    ),
)


# --- the question file ---------------------------------------------------------------------------


def parse_survey(text: str, source: str = "questions") -> Survey:
    """Parse a question file; every error names ``source``, the field and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SurveyError("{source}: not valid TOML ({detail}).", source=source, detail=str(exc)) from None
    return survey_from_mapping(data, source)


def survey_from_upload(filename: str, content: bytes) -> Survey:
    if len(content) > MAX_SURVEY_BYTES:
        raise SurveyError("{source}: the file is larger than 100 KB.", source=filename)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SurveyError("{source}: the file is not UTF-8 text.", source=filename) from None
    return parse_survey(text, filename)


def survey_from_mapping(data: Mapping[str, Any], source: str = "questions") -> Survey:
    unknown = sorted(set(data) - {"questions", RATING_ID})
    if unknown:
        raise SurveyError(
            "{source}: unknown field `{field}` (a question file has `questions` and `rating`).",
            source=source,
            field=unknown[0],
        )
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list):
        raise SurveyError("{source}: `questions` must be a list of [[questions]] tables.", source=source)
    questions = tuple(
        _question(raw, source, f"questions[{index}]") for index, raw in enumerate(raw_questions, start=1)
    )
    rating = _rating(data[RATING_ID], source) if RATING_ID in data else None
    survey = Survey(questions, rating)
    validate_survey(survey, source)
    return survey


def _question(raw: Any, source: str, where: str) -> Question:
    if not isinstance(raw, Mapping):
        raise SurveyError("{source}: {where} must be a table.", source=source, where=where)
    unknown = sorted(set(raw) - _QUESTION_KEYS)
    if unknown == [RATING_ID]:
        # `rating = {...}` written after a [[questions]] header lands inside that question.
        raise SurveyError(
            "{source}: {where} has a `rating` field; put `rating = {{ ... }}` before the first "
            "[[questions]], or write it as a [rating] table.",
            source=source,
            where=where,
        )
    if unknown:
        raise SurveyError(
            "{source}: {where} has an unknown field `{field}`.", source=source, where=where, field=unknown[0]
        )
    max_length = _field(raw, "max_length", int, source, where, DEFAULT_MAX_LENGTH)
    if not 1 <= max_length <= TEXT_LIMIT:
        raise SurveyError(
            "{source}: `max_length` in {where} must be between 1 and {limit} (Discord's limit).",
            source=source,
            where=where,
            limit=TEXT_LIMIT,
        )
    style = _field(raw, "style", str, source, where, "paragraph")
    if style not in STYLES:
        raise SurveyError(
            '{source}: `style` in {where} must be "paragraph" or "short".', source=source, where=where
        )
    return Question(
        id=_field(raw, "id", str, source, where),
        label=_field(raw, "label", str, source, where),
        description=_field(raw, "description", str, source, where, ""),
        required=_field(raw, "required", bool, source, where, True),
        max_length=max_length,
        style=style,
    )


def _rating(raw: Any, source: str) -> Question:
    where = "rating"
    if not isinstance(raw, Mapping):
        raise SurveyError(
            '{source}: `rating` must be a table, e.g. rating = {{ label = "..." }}.', source=source
        )
    unknown = sorted(set(raw) - _RATING_KEYS)
    if unknown:
        raise SurveyError(
            "{source}: {where} has an unknown field `{field}`.", source=source, where=where, field=unknown[0]
        )
    return rating_question(
        _field(raw, "label", str, source, where),
        _field(raw, "description", str, source, where, ""),
        _field(raw, "required", bool, source, where, True),
    )


_KIND_NAMES = {int: "a whole number", str: "text", bool: "true or false"}


def _field(
    data: Mapping[str, Any], key: str, kind: type, source: str, where: str, default: Any = None
) -> Any:
    if key not in data:
        if default is None:
            raise SurveyError(
                "{source}: {where} is missing `{field}`.", source=source, where=where, field=key
            )
        return default
    value = data[key]
    # bool is an int subclass in Python: `max_length = true` is still a mistake.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SurveyError(
            "{source}: `{field}` in {where} must be {kind}.",
            source=source,
            field=key,
            where=where,
            kind=_KIND_NAMES.get(kind, kind.__name__),
        )
    return value


def validate_survey(survey: Survey, source: str = "questions") -> None:
    """Raise a SurveyError naming the first problem found, or return quietly."""
    if not survey.inputs:
        raise SurveyError("{source}: the survey has no questions and no rating.", source=source)
    if len(survey.inputs) > MAX_INPUTS:
        raise SurveyError(
            "{source}: the survey has {count} inputs; at most {limit} fit (two pages of five, "
            "the rating included).",
            source=source,
            count=len(survey.inputs),
            limit=MAX_INPUTS,
        )
    seen: set[str] = set()
    for index, question in enumerate(survey.inputs, start=1):
        where = RATING_ID if question.is_rating else f"questions[{index}]"
        if not question.is_rating:
            if not _QUESTION_ID.match(question.id):
                raise SurveyError(
                    "{source}: `id` in {where} must be 1 to 32 lowercase letters, digits or _, "
                    "starting with a letter.",
                    source=source,
                    where=where,
                )
            if question.id in RESERVED_IDS:
                raise SurveyError(
                    "{source}: `id` in {where} cannot be {id} (an export column has that name).",
                    source=source,
                    where=where,
                    id=question.id,
                )
            if question.id in seen:
                raise SurveyError(
                    "{source}: the question id {id} is used twice.", source=source, id=question.id
                )
            seen.add(question.id)
        _check_text(question.label, "label", LABEL_LIMIT, source, where, required=True)
        _check_text(question.description, "description", DESCRIPTION_LIMIT, source, where, required=False)


def _check_text(text: str, field: str, limit: int, source: str, where: str, *, required: bool) -> None:
    if required and not text.strip():
        raise SurveyError(
            "{source}: {where} has an empty `{field}`.", source=source, where=where, field=field
        )
    if len(text) > limit:
        raise SurveyError(
            "{source}: the `{field}` of {where} is longer than {limit} characters (Discord's limit).",
            source=source,
            field=field,
            where=where,
            limit=limit,
        )
    if any(ord(ch) < 32 for ch in text):
        raise SurveyError(
            "{source}: the `{field}` of {where} contains control characters.",
            source=source,
            field=field,
            where=where,
        )


# Stored as JSON in the database (the validated set, not the file, so a stored survey never
# depends on how the parser reads a file later).


def survey_to_data(survey: Survey) -> dict[str, Any]:
    data: dict[str, Any] = {
        "questions": [
            {
                "id": q.id,
                "label": q.label,
                "description": q.description,
                "required": q.required,
                "max_length": q.max_length,
                "style": q.style,
            }
            for q in survey.questions
        ]
    }
    if survey.rating:
        data[RATING_ID] = {
            "label": survey.rating.label,
            "description": survey.rating.description,
            "required": survey.rating.required,
        }
    return data


def survey_from_data(data: Mapping[str, Any]) -> Survey:
    return survey_from_mapping(data, "stored survey")


# --- answers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """A complete, valid response: free text by question id, and the rating."""

    texts: Mapping[str, str]
    rating: int | None


def _clip(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_rating(question: Question, value: str) -> int | None:
    text = value.strip()
    if not text:
        if question.required:
            raise AnswerError("Please give a rating from 1 to 5.")
        return None
    # isdecimal accepts every script's digits (Arabic-Indic, Devanagari...); int() reads them.
    if not text.isdecimal() or int(text) not in RATING_SCALE:
        raise AnswerError(
            "The rating must be a whole number from 1 to 5; you wrote “{value}”.", value=_clip(text)
        )
    return int(text)


def check_answer(question: Question, value: str) -> str:
    """The answer as stored (surrounding spaces removed), or an AnswerError saying what is wrong."""
    if question.is_rating:
        rating = parse_rating(question, value)
        return "" if rating is None else str(rating)
    text = value.strip()
    if question.required and not text:
        raise AnswerError("“{question}” needs an answer.", question=question.label)
    if len(text) > question.max_length:
        raise AnswerError(
            "Your answer to “{question}” has {length} characters; the limit is {limit}.",
            question=question.label,
            length=len(text),
            limit=question.max_length,
        )
    return text


def check_page(survey: Survey, page: int, values: Mapping[str, str]) -> dict[str, str]:
    """Check one modal page's answers; all of them, or none, are accepted."""
    return {
        question.id: check_answer(question, values.get(question.id, "")) for question in survey.page(page)
    }


def complete_answers(survey: Survey, values: Mapping[str, str]) -> Answers:
    """Check every input of the survey at once (pages merged); the response as it will be stored."""
    checked = {question.id: check_answer(question, values.get(question.id, "")) for question in survey.inputs}
    rating_text = checked.pop(RATING_ID, "")
    return Answers(checked, int(rating_text) if rating_text else None)


def prefill(survey: Survey, answers: Mapping[str, str], rating: int | None) -> dict[str, str]:
    """What each input shows when the form is opened again: the previous answers."""
    values = {q.id: answers[q.id] for q in survey.questions if answers.get(q.id)}
    if survey.rating and rating is not None:
        values[RATING_ID] = str(rating)
    return values


# --- figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRate:
    answered: int
    attendees: int

    @property
    def percent(self) -> int | None:
        """Rounded half up to a whole percent, as the report: 84 of 214 = 39.25% -> 39%."""
        if self.attendees <= 0:
            return None
        return (200 * self.answered + self.attendees) // (2 * self.attendees)


def response_rate(respondents: Iterable[str], attendees: Iterable[str]) -> ResponseRate:
    """Only respondents who count as attendees answer "of the attendees"."""
    attendee_set = set(attendees)
    return ResponseRate(len(attendee_set & set(respondents)), len(attendee_set))


def rating_distribution(ratings: Iterable[int | None]) -> dict[int, int]:
    counts = Counter(r for r in ratings if r is not None)
    return {score: counts.get(score, 0) for score in RATING_SCALE}


def average_rating(distribution: Mapping[int, int]) -> float | None:
    total = sum(distribution.values())
    if not total:
        return None
    return sum(score * count for score, count in distribution.items()) / total


# --- anonymity -----------------------------------------------------------------------------------

MENTION_MASK = "[mention]"
ID_MASK = "[id]"
_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here", re.IGNORECASE)
_BARE_ID = re.compile(r"(?<!\d)\d{17,20}(?!\d)")  # Discord snowflakes


def mask_identifiers(text: str) -> str:
    """Mentions and bare Discord ids replaced, so an export never names anyone by Discord account."""
    return _BARE_ID.sub(ID_MASK, _MENTION.sub(MENTION_MASK, text))
