"""The ballot.

A catalogue that fits in one form (at most five select menus of 25 initiatives: the report's 45
fit in two) is voted in a modal: pressing Vote opens a form with every menu, pre-filled with the
voter's ballot, and its one Submit writes the ballot. Choosing costs no round trip to the bot, so
a ballot is two interactions (open, submit) whatever the voter does meanwhile; the submission
carries every choice, so what is stored is exactly what the voter chose, and nothing is kept per
open form (the form is handled by its custom_id, before or after a restart). A choice the round
refuses (too many, too few) is kept as a draft and the reply offers to reopen the form with it.

A larger catalogue falls back to a message ballot: menus four to a page and a Submit button, the
picks being chosen kept in the database (ballot_drafts). Every component is a DynamicItem whose
custom_id carries the round, so an open ballot keeps working after a restart; one voter's steps
are handled one at a time, in the order Discord delivered them (a Submit pressed right after a
menu sees that menu's choice).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import discord

from bot.domain.catalogue import Catalogue, Initiative
from bot.domain.errors import BallotError, UserError
from bot.domain.event import Round
from bot.i18n import Translator
from bot.services import voting
from bot.ui.common import (
    NO_MENTIONS,
    ReportingItem,
    bot_of,
    channel_ids,
    describe_user_error,
    fit_message,
    member_access,
    translator_for,
)

MAX_OPTIONS = 25  # Discord's limit per select menu
MENUS_PER_PAGE = 4  # five rows per message: four menus and one row of buttons
LABEL_LIMIT = 100
FORM_COMPONENTS = 5  # Discord's limit of top-level components in a modal
FORM_TITLE_LIMIT = 45
FORM_LABEL_LIMIT = 45
FORM_DESCRIPTION_LIMIT = 100
FORM_TEXT_LIMIT = 4000
BALLOT_FORM = re.compile(r"pb:ballot:(?P<round_id>\d+)")
_FORM_MENU = re.compile(r"pb:ballot:(?P<round_id>\d+):(?P<menu>\d+)")


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


def _menu_heading(tr: Translator, spec: MenuSpec) -> str:
    first, last = spec.initiatives[0].recommendation, spec.initiatives[-1].recommendation
    if first == last:
        return tr("Recommendation {number}", number=first)
    return tr("Recommendations {first}-{last}", first=first, last=last)


def _menu_select(
    tr: Translator,
    catalogue: Catalogue,
    round_: Round,
    spec: MenuSpec,
    picks: frozenset[int],
    custom_id: str | None = None,
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
        custom_id=custom_id or f"pb:menu:{round_.id}:{spec.index}",
        placeholder=_clip(placeholder, 150),
        min_values=0,
        max_values=most,
        options=options,
        required=False,
    )


def ballot_form(
    tr: Translator, catalogue: Catalogue, round_: Round, room_name: str, picks: frozenset[int]
) -> discord.ui.Modal:
    """The whole ballot as one form: every menu, pre-filled with ``picks``.

    The form object is finished before it is sent, so discord.py does not keep it: its submission
    is handled by custom_id (``submit_ballot_form``), the same before and after a restart, and a
    thousand open forms cost the bot nothing.
    """
    menus = ballot_menus(catalogue)
    form = discord.ui.Modal(
        title=_clip(tr("Your ballot: {round}", round=round_.name), FORM_TITLE_LIMIT),
        custom_id=f"pb:ballot:{round_.id}",
        timeout=None,
    )
    guidance = ballot_text(tr, round_, room_name, picks, 0, 1)
    if len(menus) < FORM_COMPONENTS:
        form.add_item(discord.ui.TextDisplay(_clip(guidance, FORM_TEXT_LIMIT)))
    for spec in menus:
        select = _menu_select(
            tr, catalogue, round_, spec, picks, custom_id=f"pb:ballot:{round_.id}:{spec.index}"
        )
        description = None if len(menus) < FORM_COMPONENTS or spec.index else guidance.splitlines()[1]
        form.add_item(
            discord.ui.Label(
                text=_clip(_menu_heading(tr, spec), FORM_LABEL_LIMIT),
                description=_clip(description, FORM_DESCRIPTION_LIMIT) if description else None,
                component=select,
            )
        )
    form.stop()
    return form


def is_ballot_form(interaction: discord.Interaction) -> bool:
    data = interaction.data or {}
    return interaction.type is discord.InteractionType.modal_submit and bool(
        BALLOT_FORM.fullmatch(str(data.get("custom_id", "")))
    )


def _form_choices(round_id: int, components: Iterable[Mapping[str, Any]]) -> set[int]:
    """Every value chosen in the form's menus, from the raw submission (menus sit inside labels)."""
    chosen: set[int] = set()
    for component in components:
        match = _FORM_MENU.fullmatch(str(component.get("custom_id", "")))
        if match and int(match["round_id"]) == round_id:
            for value in component.get("values", ()):
                if not str(value).isdigit():
                    raise UserError("This ballot is out of date; open a new one with /vote.")
                chosen.add(int(value))
        chosen |= _form_choices(round_id, component.get("components", ()))
        inner = component.get("component")
        if isinstance(inner, Mapping):
            chosen |= _form_choices(round_id, [inner])
    return chosen


