from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook

from bot.domain.tally import QUARTILE_LABELS
from bot.exports.colours import QUARTILE_COLOURS
from bot.exports.csv_export import to_csv
from bot.exports.model import ExportData
from bot.exports.xlsx_export import to_xlsx


def open_workbook(data: ExportData) -> Workbook:
    return load_workbook(io.BytesIO(to_xlsx(data)))


def fill_colour(cell: Cell) -> str:
    """``#rrggbb`` of a solid fill, as QUARTILE_COLOURS spells it."""
    assert cell.fill.fill_type == "solid"
    return "#" + cell.fill.fgColor.rgb[-6:].lower()


@pytest.fixture(scope="module")
def report_workbook(report_data: ExportData) -> Workbook:
    return open_workbook(report_data)


def test_sheets(report_workbook: Workbook) -> None:
    assert report_workbook.sheetnames == ["Tally", "By room", "Merge rules"]


def test_tally_sheet_holds_the_csv_table(report_workbook: Workbook, report_data: ExportData) -> None:
    csv_rows = list(csv.reader(io.StringIO(to_csv(report_data).decode("utf-8"), newline="")))
    sheet = report_workbook["Tally"]
    sheet_rows = [
        ["" if v is None else str(v) for v in row]
        for row in sheet.iter_rows(min_row=1, max_row=len(csv_rows), values_only=True)
    ]
    assert sheet_rows == csv_rows
    assert len(csv_rows) == 46
    # Numbers are stored as numbers, so the sheet sorts and sums without conversion.
    assert sheet["D2"].value == 34 and isinstance(sheet["D2"].value, int)
    assert all(cell.font.b for cell in sheet[1])


def test_rows_are_coloured_by_quartile(report_workbook: Workbook, report_data: ExportData) -> None:
    sheet = report_workbook["Tally"]
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2, max_row=46)}
    number, initiative, votes = rows[24][1], rows[24][2], rows[24][3]
    assert initiative.value == "The Global Council" and votes.value == 66
    assert fill_colour(initiative) == fill_colour(votes) == fill_colour(number) == QUARTILE_COLOURS[1]
    for result in report_data.tally.results:
        assert fill_colour(rows[result.number][2]) == QUARTILE_COLOURS[result.quartile]


def test_legend_below_the_table(report_workbook: Workbook) -> None:
    sheet = report_workbook["Tally"]
    below = [row for row in sheet.iter_rows(min_row=47) if any(c.value is not None for c in row)]
    texts = [str(c.value) for row in below for c in row if c.value is not None]
    for quartile, label in QUARTILE_LABELS.items():
        [cell] = [c for row in below for c in row if isinstance(c.value, str) and c.value.startswith(label)]
        assert fill_colour(cell) == QUARTILE_COLOURS[quartile]
    assert any("35 votes or more" in text for text in texts)


def test_by_room_sums_to_the_raw_votes(report_workbook: Workbook, report_data: ExportData) -> None:
    sheet = report_workbook["By room"]
    header = [c.value for c in sheet[1]]
    rooms = list(report_data.room_tallies)
    assert len(rooms) == 12
    assert header == ["number", "initiative", *rooms, "raw_votes", "votes"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 45
    for row, result in zip(rows, report_data.tally.results, strict=True):
        per_room = row[2 : 2 + len(rooms)]
        assert row[0] == result.number
        assert sum(per_room) == result.raw_votes == row[-2]
        assert row[-1] == result.votes
    council = next(row for row in rows if row[0] == 24)
    assert sum(council[2 : 2 + len(rooms)]) == 60 and council[-1] == 66


def test_merge_rules_sheet(report_workbook: Workbook) -> None:
    sheet = report_workbook["Merge rules"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    source, source_title, target, target_title, added, note = rows[0]
    assert (source, source_title, target, target_title, added) == (
        23,
        "Interim Global Council",
        24,
        "The Global Council",
        6,
    )
    assert note.startswith("According to feedback")


def test_formula_like_titles_stay_text(hostile_data: ExportData) -> None:
    workbook = open_workbook(hostile_data)
    titles = [i.title for i in hostile_data.tally.catalogue.initiatives]
    assert titles[1].startswith("=")
    sheet = workbook["Tally"]
    cells = [row[2] for row in sheet.iter_rows(min_row=2, max_row=4)]
    assert [c.value for c in cells] == titles
    assert all(c.data_type == "s" for c in cells)
    by_room = workbook["By room"]
    assert [c.value for c in by_room[1]][2:4] == ["Room | A", "Room B"]
