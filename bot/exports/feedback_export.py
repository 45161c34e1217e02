"""Feedback survey responses -> CSV / XLSX / JSON bytes. No Discord types, no database.

Rows carry a per-event pseudonym, never a Discord id or name, and answers arrive here already
masked (bot.services.feedback). Free text is participants' own: in the CSV a cell that a
spreadsheet would read as a formula (= + - @ first) is prefixed with an apostrophe, and in the
XLSX every text cell is stored as text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

FEEDBACK_FORMATS: tuple[str, ...] = ("csv", "xlsx", "json")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class FeedbackRow:
    pseudonym: str
    answers: Mapping[str, str]  # question id -> masked text
    rating: int | None
    submitted_at: datetime


@dataclass(frozen=True)
class FeedbackExportData:
    event_name: str
    questions: tuple[tuple[str, str], ...]  # (id, label) in survey order
    rows: tuple[FeedbackRow, ...]
    attendees: int
    answered: int  # respondents who count as attendees
    response_rate: int | None  # whole percent, None without attendees
    rating_distribution: Mapping[int, int]

    @property
    def columns(self) -> tuple[str, ...]:
        return ("pseudonym", *(qid for qid, _ in self.questions), "rating", "submitted_at")

    def row_values(self, row: FeedbackRow) -> list[Any]:
        return [
            row.pseudonym,
            *(row.answers.get(qid, "") for qid, _ in self.questions),
            row.rating,
            _timestamp(row.submitted_at),
        ]


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def to_csv(data: FeedbackExportData) -> bytes:
    """UTF-8 CSV, one row per response: pseudonym, each question id, rating, submitted_at."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(data.columns)
    for row in data.rows:
        writer.writerow([_csv_cell(value) for value in data.row_values(row)])
    return buffer.getvalue().encode("utf-8")


def export_document(data: FeedbackExportData) -> dict[str, Any]:
    return {
        "event": data.event_name,
        "questions": [{"id": qid, "label": label} for qid, label in data.questions],
        "attendees": data.attendees,
        "answered": data.answered,
        "response_count": len(data.rows),
        "response_rate_percent": data.response_rate,
        "rating_distribution": {str(score): count for score, count in data.rating_distribution.items()},
        "responses": [
            {
                "pseudonym": row.pseudonym,
                "answers": {qid: row.answers.get(qid, "") for qid, _ in data.questions},
                "rating": row.rating,
                "submitted_at": _timestamp(row.submitted_at),
            }
            for row in data.rows
        ],
    }


def to_json(data: FeedbackExportData) -> bytes:
    return (json.dumps(export_document(data), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def to_xlsx(data: FeedbackExportData) -> bytes:
    """A Responses sheet (the CSV's table) and a Summary sheet (response rate, ratings, questions)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    def append(sheet: Any, values: list[Any], *, bold: bool = False) -> None:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if bold:
                cell.font = Font(bold=True)

    workbook = Workbook()
    responses = workbook.active
    responses.title = "Responses"
    append(responses, list(data.columns), bold=True)
    responses.freeze_panes = "A2"
    for row in data.rows:
        append(responses, data.row_values(row))
    for index, name in enumerate(data.columns, start=1):
        letter = responses.cell(row=1, column=index).column_letter
        responses.column_dimensions[letter].width = (
            60 if name not in ("pseudonym", "rating", "submitted_at") else 22
        )

    summary = workbook.create_sheet("Summary")
    append(summary, ["event", data.event_name], bold=False)
    append(summary, ["attendees", data.attendees])
    append(summary, ["answered", data.answered])
    append(summary, ["responses", len(data.rows)])
    append(summary, ["response_rate_percent", data.response_rate])
    append(summary, [])
    append(summary, ["rating", "responses"], bold=True)
    for score, count in data.rating_distribution.items():
        append(summary, [score, count])
    append(summary, [])
    append(summary, ["question", "label"], bold=True)
    for qid, label in data.questions:
        append(summary, [qid, label])
    summary.column_dimensions["A"].width = 24
    summary.column_dimensions["B"].width = 60

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_feedback_export(fmt: str, data: FeedbackExportData) -> bytes:
    """Blocking (openpyxl): call through ``asyncio.to_thread`` from the event loop."""
    if fmt == "csv":
        return to_csv(data)
    if fmt == "xlsx":
        return to_xlsx(data)
    if fmt == "json":
        return to_json(data)
    raise ValueError(f"unknown feedback export format {fmt!r}; allowed: {', '.join(FEEDBACK_FORMATS)}")
