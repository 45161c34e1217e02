"""The results table as embed pages, and the persistent buttons that turn them.

A page button's custom_id carries the round, the room (0: every room) and the page it leads to,
so a results message keeps working after a restart; every click recomputes the tally from the
database and checks again that the reader may see it.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.domain.event import Room, Round
from bot.domain.tally import InitiativeResult, QuartileMove, Tally
from bot.i18n import Translator
from bot.services import results as results_service
from bot.services.voting import active_event
from bot.ui.common import (
    NO_MENTIONS,
    ReportingItem,
    bot_of,
    fit_message,
    member_access,
    require_guild,
    translator_for,
)

PAGE_SIZE = 15
TITLE_CHARS = 80  # per line: 15 lines stay far below the embed description's 4096 characters
EMBED_TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FOOTER_LIMIT = 2048


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def page_count(tally: Tally) -> int:
    return max(1, -(-len(tally.results) // PAGE_SIZE))


def ranked_with_positions(tally: Tally) -> list[tuple[int, InitiativeResult]]:
    """Most voted first; equal counts share a rank (1, 2, 2, 4), ties in catalogue order."""
    ranked: list[tuple[int, InitiativeResult]] = []
    for index, result in enumerate(tally.ranked()):
        if ranked and ranked[-1][1].votes == result.votes:
            ranked.append((ranked[-1][0], result))
        else:
            ranked.append((index + 1, result))
    return ranked


def result_line(tr: Translator, rank: int, result: InitiativeResult) -> str:
    title = _clip(result.initiative.title_in(tr.language), TITLE_CHARS)
    return tr(
        "{rank}. {number} · {title} — {votes} ({raw} +{merged}) Q{quartile}",
        rank=rank,
        number=result.number,
        title=title,
        votes=result.votes,
        raw=result.raw_votes,
        merged=result.merged_in,
        quartile=result.quartile,
    )


def _cut(value: float) -> str:
    return f"{value:g}"


def scope_title(tr: Translator, round_: Round, room: Room | None) -> str:
    if room is None:
        return _clip(tr("Results: {round}", round=round_.name), EMBED_TITLE_LIMIT)
    return _clip(tr("Results: {round} — {room}", round=round_.name, room=room.name), EMBED_TITLE_LIMIT)


def merge_note(tr: Translator, tally: Tally) -> str:
    rules = ", ".join(f"{item.rule.source} → {item.rule.target}" for item in tally.rule_instances)
    if not rules:
        return tr("Votes: after merge rules (raw +merged). No merge rules apply to this event.")
    return tr(
        "Votes: after merge rules (raw +merged). A ballot that picked a source but not its target also "
        "counts for the target; the source keeps its own count. Rules: {rules}.",
        rules=rules,
    )


def results_embed(
    tr: Translator, round_: Round, room: Room | None, tally: Tally, page: int
) -> tuple[discord.Embed, int]:
    """The embed of one page (clamped to the pages there are) and the page it shows."""
    pages = page_count(tally)
    page = max(0, min(page, pages - 1))
    state = tr("open") if round_.is_open else tr("closed")
    header = [
        tr.ngettext(
            "Round {state}: {count} ballot.",
            "Round {state}: {count} ballots.",
            tally.ballot_count,
            state=state,
        ),
        tr(
            "Cut points: Q1 ≥ {q75} · Q2 ≥ {q50} · Q3 ≥ {q25} · Q4 below.",
            q75=_cut(tally.cuts.q75),
            q50=_cut(tally.cuts.q50),
            q25=_cut(tally.cuts.q25),
        ),
        "",
    ]
    rows = ranked_with_positions(tally)[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = header + [result_line(tr, rank, result) for rank, result in rows]
    embed = discord.Embed(
        title=scope_title(tr, round_, room), description=_clip("\n".join(lines), DESCRIPTION_LIMIT)
    )
    footer = merge_note(tr, tally)
    if pages > 1:
        footer = tr("Page {page} of {pages}", page=page + 1, pages=pages) + " · " + footer
    embed.set_footer(text=_clip(footer, FOOTER_LIMIT))
    return embed, page


def results_view(
    tr: Translator, round_: Round, room: Room | None, tally: Tally, page: int
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    pages = page_count(tally)
    if pages > 1:
        room_id = room.id if room else 0
        view.add_item(ResultsPage(round_.id, room_id, page - 1, tr("◀ Previous"), disabled=page == 0))
        view.add_item(ResultsPage(round_.id, room_id, page + 1, tr("Next ▶"), disabled=page >= pages - 1))
    return view


def comparison_embed(tr: Translator, comparison: results_service.Comparison) -> discord.Embed:
    """The initiatives that changed quartile, "up" (more pronounced) first, in one embed."""
    before, after = comparison.before, comparison.after
    lines = [
        tr(
            "**{before}** ({before_count} ballots) → **{after}** ({after_count} ballots)",
            before=before.name,
            after=after.name,
            before_count=comparison.tally_before.ballot_count,
            after_count=comparison.tally_after.ballot_count,
        )
    ]
    ups = [move for move in comparison.moves if move.direction == "up"]
    downs = [move for move in comparison.moves if move.direction == "down"]
    if not ups and not downs:
        lines.append(tr("No initiative changed quartile."))
    for heading, moves in (
        (tr("More pronounced (up a quartile or more):"), ups),
        (tr("Less pronounced (down a quartile or more):"), downs),
    ):
        if moves:
            lines += ["", heading, *(_move_line(tr, move) for move in moves)]
    embed = discord.Embed(
        title=_clip(tr("Quartile changes: {before} → {after}", before=before.name, after=after.name), 256),
        description=fit_message(tr, [], lines, limit=DESCRIPTION_LIMIT),
    )
    embed.set_footer(text=_clip(merge_note(tr, comparison.tally_after), FOOTER_LIMIT))
    return embed


def _move_line(tr: Translator, move: QuartileMove) -> str:
    arrow = "⬆️" if move.direction == "up" else "⬇️"
    return tr(
        "{arrow} {number} · {title}: Q{before} → Q{after} ({votes_before} → {votes_after} votes)",
        arrow=arrow,
        number=move.initiative.number,
        title=_clip(move.initiative.title_in(tr.language), 60),
        before=move.quartile_before,
        after=move.quartile_after,
        votes_before=move.votes_before,
        votes_after=move.votes_after,
    )


class ResultsPage(
    ReportingItem,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pb:results:(?P<round_id>\d+):(?P<room_id>\d+):(?P<page>-?\d+)",
):
    def __init__(
        self, round_id: int, room_id: int, page: int, label: str = "…", disabled: bool = False
    ) -> None:
        self.round_id = round_id
        self.room_id = room_id
        self.page = page
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:results:{round_id}:{room_id}:{page}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /
    ) -> ResultsPage:
        return cls(int(match["round_id"]), int(match["room_id"]), int(match["page"]))

    async def handle(self, interaction: discord.Interaction) -> None:
        bot = bot_of(interaction)
        event = await active_event(bot.repo, require_guild(interaction))
        scope = await results_service.results_by_id(
            bot.repo, event, member_access(interaction), self.round_id, self.room_id or None
        )
        tr = await translator_for(interaction)
        embed, page = results_embed(tr, scope.round, scope.room, scope.tally, self.page)
        # Attachments (the charts) are kept: edit_message leaves them unless told otherwise.
        await interaction.response.edit_message(
            embed=embed,
            view=results_view(tr, scope.round, scope.room, scope.tally, page),
            allowed_mentions=NO_MENTIONS,
        )


PERSISTENT_RESULT_ITEMS = (ResultsPage,)
