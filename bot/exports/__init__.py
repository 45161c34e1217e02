"""Domain results -> bytes (CSV, XLSX, JSON, wikitext, PNG). No Discord types, no database.

``render_export`` is the one entry point the CLI and the cogs use. openpyxl and matplotlib are
imported only when their format is asked for, so importing this package stays cheap (the bot
imports it at start; most exports are CSV or wikitext).
"""

from __future__ import annotations

from bot.exports.model import ExportData

EXPORT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "json", "wikitext", "png")
FILE_EXTENSIONS: dict[str, str] = {
    "csv": "csv",
    "xlsx": "xlsx",
    "json": "json",
    "wikitext": "wiki",
    "png": "png",
}


def render_export(fmt: str, data: ExportData) -> bytes:
    """The export of ``data`` in format ``fmt`` (one of EXPORT_FORMATS) as bytes.

    Blocking (matplotlib and openpyxl can take a second on big catalogues): call it through
    ``asyncio.to_thread`` from the event loop.
    """
    if fmt == "csv":
        from bot.exports.csv_export import to_csv

        return to_csv(data)
    if fmt == "xlsx":
        from bot.exports.xlsx_export import to_xlsx

        return to_xlsx(data)
    if fmt == "json":
        from bot.exports.json_export import to_json

        return to_json(data)
    if fmt == "wikitext":
        from bot.exports.wikitext import to_wikitext

        return to_wikitext(data)
    if fmt == "png":
        from bot.exports.charts import chart_png

        return chart_png(data)
    raise ValueError(f"unknown export format {fmt!r}; allowed formats: {', '.join(EXPORT_FORMATS)}")
