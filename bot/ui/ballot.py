"""The ballot: select menus of at most 25 initiatives, pages when a catalogue needs more than four
menus, and a Submit button. Every component is a DynamicItem whose custom_id carries the round,
and the picks being chosen live in the database (ballot_drafts), so an open ballot keeps working
after the bot restarts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import discord

from bot.domain.catalogue import Catalogue, Initiative
from bot.domain.event import Round
from bot.i18n import Translator
from bot.services import voting
from bot.ui.common import (
    NO_MENTIONS,
    ReportingItem,
    bot_of,
    channel_ids,
    fit_message,
    member_access,
    translator_for,
)

MAX_OPTIONS = 25  # Discord's limit per select menu
MENUS_PER_PAGE = 4  # five rows per message: four menus and one row of buttons
LABEL_LIMIT = 100


@dataclass(frozen=True)
class MenuSpec:
    index: int
    initiatives: tuple[Initiative, ...]

    @property
    def numbers(self) -> frozenset[int]:
        return frozenset(i.number for i in self.initiatives)


def ballot_menus(catalogue: Catalogue) -> list[MenuSpec]:
    """Pack whole recommendations into menus of at most 25 options, splitting only an oversized one."""
    menus: list[list[Initiative]] = [[]]
    for recommendation in catalogue.recommendations:
        items = list(recommendation.initiatives)
        if menus[-1] and len(menus[-1]) + len(items) > MAX_OPTIONS:
            menus.append([])
        for initiative in items:
            if len(menus[-1]) == MAX_OPTIONS:
                menus.append([])
            menus[-1].append(initiative)
    return [MenuSpec(index, tuple(items)) for index, items in enumerate(menus) if items]


def page_count(menus: list[MenuSpec]) -> int:
    return max(1, -(-len(menus) // MENUS_PER_PAGE))


def _clip(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def option_label(initiative: Initiative, language: str) -> str:
    return _clip(f"{initiative.number} · {initiative.title_in(language)}")


def ballot_text(
    tr: Translator, round_: Round, room_name: str, picks: frozenset[int], page: int, pages: int
) -> str:
    limits = round_.limits
    lines = [tr("**Your ballot** for the round {round} (room {room})", round=round_.name, room=room_name)]
    if limits.max_picks is not None:
        lines.append(
            tr(
                "Pick between {min} and {max} initiatives, then press Submit.",
                min=limits.min_picks,
                max=limits.max_picks,
            )
        )
        lines.append(tr("Picked: **{count} of {max}**", count=len(picks), max=limits.max_picks))
        if len(picks) > limits.max_picks:
            lines.append(
                tr(
                    "⚠️ That is {extra} too many: remove some before you submit.",
                    extra=len(picks) - limits.max_picks,
                )
            )
    else:
        lines.append(tr("Pick at least {min} initiatives, then press Submit.", min=limits.min_picks))
        lines.append(tr("Picked: **{count}**", count=len(picks)))
    if picks:
        lines.append(tr("Your picks: {numbers}", numbers=", ".join(str(n) for n in sorted(picks))))
    if pages > 1:
        lines.append(tr("Page {page} of {pages}", page=page + 1, pages=pages))
    return "\n".join(lines)


def build_ballot_view(
    tr: Translator, catalogue: Catalogue, round_: Round, picks: frozenset[int], page: int = 0
) -> discord.ui.View:
    menus = ballot_menus(catalogue)
    pages = page_count(menus)
    page = max(0, min(page, pages - 1))
    view = discord.ui.View(timeout=None)
    for spec in menus[page * MENUS_PER_PAGE : (page + 1) * MENUS_PER_PAGE]:
        view.add_item(BallotMenu(round_.id, spec.index, _menu_select(tr, catalogue, round_, spec, picks)))
    if pages > 1:
        view.add_item(BallotPage(round_.id, page - 1, tr("◀ Previous"), disabled=page == 0))
        view.add_item(BallotPage(round_.id, page + 1, tr("Next ▶"), disabled=page == pages - 1))
    view.add_item(BallotSubmit(round_.id, tr("Submit ballot")))
    return view


def _menu_select(
    tr: Translator, catalogue: Catalogue, round_: Round, spec: MenuSpec, picks: frozenset[int]
) -> discord.ui.Select[Any]:
    first = spec.initiatives[0]
    last = spec.initiatives[-1]
    if first.recommendation == last.recommendation:
        placeholder = tr("Recommendation {number}: choose initiatives", number=first.recommendation)
    else:
        placeholder = tr(
            "Recommendations {first}-{last}: choose initiatives",
            first=first.recommendation,
            last=last.recommendation,
        )
    options = [
        discord.SelectOption(
            label=option_label(initiative, tr.language),
            value=str(initiative.number),
            description=_clip(
                f"{initiative.recommendation}. {catalogue.recommendation(initiative.recommendation).title_in(tr.language)}"
            ),
            default=initiative.number in picks,
        )
        for initiative in spec.initiatives
    ]
    most = len(options) if round_.limits.max_picks is None else min(len(options), round_.limits.max_picks)
    return discord.ui.Select(
        custom_id=f"pb:menu:{round_.id}:{spec.index}",
        placeholder=_clip(placeholder, 150),
        min_values=0,
        max_values=most,
        options=options,
    )


async def open_ballot(interaction: discord.Interaction, round_id: int | None = None) -> None:
    """Show the ballot privately, pre-filled with the participant's current picks."""
    bot = bot_of(interaction)
    tr = await translator_for(interaction)
    place = await voting.voting_place(
        bot.repo, interaction.guild_id or 0, channel_ids(interaction), member_access(interaction), round_id
    )
    voter = str(interaction.user.id)
    picks = await voting.current_picks(bot.repo, place.round.id, voter)
    await bot.repo.save_draft(place.round.id, voter, picks)
    pages = page_count(ballot_menus(place.event.catalogue))
    await interaction.response.send_message(
        ballot_text(tr, place.round, place.room.name, picks, 0, pages),
        view=build_ballot_view(tr, place.event.catalogue, place.round, picks),
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )


