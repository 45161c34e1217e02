from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable

import pytest
from openpyxl import load_workbook

from bot.exports import EXPORT_FORMATS, FILE_EXTENSIONS, render_export
from bot.exports.charts import chart_png
from bot.exports.csv_export import to_csv
from bot.exports.json_export import to_json
from bot.exports.model import ExportData
from bot.exports.wikitext import to_wikitext


def test_every_format_has_an_extension() -> None:
    assert EXPORT_FORMATS == ("csv", "xlsx", "json", "wikitext", "png")
    assert set(FILE_EXTENSIONS) == set(EXPORT_FORMATS)
    assert FILE_EXTENSIONS["wikitext"] == "wiki"


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("csv", to_csv), ("json", to_json), ("wikitext", to_wikitext), ("png", chart_png)],
)
def test_render_export_dispatches(
    fmt: str, expected: Callable[[ExportData], bytes], report_data: ExportData
) -> None:
    assert render_export(fmt, report_data) == expected(report_data)


def test_render_export_xlsx_is_the_workbook(report_data: ExportData) -> None:
    # XLSX embeds save timestamps, so compare what the workbook holds rather than the bytes.
    workbook = load_workbook(io.BytesIO(render_export("xlsx", report_data)))
    assert workbook.sheetnames == ["Tally", "By room", "Merge rules"]
    assert [c.value for c in workbook["Tally"][26]][1:4] == [25, "Regional & thematic hubs", 80]


def test_unknown_format_names_the_allowed_ones(report_data: ExportData) -> None:
    with pytest.raises(ValueError, match="csv, xlsx, json, wikitext, png") as excinfo:
        render_export("pdf", report_data)
    assert "'pdf'" in str(excinfo.value)


def test_importing_the_package_stays_cheap() -> None:
    # A fresh interpreter: the test process has long imported matplotlib through other tests.
    code = "import sys, bot.exports; print('matplotlib' in sys.modules, 'openpyxl' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
