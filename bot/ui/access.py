"""Run-time role checks for cogs (Discord's default_permissions only hides commands)."""

from __future__ import annotations

import discord

from bot.domain.access import require_facilitator, require_organiser
from bot.domain.event import Event
from bot.services.voting import active_event
from bot.ui.common import bot_of, member_access, require_guild


def _mention(role_id: int | None) -> str | None:
    return f"<@&{role_id}>" if role_id else None


async def organiser_event(interaction: discord.Interaction) -> Event:
    """The guild's active event, if the member may organise it."""
    event = await active_event(bot_of(interaction).repo, require_guild(interaction))
    require_organiser(event.roles, member_access(interaction), _mention(event.roles.organiser))
    return event


async def facilitator_event(interaction: discord.Interaction) -> Event:
    event = await active_event(bot_of(interaction).repo, require_guild(interaction))
    require_facilitator(event.roles, member_access(interaction), _mention(event.roles.facilitator))
    return event
