from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.exports.csv_export import to_csv
from bot.exports.json_export import to_json
from bot.exports.model import ExportData


def load(data: ExportData) -> dict[str, Any]:
    return json.loads(to_json(data).decode("utf-8"))


def test_summary_fields(report_data: ExportData) -> None:
    document = load(report_data)
    assert document["event"] == "Global Conversations November 2020"
    assert document["rounds"] == ["Global priorities"]
    assert document["room"] is None
    assert document["ballot_count"] == 230
    assert document["cut_points"] == {"q25": 14, "q50": 23, "q75": 35}
    assert document["band_sizes"] == {"1": 12, "2": 11, "3": 11, "4": 11}


def test_rows_match_the_csv_plus_title(report_data: ExportData) -> None:
    rows = load(report_data)["rows"]
    csv_rows = list(csv.DictReader(io.StringIO(to_csv(report_data).decode("utf-8"), newline="")))
    assert len(rows) == len(csv_rows) == 45
    for row, csv_row in zip(rows, csv_rows, strict=True):
        assert {key: str(row[key]) for key in csv_row} == csv_row
        assert row["title"] == row["initiative"]
    council = next(row for row in rows if row["number"] == 24)
    assert (council["votes"], council["raw_votes"], council["merged_in"], council["quartile"]) == (
        66,
        60,
        6,
        1,
    )


def test_merge_rules_and_recommendations(report_data: ExportData) -> None:
    document = load(report_data)
    [rule] = document["merge_rules"]
    assert (rule["source"], rule["target"], rule["instances"]) == (23, 24, 6)
    assert rule["note"]
    subtotals = {item["number"]: item for item in document["recommendations"]}
    assert sorted(subtotals) == list(range(1, 11))
    assert subtotals[4]["raw_votes"] == 43 + 27 + 60 + 80 + 26 + 11
    assert subtotals[4]["votes"] == subtotals[4]["raw_votes"] + 6
    assert sum(item["votes"] for item in subtotals.values()) == 1294


def test_ballots_are_sorted_and_pseudonymous(report_data: ExportData) -> None:
    ballots = load(report_data)["ballots"]
    assert len(ballots) == 230
    assert [b["ballot"] for b in ballots] == sorted(b.voter for b in report_data.ballots)
    assert all(b["picks"] == sorted(b["picks"]) and 1 <= len(b["picks"]) <= 6 for b in ballots)
    first = next(b for b in report_data.ballots if b.voter == ballots[0]["ballot"])
    assert ballots[0] == {"ballot": first.voter, "room": first.room, "picks": sorted(first.picks)}
    assert sum(24 in b["picks"] for b in ballots) == 60


def test_output_is_deterministic_readable_utf8(hostile_data: ExportData) -> None:
    first = to_json(hostile_data)
    assert first == to_json(hostile_data)
    text = first.decode("utf-8")
    assert "Évènement ✓" in text  # ensure_ascii=False: not \u escapes
    assert text.startswith('{\n  "')  # indented
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert [b["ballot"] for b in document["ballots"]] == ["voter-a", "voter-b", "voter-c"]
    assert document["merge_rules"][0]["instances"] == 2
