"""The report's charts and map as SVG files drawn by matplotlib (docs/REPORT.md says why): no JavaScript, nothing
fetched by the reader's browser. Each has a table beside it on the page, which says the same in words.

The map's outline of France is drawn from the gazetteer: every commune's place, gathered on a grid of
CELL degrees, the cells holding a commune (and their neighbours) filled; the communes concerned are dots whose
area grows with their acts.
"""

from __future__ import annotations

import io
import math
from functools import cache
from typing import Sequence

import matplotlib
import numpy
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from watchbot.facts.gazetteer import gazetteer
from watchbot.report.borders import EAST, NORTH, SOUTH, WEST, borders
from watchbot.report.figures import Place, Row

CELL = 0.08  # degrees of the outline's grid
MAX_VECTOR_DOTS = 1500  # more dots are drawn as one image inside the SVG, to keep the file light
INK, MUTED, LAND = "#1d4e89", "#6b7280", "#e5e7eb"
PALETTE = ("#1d4e89", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d", "#4d7c0f")
MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")

matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "watchbot", "font.size": 10,
                            "font.family": ["DejaVu Sans", "sans-serif"], "axes.spines.top": False,
                            "axes.spines.right": False})


def month_label(month: str) -> str:
    """« 2025-06 » as « juin 2025 »."""
    year, _, number = month.partition("-")
    return f"{MONTHS[int(number) - 1]} {year}" if number.isdigit() and 1 <= int(number) <= 12 else month


def by_month(series: dict[str, Sequence[Row]], title: str) -> bytes:
    """Acts per month: bars for one series, lines for several (one per category)."""
    months = sorted({row.code for rows in series.values() for row in rows if row.code})
    figure = Figure(figsize=(8, 3.2), layout="constrained")
    axes = figure.add_subplot()
    positions = range(len(months))
    for index, (name, rows) in enumerate(series.items()):
        acts = {row.code: row.acts for row in rows}
        values = [acts.get(month, 0) for month in months]
        if len(series) == 1:
            axes.bar(positions, values, color=INK)
        else:
            axes.plot(positions, values, marker="o", markersize=3, color=PALETTE[index % len(PALETTE)], label=name)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=8, loc="upper left")
    step = max(1, math.ceil(len(months) / 12))
    axes.set_xticks(list(positions)[::step], [month_label(month) for month in months[::step]], rotation=30,
                    ha="right", fontsize=8)
    axes.set_ylabel("actes")
    axes.set_title(title, loc="left", fontsize=11)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg(figure)


def ranking(rows: Sequence[Row], title: str, value: str = "acts", most: int = 15) -> bytes:
    """Horizontal bars, the biggest first, for the `most` first rows (the table lists them all)."""
    shown = list(rows[:most])
    figure = Figure(figsize=(8, 0.6 + 0.28 * max(len(shown), 1)), layout="constrained")
    axes = figure.add_subplot()
    axes.barh(range(len(shown)), [getattr(row, value) for row in shown], color=INK)
    axes.set_yticks(range(len(shown)), [row.label for row in shown], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("jours couverts" if value == "days" else "actes")
    axes.set_title(title, loc="left", fontsize=11)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg(figure)


def communes_map(places: Sequence[Place], title: str) -> bytes:
    """The outline of metropolitan France and Corsica with the départements' borders, a dot on each commune
    concerned."""
    # no layout engine: its extra drawing pass would draw every dot twice; the axes' place is fixed instead
    figure = Figure(figsize=(6.4, 6.4))
    axes = figure.add_axes((0.02, 0.02, 0.96, 0.9))
    x, y, land = outline()
    axes.contourf(x, y, land, levels=[0.5, 1.01], colors=[LAND])
    with matplotlib.rc_context({"path.simplify_threshold": 1.0}):  # a pixel: the borders' file is 75 kB, not 185
        border, = axes.plot(*borders().T, color="white", linewidth=0.6, zorder=1)  # under the dots
    border.set_gid("borders")
    shown = numpy.array([(found.longitude, found.latitude, found.acts) for found in places
                         if found.latitude is not None and found.longitude is not None
                         and WEST <= found.longitude <= EAST and SOUTH <= found.latitude <= NORTH]).reshape(-1, 3)
    if len(shown):
        axes.scatter(shown[:, 0], shown[:, 1], s=12 + 400 * shown[:, 2] / shown[:, 2].max(),
                     color=INK, alpha=0.6, linewidths=0.4, edgecolors="white",
                     rasterized=len(shown) > MAX_VECTOR_DOTS)
    axes.set_xlim(WEST, EAST)
    axes.set_ylim(SOUTH, NORTH)
    axes.set_aspect(1 / math.cos(math.radians((SOUTH + NORTH) / 2)))
    axes.set_axis_off()
    axes.set_title(title, loc="left", fontsize=11)
    return _svg(figure)


@cache
def outline() -> tuple[numpy.ndarray, numpy.ndarray, numpy.ndarray]:
    """The grid's centres and, for each cell, how much of it and its neighbours is France (a commune in it, or
    among communes): France is where it is over a half."""
    places = [(commune.longitude, commune.latitude) for commune in gazetteer().communes
              if commune.longitude is not None and commune.latitude is not None]
    columns, rows = round((EAST - WEST) / CELL), round((NORTH - SOUTH) / CELL)
    found, _, _ = numpy.histogram2d([lat for _, lat in places], [lon for lon, _ in places], bins=(rows, columns),
                                    range=((SOUTH, NORTH), (WEST, EAST)))
    land = found > 0
    filled = land | (_neighbours(land) >= 4)
    smooth = (filled + _neighbours(filled)) / 9  # the contour passes between cells, not along their edges
    x = numpy.linspace(WEST + CELL / 2, EAST - CELL / 2, columns)
    y = numpy.linspace(SOUTH + CELL / 2, NORTH - CELL / 2, rows)
    return x, y, smooth


def _neighbours(land: numpy.ndarray) -> numpy.ndarray:
    """How many of each cell's eight neighbours hold a commune: an empty cell among land (a forest, a lake) is
    filled, a cell of the coast's sea is not."""
    total = numpy.zeros(land.shape, dtype=int)
    for shift_row in (-1, 0, 1):
        for shift_column in (-1, 0, 1):
            if shift_row or shift_column:
                total += numpy.roll(land, (shift_row, shift_column), axis=(0, 1))
    return total


def _svg(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": "watchbot"})
    return out.getvalue()
