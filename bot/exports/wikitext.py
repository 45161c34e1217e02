"""The tally as a MediaWiki table, laid out like the November 2020 report on Meta-Wiki.

A legend of the four quartiles comes first, then a ``wikitable`` grouped by recommendation
(``rowspan``), each initiative's cells coloured by quartile, merged counts footnoted with
``<ref>``, and ``<references />`` after the table so the footnotes render on any wiki.

Titles come from catalogue files and room names from Discord, so every piece of text is escaped:
a title must never be able to close a cell, open a template or a link, or inject a tag.
"""

from __future__ import annotations

from collections import defaultdict

from bot.domain.tally import QUARTILE_LABELS, InitiativeResult, RuleInstances, Tally
from bot.exports.colours import QUARTILE_COLOURS, TEXT_COLOUR, format_count, quartile_range
from bot.exports.model import ExportData
from bot.i18n import Translator

# Characters with a meaning in wikitext or HTML, written as numeric entities so they display
# literally. "&" goes first so the entities added afterwards are not escaped again.
_ENTITIES = (
    ("&", "&amp;"),
    ("<", "&lt;"),  # tags, including </ref> and <nowiki>
    (">", "&gt;"),
    ("|", "&#124;"),  # cell separators, "|}" and "{|"
    ("!!", "&#33;&#33;"),  # header cell separator
    ("{", "&#123;"),  # templates, parser functions, tables
    ("}", "&#125;"),
    ("[", "&#91;"),  # internal and external links
    ("]", "&#93;"),
    ("''", "&#39;&#39;"),  # italics and bold
    ("~~~", "&#126;&#126;&#126;"),  # signatures
    ("__", "&#95;&#95;"),  # behaviour switches such as __NOTOC__
    ("://", "&#58;//"),  # free external links
)


def escape_wikitext(text: str) -> str:
    """Text that renders literally in a table cell or a footnote, whatever it contains.

    Line breaks become spaces as well: a new line starting with "|", "!" or "*" would be markup.
    """
    text = " ".join(text.splitlines())
    for char, entity in _ENTITIES:
        text = text.replace(char, entity)
    return text


def _style(quartile: int) -> str:
    return f'style="background:{QUARTILE_COLOURS[quartile]}; color:{TEXT_COLOUR}"'


def _legend(tally: Tally, tr: Translator) -> list[str]:
    lines = [
        tr(
            "Based on the number of votes, the initiatives are distributed into four quartiles that show "
            "how often they were prioritized compared to other initiatives. The initiatives in the table "
            "are colour-coded as follows:"
        ),
        "",
    ]
    for quartile in (1, 2, 3, 4):
        swatch = (
            f'<span style="display:inline-block; width:1.5em; background:{QUARTILE_COLOURS[quartile]}; '
            'border:1px solid #a2a9b1">&nbsp;</span>'
        )
        label = tr(QUARTILE_LABELS[quartile])
        lines.append(f"* {swatch} {label} ({quartile_range(quartile, tally.cuts, tr)})")
    cuts = tally.cuts
    lines += [
        "",
        tr(
            "Cut points: {q25}, {q50} and {q75} votes (25th, 50th and 75th percentiles); "
            "{ballots} ballots, {votes} votes.",
            q25=format_count(cuts.q25),
            q50=format_count(cuts.q50),
            q75=format_count(cuts.q75),
            ballots=tally.ballot_count,
            votes=tally.total_votes,
        ),
        "",
    ]
    return lines


def _quoted_initiative(tally: Tally, number: int, language: str) -> str:
    return f'"{number}. {escape_wikitext(tally.catalogue.initiative(number).title_in(language))}"'


def _footnote(tally: Tally, instances: RuleInstances, tr: Translator) -> str:
    rule = instances.rule
    source = _quoted_initiative(tally, rule.source, tr.language)
    target = _quoted_initiative(tally, rule.target, tr.language)
    text = tr.ngettext(
        "The unique results for prioritizing {source} (a total of {count} instance) were merged into "
        "the results for {target}.",
        "The unique results for prioritizing {source} (a total of {count} instances) were merged into "
        "the results for {target}.",
        instances.ballots_added,
        source=source,
        target=target,
    )
    # The catalogue's note is the organisers' own explanation; the generic one is the fallback.
    if rule.note.strip():
        text += " " + escape_wikitext(rule.note)
    else:
        text += " " + tr(
            "This means that, when someone prioritized {source} but not {target}, it was regarded "
            "as a prioritization for both. The data for {source} was left intact for reference purposes.",
            source=source,
            target=target,
        )
    name = f"merge-{rule.source}-{rule.target}"
    return f'<ref name="{name}">{text}</ref>'


def _votes_cell(
    tally: Tally, result: InitiativeResult, footnotes: dict[int, list[RuleInstances]], tr: Translator
) -> str:
    refs = "".join(_footnote(tally, item, tr) for item in footnotes.get(result.number, ()))
    return f"| {_style(result.quartile)} | {result.votes}{refs}"


def _table(data: ExportData, tr: Translator) -> list[str]:
    tally = data.tally
    language = tr.language
    footnotes: dict[int, list[RuleInstances]] = defaultdict(list)
    for item in tally.rule_instances:
        if item.ballots_added:
            footnotes[item.rule.target].append(item)
    by_number = {result.number: result for result in tally.results}
    lines = [
        '{| class="wikitable"',
        f"|+ {escape_wikitext(data.scope_label)}",
        '! {} !! colspan="2" | {} !! {}'.format(
            escape_wikitext(tr("Recommendation")),
            escape_wikitext(tr("Initiatives")),
            escape_wikitext(tr("Survey results")),
        ),
    ]
    for recommendation in tally.catalogue.recommendations:
        span = len(recommendation.initiatives)
        rowspan = f'rowspan="{span}" | ' if span > 1 else ""
        for position, initiative in enumerate(recommendation.initiatives):
            result = by_number[initiative.number]
            lines.append("|-")
            if position == 0:
                title = escape_wikitext(recommendation.title_in(language))
                lines.append(f"| {rowspan}{recommendation.number}. {title}")
            lines.append(f"| {_style(result.quartile)} | {initiative.number}")
            lines.append(f"| {_style(result.quartile)} | {escape_wikitext(initiative.title_in(language))}")
            lines.append(_votes_cell(tally, result, footnotes, tr))
    lines.append("|}")
    return lines


def to_wikitext(data: ExportData) -> bytes:
    """UTF-8 wikitext: legend, table, then ``<references />`` for the merge footnotes."""
    tr = Translator(data.language)
    lines = [*_legend(data.tally, tr), *_table(data, tr), "", "<references />", ""]
    return "\n".join(lines).encode("utf-8")
