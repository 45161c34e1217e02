"""The feedback form: modal pages of at most five inputs, the persistent "Give feedback" button and
the "Continue" button between pages. Buttons are DynamicItems whose custom_id carries the event
(and page); answers between pages are drafts in the database, so both keep working after a
restart. A modal's custom_id carries its event and page too: a form that was open on a member's
screen while the bot restarted is still accepted (see ``submit_orphaned_form``).
"""

from __future__ import annotations

import re
import secrets
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.domain.feedback import Question, Survey
from bot.i18n import Translator
from bot.services import feedback as feedback_service
from bot.services.attendance import note_voice_join
from bot.ui.common import (
    NO_MENTIONS,
    ReportingItem,
    bot_of,
    member_access,
    report_error,
    require_guild,
    translator_for,
)
from db.feedback import AttendanceRepository, FeedbackRepository, SurveyState

if TYPE_CHECKING:
    from bot.client import PriorityBot

MODAL_TIMEOUT = 3600.0  # a modal left open longer than this is forgotten (Discord shows an error)
TITLE_LIMIT = 45
LABEL_LIMIT = 45
DESCRIPTION_LIMIT = 100
INPUT_PREFIX = "pb:fb:input:"
MODAL_ID = re.compile(r"pb:fb:form:(?P<event_id>\d+):(?P<page>\d+):[0-9a-f]+")

# Forms this bot instance showed and still holds in memory (discord.py answers those itself).
# Any other form with our custom_id was shown before a restart: the listener takes it.
_open_forms: weakref.WeakKeyDictionary[discord.Client, set[str]] = weakref.WeakKeyDictionary()


def feedback_store(bot: PriorityBot) -> FeedbackRepository:
    return FeedbackRepository(bot.db, clock=discord.utils.utcnow)


def attendance_store(bot: PriorityBot) -> AttendanceRepository:
    return AttendanceRepository(bot.db, clock=discord.utils.utcnow)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def survey_embed(public: Translator, event_name: str, state: SurveyState) -> discord.Embed:
    """The public survey message, in the event's language."""
    survey = state.survey
    lines = [
        public(
            "Thank you for taking part! Tell us what you think: press **Give feedback** to answer "
            "privately. The results are shared without names, and you can change your answers "
            "until the survey closes."
        ),
        "",
        *(f"• {public.gettext(q.description or q.label)}" for q in survey.questions),
    ]
    if survey.rating:
        lines.append(f"• {public.gettext(survey.rating.label)}")
    if state.is_open and state.closes_at:
        lines += ["", public("The survey closes {when}.", when=discord.utils.format_dt(state.closes_at, "R"))]
    elif not state.is_open:
        lines += ["", public("The survey is closed. Thank you to everyone who answered!")]
    return discord.Embed(
        title=_clip(public("Feedback: {event}", event=event_name), 256),
        description=_clip("\n".join(lines), 4096),
        colour=discord.Colour.blurple() if state.is_open else discord.Colour.dark_grey(),
    )


