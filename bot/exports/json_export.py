"""The tally as JSON, for scripts and archives: everything needed to re-check the numbers.

Keys are sorted and lists have a fixed order, so two exports of the same data are byte-identical
and can be diffed.
"""

from __future__ import annotations

import json
from typing import Any

from bot.exports.csv_export import TALLY_COLUMNS, tally_rows
from bot.exports.model import ExportData


def _rows(data: ExportData) -> list[dict[str, Any]]:
    rows = []
    for values in tally_rows(data.tally, data.language):
        row: dict[str, Any] = dict(zip(TALLY_COLUMNS, values, strict=True))
        # "initiative" keeps the CSV's meaning (the title) so one reader handles both formats;
        # "title" is the explicit name for new consumers.
        row["title"] = row["initiative"]
        rows.append(row)
    return rows


def export_document(data: ExportData) -> dict[str, Any]:
    """The JSON document as Python data (what ``to_json`` serialises)."""
    tally = data.tally
    catalogue = tally.catalogue
    return {
        "event": data.event_name,
        "rounds": list(data.round_names),
        "room": data.room,
        "catalogue": catalogue.name,
        "ballot_count": tally.ballot_count,
        "total_raw_votes": tally.total_raw_votes,
        "total_votes": tally.total_votes,
        "cut_points": {"q25": tally.cuts.q25, "q50": tally.cuts.q50, "q75": tally.cuts.q75},
        "band_sizes": {str(q): size for q, size in tally.band_sizes().items()},
        "rows": _rows(data),
        "merge_rules": [
            {
                "source": item.rule.source,
                "target": item.rule.target,
                "note": item.rule.note,
                "instances": item.ballots_added,
            }
            for item in tally.rule_instances
        ],
        "ballots": [
            {"ballot": ballot.voter, "room": ballot.room, "picks": sorted(ballot.picks)}
            for ballot in sorted(data.ballots, key=lambda b: (b.voter, b.room or "", sorted(b.picks)))
        ],
        "recommendations": [
            {"number": sub.number, "title": sub.title, "raw_votes": sub.raw_votes, "votes": sub.votes}
            for sub in tally.recommendation_subtotals()
        ],
    }


def to_json(data: ExportData) -> bytes:
    """UTF-8 JSON (non-ASCII kept readable, indented, keys sorted) ending in a newline."""
    text = json.dumps(export_document(data), ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")
