"""The results table as plain text, for the terminal (grouped by recommendation, with quartiles)."""

from __future__ import annotations

import textwrap

from bot.domain.tally import QUARTILE_LABELS, Tally


def _fmt_cut(value: float) -> str:
    return f"{value:g}"


def results_table(tally: Tally, title: str = "", width: int = 100) -> str:
    title_width = width - 30
    lines = []
    if title:
        lines += [title, "=" * min(len(title), width)]
    lines.append(
        f"{tally.ballot_count} ballots, {tally.total_raw_votes} picks, {tally.total_votes} votes after merge rules"
    )
    lines.append(
        f"Quartile cut points: q25 = {_fmt_cut(tally.cuts.q25)}, q50 = {_fmt_cut(tally.cuts.q50)}, q75 = {_fmt_cut(tally.cuts.q75)}"
    )
    lines.append("")
    header = f"{'#':>3}  {'Initiative':<{title_width}} {'votes':>5} {'raw':>5} {'+mrg':>4}  Q"
    by_number = {r.number: r for r in tally.results}
    for rec in tally.catalogue.recommendations:
        lines.append(f"{rec.number}. {rec.title}")
        lines.append(header)
        for ini in rec.initiatives:
            row = by_number[ini.number]
            wrapped = textwrap.wrap(ini.title, title_width) or [""]
            merged = f"+{row.merged_in}" if row.merged_in else ""
            lines.append(
                f"{ini.number:>3}  {wrapped[0]:<{title_width}} {row.votes:>5} {row.raw_votes:>5} {merged:>4}  {row.quartile}"
            )
            lines.extend(f"{'':>3}  {more}" for more in wrapped[1:])
        lines.append("")
    sizes = tally.band_sizes()
    lines.append("Quartiles:")
    lines.extend(f"  {q}  {QUARTILE_LABELS[q]} ({sizes[q]} initiatives)" for q in (1, 2, 3, 4))
    for instances in tally.rule_instances:
        rule = instances.rule
        source = tally.catalogue.initiative(rule.source).title
        target = tally.catalogue.initiative(rule.target).title
        lines.append(
            f"Merge rule {rule.source} -> {rule.target}: {instances.ballots_added} ballots picked "
            f'"{source}" but not "{target}" and also count for {rule.target}; {rule.source} keeps its own count.'
        )
    return "\n".join(lines)
