"""The lineage graph of a project as an SVG: a layered layout, left to right.

Columns are the sources, then each layer; a layer whose models read each other gets one
sub-column per step (``fct_events`` → ``int_session`` → …), so every edge points right.
An edge that skips columns runs through a free lane of each column it crosses (a Sugiyama
layout: long edges get waypoints that take part in the ordering), so no edge passes behind
a box. Within a column, entries are ordered by the mean position of their neighbours
(barycentre sweeps) and placed as near that mean as spacing allows (isotonic regression).
Every node is a link to its section of the page.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html import escape

from transforms.engine.graph import Project
from transforms.engine.model import LAYERS

NODE_W = 118
NODE_H = 48
ROW_GAP = 14  # between two boxes of a column
LANE_GAP = 10  # around an edge passing through a column
COL_GAP = 30
LAYER_GAP = 16  # extra space between two layers' columns
MARGIN_X = 12
HEADER_H = 34
MARGIN_Y = 14
MAX_LINE = 13  # characters on one line of a node label before it wraps after an underscore
LINE_H = 14
SWEEPS = 6


@dataclass(frozen=True)
class Node:
    name: str
    kind: str  # "source" or the model's layer
    column: int
    x: float
    y: float  # top

    @property
    def anchor(self) -> str:
        return anchor(self.name, self.kind)

    @property
    def mid_y(self) -> float:
        return self.y + NODE_H / 2


@dataclass
class Drawing:
    """Placed nodes; per edge (upstream, downstream) the waypoints it passes through."""

    nodes: list[Node]
    lanes: dict[tuple[str, str], list[tuple[float, float]]]  # (x of the column, y) per lane
    width: float
    height: float
    columns: list[tuple[str, float]] = field(default_factory=list)  # (kind, x) per column


def anchor(name: str, kind: str) -> str:
    """The id of the page section of a source or model."""
    return f"source-{name}" if kind == "source" else f"model-{name}"


def column_anchor(table: str, column: str) -> str:
    """The id of a column's row; names are identifiers, so ``-`` cannot be part of one."""
    return f"col-{table}-{column}"


def _columns(project: Project) -> list[tuple[str, list[str]]]:
    """(kind, names) per column, left to right."""
    columns: list[tuple[str, list[str]]] = [("source", list(project.sources))]
    for layer in LAYERS:
        members = [m for m in project.order if project.models[m].layer == layer]
        depth: dict[str, int] = {}
        for m in members:  # build order: what a model reads comes first
            same = [d for d in project.models[m].depends_on if d in depth]
            depth[m] = 1 + max((depth[d] for d in same), default=-1)
        for step in range(1 + max(depth.values(), default=-1)):
            columns.append((layer, [m for m in members if depth[m] == step]))
    return columns


# An entry of a column is a node name, or a lane ("upstream", "downstream", column) of a long
# edge: one per column it crosses, each placed in its own column's spacing.
Entry = str | tuple[str, str, int]


def _isotonic(targets: list[float]) -> list[float]:
    """The non-decreasing sequence nearest to ``targets`` (least squares; pool adjacent)."""
    blocks: list[list[float]] = []  # [sum, count]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, n = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
    out: list[float] = []
    for s, n in blocks:
        out += [s / n] * int(n)
    return out


def _size(entry: Entry) -> float:
    return NODE_H if isinstance(entry, str) else 0.0


def _gap(a: Entry, b: Entry) -> float:
    both = isinstance(a, str) and isinstance(b, str)
    return (_size(a) + _size(b)) / 2 + (ROW_GAP if both else LANE_GAP)


def layout(project: Project) -> Drawing:
    """Place every source and model, and route every edge."""
    columns = _columns(project)
    col_of = {name: i for i, (_, names) in enumerate(columns) for name in names}
    entries: list[list[Entry]] = [list(names) for _, names in columns]
    ups: dict[Entry, list[Entry]] = {}  # neighbours in the previous column
    downs: dict[Entry, list[Entry]] = {}
    chains: dict[tuple[str, str], list[Entry]] = {}
    for m in project.order:
        for dep in project.models[m].depends_on:
            chain: list[Entry] = [dep]
            for c in range(col_of[dep] + 1, col_of[m]):
                entries[c].append((dep, m, c))
                chain.append((dep, m, c))
            chain.append(m)
            chains[(dep, m)] = chain
            for a, b in itertools.pairwise(chain):
                downs.setdefault(a, []).append(b)
                ups.setdefault(b, []).append(a)

    # order: barycentre sweeps, down then up
    def reorder(
        column: list[Entry], neighbours: dict[Entry, list[Entry]], rank: dict[Entry, float]
    ) -> None:
        def key(e: Entry) -> float:
            near = [rank[n] for n in neighbours.get(e, []) if n in rank]
            return sum(near) / len(near) if near else rank.get(e, 0.0)

        column.sort(key=key)

    for sweep in range(SWEEPS):
        rank = {e: float(i) for col in entries for i, e in enumerate(col)}
        order = range(1, len(entries)) if sweep % 2 == 0 else range(len(entries) - 2, -1, -1)
        for c in order:
            reorder(entries[c], ups if sweep % 2 == 0 else downs, rank)
            rank.update({e: float(i) for i, e in enumerate(entries[c])})

    # heights: each column as near its neighbours as spacing allows; a few passes both ways
    y: dict[Entry, float] = {}  # centre
    for column in entries:
        offset = 0.0
        for i, e in enumerate(column):
            offset += _gap(column[i - 1], e) if i else 0.0
            y[e] = offset
        shift = (y[column[-1]] if column else 0) / 2
        for e in column:
            y[e] -= shift
    for sweep in range(SWEEPS):
        order = range(len(entries)) if sweep % 2 == 0 else range(len(entries) - 1, -1, -1)
        for c in order:
            column = entries[c]
            both = ups if sweep % 2 == 0 else downs
            wanted = []
            for e in column:
                near = [y[n] for n in both.get(e, [])] or [y[e]]
                wanted.append(sum(near) / len(near))
            spacing = [0.0]
            for a, b in itertools.pairwise(column):
                spacing.append(spacing[-1] + _gap(a, b))
            fitted = _isotonic([w - s for w, s in zip(wanted, spacing, strict=True)])
            for e, z, s in zip(column, fitted, spacing, strict=True):
                y[e] = z + s

    # to drawing coordinates
    low = min(y[e] - _size(e) / 2 for col in entries for e in col)
    high = max(y[e] + _size(e) / 2 for col in entries for e in col)
    top = MARGIN_Y + HEADER_H - low
    xs: list[float] = []
    x = float(MARGIN_X)
    for c, (kind, _) in enumerate(columns):
        if c:
            x += NODE_W + COL_GAP + (LAYER_GAP if kind != columns[c - 1][0] else 0)
        xs.append(x)
    nodes = [
        Node(name, kind, c, xs[c], top + y[name] - NODE_H / 2)
        for c, (kind, names) in enumerate(columns)
        for name in entries[c]
        if isinstance(name, str)
    ]
    lanes = {
        edge: [(xs[col_of[edge[0]] + 1 + i], top + y[e]) for i, e in enumerate(chain[1:-1])]
        for edge, chain in chains.items()
    }
    return Drawing(
        nodes=nodes,
        lanes=lanes,
        width=xs[-1] + NODE_W + MARGIN_X,
        height=MARGIN_Y + HEADER_H + (high - low) + MARGIN_Y,
        columns=[(kind, xs[c]) for c, (kind, _) in enumerate(columns)],
    )


