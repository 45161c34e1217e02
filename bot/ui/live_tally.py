"""The live tally embed: built from a snapshot, sized to fit Discord's limits for any catalogue.

Quartiles are shown by a coloured square *and* their label ("Q1".."Q4"), so colour is never the
only signal (colour-blind readers, screen readers).
"""

from __future__ import annotations

import textwrap
from datetime import datetime

import discord

from bot.domain.tally import QUARTILE_LABELS, QuartileCuts
from bot.exports.colours import QUARTILE_COLOURS, format_count
from bot.i18n import Translator
from bot.services.live import LiveSnapshot

QUARTILE_SQUARES = {1: "🟩", 2: "🟨", 3: "🟧", 4: "🟥"}
TOP_LINES = 20
TITLE_CHARS = 60
ROOM_LINES = 25
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
TITLE_LIMIT = 256
CHART_FILENAME = "live-tally.png"


def _shorten(text: str, limit: int) -> str:
    return textwrap.shorten(text, width=limit, placeholder=" …") if len(text) > limit else text


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quartile_badge(quartile: int) -> str:
    """``🟩 Q1``: the colour and the label together."""
    return f"{QUARTILE_SQUARES[quartile]} Q{quartile}"


def _quartile_range(tr: Translator, quartile: int, cuts: QuartileCuts) -> str:
    q25, q50, q75 = (format_count(c) for c in (cuts.q25, cuts.q50, cuts.q75))
    if quartile == 1:
        return tr("{low} votes or more", low=q75)
    if quartile == 2:
        return tr("{low} to under {high} votes", low=q50, high=q75)
    if quartile == 3:
        return tr("{low} to under {high} votes", low=q25, high=q50)
    return tr("under {high} votes", high=q25)


def live_tally_embed(
    snapshot: LiveSnapshot,
    tr: Translator,
    *,
    updated_at: datetime,
    note: str | None = None,
    top_lines: int = TOP_LINES,
) -> discord.Embed:
    """The message for ``snapshot``; ``note`` (e.g. "continues below") goes first when given."""
    round_name = snapshot.round.name
    title = (
        tr("Final results: {round}", round=round_name)
        if snapshot.final
        else tr("Live results: {round}", round=round_name)
    )
    scope = tr("Room: {room}", room=snapshot.room.name) if snapshot.room else tr("Scope: the whole round")
    head = [
        f"**{scope}**",
        tr.ngettext("{count} ballot cast.", "{count} ballots cast.", snapshot.ballot_count),
    ]
    if note:
        head.insert(0, note)
    if snapshot.tally is None:
        body = _participation_lines(snapshot, tr)
    else:
        body = _ranked_lines(snapshot, tr, top_lines)
    embed = discord.Embed(
        title=_clip(title, TITLE_LIMIT),
        description=_clip("\n".join([*head, "", *body]), DESCRIPTION_LIMIT),
        colour=discord.Colour.from_str(QUARTILE_COLOURS[1]) if snapshot.final else discord.Colour.blurple(),
        timestamp=updated_at,
    )
    if snapshot.tally is not None:
        embed.add_field(name=tr("Legend"), value=_clip(_legend(snapshot, tr), FIELD_LIMIT), inline=False)
        embed.add_field(
            name=tr("Merge rules"), value=_clip(_merge_footnote(snapshot, tr), FIELD_LIMIT), inline=False
        )
    if snapshot.final:
        footer = tr("The round is closed: these are its final results.")
    elif snapshot.tally is None:
        footer = tr("Results are hidden until the round closes. Updated as ballots arrive.")
    else:
        footer = tr("Updated as ballots arrive.")
    embed.set_footer(text=_clip(f"{snapshot.event.name} · {footer}", 2048))
    return embed


def _ranked_lines(snapshot: LiveSnapshot, tr: Translator, top_lines: int) -> list[str]:
    assert snapshot.tally is not None
    language = snapshot.event.language
    ranked = snapshot.tally.ranked()
    lines = []
    for rank, result in enumerate(ranked[:top_lines], start=1):
        title = _shorten(result.initiative.title_in(language), TITLE_CHARS)
        votes = tr.ngettext("{count} vote", "{count} votes", result.votes)
        raw = tr("{raw} raw", raw=result.raw_votes)
        lines.append(
            f"{quartile_badge(result.quartile)} · {rank}. **{result.number}** {title} — {votes} ({raw})"
        )
    hidden = len(ranked) - top_lines
    if hidden > 0:
        lines.append(tr("…and {count} more — see /results", count=hidden))
    return lines


def _participation_lines(snapshot: LiveSnapshot, tr: Translator) -> list[str]:
    lines = [tr("Results are hidden until the round closes. Ballots per room:")]
    rooms = sorted(snapshot.ballots_by_room.items())
    for name, count in rooms[:ROOM_LINES]:
        lines.append(f"• {_shorten(name or tr('(no room)'), TITLE_CHARS)}: {count}")
    if len(rooms) > ROOM_LINES:
        lines.append(tr("…and {count} more rooms", count=len(rooms) - ROOM_LINES))
    return lines


def _legend(snapshot: LiveSnapshot, tr: Translator) -> str:
    assert snapshot.tally is not None
    cuts = snapshot.tally.cuts
    lines = [
        f"{quartile_badge(q)} {tr(QUARTILE_LABELS[q])} ({_quartile_range(tr, q, cuts)})" for q in (1, 2, 3, 4)
    ]
    lines.append(tr("Votes include merge rules; raw = ballots that picked the initiative itself."))
    return "\n".join(lines)


def _merge_footnote(snapshot: LiveSnapshot, tr: Translator) -> str:
    assert snapshot.tally is not None
    instances = snapshot.tally.rule_instances
    if not instances:
        return tr("No merge rules: votes are raw votes.")
    text = tr("A ballot that picked S but not T also counts for T (S → T), at most once per target.")
    rules = ", ".join(
        tr(
            "{source} → {target}: +{count}",
            source=item.rule.source,
            target=item.rule.target,
            count=item.ballots_added,
        )
        for item in instances
    )
    return _clip(f"{text}\n{rules}", FIELD_LIMIT)