def give_feedback_view(public: Translator, event_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(GiveFeedbackButton(event_id, public("Give feedback")))
    return view


def _text_input(tr: Translator, question: Question, value: str | None) -> discord.ui.TextInput[Any]:
    if question.is_rating:
        style, placeholder = discord.TextStyle.short, tr("A number from 1 to 5")
    else:
        style = discord.TextStyle.paragraph if question.style == "paragraph" else discord.TextStyle.short
        placeholder = None
    return discord.ui.TextInput(
        custom_id=f"{INPUT_PREFIX}{question.id}",
        style=style,
        placeholder=placeholder,
        default=value or None,
        required=question.required,
        max_length=question.max_length,
    )


class FeedbackModal(discord.ui.Modal):
    """One page of the form. Its custom_id ends in a random part: modals are matched by custom_id
    alone, and two members' forms must never share one."""

    def __init__(
        self, tr: Translator, event_id: int, survey: Survey, page: int, values: dict[str, str]
    ) -> None:
        pages = survey.page_count
        title = tr("Feedback") if pages == 1 else tr("Feedback ({page}/{pages})", page=page + 1, pages=pages)
        custom_id = f"pb:fb:form:{event_id}:{page}:{secrets.token_hex(8)}"
        super().__init__(title=_clip(title, TITLE_LIMIT), timeout=MODAL_TIMEOUT, custom_id=custom_id)
        self.event_id = event_id
        self.page = page
        self.inputs: dict[str, discord.ui.TextInput[Any]] = {}
        for question in survey.page(page):
            text_input = _text_input(tr, question, values.get(question.id))
            self.inputs[question.id] = text_input
            description = tr.gettext(question.description) if question.description else None
            self.add_item(
                discord.ui.Label(
                    text=_clip(tr.gettext(question.label), LABEL_LIMIT),
                    description=_clip(description, DESCRIPTION_LIMIT) if description else None,
                    component=text_input,
                )
            )

    async def on_submit(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        # The id stays registered until the modal times out: the restart listener runs for this
        # very interaction too, and must see that the form is answered here.
        # Failures take the same polite path as commands and buttons (as ReportingItem does):
        # a refused answer is the member's to fix, not an error of the bot.
        values = {question_id: text_input.value for question_id, text_input in self.inputs.items()}
        async with bot_of(interaction).load.slot(interaction) as admitted:
            if not admitted:
                return  # too late to answer: Discord keeps the form open with the member's text
            try:
                await submit_feedback_page(interaction, self.event_id, self.page, values)
            except Exception as error:
                await report_error(interaction, error)

    async def on_timeout(self) -> None:
        for forms in _open_forms.values():
            forms.discard(self.custom_id)


def _submitted_values(components: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Text inputs' values from a raw modal submission (inside labels or action rows)."""
    values: dict[str, str] = {}
    for component in components:
        custom_id, value = component.get("custom_id"), component.get("value")
        if isinstance(custom_id, str) and custom_id.startswith(INPUT_PREFIX) and isinstance(value, str):
            values[custom_id.removeprefix(INPUT_PREFIX)] = value
        values.update(_submitted_values(component.get("components", ())))
        if isinstance(component.get("component"), Mapping):
            values.update(_submitted_values([component["component"]]))
    return values


async def submit_orphaned_form(interaction: discord.Interaction) -> bool:
    """Accept a form shown before a restart (discord.py no longer holds its Modal); True if taken."""
    if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
        return False
    custom_id = str(interaction.data.get("custom_id", ""))
    match = MODAL_ID.fullmatch(custom_id)
    if match is None or custom_id in _open_forms.get(interaction.client, set()):
        return False
    values = _submitted_values(interaction.data.get("components", ()))  # type: ignore[arg-type]
    async with bot_of(interaction).load.slot(interaction) as admitted:
        if not admitted:
            return True
        try:
            await submit_feedback_page(interaction, int(match["event_id"]), int(match["page"]), values)
        except Exception as error:
            await report_error(interaction, error)
    return True


async def _note_voice_presence(interaction: discord.Interaction) -> None:
    """A member sitting in a breakout room's voice channel right now attended, whether or not the
    bot saw them join (it may have been restarting)."""
    user = interaction.user
    if isinstance(user, discord.Member) and user.voice and user.voice.channel:
        await note_voice_join(
            attendance_store(bot_of(interaction)),
            user.guild.id,
            user.id,
            user.voice.channel.id,
            [role.id for role in user.roles],
        )


async def open_feedback_form(interaction: discord.Interaction, event_id: int | None, page: int = 0) -> None:
    """Show a page of the form as a modal, pre-filled with the member's previous answers."""
    bot = bot_of(interaction)
    store = feedback_store(bot)
    event = await feedback_service.survey_event(bot.repo, store, require_guild(interaction), event_id)
    await _note_voice_presence(interaction)
    form = await feedback_service.open_form(
        store, attendance_store(bot), event, interaction.user.id, member_access(interaction), page
    )
    tr = await translator_for(interaction)
    modal = FeedbackModal(tr, event.id, form.survey, form.page, form.values)
    _open_forms.setdefault(interaction.client, set()).add(modal.custom_id)
    await interaction.response.send_modal(modal)


async def submit_feedback_page(
    interaction: discord.Interaction, event_id: int, page: int, values: dict[str, str]
) -> None:
    bot = bot_of(interaction)
    store = feedback_store(bot)
    event = await feedback_service.survey_event(bot.repo, store, require_guild(interaction), event_id)
    outcome = await feedback_service.submit_page(
        store, attendance_store(bot), event, interaction.user.id, member_access(interaction), page, values
    )
    tr = await translator_for(interaction)
    pages = outcome.survey.page_count
    view: discord.ui.View | None = None
    if outcome.complete:
        content = (
            tr("✅ Thank you! Your feedback is saved.")
            if outcome.first
            else tr("✅ Your feedback is changed and saved.")
        )
        content += "\n" + tr("You can change it until the survey closes: press Give feedback again.")
    else:
        content = tr(
            "Page {page} of {pages} is kept, but your feedback is not sent yet: press Continue to answer the rest.",
            page=outcome.page + 1,
            pages=pages,
        )
        view = discord.ui.View(timeout=None)
        view.add_item(
            ContinueFeedbackButton(
                event_id,
                outcome.next_page,
                tr("Continue ({page}/{pages})", page=outcome.next_page + 1, pages=pages),
            )
        )
    if page > 0 and interaction.message is not None:
        # Sent from a Continue button's private message: replace it, so no stale button remains.
        await interaction.response.edit_message(content=content, view=view, allowed_mentions=NO_MENTIONS)
    elif view is not None:
        await interaction.response.send_message(
            content, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
    else:
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=NO_MENTIONS)


class GiveFeedbackButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"pb:fb:give:(?P<event_id>\d+)"
):
    """The persistent button on the public survey message."""

    def __init__(self, event_id: int, label: str = "Give feedback") -> None:
        self.event_id = event_id
        super().__init__(
            discord.ui.Button(
                label=label, emoji="📝", style=discord.ButtonStyle.primary, custom_id=f"pb:fb:give:{event_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> GiveFeedbackButton:
        return cls(int(match["event_id"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        await open_feedback_form(interaction, self.event_id)


class ContinueFeedbackButton(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pb:fb:page:(?P<event_id>\d+):(?P<page>\d+)",
):
    """Opens the next page of the form (a modal cannot open another modal: a button in between)."""

    def __init__(self, event_id: int, page: int, label: str = "Continue") -> None:
        self.event_id = event_id
        self.page = page
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.success, custom_id=f"pb:fb:page:{event_id}:{page}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ContinueFeedbackButton:
        return cls(int(match["event_id"]), int(match["page"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        await open_feedback_form(interaction, self.event_id, self.page)


FEEDBACK_ITEMS = (GiveFeedbackButton, ContinueFeedbackButton)
