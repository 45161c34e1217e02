"""/round: facilitators open and close voting rounds, follow participation and post Vote panels.

Scheduled closes are kept in the database (rounds.closes_at) and re-armed at every start, so a
round opened with `minutes` still closes on time after a restart.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.event import Round
from bot.i18n import Translator
from bot.services import rounds as round_service
from bot.services import voting
from bot.ui.access import facilitator_event
from bot.ui.ballot import VoteButton
from bot.ui.common import channel_ids, fit_message, translator_for

if TYPE_CHECKING:
    from bot.client import PriorityBot

log = logging.getLogger(__name__)


@app_commands.guild_only()
class RoundCommands(commands.GroupCog, group_name="round", group_description="Open and close voting rounds"):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot
        self._scheduled: dict[int, asyncio.Task[None]] = {}

    async def cog_load(self) -> None:
        for guild_id, _event_id, round_ in await self.bot.repo.scheduled_closes():
            self._schedule_close(guild_id, round_)

    async def cog_unload(self) -> None:
        for task in self._scheduled.values():
            task.cancel()
        self._scheduled.clear()

    @app_commands.command(name="open", description="Open a voting round")
    @app_commands.describe(
        name="The round's name, e.g. 'Global priorities'",
        max_picks="How many initiatives each participant may pick (default 6)",
        min_picks="How many they must pick at least (default 1)",
        minutes="Close the round automatically after this many minutes",
        results="Show results live, or hide them until the round closes",
    )
    async def open(
        self,
        interaction: discord.Interaction,
        name: str,
        max_picks: app_commands.Range[int, 1, 100] = 6,
        min_picks: app_commands.Range[int, 1, 100] = 1,
        minutes: app_commands.Range[int, 1, 1440] | None = None,
        results: Literal["live", "hidden"] = "live",
    ) -> None:
        event = await facilitator_event(interaction)
        round_ = await round_service.open_round(
            self.bot.repo, event, name, max_picks, min_picks, minutes, results, discord.utils.utcnow()
        )
        if round_.closes_at is not None:
            self._schedule_close(event.guild_id, round_)
        tr = await translator_for(interaction)
        lines = [
            tr(
                "Round **{name}** is open: each participant picks {min} to {max} initiatives.",
                name=round_.name,
                min=round_.limits.min_picks,
                max=round_.limits.max_picks,
            )
        ]
        if round_.closes_at:
            lines.append(
                tr("It closes automatically {when}.", when=discord.utils.format_dt(round_.closes_at, "R"))
            )
        lines.append(tr("Post a Vote button in each breakout room with /round panel."))
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="close", description="Close the open round")
    async def close(self, interaction: discord.Interaction) -> None:
        event = await facilitator_event(interaction)
        round_ = await round_service.close_current_round(self.bot.repo, event)
        self._cancel_close(round_.id)
        counts = await self.bot.repo.ballot_counts_by_room(round_.id)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr.ngettext(
                "Round **{name}** is closed with {count} ballot.",
                "Round **{name}** is closed with {count} ballots.",
                sum(counts.values()),
                name=round_.name,
            ),
            ephemeral=True,
        )

    @app_commands.command(name="status", description="Ballots so far in the open round, per room")
    async def status(self, interaction: discord.Interaction) -> None:
        event = await facilitator_event(interaction)
        round_ = await self.bot.repo.open_round_of(event.id) or await self.bot.repo.latest_round(event.id)
        tr = await translator_for(interaction)
        if round_ is None:
            raise voting.UserError("No voting round has been opened in this event yet.")
        counts = await self.bot.repo.ballot_counts_by_room(round_.id)
        rooms = await self.bot.repo.rooms(event.id)
        state = tr("open") if round_.is_open else tr("closed")
        head = [
            tr("Round **{name}** ({state})", name=round_.name, state=state),
            tr.ngettext("{count} ballot so far.", "{count} ballots so far.", sum(counts.values())),
        ]
        if round_.closes_at and round_.is_open:
            head.append(tr("Closes {when}.", when=discord.utils.format_dt(round_.closes_at, "R")))
        # busiest rooms first, so a long list cut to Discord's limit keeps the most useful lines
        by_count = sorted(rooms, key=lambda room: -counts.get(room.name, 0))
        body = [f"• {room.name}: {counts.get(room.name, 0)}" for room in by_count]
        await interaction.response.send_message(fit_message(tr, head, body), ephemeral=True)

    @app_commands.command(
        name="panel", description="Post a Vote button for the open round in this breakout room"
    )
    async def panel(self, interaction: discord.Interaction) -> None:
        event = await facilitator_event(interaction)
        round_ = await voting.open_round(self.bot.repo, event)
        room = await voting.room_of_channel(self.bot.repo, event, channel_ids(interaction))
        if room is None:
            raise voting.UserError("Post the panel in one of the event's breakout rooms (see /event info).")
        public = Translator(event.language)  # public messages follow the event's language
        view = discord.ui.View(timeout=None)
        view.add_item(VoteButton(round_.id, public("Vote")))
        embed = discord.Embed(
            title=public("Vote: {round}", round=round_.name),
            description=public(
                "Which initiatives most need global coordination? Press Vote to open your private ballot "
                "(up to {max} picks). You can change it until the round closes.",
                max=round_.limits.max_picks,
            ),
        )
        embed.set_footer(text=f"{event.name} · {room.name}")
        await interaction.response.send_message(embed=embed, view=view)
        message = await interaction.original_response()
        await self.bot.repo.add_panel(message.id, message.channel.id, round_.id)

    # --- scheduled closes -------------------------------------------------------------------

    def _schedule_close(self, guild_id: int, round_: Round) -> None:
        self._cancel_close(round_.id)
        self._scheduled[round_.id] = asyncio.create_task(self._close_later(guild_id, round_))

    def _cancel_close(self, round_id: int) -> None:
        task = self._scheduled.pop(round_id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _close_later(self, guild_id: int, round_: Round) -> None:
        assert round_.closes_at is not None
        delay = (round_.closes_at - discord.utils.utcnow()).total_seconds()
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            if await self.bot.repo.close_round(round_.id, round_.closes_at):
                await self._announce_close(guild_id, round_)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("could not close round %s on schedule", round_.id)
        finally:
            self._scheduled.pop(round_.id, None)

    async def _announce_close(self, guild_id: int, round_: Round) -> None:
        event = await self.bot.repo.event_by_id(guild_id, round_.event_id)
        if event is None:
            return
        public = Translator(event.language)
        for room in await self.bot.repo.rooms(event.id, attached_only=True):
            channel = self.bot.get_channel(room.channel_id or 0)
            if isinstance(channel, discord.abc.Messageable):
                try:
                    await channel.send(
                        public("⏱️ The round {name} is closed. Thank you for voting!", name=round_.name)
                    )
                except discord.HTTPException:
                    log.warning("could not announce the close of round %s in room %s", round_.id, room.name)


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(RoundCommands(bot))
