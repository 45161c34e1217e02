"""The tally as CSV: one row per initiative, in catalogue order.

The row builder here is shared with the XLSX and JSON exports so the three can never disagree.
"""

from __future__ import annotations

import csv
import io

from bot.domain.tally import Tally
from bot.exports.model import ExportData

TALLY_COLUMNS: tuple[str, ...] = (
    "recommendation",
    "number",
    "initiative",
    "votes",
    "raw_votes",
    "merged_in",
    "quartile",
)

TallyRow = tuple[int, int, str, int, int, int, int]


def tally_rows(tally: Tally, language: str = "en") -> list[TallyRow]:
    """Rows matching TALLY_COLUMNS; ``votes`` is after merge rules, ``merged_in`` what they added."""
    return [
        (
            result.initiative.recommendation,
            result.number,
            result.initiative.title_in(language),
            result.votes,
            result.raw_votes,
            result.merged_in,
            result.quartile,
        )
        for result in tally.results
    ]


def to_csv(data: ExportData) -> bytes:
    """UTF-8 CSV (RFC 4180 quoting, CRLF line ends) of ``data.tally``.

    No byte-order mark: spreadsheet users get the XLSX export, and a BOM would corrupt the first
    header name for scripts that read the CSV.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(TALLY_COLUMNS)
    writer.writerows(tally_rows(data.tally, data.language))
    return buffer.getvalue().encode("utf-8")
