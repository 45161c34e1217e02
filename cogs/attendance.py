"""Attendance: the bot notes who joins a breakout room's voice channel and who checks in with
/checkin (ballots count too, read from the ballots themselves); /attendance shows the figures.

No privileged intent is needed: voice-state events carry the member and their roles, and every
interaction carries its member, so the roles used to leave staff and interpreters out are the
ones the bot last saw.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.attendance import AttendanceSummary
from bot.domain.event import Room
from bot.i18n import Translator
from bot.services import attendance as attendance_service
from bot.services.voting import active_event, room_of_channel
from bot.ui.access import organiser_event
from bot.ui.common import NO_MENTIONS, channel_ids, member_access, require_guild, translator_for
from bot.ui.feedback import attendance_store

if TYPE_CHECKING:
    from bot.client import PriorityBot

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 4096
ROOMS_PER_DAY_LINE = 8


def _role_ids(member: discord.Member) -> list[int]:
    return [role.id for role in member.roles if not role.is_default()]


def attendance_embed(
    tr: Translator, event_name: str, summary: AttendanceSummary, rooms: list[Room]
) -> discord.Embed:
    names = {room.id: room.name for room in rooms}
    lines = [
        tr.ngettext(
            "**{count}** attendee (each person counted once, however many rooms and days).",
            "**{count}** attendees (each person counted once, however many rooms and days).",
            summary.total,
        ),
        tr.ngettext(
            "Not counted: {count} member of staff or interpreter.",
            "Not counted: {count} staff members and interpreters.",
            len(summary.excluded),
        ),
    ]
    if summary.by_day:
        lines += ["", "**" + tr("By day (UTC)") + "**"]
        for day, count in summary.by_day.items():
            in_rooms = [
                f"{names.get(room_id, '?')} {people}"
                for (room_day, room_id), people in summary.by_day_room.items()
                if room_day == day
            ]
            detail = " · ".join(in_rooms[:ROOMS_PER_DAY_LINE]) + (
                " · …" if len(in_rooms) > ROOMS_PER_DAY_LINE else ""
            )
            lines.append(f"• {day}: **{count}**" + (f" ({detail})" if detail else ""))
    if summary.by_room:
        lines += ["", "**" + tr("By breakout room (all days)") + "**"]
        lines += [f"• {names.get(room_id, '?')}: {count}" for room_id, count in summary.by_room.items()]
    if summary.by_source:
        lines += [
            "",
            tr(
                "Seen in a room's voice channel: {voice} · cast a ballot: {ballot} · checked in: {checkin}",
                voice=summary.by_source.get("voice", 0),
                ballot=summary.by_source.get("ballot", 0),
                checkin=summary.by_source.get("checkin", 0),
            ),
        ]
    description = "\n".join(lines)
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1] + "…"
    return discord.Embed(title=tr("Attendance: {event}", event=event_name)[:256], description=description)


class Attendance(commands.Cog):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot
        self.store = attendance_store(bot)
        # The roles last written per (event, member): an interaction writes only when they change.
        self._known_roles: dict[tuple[int, str], frozenset[int]] = {}

    # --- what the bot sees ----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_voice_state_update(
        self, member: discord.Member, before: discord.VoiceState, after: discord.VoiceState
    ) -> None:
        if after.channel is None or (before.channel is not None and before.channel.id == after.channel.id):
            return  # left voice, or only muted / deafened
        try:
            await attendance_service.note_voice_join(
                self.store, member.guild.id, member.id, after.channel.id, _role_ids(member)
            )
        except Exception:
            log.exception("could not record a voice join in guild %s", member.guild.id)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Remember the roles of everyone who uses the bot (voters included) for the attendance
        count: staff who vote, when staff_may_vote allows it, are still left out of it."""
        user = interaction.user
        if interaction.guild_id is None or not isinstance(user, discord.Member):
            return
        try:
            event_id = await self.store.active_event_id(interaction.guild_id)
            if event_id is None:
                return
            key = (event_id, str(user.id))
            roles = frozenset(_role_ids(user))
            if self._known_roles.get(key) != roles:
                await self.store.record_roles(event_id, key[1], roles)
                self._known_roles[key] = roles
        except Exception:
            log.exception("could not record the roles of a member in guild %s", interaction.guild_id)

    async def _note_voice_rooms(self, guild: discord.Guild, rooms: list[Room]) -> None:
        """Members already in a room's voice channel (e.g. since before a restart) attended too."""
        for room in rooms:
            channel = guild.get_channel(room.channel_id or 0)
            if isinstance(channel, discord.VoiceChannel | discord.StageChannel):
                for member in channel.members:
                    await attendance_service.note_voice_join(
                        self.store, guild.id, member.id, channel.id, _role_ids(member)
                    )

    # --- commands ---------------------------------------------------------------------------------

    @app_commands.command(name="checkin", description="Tell the organisers you are taking part in the event")
    @app_commands.guild_only()
    async def checkin(self, interaction: discord.Interaction) -> None:
        event = await active_event(self.bot.repo, require_guild(interaction))
        room = await room_of_channel(self.bot.repo, event, channel_ids(interaction))
        result = await attendance_service.check_in(
            self.store, event, interaction.user.id, room, member_access(interaction)
        )
        tr = await translator_for(interaction)
        if result.excluded:
            text = tr(
                "Noted. As event staff or an interpreter you are not counted among the attendees. "
                "Thank you for making the event possible!"
            )
        elif result.new:
            text = tr("✅ You are checked in to {event}. Welcome!", event=event.name)
        else:
            text = tr("You are already checked in to {event} today.", event=event.name)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="attendance", description="Attendees per day and per breakout room")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def attendance(self, interaction: discord.Interaction) -> None:
        event = await organiser_event(interaction)
        rooms = await self.bot.repo.rooms(event.id)
        if interaction.guild is not None:
            await self._note_voice_rooms(interaction.guild, [room for room in rooms if room.channel_id])
        summary = await attendance_service.attendance_summary(self.store, event)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            embed=attendance_embed(tr, event.name, summary, rooms),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(Attendance(bot))
