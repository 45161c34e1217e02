"""/results show and /results compare for everyone (once public), /export for organisers.

Discord cannot have both a command /results and subcommands under it, so the results table is
/results show [round] [room] and the comparison /results compare round_a round_b.
"""

from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.exports import EXPORT_FORMATS, FILE_EXTENSIONS, render_export
from bot.exports.charts import heatmap_png, ranked_bar_png
from bot.services import results as results_service
from bot.services.tallies import export_data, resolve_room
from bot.services.voting import active_event
from bot.ui.access import organiser_event
from bot.ui.common import NO_MENTIONS, bot_of, member_access, require_guild, translator_for
from bot.ui.results import PERSISTENT_RESULT_ITEMS, comparison_embed, results_embed, results_view

if TYPE_CHECKING:
    from bot.client import PriorityBot

AUTOCOMPLETE_LIMIT = 25


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "results"


async def _names(
    interaction: discord.Interaction, current: str, rooms: bool
) -> list[app_commands.Choice[str]]:
    if interaction.guild_id is None:
        return []
    repo = bot_of(interaction).repo
    event = await repo.active_event(interaction.guild_id)
    if event is None:
        return []
    names = (
        await results_service.room_names(repo, event)
        if rooms
        else await results_service.round_names(repo, event)
    )
    if not rooms:
        names.reverse()  # the latest round first
    wanted = current.casefold()
    return [app_commands.Choice(name=name[:100], value=name) for name in names if wanted in name.casefold()][
        :AUTOCOMPLETE_LIMIT
    ]


async def round_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return await _names(interaction, current, rooms=False)


async def room_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return await _names(interaction, current, rooms=True)


@app_commands.guild_only()
class ResultsCommands(
    commands.GroupCog, group_name="results", group_description="See the results of a voting round"
):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        # The page buttons are persistent: registered here so client.py only lists the extension.
        self.bot.add_dynamic_items(*PERSISTENT_RESULT_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*PERSISTENT_RESULT_ITEMS)

    @app_commands.command(name="show", description="The results table and charts of a round")
    @app_commands.describe(
        round="The round (default: the open round, else the latest)",
        room="One breakout room only (default: every room)",
    )
    @app_commands.autocomplete(round=round_autocomplete, room=room_autocomplete)
    async def show(
        self, interaction: discord.Interaction, round: str | None = None, room: str | None = None
    ) -> None:
        # Charts can take longer than Discord's three seconds: acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        event = await active_event(self.bot.repo, require_guild(interaction))
        scope = await results_service.results_by_name(
            self.bot.repo, event, member_access(interaction), round, room
        )
        tr = await translator_for(interaction)
        embed, page = results_embed(tr, scope.round, scope.room, scope.tally, 0)
        # Names only: chart fonts may lack the reader's script, and the embed carries the words.
        chart_title = " — ".join(
            part for part in (event.name, scope.round.name, scope.room.name if scope.room else "") if part
        )
        heatmap, bars = await asyncio.gather(
            asyncio.to_thread(heatmap_png, scope.tally, chart_title),
            asyncio.to_thread(ranked_bar_png, scope.tally, chart_title),
        )
        stem = _slug(f"{scope.round.name}-{scope.room.name}" if scope.room else scope.round.name)
        await interaction.followup.send(
            embed=embed,
            view=results_view(tr, scope.round, scope.room, scope.tally, page),
            files=[
                discord.File(io.BytesIO(heatmap), filename=f"{stem}-heatmap.png"),
                discord.File(io.BytesIO(bars), filename=f"{stem}-ranking.png"),
            ],
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="compare", description="Initiatives that moved up or down a quartile")
    @app_commands.describe(round_a="The earlier round", round_b="The later round")
    @app_commands.autocomplete(round_a=round_autocomplete, round_b=round_autocomplete)
    async def compare(self, interaction: discord.Interaction, round_a: str, round_b: str) -> None:
        event = await active_event(self.bot.repo, require_guild(interaction))
        comparison = await results_service.compare(
            self.bot.repo, event, member_access(interaction), round_a, round_b
        )
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            embed=comparison_embed(tr, comparison), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class ExportCommands(commands.Cog):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot

    # A top-level command in a plain Cog: the decorators go on the command, not the class.
    @app_commands.command(name="export", description="Download a round's tally (organisers)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.rename(export_format="format")
    @app_commands.describe(
        export_format="File format",
        round="The round (default: the open round, else the latest)",
        room="One breakout room only (default: every room)",
        voter_ids="Show Discord user ids instead of pseudonyms (recorded in the audit log)",
    )
    @app_commands.choices(
        export_format=[app_commands.Choice(name=name, value=name) for name in EXPORT_FORMATS]
    )
    @app_commands.autocomplete(round=round_autocomplete, room=room_autocomplete)
    async def export(
        self,
        interaction: discord.Interaction,
        export_format: str,
        round: str | None = None,
        room: str | None = None,
        voter_ids: bool = False,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        event = await organiser_event(interaction)
        round_ = await results_service.default_round(self.bot.repo, event, round)
        scope_room = await resolve_room(self.bot.repo, event, room)
        tr = await translator_for(interaction)
        # The organiser's language: titles and the text meant for people (legends, notes).
        data = await export_data(
            self.bot.repo, event, [round_], scope_room, reveal_voters=voter_ids, language=tr.language
        )
        if voter_ids:
            # Written before the file leaves the bot: a failed send still leaves the trace.
            await self.bot.repo.log_action(
                event.id,
                str(interaction.user.id),
                "export-voter-ids",
                f"format={export_format} round={round_.name} room={scope_room.name if scope_room else '*'}",
            )
        payload = await asyncio.to_thread(render_export, export_format, data)
        stem = _slug(f"{event.name}-{round_.name}" + (f"-{scope_room.name}" if scope_room else ""))
        note = (
            tr("Ballots are identified by Discord user ids, as you asked; this export is in the audit log.")
            if voter_ids
            else tr("Ballots are identified by stable pseudonyms (P-…), not by Discord user ids.")
        )
        await interaction.followup.send(
            tr("Export of {scope} ({format}).", scope=data.scope_label, format=export_format) + "\n" + note,
            file=discord.File(io.BytesIO(payload), filename=f"{stem}.{FILE_EXTENSIONS[export_format]}"),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(ResultsCommands(bot))
    await bot.add_cog(ExportCommands(bot))
