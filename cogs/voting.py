"""Participant voting: /vote opens the ballot; /pick, /unpick and /myballot are the keyboard and
screen-reader path to the same ballot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.catalogue import Catalogue
from bot.domain.search import search_initiatives
from bot.i18n import Translator
from bot.services import voting
from bot.ui.ballot import is_ballot_form, open_ballot, option_label, submit_ballot_form
from bot.ui.common import (
    bot_of,
    channel_ids,
    fit_message,
    member_access,
    report_error,
    require_guild,
    translator_for,
)

if TYPE_CHECKING:
    from bot.client import PriorityBot


async def initiative_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """Initiatives matching a number or words, case- and accent-insensitive, in the reader's language."""
    if interaction.guild_id is None:
        return []
    bot = bot_of(interaction)
    event = await bot.repo.active_event(interaction.guild_id)
    if event is None:
        return []
    tr = await translator_for(interaction)
    return [
        app_commands.Choice(name=option_label(initiative, tr.language), value=initiative.number)
        for initiative in search_initiatives(event.catalogue, current, tr.language)
    ]


async def my_picks_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """For /unpick: only the initiatives on the participant's ballot."""
    if interaction.guild_id is None:
        return []
    bot = bot_of(interaction)
    event = await bot.repo.active_event(interaction.guild_id)
    round_ = await bot.repo.open_round_of(event.id) if event else None
    if event is None or round_ is None:
        return []
    picks = await voting.current_picks(bot.repo, round_.id, str(interaction.user.id))
    tr = await translator_for(interaction)
    matches = search_initiatives(
        event.catalogue, current, tr.language, limit=len(event.catalogue.initiatives)
    )
    return [
        app_commands.Choice(name=option_label(i, tr.language), value=i.number)
        for i in matches
        if i.number in picks
    ][:25]


def ballot_summary(
    tr: Translator,
    catalogue: Catalogue,
    picks: frozenset[int],
    max_picks: int | None,
    head: Sequence[str] = (),
) -> str:
    if not picks:
        return fit_message(tr, [*head, tr("Your ballot is empty.")], [])
    if max_picks is None:
        count_line = tr.ngettext(
            "Your ballot has {count} pick:", "Your ballot has {count} picks:", len(picks)
        )
    else:
        count_line = tr("Your ballot: {count} of {max} picks:", count=len(picks), max=max_picks)
    lines = [f"• {option_label(catalogue.initiative(n), tr.language)}" for n in sorted(picks)]
    return fit_message(tr, [*head, count_line], lines)


class Voting(commands.Cog):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        # Ballot forms are handled by their custom_id, not by a Modal object kept per open form.
        if not is_ballot_form(interaction):
            return
        async with self.bot.load.slot(interaction) as admitted:
            if not admitted:
                return
            try:
                await submit_ballot_form(interaction)
            except Exception as error:
                await report_error(interaction, error)

    @app_commands.command(name="vote", description="Open your ballot for the current round")
    @app_commands.guild_only()
    async def vote(self, interaction: discord.Interaction) -> None:
        await open_ballot(interaction)

    @app_commands.command(name="pick", description="Add one initiative to your ballot")
    @app_commands.describe(initiative="Type a number or words from the title")
    @app_commands.autocomplete(initiative=initiative_autocomplete)
    @app_commands.guild_only()
    async def pick(self, interaction: discord.Interaction, initiative: int) -> None:
        place = await self._place(interaction)
        change = await voting.add_pick(self.bot.repo, place, str(interaction.user.id), initiative)
        tr = await translator_for(interaction)
        catalogue = place.event.catalogue
        added = tr(
            "✅ Added {initiative}.", initiative=option_label(catalogue.initiative(initiative), tr.language)
        )
        await interaction.response.send_message(
            ballot_summary(tr, catalogue, change.ballot.picks, place.round.limits.max_picks, head=[added]),
            ephemeral=True,
        )

    @app_commands.command(name="unpick", description="Remove one initiative from your ballot")
    @app_commands.describe(initiative="One of the initiatives on your ballot")
    @app_commands.autocomplete(initiative=my_picks_autocomplete)
    @app_commands.guild_only()
    async def unpick(self, interaction: discord.Interaction, initiative: int) -> None:
        place = await self._place(interaction)
        change = await voting.remove_pick(self.bot.repo, place, str(interaction.user.id), initiative)
        tr = await translator_for(interaction)
        catalogue = place.event.catalogue
        removed = tr(
            "✅ Removed {initiative}.", initiative=option_label(catalogue.initiative(initiative), tr.language)
        )
        if not change.ballot.picks:
            reply = "\n".join([removed, tr("Your ballot is now empty, so it is withdrawn.")])
        else:
            reply = ballot_summary(
                tr, catalogue, change.ballot.picks, place.round.limits.max_picks, head=[removed]
            )
        await interaction.response.send_message(reply, ephemeral=True)

    @app_commands.command(name="myballot", description="See your ballot in the current round")
    @app_commands.guild_only()
    async def myballot(self, interaction: discord.Interaction) -> None:
        event, round_, ballot = await voting.my_ballot(
            self.bot.repo, require_guild(interaction), str(interaction.user.id)
        )
        tr = await translator_for(interaction)
        state = tr("open") if round_.is_open else tr("closed")
        heading = tr("Round {name} ({state})", name=round_.name, state=state)
        if ballot is None:
            reply = "\n".join([heading, tr("You have not voted in this round.")])
        else:
            head = [heading, tr("Cast in the room {room}.", room=ballot.room)] if ballot.room else [heading]
            reply = ballot_summary(tr, event.catalogue, ballot.picks, round_.limits.max_picks, head=head)
        await interaction.response.send_message(reply, ephemeral=True)

    async def _place(self, interaction: discord.Interaction) -> voting.VotingPlace:
        return await voting.voting_place(
            self.bot.repo, require_guild(interaction), channel_ids(interaction), member_access(interaction)
        )


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(Voting(bot))