async def _place_and_draft(
    interaction: discord.Interaction, round_id: int
) -> tuple[voting.VotingPlace, frozenset[int]]:
    bot = bot_of(interaction)
    place = await voting.voting_place(
        bot.repo, interaction.guild_id or 0, channel_ids(interaction), member_access(interaction), round_id
    )
    voter = str(interaction.user.id)
    draft = await bot.repo.draft(round_id, voter)
    if draft is None:  # e.g. changed meanwhile with /pick: start again from the stored ballot
        draft = await voting.current_picks(bot.repo, round_id, voter)
    return place, draft


def _page_of_menu(menu_index: int) -> int:
    return menu_index // MENUS_PER_PAGE


class BallotMenu(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"pb:menu:(?P<round_id>\d+):(?P<menu>\d+)",
):
    def __init__(self, round_id: int, menu_index: int, select: discord.ui.Select[Any] | None = None) -> None:
        self.round_id = round_id
        self.menu_index = menu_index
        super().__init__(
            select
            or discord.ui.Select(
                custom_id=f"pb:menu:{round_id}:{menu_index}", options=[discord.SelectOption(label="-")]
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select[Any], match: re.Match[str], /
    ) -> BallotMenu:
        return cls(int(match["round_id"]), int(match["menu"]), item)

    async def handle(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        tr = await translator_for(interaction)
        place, draft = await _place_and_draft(interaction, self.round_id)
        menus = ballot_menus(place.event.catalogue)
        if self.menu_index >= len(menus):
            raise voting.UserError("This ballot is out of date; open a new one with /vote.")
        menu = menus[self.menu_index]
        chosen = frozenset(int(value) for value in self.item.values) & menu.numbers
        draft = (draft - menu.numbers) | chosen
        await bot.repo.save_draft(self.round_id, str(interaction.user.id), draft)
        page = _page_of_menu(self.menu_index)
        await interaction.response.edit_message(
            content=ballot_text(tr, place.round, place.room.name, draft, page, page_count(menus)),
            view=build_ballot_view(tr, place.event.catalogue, place.round, draft, page),
            allowed_mentions=NO_MENTIONS,
        )


class BallotPage(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pb:page:(?P<round_id>\d+):(?P<page>-?\d+)",
):
    def __init__(self, round_id: int, page: int, label: str = "…", disabled: bool = False) -> None:
        self.round_id = round_id
        self.page = page
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:page:{round_id}:{page}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> BallotPage:
        return cls(int(match["round_id"]), int(match["page"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        tr = await translator_for(interaction)
        place, draft = await _place_and_draft(interaction, self.round_id)
        pages = page_count(ballot_menus(place.event.catalogue))
        page = max(0, min(self.page, pages - 1))
        await interaction.response.edit_message(
            content=ballot_text(tr, place.round, place.room.name, draft, page, pages),
            view=build_ballot_view(tr, place.event.catalogue, place.round, draft, page),
            allowed_mentions=NO_MENTIONS,
        )


class BallotSubmit(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"pb:submit:(?P<round_id>\d+)"
):
    def __init__(self, round_id: int, label: str = "Submit ballot") -> None:
        self.round_id = round_id
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.success, custom_id=f"pb:submit:{round_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> BallotSubmit:
        return cls(int(match["round_id"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        tr = await translator_for(interaction)
        place, draft = await _place_and_draft(interaction, self.round_id)
        change = await voting.submit_ballot(bot.repo, place, str(interaction.user.id), draft)
        # The change is committed: only now is the participant told so.
        await interaction.response.edit_message(
            content=confirmation_text(
                tr, place.event.catalogue, change.ballot.picks, change.previous_picks is not None
            ),
            view=None,
            allowed_mentions=NO_MENTIONS,
        )


def confirmation_text(tr: Translator, catalogue: Catalogue, picks: frozenset[int], changed: bool) -> str:
    head = tr("✅ Your ballot is changed and saved.") if changed else tr("✅ Your ballot is saved.")
    counted = tr.ngettext("You picked {count} initiative:", "You picked {count} initiatives:", len(picks))
    listed = [f"• {option_label(catalogue.initiative(n), tr.language)}" for n in sorted(picks)]
    closing = tr("You can change it until the round closes: /vote, /pick, /unpick, /myballot.")
    return fit_message(tr, [head, counted], listed, [closing])


class VoteButton(
    ReportingItem, discord.ui.DynamicItem[discord.ui.Button], template=r"pb:vote:(?P<round_id>\d+)"
):
    """The persistent button on a room's voting panel."""

    def __init__(self, round_id: int, label: str = "Vote") -> None:
        self.round_id = round_id
        super().__init__(
            discord.ui.Button(
                label=label, emoji="🗳️", style=discord.ButtonStyle.primary, custom_id=f"pb:vote:{round_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> VoteButton:
        return cls(int(match["round_id"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        await open_ballot(interaction, self.round_id)


PERSISTENT_ITEMS = (BallotMenu, BallotPage, BallotSubmit, VoteButton)
