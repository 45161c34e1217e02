"""/event: organisers set up the event, its breakout rooms, roles and merge rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.domain.catalogue import builtin_catalogue_names
from bot.domain.errors import UserError
from bot.domain.event import EventRoles
from bot.i18n import LANGUAGE_NAMES, Translator, available_languages
from bot.services import events as event_service
from bot.services.voting import active_event
from bot.ui.access import organiser_event
from bot.ui.common import member_access, require_guild, translator_for
from cogs.language import language_choices
from cogs.voting import initiative_autocomplete

if TYPE_CHECKING:
    from bot.client import PriorityBot

RoomChannel = discord.TextChannel | discord.VoiceChannel | discord.Thread | discord.StageChannel


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class EventCommands(
    commands.GroupCog, group_name="event", group_description="Set up and run a prioritisation event"
):
    def __init__(self, bot: PriorityBot) -> None:
        self.bot = bot

    @app_commands.command(name="create", description="Start an event with a catalogue of initiatives")
    @app_commands.describe(
        name="The event's name",
        catalogue="A built-in catalogue (default: the 2020 Movement Strategy)",
        file="Or attach your own catalogue as a TOML file",
    )
    async def create(
        self,
        interaction: discord.Interaction,
        name: str,
        catalogue: str | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        guild_id = require_guild(interaction)
        if not member_access(interaction).manages_guild:
            raise UserError("Only members with the Manage Server permission can create an event.")
        upload = (file.filename, await file.read()) if file else None
        event = await event_service.create_event(self.bot.repo, guild_id, name, catalogue, upload)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr(
                "Event **{name}** created with the catalogue {catalogue}: {recommendations} recommendations, "
                "{initiatives} initiatives, {rules} merge rules. Next: add breakout rooms with /event room-add.",
                name=event.name,
                catalogue=event.catalogue.name,
                recommendations=len(event.catalogue.recommendations),
                initiatives=len(event.catalogue.initiatives),
                rules=len(event.catalogue.merge_rules),
            ),
            ephemeral=True,
        )

    @create.autocomplete("catalogue")
    async def catalogue_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=n, value=n)
            for n in builtin_catalogue_names()
            if current.lower() in n.lower()
        ][:25]

    @app_commands.command(
        name="room-add", description="Make a channel or thread one of the event's breakout rooms"
    )
    @app_commands.describe(
        channel="The breakout room's channel", name="The room's name in results (default: the channel's)"
    )
    async def room_add(
        self, interaction: discord.Interaction, channel: RoomChannel, name: str | None = None
    ) -> None:
        event = await organiser_event(interaction)
        room_name = event_service.clean_name(name or channel.name, "room")
        room = await self.bot.repo.add_room(event.id, room_name, channel.id)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr("{channel} is now the breakout room **{name}**.", channel=channel.mention, name=room.name),
            ephemeral=True,
        )

    @app_commands.command(name="room-remove", description="Stop using a channel as a breakout room")
    async def room_remove(self, interaction: discord.Interaction, channel: RoomChannel) -> None:
        event = await organiser_event(interaction)
        room = await self.bot.repo.remove_room(event.id, channel.id)
        tr = await translator_for(interaction)
        if room is None:
            raise UserError("{channel} is not one of this event's breakout rooms.", channel=channel.mention)
        await interaction.response.send_message(
            tr(
                "{channel} is no longer a breakout room; the ballots cast in **{name}** are kept.",
                channel=channel.mention,
                name=room.name,
            ),
            ephemeral=True,
        )

    @app_commands.command(
        name="roles", description="Choose the organiser, facilitator, staff and interpreter roles"
    )
    @app_commands.describe(
        organiser="Organisers (members with Manage Server always are)",
        facilitator="Facilitators open and close rounds",
        staff="Event staff do not vote",
        interpreter="Interpreters do not vote",
        staff_may_vote="Let staff and interpreters vote after all",
    )
    async def roles(
        self,
        interaction: discord.Interaction,
        organiser: discord.Role | None = None,
        facilitator: discord.Role | None = None,
        staff: discord.Role | None = None,
        interpreter: discord.Role | None = None,
        staff_may_vote: bool | None = None,
    ) -> None:
        event = await organiser_event(interaction)
        current = event.roles
        roles = EventRoles(
            organiser.id if organiser else current.organiser,
            facilitator.id if facilitator else current.facilitator,
            staff.id if staff else current.staff,
            interpreter.id if interpreter else current.interpreter,
        )
        may_vote = event.staff_may_vote if staff_may_vote is None else staff_may_vote
        await self.bot.repo.set_roles(event.id, roles, may_vote)
        tr = await translator_for(interaction)
        await interaction.response.send_message(_roles_text(tr, roles, may_vote), ephemeral=True)

    @app_commands.command(
        name="merge-add", description="Count ballots that picked SOURCE but not TARGET for TARGET too"
    )
    @app_commands.describe(
        source="The initiative whose ballots also count for the target",
        target="The initiative that receives them",
    )
    @app_commands.autocomplete(source=initiative_autocomplete, target=initiative_autocomplete)
    async def merge_add(
        self, interaction: discord.Interaction, source: int, target: int, note: str = ""
    ) -> None:
        event = await organiser_event(interaction)
        rule = await event_service.add_merge_rule(self.bot.repo, event, source, target, note)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr(
                "Merge rule added: a ballot that picked {source} but not {target} also counts for {target}; {source} keeps its own count.",
                source=rule.source,
                target=rule.target,
            ),
            ephemeral=True,
        )

    @app_commands.command(name="merge-remove", description="Remove a merge rule")
    @app_commands.autocomplete(source=initiative_autocomplete, target=initiative_autocomplete)
    async def merge_remove(self, interaction: discord.Interaction, source: int, target: int) -> None:
        event = await organiser_event(interaction)
        if not await self.bot.repo.remove_merge_rule(event.id, source, target):
            raise UserError("There is no merge rule {source} -> {target}.", source=source, target=target)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr("Merge rule {source} -> {target} removed.", source=source, target=target), ephemeral=True
        )

    @app_commands.command(name="info", description="The active event: rooms, roles, merge rules and rounds")
    async def info(self, interaction: discord.Interaction) -> None:
        event = await active_event(self.bot.repo, require_guild(interaction))
        tr = await translator_for(interaction)
        rooms = await self.bot.repo.rooms(event.id, attached_only=True)
        rounds = await self.bot.repo.rounds(event.id)
        embed = discord.Embed(
            title=event.name, description=tr("Catalogue: {name}", name=event.catalogue.name)
        )
        embed.add_field(
            name=tr("Breakout rooms"),
            value=", ".join(f"<#{r.channel_id}> ({r.name})" for r in rooms)[:1024] or tr("none yet"),
            inline=False,
        )
        embed.add_field(
            name=tr("Roles"), value=_roles_text(tr, event.roles, event.staff_may_vote)[:1024], inline=False
        )
        embed.add_field(
            name=tr("Merge rules"),
            value="\n".join(f"{r.source} → {r.target}" for r in event.catalogue.merge_rules)[:1024]
            or tr("none"),
            inline=False,
        )
        embed.add_field(
            name=tr("Rounds"),
            value="\n".join(f"{r.name}: {tr('open') if r.is_open else tr('closed')}" for r in rounds)[:1024]
            or tr("none yet"),
            inline=False,
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(
        name="language", description="The language of public messages (panels, live tallies)"
    )
    @app_commands.describe(code="A language code, e.g. fr, ar, zh_Hans")
    async def language(self, interaction: discord.Interaction, code: str) -> None:
        event = await organiser_event(interaction)
        if code not in available_languages():
            raise UserError(
                "Unknown language {code}. Available: {languages}.",
                code=code[:20],
                languages=", ".join(available_languages()),
            )
        await self.bot.repo.set_language(event.id, code)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr(
                "Public messages of {name} are now in {language}.",
                name=event.name,
                language=LANGUAGE_NAMES.get(code, code),
            ),
            ephemeral=True,
        )

    @language.autocomplete("code")
    async def language_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [choice for choice in language_choices(current) if choice.value != "auto"]

    @app_commands.command(name="close", description="Close the event (and its open round)")
    async def close(self, interaction: discord.Interaction) -> None:
        event = await organiser_event(interaction)
        await self.bot.repo.close_event(event.id)
        tr = await translator_for(interaction)
        await interaction.response.send_message(
            tr("Event **{name}** is closed. Its results stay available for export.", name=event.name),
            ephemeral=True,
        )


def _roles_text(tr: Translator, roles: EventRoles, staff_may_vote: bool) -> str:
    def show(role_id: int | None, fallback: str) -> str:
        return f"<@&{role_id}>" if role_id else fallback

    return "\n".join(
        [
            tr("Organisers: {role}", role=show(roles.organiser, tr("members with Manage Server"))),
            tr("Facilitators: {role}", role=show(roles.facilitator, tr("organisers only"))),
            tr("Staff: {role}", role=show(roles.staff, tr("not set"))),
            tr("Interpreters: {role}", role=show(roles.interpreter, tr("not set"))),
            tr("Staff and interpreters vote: {answer}", answer=tr("yes") if staff_may_vote else tr("no")),
        ]
    )


async def setup(bot: PriorityBot) -> None:
    await bot.add_cog(EventCommands(bot))