async def submit_ballot_form(interaction: discord.Interaction) -> None:
    """Store what the form says; refused choices are kept as a draft for the voter to fix."""
    data = interaction.data or {}
    match = BALLOT_FORM.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return
    round_id = int(match["round_id"])
    chosen = _form_choices(round_id, data.get("components", ()))  # type: ignore[arg-type]
    bot = bot_of(interaction)
    tr = await translator_for(interaction)
    place = await voting.voting_place(
        bot.repo, interaction.guild_id or 0, channel_ids(interaction), member_access(interaction), round_id
    )
    voter = str(interaction.user.id)
    try:
        change = await voting.submit_ballot(bot.repo, place, voter, chosen)
    except BallotError as refusal:
        known = frozenset(n for n in chosen if n in place.event.catalogue.initiative_numbers)
        await bot.repo.save_draft(round_id, voter, known)
        await interaction.response.send_message(
            "\n".join(
                [describe_user_error(tr, refusal), tr("Your choice is kept: press the button to change it.")]
            ),
            view=_fix_ballot_view(round_id, tr("Change my choice")),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )
        return
    # The change is committed, and the confirmation shows the ballot the writer stored.
    await interaction.response.send_message(
        confirmation_text(tr, place.event.catalogue, change.ballot.picks, change.previous_picks is not None),
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )


def _fix_ballot_view(round_id: int, label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(VoteButton(round_id, label))
    return view


class _KeyedLocks:
    """One lock per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int, str], tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: tuple[int, str]) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


_voter_steps = _KeyedLocks()


def voter_steps(round_id: int, voter: str) -> Any:
    """Hold while handling one step of a voter's message ballot: their steps run one at a time,
    in the order they arrived. Taken before the first ``await`` of a step, so arrival order is
    kept (asyncio locks wake waiters first come, first served)."""
    return _voter_steps.hold((round_id, voter))


def fits_one_form(menus: list[MenuSpec]) -> bool:
    return len(menus) <= FORM_COMPONENTS


async def open_ballot(interaction: discord.Interaction, round_id: int | None = None) -> None:
    """Show the ballot privately, pre-filled with the participant's picks.

    A choice the round refused (kept as a draft) comes back first, so nothing the voter chose is
    lost; otherwise their stored ballot.
    """
    bot = bot_of(interaction)
    tr = await translator_for(interaction)
    place = await voting.voting_place(
        bot.repo, interaction.guild_id or 0, channel_ids(interaction), member_access(interaction), round_id
    )
    voter = str(interaction.user.id)
    menus = ballot_menus(place.event.catalogue)
    if fits_one_form(menus):
        draft = await bot.repo.draft(place.round.id, voter)
        picks = draft if draft is not None else await voting.current_picks(bot.repo, place.round.id, voter)
        await interaction.response.send_modal(
            ballot_form(tr, place.event.catalogue, place.round, place.room.name, picks)
        )
        return
    async with voter_steps(place.round.id, voter):
        picks = await voting.current_picks(bot.repo, place.round.id, voter)
        await bot.repo.save_draft(place.round.id, voter, picks)
    pages = page_count(menus)
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
        async with voter_steps(self.round_id, str(interaction.user.id)):
            await self._choose(interaction)

    async def _choose(self, interaction: discord.Interaction) -> None:
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
        async with voter_steps(self.round_id, str(interaction.user.id)):
            await self._turn(interaction)

    async def _turn(self, interaction: discord.Interaction) -> None:
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
        async with voter_steps(self.round_id, str(interaction.user.id)):
            await self._submit(interaction)

    async def _submit(self, interaction: discord.Interaction) -> None:
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
