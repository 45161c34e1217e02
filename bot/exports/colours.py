"""How quartiles are presented, defined once so every export (sheet, wiki table, chart) matches.

Green (most voted) to orange (least voted), as in the November 2020 report's heat map. Every shade
is light enough that black text on it stays readable, so labels never need a second colour.
"""

from __future__ import annotations

from bot.domain.tally import QuartileCuts
from bot.i18n import Translator

ENGLISH = Translator("en")

QUARTILE_COLOURS: dict[int, str] = {1: "#1a9850", 2: "#91cf60", 3: "#fee08b", 4: "#fc8d59"}
TEXT_COLOUR = "#000000"


def argb(colour: str) -> str:
    """``#rrggbb`` -> ``FFRRGGBB``, the opaque aRGB form openpyxl fills expect."""
    return "FF" + colour.removeprefix("#").upper()


def format_count(value: float) -> str:
    """A cut point as a reader expects it: ``14`` rather than ``14.0``, ``14.5`` when it is one."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def quartile_range(quartile: int, cuts: QuartileCuts, tr: Translator = ENGLISH) -> str:
    """The votes a quartile covers, e.g. "23 to under 35 votes", matching QuartileCuts.quartile_of."""
    q25, q50, q75 = (format_count(c) for c in (cuts.q25, cuts.q50, cuts.q75))
    if quartile == 1:
        return tr("{low} votes or more", low=q75)
    if quartile == 2:
        return tr("{low} to under {high} votes", low=q50, high=q75)
    if quartile == 3:
        return tr("{low} to under {high} votes", low=q25, high=q50)
    return tr("under {high} votes", high=q25)
