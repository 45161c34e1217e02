from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain.ballots import Ballot
from bot.domain.catalogue import Catalogue
from bot.domain.tally import QUARTILE_LABELS
from bot.exports.colours import QUARTILE_COLOURS
from bot.exports.model import ExportData
from bot.exports.wikitext import escape_wikitext, to_wikitext

# Lines a wikitable may contain; anything else inside the table means text escaped its cell.
TABLE_LINE = re.compile(r'^(\{\| class="wikitable"|\|\+ .*|! .*|\|-|\| .*|\|\})$')


def table_lines(text: str) -> list[str]:
    start = text.index("{|")
    end = text.index("|}", start) + 2
    return text[start:end].splitlines()


def test_grouped_by_recommendation_with_rowspan(report_data: ExportData) -> None:
    text = to_wikitext(report_data).decode("utf-8")
    assert '| rowspan="8" | 1. Increase the Sustainability of Our Movement' in text
    assert '| rowspan="7" | 2. Improve User Experience' in text
    assert '| rowspan="2" | 7. Manage Internal Knowledge' in text
    assert text.count("rowspan=") == 10


def test_one_row_per_initiative_coloured_by_quartile(report_data: ExportData) -> None:
    lines = table_lines(to_wikitext(report_data).decode("utf-8"))
    assert all(TABLE_LINE.match(line) for line in lines), [
        line for line in lines if not TABLE_LINE.match(line)
    ]
    assert lines.count("|-") == 45
    assert lines[2] == '! Recommendation !! colspan="2" | Initiatives !! Survey results'
    for result in report_data.tally.results:
        style = f'style="background:{QUARTILE_COLOURS[result.quartile]}; color:#000000"'
        assert f"| {style} | {result.number}" in lines
        assert f"| {style} | {escape_wikitext(result.initiative.title)}" in lines
    council = next(
        line
        for line in lines
        if line.startswith(f'| style="background:{QUARTILE_COLOURS[1]}') and "| 66" in line
    )
    assert council.split(" | ", 1)[1].startswith("66<ref")


def test_merged_count_is_footnoted_like_the_report(report_data: ExportData) -> None:
    text = to_wikitext(report_data).decode("utf-8")
    assert text.count("<ref ") == 1 and text.count("</ref>") == 1
    match = re.search(r'\| 66<ref name="merge-23-24">(.*?)</ref>', text)
    assert match is not None
    footnote = match.group(1)
    assert '"23. Interim Global Council" (a total of 6 instances)' in footnote
    assert 'were merged into the results for "24. The Global Council"' in footnote
    # The source keeps its own count: no footnote on 23's 27.
    assert "| 27<ref" not in text
    assert text.index("<references />") > text.index("|}")


def test_legend_precedes_the_table(report_data: ExportData) -> None:
    text = to_wikitext(report_data).decode("utf-8")
    table_start = text.index("{|")
    bullets = [line for line in text[:table_start].splitlines() if line.startswith("* ")]
    assert len(bullets) == 4
    for bullet, quartile in zip(bullets, (1, 2, 3, 4), strict=True):
        assert f"background:{QUARTILE_COLOURS[quartile]}" in bullet
        assert QUARTILE_LABELS[quartile] in bullet
    assert "(35 votes or more)" in bullets[0] and "(under 14 votes)" in bullets[3]
    assert "Cut points: 14, 23 and 35 votes" in text[:table_start]


def test_no_footnote_when_a_rule_added_nothing(
    report_catalogue: Catalogue, build_export_data: Callable[..., ExportData]
) -> None:
    data = build_export_data(
        report_catalogue, [Ballot("a", frozenset({23, 24})), Ballot("b", frozenset({1}))], []
    )
    text = to_wikitext(data).decode("utf-8")
    assert "<ref name" not in text
    assert data.tally.result(24).votes == 1


def test_hostile_titles_cannot_break_the_table(hostile_data: ExportData) -> None:
    text = to_wikitext(hostile_data).decode("utf-8")
    lines = table_lines(text)
    assert all(TABLE_LINE.match(line) for line in lines)
    hostile = hostile_data.tally.catalogue.initiative(1).title
    assert hostile not in text
    title_line = next(line for line in lines if "Evil" in line)
    # The style attribute and the cell separator are the only pipes left on the line.
    assert title_line.count("|") == 2
    assert "&#124;" in title_line
    for markup in ("{{", "}}", "[[", "]]", "<b>", "''", "~~~"):
        assert markup not in text.replace("<references />", ""), markup
    # The title's "</ref>" cannot end the footnote early: exactly one closing tag per footnote.
    assert text.count("<ref ") == text.count("</ref>") == 1
    assert "| 3<ref" in text  # rule 1 -> 3 added two ballots to "Plain"
    assert "(a total of 2 instances)" in text
    assert "Hostile &lt;b&gt;note&lt;/b&gt; &#124; with a pipe" in text


def test_escape_wikitext() -> None:
    assert escape_wikitext("a | b") == "a &#124; b"
    assert escape_wikitext("{{x}}") == "&#123;&#123;x&#125;&#125;"
    assert escape_wikitext("[[x]]") == "&#91;&#91;x&#93;&#93;"
    assert escape_wikitext("<nowiki>") == "&lt;nowiki&gt;"
    assert escape_wikitext("&lt;") == "&amp;lt;"
    assert escape_wikitext("one\ntwo") == "one two"
    assert escape_wikitext("Women's rights, 50% + more") == "Women's rights, 50% + more"
