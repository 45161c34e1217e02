"""How quartiles are presented, defined once so every export (sheet, wiki table, chart) matches.

Green (most voted) to orange (least voted), as in the November 2020 report's heat map. Every shade
is light enough that black text on it stays readable, so labels never need a second colour.
"""

from __future__ import annotations

from bot.domain.tally import QuartileCuts

QUARTILE_COLOURS: dict[int, str] = {1: "#1a9850", 2: "#91cf60", 3: "#fee08b", 4: "#fc8d59"}
TEXT_COLOUR = "#000000"


def argb(colour: str) -> str:
    """``#rrggbb`` -> ``FFRRGGBB``, the opaque aRGB form openpyxl fills expect."""
    return "FF" + colour.removeprefix("#").upper()


def format_count(value: float) -> str:
    """A cut point as a reader expects it: ``14`` rather than ``14.0``, ``14.5`` when it is one."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def quartile_range(quartile: int, cuts: QuartileCuts) -> str:
    """The votes a quartile covers, e.g. "23 to under 35 votes", matching QuartileCuts.quartile_of."""
    q25, q50, q75 = (format_count(c) for c in (cuts.q25, cuts.q50, cuts.q75))
    return {
        1: f"{q75} votes or more",
        2: f"{q50} to under {q75} votes",
        3: f"{q25} to under {q50} votes",
        4: f"under {q25} votes",
    }[quartile]
