"""Charts of a tally as PNG: the report's heat map and a ranked bar chart.

Only the object-oriented API is used (``Figure`` + ``FigureCanvasAgg``), never pyplot: pyplot keeps
global state, so it is neither thread-safe under ``asyncio.to_thread`` nor free of leaks when a
figure is forgotten. A ``Figure`` made here is owned by nobody else and is garbage collected once
rendered.

Images are rendered at a fixed 100 DPI, so a width of ``width_px`` pixels is ``width_px / 100``
inches and the PNG is exactly ``width_px`` wide. Never save with ``bbox_inches="tight"``: it would
change the size.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text

from bot.domain.tally import QUARTILE_LABELS, Tally
from bot.exports.colours import QUARTILE_COLOURS, TEXT_COLOUR, quartile_range
from bot.exports.model import ExportData

DPI = 100
DEFAULT_WIDTH_PX = 1600
MIN_WIDTH_PX = 400
BAR_TITLE_CHARS = 60
HEATMAP_LABEL_CHARS = 48
MERGED_HATCH = "///"
EDGE_COLOUR = "#333333"
LABEL_PAD_PX = 14  # between a row label and its cells or bar, tick marks included


# Names typed by organisers (events, rooms, custom titles) may be in any script. DejaVu Sans
# covers Latin, Greek and Cyrillic; where the machine has Noto fonts for Chinese, Devanagari or
# Arabic, matplotlib falls back to them glyph by glyph. Only installed families are listed, so a
# bare machine logs no "font not found" warnings.
_FALLBACK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans Devanagari",
    "Noto Sans Arabic",
    "Noto Sans",
)
_installed = {entry.name for entry in font_manager.fontManager.ttflist}
matplotlib.rcParams["font.family"] = ["DejaVu Sans", *(f for f in _FALLBACK_FAMILIES if f in _installed)]


def _plain(text: str) -> str:
    """Text shown as written: a "$" pair would otherwise be parsed as mathtext (and may raise)."""
    return text.replace("$", r"\$")


def _shorten(text: str, limit: int) -> str:
    return textwrap.shorten(text, width=limit, placeholder=" …") if len(text) > limit else text


def _font_scale(width_px: int) -> float:
    """Fonts grow and shrink with the image so a narrow thumbnail is not all text."""
    return max(0.6, min(1.4, width_px / DEFAULT_WIDTH_PX))


def _quartile_handles(tally: Tally) -> list[Patch]:
    return [
        Patch(
            facecolor=QUARTILE_COLOURS[q],
            edgecolor=EDGE_COLOUR,
            label=f"{QUARTILE_LABELS[q]} ({quartile_range(q, tally.cuts)})",
        )
        for q in (1, 2, 3, 4)
    ]


def _new_figure(width_px: int, height_in: float) -> Figure:
    if width_px < MIN_WIDTH_PX:
        raise ValueError(f"width_px must be at least {MIN_WIDTH_PX}, got {width_px}")
    figure = Figure(figsize=(width_px / DPI, height_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)  # attaches itself as figure.canvas
    return figure


def render_png(figure: Figure) -> bytes:
    """PNG bytes of ``figure`` at DPI, exactly its pixel size; the figure is cleared afterwards."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI, facecolor=figure.get_facecolor())
    finally:
        # No pyplot registry holds the figure, so it is freed once the caller drops it; clearing
        # also breaks the artists' reference cycles now instead of at the next cyclic GC pass.
        figure.clear()
    return buffer.getvalue()


# --- heat map --------------------------------------------------------------------------------------


def build_heatmap_figure(tally: Tally, title: str = "", width_px: int = DEFAULT_WIDTH_PX) -> Figure:
    """One row per recommendation, its initiatives as cells left to right, coloured by quartile."""
    scale = _font_scale(width_px)
    recommendations = tally.catalogue.recommendations
    rows = len(recommendations)
    columns = max(len(r.initiatives) for r in recommendations)
    row_in = 0.75
    title_in = 0.7 if title else 0.25
    legend_in = 1.0
    height_in = title_in + rows * row_in + legend_in
    figure = _new_figure(width_px, height_in)

    right = 0.99
    # Provisional left edge; _fit_left_margin moves it once the labels can be measured.
    axes = figure.add_axes((0.3, legend_in / height_in, right - 0.3, rows * row_in / height_in))
    axes.set_xlim(0, columns)
    axes.set_ylim(rows, 0)  # first recommendation at the top
    axes.set_axis_off()

    by_number = {result.number: result for result in tally.results}
    labels: list[Text] = []
    cell_px = (right - 0.3) * width_px / columns
    cell_font = max(5.0, min(11 * scale, cell_px / 6))
    for row, recommendation in enumerate(recommendations):
        label = _shorten(f"{recommendation.number}. {recommendation.title}", HEATMAP_LABEL_CHARS)
        labels.append(
            axes.annotate(
                _plain(label),
                xy=(0, row + 0.5),
                xytext=(-LABEL_PAD_PX, 0),
                textcoords="offset pixels",
                ha="right",
                va="center",
                fontsize=10 * scale,
            )
        )
        for column, initiative in enumerate(recommendation.initiatives):
            result = by_number[initiative.number]
            axes.add_patch(
                Rectangle(
                    (column, row),
                    1,
                    1,
                    facecolor=QUARTILE_COLOURS[result.quartile],
                    edgecolor="white",
                    linewidth=2,
                )
            )
            axes.text(
                column + 0.5,
                row + 0.5,
                f"{result.number}\n{result.votes}",
                ha="center",
                va="center",
                fontsize=cell_font,
                color=TEXT_COLOUR,
                linespacing=1.2,
            )
    if title:
        figure.suptitle(_plain(title), y=1 - 0.15 / height_in, va="top", fontsize=14 * scale)
    figure.legend(
        handles=_quartile_handles(tally),
        loc="lower center",
        ncol=2,
        frameon=False,
        fontsize=9 * scale,
        title="Cell: initiative number and votes (after merge rules)",
        title_fontsize=9 * scale,
    )
    _fit_left_margin(figure, axes, labels, right=right)
    return figure


