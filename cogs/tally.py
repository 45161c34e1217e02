"""/tally: facilitators post, stop and preview live tallies (kept up to date by
bot.ui.live_updates.LiveTallyManager)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.errors import UserError
from bot.domain.event import Event, Room, Round
from bot.services import voting
from bot.services.live import live_snapshot
from bot.ui.access import facilitator_event
from bot.ui.common import NO_MENTIONS, channel_ids, require_guild, translator_for
from bot.ui.live_tally import live_tally_embed
from bot.ui.live_updates import LiveTallyManager
from db.live_tallies import LiveTallyRepository

if TYPE_CHECKING:
    from bot.client import PriorityBot

log = logging.getLogger(__name__)


def _parse_message_id(text: str) -> int:
    """A message id, or a message link (its last part)."""
    candidate = text.strip().rstrip("/").rsplit("/", 1)[-1]
    if not candidate.isdigit():
        raise UserError("{value} is not a message id or message link.", value=text)
    return int(candidate)


@app_commands.guild_only()
class TallyCommands(
    commands.GroupCog, group_name="tally", group_description="Live results of the open round"
):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot
        self.store = LiveTallyRepository(bot.db, clock=discord.utils.utcnow)
        self.manager = LiveTallyManager(bot, self.store)

    async def cog_load(self) -> None:
        if await self.store.active():
            self.manager.ensure_running()

    async def cog_unload(self) -> None:
        self.manager.stop()

    async def _scope(
        self, interaction: discord.Interaction, event: Event, scope: str
    ) -> tuple[Round, Room | None]:
        round_ = await voting.open_round(self.bot.repo, event)
        if scope == "round":
            return round_, None
        room = await voting.room_of_channel(self.bot.repo, event, channel_ids(interaction))
        if room is None:
            raise UserError("Use the room scope inside one of the event's breakout rooms (see /event info).")
        return round_, room

    @app_commands.command(name="post", description="Post a live tally of the open round in this channel")
    @app_commands.describe(scope="This breakout room only, or the whole round (default)")
    async def post(self, interaction: discord.Interaction, scope: Literal["round", "room"] = "round") -> None:
        event = await facilitator_event(interaction)
        round_, room = await self._scope(interaction, event, scope)
        if interaction.channel_id is None:
            raise UserError("Post the live tally in a text channel.")
        await interaction.response.defer(ephemeral=True)  # the chart takes a moment to draw
        message = await self.manager.post(
            interaction.channel_id, require_guild(interaction), event, round_, room
        )
        tr = await translator_for(interaction)
        await interaction.followup.send(
            tr("Live tally posted: {link}. Stop it with /tally stop.", link=message.jump_url),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="stop", description="Stop the live tallies in this channel, or one of them")
    @app_commands.describe(message="The id or link of one live tally message (default: all in this channel)")
    async def stop(self, interaction: discord.Interaction, message: str | None = None) -> None:
        await facilitator_event(interaction)
        guild_id = require_guild(interaction)
        live = await self.store.active_in_channel(guild_id, interaction.channel_id or 0)
        if message is not None:
            wanted = _parse_message_id(message)
            live = [row for row in live if row.message_id == wanted]
            if not live:
                found = await self.store.get(wanted)
                if found is None or found.guild_id != guild_id or not found.active:
                    raise UserError("That message is not a live tally that is still updating.")
                live = [found]
        if not live:
            raise UserError("There is no live tally updating in this channel.")
        for row in live:
            await self.manager.stop_message(row)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr.ngettext("Stopped {count} live tally.", "Stopped {count} live tallies.", len(live)),
            ephemeral=True,
        )

    @app_commands.command(name="preview", description="See the full results privately, even while hidden")
    @app_commands.describe(scope="This breakout room only, or the whole round (default)")
    async def preview(
        self, interaction: discord.Interaction, scope: Literal["round", "room"] = "round"
    ) -> None:
        event = await facilitator_event(interaction)
        round_, room = await self._scope(interaction, event, scope)
        snapshot = await live_snapshot(self.bot.repo, event, round_, room, reveal=True)
        tr = await translator_for(interaction)
        note = None if round_.results_public else tr("🔒 Preview for facilitators: not shown publicly yet.")
        embed = live_tally_embed(snapshot, tr, updated_at=discord.utils.utcnow(), note=note)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(TallyCommands(bot))
