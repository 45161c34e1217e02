"""/feedback: the post-event survey. Organisers open, close and read it; attendees answer it.

Discord cannot have /feedback both as a command and as a group, so answering is /feedback give
(or the Give feedback button the survey message carries). A scheduled close is kept in the
database (feedback_surveys.closes_at) and re-armed at every start, as rounds' are.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.access import require_organiser
from bot.domain.errors import NotFoundError, UserError
from bot.domain.event import Event
from bot.domain.feedback import Survey
from bot.exports.feedback_export import render_feedback_export
from bot.i18n import Translator
from bot.services import feedback as feedback_service
from bot.ui.common import NO_MENTIONS, member_access, require_guild, translator_for
from bot.ui.feedback import (
    FEEDBACK_ITEMS,
    attendance_store,
    feedback_store,
    give_feedback_view,
    open_feedback_form,
    submit_orphaned_form,
    survey_embed,
)
from db.feedback import SurveyState

if TYPE_CHECKING:
    from bot.client import PriorityBot

log = logging.getLogger(__name__)

BAR_WIDTH = 20
MESSAGE_LIMIT = 2000


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "event"


def _status_line(tr: Translator, state: SurveyState) -> str:
    if state.is_open and state.closes_at:
        return tr("The survey is open; it closes {when}.", when=discord.utils.format_dt(state.closes_at, "R"))
    if state.is_open:
        return tr("The survey is open until an organiser closes it with /feedback close.")
    if state.status == "closed":
        return tr("The survey is closed.")
    return tr("The survey has not been opened yet: /feedback open.")


def _questions_text(tr: Translator, state: SurveyState) -> str:
    survey: Survey = state.survey
    head = (
        tr("Questions from the file {file}:", file=state.source)
        if state.source
        else tr("The built-in questions (from the 2020 feedback form):")
    )
    lines = [head]
    for number, question in enumerate(survey.questions, start=1):
        need = tr("required") if question.required else tr("optional")
        lines.append(
            f"{number}. `{question.id}` {tr.gettext(question.label)} "
            + tr("({need}, up to {limit} characters)", need=need, limit=question.max_length)
        )
    if survey.rating:
        need = tr("required") if survey.rating.required else tr("optional")
        lines.append(
            tr("Rating from 1 to 5: {label} ({need})", label=tr.gettext(survey.rating.label), need=need)
        )
    lines.append(
        tr.ngettext(
            "The form has {count} page.",
            "The form has {count} pages (five inputs per page).",
            survey.page_count,
        )
    )
    return "\n".join(lines)


@app_commands.guild_only()
class FeedbackCommands(
    commands.GroupCog, group_name="feedback", group_description="The post-event feedback survey"
):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot
        self.store = feedback_store(bot)
        self.attendance = attendance_store(bot)
        self._scheduled: dict[int, asyncio.Task[None]] = {}

    async def cog_load(self) -> None:
        # The buttons are registered at every start, so messages posted before a restart still work.
        self.bot.add_dynamic_items(*FEEDBACK_ITEMS)
        for state in await self.store.scheduled_closes():
            self._schedule_close(state)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*FEEDBACK_ITEMS)
        for task in self._scheduled.values():
            task.cancel()
        self._scheduled.clear()

    async def _organiser_event(self, interaction: discord.Interaction) -> Event:
        """The active event or, once it is closed, the latest event with a survey (feedback comes
        after the event); the member must organise it."""
        guild_id = require_guild(interaction)
        event = await self.bot.repo.active_event(guild_id)
        if event is None:
            event_id = await self.store.latest_survey_event_id(guild_id)
            event = await self.bot.repo.event_by_id(guild_id, event_id) if event_id else None
        if event is None:
            raise NotFoundError(
                "There is no active event in this server. An organiser can start one with /event create."
            )
        organiser = event.roles.organiser
        require_organiser(event.roles, member_access(interaction), f"<@&{organiser}>" if organiser else None)
        return event

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # A form that was open on someone's screen while the bot restarted still counts.
        await submit_orphaned_form(interaction)

    @app_commands.command(
        name="open", description="Open the feedback survey and post its Give feedback button here"
    )
    @app_commands.describe(closes_in="Close the survey automatically after this many minutes")
    async def open(
        self,
        interaction: discord.Interaction,
        closes_in: app_commands.Range[int, 1, feedback_service.MAX_SURVEY_MINUTES] | None = None,
    ) -> None:
        event = await self._organiser_event(interaction)
        if interaction.channel_id is None:
            raise UserError("Open the survey in a text channel: its button is posted there.")
        state = await feedback_service.open_survey(self.store, event, closes_in, discord.utils.utcnow())
        if state.closes_at is not None:
            self._schedule_close(state)
        public = Translator(event.language)  # the survey message is for everyone: the event's language
        await interaction.response.send_message(
            embed=survey_embed(public, event.name, state),
            view=give_feedback_view(public, event.id),
            allowed_mentions=NO_MENTIONS,
        )
        message = await interaction.original_response()
        await self.store.set_message(event.id, message.channel.id, message.id)
        tr = await translator_for(interaction)
        await interaction.followup.send(
            tr("The feedback survey is open. Follow the answers with /feedback results.")
            + "\n"
            + _status_line(tr, state),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="close", description="Close the feedback survey")
    async def close(self, interaction: discord.Interaction) -> None:
        event = await self._organiser_event(interaction)
        state = await feedback_service.close_survey(self.store, event)
        self._cancel_close(event.id)
        await self._show_closed(event, state)
        responses = await self.store.responses(event.id)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr.ngettext(
                "The feedback survey is closed with {count} response.",
                "The feedback survey is closed with {count} responses.",
                len(responses),
            ),
            ephemeral=True,
        )

    @app_commands.command(name="give", description="Answer the feedback survey (for attendees)")
    async def give(self, interaction: discord.Interaction) -> None:
        await open_feedback_form(interaction, None)

    @app_commands.command(
        name="results", description="Response rate, ratings and the anonymised answers as a file"
    )
    async def results(self, interaction: discord.Interaction) -> None:
        event = await self._organiser_event(interaction)
        results = await feedback_service.feedback_results(self.store, self.attendance, event)
        tr = await translator_for(interaction)
        lines = ["**" + tr("Feedback: {event}", event=event.name) + "**", _status_line(tr, results.state)]
        lines.append(tr.ngettext("{count} response.", "{count} responses.", results.responses))
        rate = results.rate
        if rate.percent is None:
            lines.append(tr("No attendees are recorded yet, so there is no response rate."))
        else:
            lines.append(
                tr.ngettext(
                    "{answered} of {count} attendee answered: {percent}%",
                    "{answered} of {count} attendees answered: {percent}%",
                    rate.attendees,
                    answered=rate.answered,
                    percent=rate.percent,
                )
            )
        if results.responses > rate.answered:
            lines.append(
                tr.ngettext(
                    "{count} response is from someone not counted as an attendee now (staff or interpreter).",
                    "{count} responses are from people not counted as attendees now (staff or interpreters).",
                    results.responses - rate.answered,
                )
            )
        if results.state.survey.rating and results.average is not None:
            lines += [
                "",
                tr("Satisfaction from 1 to 5, average {average}:", average=round(results.average, 1)),
            ]
            most = max(results.distribution.values()) or 1
            for score in sorted(results.distribution, reverse=True):
                count = results.distribution[score]
                bar = "█" * round(BAR_WIDTH * count / most)
                lines.append(f"`{score}` {bar} {count}")
        files = []
        if results.responses:
            payload = await asyncio.to_thread(render_feedback_export, "csv", results.export)
            files.append(discord.File(io.BytesIO(payload), filename=f"feedback-{_slug(event.name)}.csv"))
            lines += [
                "",
                tr(
                    "The free-text answers are in the attached file, by pseudonym; mentions and "
                    "Discord ids in them are masked."
                ),
            ]
        text = "\n".join(lines)
        await interaction.response.send_message(
            text[:MESSAGE_LIMIT], files=files, ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(
        name="questions", description="See the survey's questions, or replace them with a TOML file"
    )
    @app_commands.describe(file="A TOML file of [[questions]] and a rating (see the README)")
    async def questions(
        self, interaction: discord.Interaction, file: discord.Attachment | None = None
    ) -> None:
        event = await self._organiser_event(interaction)
        tr = await translator_for(interaction)
        if file is not None:
            await feedback_service.set_questions(self.store, event, file.filename, await file.read())
        state = await feedback_service.survey_state(self.store, event)
        text = _questions_text(tr, state)
        if file is not None:
            text = tr("✅ The survey's questions are replaced.") + "\n" + text
        else:
            text += "\n" + tr("To change them, attach a TOML file: /feedback questions file.")
        await interaction.response.send_message(
            text[:MESSAGE_LIMIT], ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    # --- the survey message and scheduled closes ----------------------------------------------

    async def _show_closed(self, event: Event, state: SurveyState) -> None:
        """Mark the public message closed and take its button away."""
        if state.channel_id is None or state.message_id is None:
            return
        message = self.bot.get_partial_messageable(state.channel_id).get_partial_message(state.message_id)
        try:
            await message.edit(
                embed=survey_embed(Translator(event.language), event.name, state),
                view=None,
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException:
            log.info("could not mark the survey message %s as closed", state.message_id, exc_info=True)

    def _schedule_close(self, state: SurveyState) -> None:
        self._cancel_close(state.event_id)
        self._scheduled[state.event_id] = asyncio.create_task(self._close_later(state))

    def _cancel_close(self, event_id: int) -> None:
        task = self._scheduled.pop(event_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _close_later(self, state: SurveyState) -> None:
        assert state.closes_at is not None
        delay = (state.closes_at - discord.utils.utcnow()).total_seconds()
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if await self.store.close(state.event_id, scheduled_for=state.closes_at):
                event = await self.bot.repo.event_by_id(state.guild_id, state.event_id)
                closed = await self.store.state(state.event_id)
                if event is not None and closed is not None:
                    await self._show_closed(event, closed)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not close the feedback survey of event %s on schedule", state.event_id)
        finally:
            if self._scheduled.get(state.event_id) is asyncio.current_task():
                self._scheduled.pop(state.event_id, None)


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(FeedbackCommands(bot))