def heatmap_png(tally: Tally, title: str = "", width_px: int = DEFAULT_WIDTH_PX) -> bytes:
    return render_png(build_heatmap_figure(tally, title, width_px))


# --- ranked bars -----------------------------------------------------------------------------------


def build_ranked_bar_figure(tally: Tally, title: str = "", width_px: int = DEFAULT_WIDTH_PX) -> Figure:
    """One horizontal bar per initiative, most voted at the top; merged votes hatched.

    The height grows with the number of initiatives (a fixed height per bar), so a catalogue of
    200 initiatives is as legible as one of 45, just longer.
    """
    scale = _font_scale(width_px)
    ranked = tally.ranked()
    bar_in = 0.3 * max(scale, 0.8)
    title_in = 0.7 if title else 0.25
    legend_in = 1.0
    axis_in = 0.55
    bars_in = max(1, len(ranked)) * bar_in
    height_in = title_in + bars_in + axis_in + legend_in
    figure = _new_figure(width_px, height_in)

    bottom = (legend_in + axis_in) / height_in
    axes = figure.add_axes((0.4, bottom, 0.5, bars_in / height_in))
    positions = list(range(len(ranked)))
    raw = [r.raw_votes for r in ranked]
    merged = [r.merged_in for r in ranked]
    colours = [QUARTILE_COLOURS[r.quartile] for r in ranked]
    axes.barh(positions, raw, color=colours, edgecolor=EDGE_COLOUR, linewidth=0.5, height=0.8)
    axes.barh(
        positions,
        merged,
        left=raw,
        color=colours,
        edgecolor=EDGE_COLOUR,
        linewidth=0.5,
        height=0.8,
        hatch=MERGED_HATCH,
    )
    axes.set_yticks(
        positions,
        [_plain(f"{r.number} · {_shorten(r.initiative.title, BAR_TITLE_CHARS)}") for r in ranked],
        fontsize=9 * scale,
    )
    axes.set_ylim(len(ranked) - 0.5, -0.5)  # most voted at the top
    top = max((r.votes for r in ranked), default=0)
    axes.set_xlim(0, max(1, top) * 1.12)  # room for the value labels
    axes.set_xlabel("Votes (after merge rules)", fontsize=10 * scale)
    axes.tick_params(axis="x", labelsize=9 * scale)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.6)
    axes.set_axisbelow(True)
    for position, result in zip(positions, ranked, strict=True):
        label = f"{result.votes}" + (
            f" ({result.raw_votes} + {result.merged_in})" if result.merged_in else ""
        )
        axes.text(
            result.votes + top * 0.01,
            position,
            label,
            va="center",
            ha="left",
            fontsize=8.5 * scale,
        )
    if title:
        figure.suptitle(_plain(title), y=1 - 0.15 / height_in, va="top", fontsize=14 * scale)
    handles = [
        *_quartile_handles(tally),
        Patch(facecolor="white", edgecolor=EDGE_COLOUR, hatch=MERGED_HATCH, label="Added by merge rules"),
    ]
    figure.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=9 * scale)
    _fit_left_margin(figure, axes, list(axes.get_yticklabels()), right=0.9)
    return figure


def _fit_left_margin(figure: Figure, axes: Axes, labels: list[Text], right: float) -> None:
    """Make the left margin as wide as the longest label (up to 60% of the width), no wider.

    Measured on the renderer rather than guessed from character counts, so wide glyphs and
    short titles both come out right.
    """
    renderer = figure.canvas.get_renderer()
    widest = max((label.get_window_extent(renderer).width for label in labels), default=0.0)
    left = min(0.6, (widest + 2 * LABEL_PAD_PX) / (figure.get_figwidth() * DPI))
    position = axes.get_position()
    axes.set_position((left, position.y0, right - left, position.height))


def ranked_bar_png(tally: Tally, title: str = "", width_px: int = DEFAULT_WIDTH_PX) -> bytes:
    return render_png(build_ranked_bar_figure(tally, title, width_px))


def chart_png(data: ExportData) -> bytes:
    """The chart ``export --format png`` produces: the heat map of the export's scope."""
    return heatmap_png(data.tally, title=data.scope_label)
