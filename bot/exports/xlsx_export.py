"""The tally as an Excel workbook: the coloured table, votes by room, and the merge rules applied."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.tally import QUARTILE_LABELS
from bot.exports.colours import QUARTILE_COLOURS, argb, quartile_range
from bot.exports.csv_export import TALLY_COLUMNS, tally_rows
from bot.exports.model import ExportData
from bot.i18n import Translator

_BOLD = Font(bold=True)
# The Tally sheet's columns that carry the quartile colour: number, initiative and votes, the
# three a reader scans; the bookkeeping columns stay plain so the colour keeps its meaning.
_COLOURED_COLUMNS = frozenset({"number", "initiative", "votes"})
_TALLY_WIDTHS = {"initiative": 70, "recommendation": 16}


def _fill(quartile: int) -> PatternFill:
    colour = argb(QUARTILE_COLOURS[quartile])
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _text(value: str) -> str:
    # openpyxl refuses control characters outright; room and event names are not validated
    # as strictly as catalogue titles, so strip rather than fail the whole export.
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _append(sheet: Worksheet, values: Iterable[Any]) -> int:
    """Append a row, forcing text cells to stay text; returns the row number.

    openpyxl turns any string starting with "=" into a formula, so a hostile title such as
    "=HYPERLINK(...)" would become live in the reader's spreadsheet without this.
    """
    sheet.append([_text(v) if isinstance(v, str) else v for v in values])
    row = sheet.max_row
    for cell in sheet[row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
    return row


def _header(sheet: Worksheet, names: Sequence[str]) -> None:
    _append(sheet, names)
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
        cell.alignment = Alignment(vertical="center")
    sheet.freeze_panes = "A2"


def _widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _tally_sheet(sheet: Worksheet, data: ExportData, tr: Translator) -> None:
    sheet.title = "Tally"
    _header(sheet, TALLY_COLUMNS)
    coloured = [index for index, name in enumerate(TALLY_COLUMNS) if name in _COLOURED_COLUMNS]
    for row_values in tally_rows(data.tally, data.language):
        row = _append(sheet, row_values)
        fill = _fill(row_values[TALLY_COLUMNS.index("quartile")])
        for index in coloured:
            sheet.cell(row=row, column=index + 1).fill = fill
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(TALLY_COLUMNS))}{sheet.max_row}"
    _widths(sheet, [_TALLY_WIDTHS.get(name, max(10, len(name) + 2)) for name in TALLY_COLUMNS])

    # Legend two rows below the table, so sorting or filtering the table leaves it alone.
    legend_row = sheet.max_row + 2
    sheet.cell(row=legend_row, column=2, value=tr("Legend")).font = _BOLD
    for offset, quartile in enumerate((1, 2, 3, 4), start=1):
        sheet.cell(row=legend_row + offset, column=2, value=quartile).fill = _fill(quartile)
        label = sheet.cell(
            row=legend_row + offset,
            column=3,
            value=_text(f"{tr(QUARTILE_LABELS[quartile])} ({quartile_range(quartile, data.tally.cuts, tr)})"),
        )
        label.fill = _fill(quartile)
    note_row = legend_row + 6
    sheet.cell(row=note_row, column=2, value=tr("Scope"))
    sheet.cell(row=note_row, column=3, value=_text(data.scope_label)).data_type = "s"
    sheet.cell(row=note_row + 1, column=2, value=tr("Ballots"))
    sheet.cell(row=note_row + 1, column=3, value=data.tally.ballot_count)


def _room_sheet(sheet: Worksheet, data: ExportData) -> None:
    rooms = list(data.room_tallies)
    _header(sheet, ["number", "initiative", *rooms, "raw_votes", "votes"])
    for result in data.tally.results:
        per_room = [data.room_tallies[room].result(result.number).raw_votes for room in rooms]
        title = result.initiative.title_in(data.language)
        _append(sheet, [result.number, title, *per_room, result.raw_votes, result.votes])
    _widths(sheet, [10, 70, *(max(10, len(room) + 2) for room in rooms), 12, 10])


def _rules_sheet(sheet: Worksheet, data: ExportData, tr: Translator) -> None:
    catalogue = data.tally.catalogue
    _header(sheet, ["source", "source_title", "target", "target_title", "ballots_added", "note"])
    for instances in data.tally.rule_instances:
        rule = instances.rule
        _append(
            sheet,
            [
                rule.source,
                catalogue.initiative(rule.source).title_in(data.language),
                rule.target,
                catalogue.initiative(rule.target).title_in(data.language),
                instances.ballots_added,
                rule.note,
            ],
        )
    if not data.tally.rule_instances:
        _append(sheet, [tr("This catalogue has no merge rules.")])
    _widths(sheet, [10, 45, 10, 45, 14, 80])
    for row in sheet.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def to_xlsx(data: ExportData) -> bytes:
    """An .xlsx workbook with the sheets "Tally", "By room" and "Merge rules"."""
    workbook = Workbook()
    workbook.properties.title = _text(data.scope_label)
    tr = Translator(data.language)
    _tally_sheet(workbook.active, data, tr)
    _room_sheet(workbook.create_sheet("By room"), data)
    _rules_sheet(workbook.create_sheet("Merge rules"), data, tr)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
