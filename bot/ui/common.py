"""Helpers every cog and component shares: the reader's language, access, and the error path."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.domain.access import MemberAccess
from bot.domain.errors import UserError
from bot.errors import new_error_id
from bot.i18n import Translator
from bot.ui.deadline import is_expired_response

if TYPE_CHECKING:
    from bot.client import PriorityBot

log = logging.getLogger("prioritybot.errors")

NO_MENTIONS = discord.AllowedMentions.none()
MESSAGE_LIMIT = 2000  # Discord's limit on a message's content


def fit_message(
    tr: Translator,
    head: Sequence[str],
    body: Sequence[str],
    tail: Sequence[str] = (),
    limit: int = MESSAGE_LIMIT,
) -> str:
    """Head and tail whole, and as much of the body as fits Discord's limit, then "…and N more".

    Lists in replies (picks, rooms) grow with the catalogue and the event; a reply Discord refuses
    would tell a participant that a committed vote may not have been saved.
    """
    text = "\n".join([*head, *body, *tail])
    if len(text) <= limit:
        return text
    fixed = len("\n".join([*head, *tail])) + 1
    kept: list[str] = []
    for index, line in enumerate(body):
        note = tr("…and {count} more", count=len(body) - index)
        if fixed + sum(len(k) + 1 for k in kept) + len(line) + 1 + len(note) + 1 > limit:
            kept.append(note)
            break
        kept.append(line)
    return "\n".join([*head, *kept, *tail])[:limit]


def bot_of(interaction: discord.Interaction) -> PriorityBot:
    return interaction.client  # type: ignore[return-value]


async def translator_for(interaction: discord.Interaction) -> Translator:
    """The reader's language: their /language choice, else their Discord client's locale."""
    bot = bot_of(interaction)
    chosen = (
        await bot.repo.user_language(interaction.guild_id or 0, interaction.user.id)
        if interaction.guild_id
        else None
    )
    return Translator(chosen or interaction.locale.value)


def member_access(interaction: discord.Interaction) -> MemberAccess:
    user = interaction.user
    if isinstance(user, discord.Member):
        permissions = user.guild_permissions
        return MemberAccess.of(
            [role.id for role in user.roles], permissions.manage_guild or permissions.administrator
        )
    return MemberAccess.of([], False)


def channel_ids(interaction: discord.Interaction) -> list[int]:
    """The channel and, for a thread, its parent: a thread inside a breakout room belongs to it."""
    ids = [interaction.channel_id] if interaction.channel_id else []
    channel = interaction.channel
    if isinstance(channel, discord.Thread) and channel.parent_id:
        ids.append(channel.parent_id)
    return ids


def require_guild(interaction: discord.Interaction) -> int:
    if interaction.guild_id is None:
        raise UserError("prioritybot works inside a server, not in direct messages.")
    return interaction.guild_id


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: Any) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs)
    else:
        await interaction.response.send_message(
            content, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs
        )


def describe_user_error(tr: Translator, error: UserError) -> str:
    """A UserError as the polite sentence the user reads, in their language."""
    params = {
        key: tr.gettext(value) if key in error.translated_params and isinstance(value, str) else value
        for key, value in error.params.items()
    }
    return tr(error.message, **params)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """The one error path for commands and components.

    A UserError is the user's to fix: it is shown politely in their language. Anything else is a
    bug: logged with a short id, and the user gets the id to quote to the organisers.
    """
    original = error
    while (
        isinstance(original, (app_commands.CommandInvokeError, app_commands.TransformerError))
        and original.__cause__
    ):
        original = original.__cause__
    if isinstance(original, app_commands.CommandInvokeError):
        original = original.original
    if is_expired_response(original):
        # The answer came too late (or twice): Discord will not take another one, so sending the
        # error as a second callback would only fail again. Counted, not logged one by one.
        bot_of(interaction).load.note_expired_response()
        return
    tr = await _safe_translator(interaction)
    if isinstance(original, UserError):
        message = describe_user_error(tr, original)
    elif isinstance(original, app_commands.MissingPermissions):
        message = tr("You need the Manage Server permission to do this.")
    elif isinstance(original, app_commands.NoPrivateMessage):
        message = tr("prioritybot works inside a server, not in direct messages.")
    elif isinstance(original, app_commands.CheckFailure):
        message = tr("You are not allowed to use this command here.")
    else:
        error_id = new_error_id()
        log.error("error %s in interaction %s", error_id, interaction.id, exc_info=original)
        message = tr(
            "Something went wrong on our side (error {error_id}). Your last action may not have been saved; "
            "please try again, and quote this id to an organiser if it keeps happening.",
            error_id=error_id,
        )
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not deliver an error message for interaction %s", interaction.id, exc_info=True)


async def _safe_translator(interaction: discord.Interaction) -> Translator:
    try:
        return await translator_for(interaction)
    except Exception:  # the database itself may be what failed: fall back to the client's locale
        log.debug("falling back to the interaction locale for an error message", exc_info=True)
        return Translator(interaction.locale.value)


class ReportingItem:
    """Routes a component's failures through the same polite error path as slash commands."""

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        async with bot_of(interaction).load.slot(interaction) as admitted:
            if not admitted:
                return  # past Discord's deadline: no answer can reach the user
            try:
                await self.handle(interaction)
            except Exception as error:
                await report_error(interaction, error)

    async def handle(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError
