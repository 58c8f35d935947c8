"""The borders between départements on the report's map, drawn from the gazetteer alone.

Each commune's place stands for the land nearest to it (its Voronoi cell): a border runs between two neighbouring
communes of different départements, along the edge their cells share. The cells come from matplotlib's Delaunay
triangulation (the edge two cells share joins the centres of the circles around the two triangles on either
side of the communes' link), so no geometry package is needed; a border is as sharp as communes are dense
(a few kilometres). Links or edges longer than MAX_LINK (across a bay, the sea or a flat triangle of the coast)
draw nothing.
"""

from __future__ import annotations

import math
from functools import cache

import numpy
from matplotlib.tri import Triangulation

from watchbot.facts.gazetteer import gazetteer

MAX_LINK = 0.25  # degrees (about 20 km): neighbouring communes are closer
WEST, EAST, SOUTH, NORTH = -5.3, 9.7, 41.2, 51.2  # metropolitan France and Corsica: the map's frame
SQUEEZE = math.cos(math.radians((SOUTH + NORTH) / 2))  # a degree of longitude in degrees of latitude


@cache
def borders() -> numpy.ndarray:
    """The borders as one array of (longitude, latitude) points, each border a run of points ended by a row of
    NaN: the segments chained where they meet, so that one drawn path holds them all and matplotlib can
    simplify it."""
    ends: dict[tuple[float, float], list[int]] = {}
    segments = [tuple(map(tuple, segment)) for segment in segments_between()[0]]
    for number, segment in enumerate(segments):
        for end in segment:
            ends.setdefault(end, []).append(number)
    used: set[int] = set()
    forks = [(end, number) for end, numbers in ends.items() if len(numbers) != 2 for number in numbers]
    loops = [(segment[0], number) for number, segment in enumerate(segments)]
    runs = [_chain(start, number, segments, ends, used) for start, number in forks + loops if number not in used]
    return numpy.concatenate([numpy.vstack((run, (numpy.nan, numpy.nan))) for run in runs if run])


def _chain(start: tuple[float, float], number: int | None, segments: list, ends: dict, used: set[int]) -> list:
    """The points from `start` along segment `number` and on through every point where two segments meet."""
    if number in used:
        return []
    run, point = [start], start
    while number is not None:
        used.add(number)
        point = segments[number][1] if segments[number][0] == point else segments[number][0]
        run.append(point)
        following = [other for other in ends[point] if other not in used]
        number = following[0] if len(ends[point]) == 2 and following else None
    return run


@cache
def segments_between() -> tuple[numpy.ndarray, tuple[tuple[str, str], ...]]:
    """The border segments (an array of shape (n, 2, 2): two (longitude, latitude) ends each) and, for each,
    the two départements it parts, in the same order."""
    x, y, departments = _communes()
    mesh = Triangulation(x * SQUEEZE, y)
    centres = _circle_centres(mesh)
    short = _short_triangles(mesh)
    segments, parted = [], []
    for triangle, side in zip(*numpy.nonzero(mesh.neighbors > -1), strict=True):
        other = mesh.neighbors[triangle, side]
        ends = mesh.triangles[triangle, side], mesh.triangles[triangle, (side + 1) % 3]
        if other > triangle and short[triangle] and short[other] and departments[ends[0]] != departments[ends[1]] \
                and numpy.linalg.norm(centres[triangle] - centres[other]) < MAX_LINK:
            segments.append((centres[triangle], centres[other]))
            parted.append(tuple(sorted((departments[ends[0]], departments[ends[1]]))))
    drawn = numpy.array(segments).reshape(-1, 2, 2)
    drawn[:, :, 0] /= SQUEEZE
    return drawn, tuple(parted)


def _communes() -> tuple[numpy.ndarray, numpy.ndarray, list[str]]:
    """Current communes of metropolitan France and Corsica, one per place."""
    seen: dict[tuple[float, float], str] = {}
    for commune in gazetteer().communes:
        if (commune.kind == "commune" and commune.current_insee is None and commune.longitude is not None
                and commune.latitude is not None and WEST <= commune.longitude <= EAST
                and SOUTH <= commune.latitude <= NORTH):
            seen.setdefault((commune.longitude, commune.latitude), commune.department)
    places = numpy.array(list(seen))
    return places[:, 0], places[:, 1], list(seen.values())


def _circle_centres(mesh: Triangulation) -> numpy.ndarray:
    """The centre of the circle through each triangle's three corners."""
    corners = numpy.stack((mesh.x[mesh.triangles], mesh.y[mesh.triangles]), axis=-1)
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    d = 2 * (a[:, 0] * (b[:, 1] - c[:, 1]) + b[:, 0] * (c[:, 1] - a[:, 1]) + c[:, 0] * (a[:, 1] - b[:, 1]))
    squares = [(p ** 2).sum(axis=1) for p in (a, b, c)]
    x = (squares[0] * (b[:, 1] - c[:, 1]) + squares[1] * (c[:, 1] - a[:, 1]) + squares[2] * (a[:, 1] - b[:, 1])) / d
    y = (squares[0] * (c[:, 0] - b[:, 0]) + squares[1] * (a[:, 0] - c[:, 0]) + squares[2] * (b[:, 0] - a[:, 0])) / d
    return numpy.stack((x, y), axis=-1)


def _short_triangles(mesh: Triangulation) -> numpy.ndarray:
    """Whether each triangle's sides are all under MAX_LINK: a longer one crosses the sea or a foreign land."""
    corners = numpy.stack((mesh.x[mesh.triangles], mesh.y[mesh.triangles]), axis=-1)
    sides = numpy.linalg.norm(corners - numpy.roll(corners, 1, axis=1), axis=-1)
    return sides.max(axis=1) < MAX_LINK
