from __future__ import annotations

import csv
import io
from collections import Counter

from bot.domain.sample_event import REPORT_BAND_SIZES, REPORT_RAW_VOTES
from bot.exports.csv_export import TALLY_COLUMNS, to_csv
from bot.exports.model import ExportData

HEADER = ["recommendation", "number", "initiative", "votes", "raw_votes", "merged_in", "quartile"]


def read_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_header_is_exact(report_data: ExportData) -> None:
    first_line = to_csv(report_data).decode("utf-8").splitlines()[0]
    assert first_line == ",".join(HEADER)
    assert list(TALLY_COLUMNS) == HEADER


def test_one_row_per_initiative_in_catalogue_order(report_data: ExportData) -> None:
    rows = read_rows(to_csv(report_data))
    assert len(rows) == 45
    assert [int(r["number"]) for r in rows] == list(range(1, 46))
    catalogue = report_data.tally.catalogue
    for row in rows:
        initiative = catalogue.initiative(int(row["number"]))
        assert int(row["recommendation"]) == initiative.recommendation
        assert row["initiative"] == initiative.title
        assert int(row["raw_votes"]) == REPORT_RAW_VOTES[initiative.number]


def test_the_reports_merged_council_row(report_data: ExportData) -> None:
    rows = {int(r["number"]): r for r in read_rows(to_csv(report_data))}
    council = rows[24]
    assert (council["votes"], council["raw_votes"], council["merged_in"], council["quartile"]) == (
        "66",
        "60",
        "6",
        "1",
    )
    interim = rows[23]
    assert (interim["votes"], interim["raw_votes"], interim["merged_in"]) == ("27", "27", "0")
    assert sum(int(r["votes"]) for r in rows.values()) == 1294


def test_quartile_bands_match_the_report(report_data: ExportData) -> None:
    rows = read_rows(to_csv(report_data))
    assert Counter(int(r["quartile"]) for r in rows) == REPORT_BAND_SIZES == {1: 12, 2: 11, 3: 11, 4: 11}


def test_titles_with_commas_quotes_and_pipes_round_trip(hostile_data: ExportData) -> None:
    titles = [i.title for i in hostile_data.tally.catalogue.initiatives]
    assert all(char in titles[0] for char in ',"|')
    rows = read_rows(to_csv(hostile_data))
    assert [r["initiative"] for r in rows] == titles
    # Merge rule 1 -> 3: two ballots picked 1 without 3.
    assert [(r["votes"], r["raw_votes"], r["merged_in"]) for r in rows][2] == ("3", "1", "2")
