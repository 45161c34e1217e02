"""Exports in the reader's language: catalogue titles and the text meant for people; never the
column names or keys that scripts read."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

from openpyxl import load_workbook

from bot.exports import render_export
from bot.exports.csv_export import TALLY_COLUMNS
from bot.exports.model import ExportData
from bot.i18n import Translator


def in_language(data: ExportData, language: str) -> ExportData:
    return dataclasses.replace(data, language=language)


def test_csv_and_json_keep_their_columns_and_translate_titles(report_data: ExportData) -> None:
    french = in_language(report_data, "fr")
    rows = list(csv.reader(io.StringIO(render_export("csv", french).decode("utf-8"))))
    assert tuple(rows[0]) == TALLY_COLUMNS
    council = report_data.tally.catalogue.initiative(24)
    row_24 = next(row for row in rows[1:] if row[1] == "24")
    assert row_24[2] == council.title_in("fr") != council.title
    assert row_24[3:] == ["66", "60", "6", "1"]
    document = json.loads(render_export("json", french))
    assert next(r for r in document["rows"] if r["number"] == 24)["title"] == council.title_in("fr")


def test_wikitext_legend_and_footnote_in_the_readers_language(report_data: ExportData) -> None:
    tr = Translator("de")
    text = render_export("wikitext", in_language(report_data, "de")).decode("utf-8")
    assert tr("First quartile (most voted): 100-75%") in text
    assert tr("First quartile (most voted): 100-75%") != "First quartile (most voted): 100-75%"
    assert tr("Survey results") in text and "Survey results" not in text
    assert report_data.tally.catalogue.initiative(25).title_in("de") in text
    assert "Regional & thematic hubs" not in text
    english = render_export("wikitext", report_data).decode("utf-8")
    assert "a total of 6 instances" in english


def test_xlsx_legend_in_the_readers_language(report_data: ExportData) -> None:
    tr = Translator("es")
    workbook = load_workbook(io.BytesIO(render_export("xlsx", in_language(report_data, "es"))))
    sheet = workbook["Tally"]
    values = [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert tr("Legend") in values and tr("Legend") != "Legend"
    assert [c.value for c in sheet[1]] == list(TALLY_COLUMNS)
