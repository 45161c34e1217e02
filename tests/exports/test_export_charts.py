from __future__ import annotations

import re
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import matplotlib.text
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.domain.catalogue import Catalogue, catalogue_from_mapping
from bot.domain.tally import QUARTILE_LABELS, Tally, tally_from_counts
from bot.exports.charts import (
    BAR_TITLE_CHARS,
    build_heatmap_figure,
    build_ranked_bar_figure,
    chart_png,
    heatmap_png,
    ranked_bar_png,
)
from bot.exports.colours import QUARTILE_COLOURS
from bot.exports.model import ExportData

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which always follows the signature."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def texts(figure: Figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text)]


@pytest.fixture(scope="module")
def big_tally() -> Tally:
    """A synthetic 200-initiative catalogue: 10 recommendations of 20, long titles included."""
    catalogue: Catalogue = catalogue_from_mapping(
        {
            "name": "Two hundred",
            "recommendations": [
                {
                    "number": r,
                    "title": f"Recommendation {r} with a rather long title that must be shortened",
                    "initiatives": [
                        {"number": n, "title": f"Initiative {n} " + "wordy " * (n % 20)}
                        for n in range((r - 1) * 20 + 1, r * 20 + 1)
                    ],
                }
                for r in range(1, 11)
            ],
        }
    )
    raw = {n: (n * 37) % 101 for n in range(1, 201)}
    return tally_from_counts(catalogue, 500, raw, {}, [])


@pytest.mark.parametrize("render", [heatmap_png, ranked_bar_png])
@pytest.mark.parametrize("width_px", [1600, 1234, 800])
def test_png_is_exactly_width_px_wide(
    render: Callable[..., bytes], width_px: int, report_data: ExportData
) -> None:
    width, height = png_size(render(report_data.tally, title="Width check", width_px=width_px))
    assert width == width_px
    assert height > 0


def test_chart_png_is_the_titled_heat_map(report_data: ExportData) -> None:
    png = chart_png(report_data)
    assert png_size(png) == png_size(heatmap_png(report_data.tally, title=report_data.scope_label))


def test_heat_map_labels_every_initiative_with_its_votes(report_data: ExportData) -> None:
    figure = build_heatmap_figure(report_data.tally)
    labels = texts(figure)
    for result in report_data.tally.results:
        assert f"{result.number}\n{result.votes}" in labels
    assert "24\n66" in labels
    # One row label per recommendation, in catalogue order.
    row_labels = [label for label in labels if re.match(r"\d+\. ", label)]
    assert row_labels[0] == "1. Increase the Sustainability of Our Movement"
    assert [int(label.split(".")[0]) for label in row_labels] == list(range(1, 11))


def test_heat_map_cells_are_coloured_by_quartile(report_data: ExportData) -> None:
    figure = build_heatmap_figure(report_data.tally)
    [axes] = figure.axes
    cells = [p for p in axes.patches if isinstance(p, Rectangle)]
    assert len(cells) == 45
    # Cells are placed in catalogue order; compare colours as RGB hex.
    colours = [matplotlib.colors.to_hex(cell.get_facecolor()) for cell in cells]
    assert colours == [QUARTILE_COLOURS[r.quartile] for r in report_data.tally.results]


@pytest.mark.parametrize("build", [build_heatmap_figure, build_ranked_bar_figure])
def test_legend_names_quartiles_by_label(build: Callable[..., Figure], report_data: ExportData) -> None:
    labels = texts(build(report_data.tally))
    for label in QUARTILE_LABELS.values():
        assert any(text.startswith(label) for text in labels), label


def test_bars_are_ranked_with_merged_votes_hatched(report_data: ExportData) -> None:
    figure = build_ranked_bar_figure(report_data.tally, title="Ranked")
    [axes] = figure.axes
    ticks = [t.get_text() for t in axes.get_yticklabels()]
    assert len(ticks) == 45
    assert ticks[:4] == [
        "25 · Regional & thematic hubs",
        "2 · Funding for underrepresented communities",
        "11 · Resources for newcomers",
        "24 · The Global Council",
    ]
    hatched = [p for p in axes.patches if p.get_hatch() and p.get_width() > 0]
    assert [(p.get_x(), p.get_width()) for p in hatched] == [(60, 6)]
    assert "66 (60 + 6)" in texts(figure)
    assert "Added by merge rules" in texts(figure)


def test_long_titles_are_shortened(big_tally: Tally) -> None:
    figure = build_ranked_bar_figure(big_tally)
    ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert len(ticks) == 200
    assert any(tick.endswith("…") for tick in ticks)
    assert all(len(tick.split(" · ", 1)[1]) <= BAR_TITLE_CHARS for tick in ticks)


def test_bar_chart_grows_with_the_catalogue(report_data: ExportData, big_tally: Tally) -> None:
    _, height_45 = png_size(ranked_bar_png(report_data.tally))
    width_200, height_200 = png_size(ranked_bar_png(big_tally))
    assert width_200 == 1600
    # At least as much room per bar as for 45 initiatives.
    assert height_200 > height_45 * 3
    heat_texts = texts(build_heatmap_figure(big_tally))
    assert all(f"{r.number}\n{r.votes}" in heat_texts for r in big_tally.results)


def test_dollar_signs_are_not_mathtext(report_data: ExportData) -> None:
    # Unescaped, "$\\frac{$" is a mathtext parse error (ValueError) raised at draw time.
    title = "Budget $\\frac{$ costs $5"
    png = heatmap_png(report_data.tally, title=title, width_px=800)
    assert png_size(png)[0] == 800
    assert "Budget \\$\\frac{\\$ costs \\$5" in texts(build_heatmap_figure(report_data.tally, title))


def test_too_narrow_is_refused(report_data: ExportData) -> None:
    with pytest.raises(ValueError, match="width_px"):
        heatmap_png(report_data.tally, width_px=100)


def test_rendering_in_threads_matches_rendering_alone(report_data: ExportData) -> None:
    # The bot renders through asyncio.to_thread; concurrent renders must not share state.
    alone = heatmap_png(report_data.tally, title="Threads", width_px=800)
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda _: heatmap_png(report_data.tally, "Threads", 800), range(4)))
    assert together == [alone] * 4