def _label(name: str) -> list[str]:
    """The lines of a node label: the name wrapped after underscores, at most MAX_LINE wide."""
    lines: list[str] = []
    for part in re.findall(r"[^_]+_*|_+", name):
        if lines and len(lines[-1]) + len(part) <= MAX_LINE:
            lines[-1] += part
        else:
            lines.append(part)
    return lines


def _path(points: list[tuple[float, float]]) -> str:
    """Horizontal runs through each lane, joined by S-curves; ``points`` alternate in and out."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M{x0:.1f},{y0:.1f}"]
    for i in range(0, len(rest), 2):
        (xa, ya), (xb, yb) = points[i], rest[i]
        bend = max(12.0, (xb - xa) * 0.5)
        d.append(f"C{xa + bend:.1f},{ya:.1f} {xb - bend:.1f},{yb:.1f} {xb:.1f},{yb:.1f}")
        if i + 1 < len(rest):
            d.append(f"L{rest[i + 1][0]:.1f},{rest[i + 1][1]:.1f}")
    return " ".join(d)


def render_svg(project: Project) -> str:
    """The lineage graph as an inline ``<svg>`` element."""
    drawing = layout(project)
    nodes, width, height = drawing.nodes, drawing.width, drawing.height
    by_name = {n.name: n for n in nodes}
    parts = [
        f'<svg class="lineage" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-labelledby="lineage-title" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}">',
        '<title id="lineage-title">Lineage: sources → staging → intermediate → marts</title>',
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" '
        'class="arrowhead"/></marker></defs>',
    ]

    # one band and heading per layer, over its columns
    bands: dict[str, tuple[float, float]] = {}
    for kind, x in drawing.columns:
        lo, hi = bands.get(kind, (x, x + NODE_W))
        bands[kind] = (min(lo, x), max(hi, x + NODE_W))
    for kind, (lo, hi) in bands.items():
        title = "sources" if kind == "source" else kind
        parts.append(
            f'<rect class="band band-{kind}" x="{lo - 8:.1f}" y="{MARGIN_Y / 2:.1f}" '
            f'width="{hi - lo + 16:.1f}" height="{height - MARGIN_Y:.1f}" rx="10"/>'
            f'<text class="band-title" x="{(lo + hi) / 2:.1f}" y="{MARGIN_Y / 2 + 21:.1f}" '
            f'text-anchor="middle">{escape(title)}</text>'
        )

    parts.append('<g class="edges">')
    for (dep, name), lanes in drawing.lanes.items():
        src, dst = by_name[dep], by_name[name]
        points = [(src.x + NODE_W, src.mid_y)]
        for x, y in lanes:
            points += [(x, y), (x + NODE_W, y)]
        points.append((dst.x - 2, dst.mid_y))
        parts.append(
            f'<path class="edge" data-from="{escape(dep)}" data-to="{escape(name)}" '
            f'd="{_path(points)}" marker-end="url(#arrow)"/>'
        )
    parts.append("</g>")

    parts.append('<g class="nodes">')
    for n in nodes:
        lines = _label(n.name)
        first_y = n.mid_y - (len(lines) - 1) * LINE_H / 2 + 4.5
        x = n.x + NODE_W / 2
        text = "".join(
            f'<tspan x="{x:.1f}" y="{first_y + i * LINE_H:.1f}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        parts.append(
            f'<a class="node node-{n.kind}" href="#{escape(n.anchor)}" '
            f'data-name="{escape(n.name)}"><title>{escape(n.name)} ({escape(n.kind)})</title>'
            f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="7"/>'
            f'<text text-anchor="middle">{text}</text></a>'
        )
    parts.append("</g></svg>")
    return "\n".join(parts)
