"""The one look of the book's diagrams: colours, fonts, and the box, operator, arrow and label primitives.

A diagram draws on a ``canvas(width, height)`` whose data unit is ``UNIT`` inches, so positions are
in a grid the eye can reason about and the text keeps one size in every figure: at the page's width
(about 700 px for a 7-inch figure) 11 pt labels read as body text. Symbols are mathtext in Computer
Modern, as in the equations of the prose; words are sans-serif.

Colours (a colour-blind safe set, Tableau's "colorblind 10"): states blue, inputs grey, outputs and
losses purple, the recurrent connection dark orange; inside a cell, the learned layers (sigma, tanh)
are yellow boxes and element-wise operations pink circles, as in Olah's LSTM figures.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch
from matplotlib.path import Path

UNIT = 0.5  # inches per data unit
FONT = 11  # labels inside boxes, in points
SMALL = 10  # weights on arrows, notes
TITLE = 11.5
MATH = "cm"  # mathtext font set: Computer Modern, like MathJax in the prose

INK = "#333333"
BLUE, LIGHT_BLUE = "#006ba4", "#dce9f5"
ORANGE, LIGHT_ORANGE = "#c85200", "#fde3cc"
PURPLE, LIGHT_PURPLE = "#6a3d9a", "#ece2f4"
GREY, LIGHT_GREY = "#595959", "#eeeeee"
YELLOW, LIGHT_YELLOW = "#9c7700", "#ffe9a8"
PINK, LIGHT_PINK = "#a6374f", "#f8d7de"
GREEN, LIGHT_GREEN = "#4c7a34", "#eef5e8"

# kind -> (face, edge) of a box
KINDS = {
    "state": (LIGHT_BLUE, BLUE),
    "input": (LIGHT_GREY, GREY),
    "output": (LIGHT_PURPLE, PURPLE),
    "loss": (LIGHT_PURPLE, PURPLE),
    "layer": (LIGHT_YELLOW, YELLOW),  # a learned layer inside a cell: sigma or tanh of an affine map
    "op": (LIGHT_PINK, PINK),  # an element-wise operation
    "cell": (LIGHT_GREEN, GREEN),  # the body of a cell
    "recurrent": (LIGHT_ORANGE, ORANGE),
    "plain": ("white", INK),
    "none": ("none", "none"),
}
# kind -> (colour, line style, line width) of an arrow
ARROWS = {
    "data": (INK, "-", 1.3),
    "recurrent": (ORANGE, "-", 1.6),
    "gradient": (ORANGE, (0, (4, 2.5)), 1.6),
    "gradient2": (PURPLE, (0, (4, 2.5)), 1.6),
    "attention": (PURPLE, "-", 1.2),
    "faint": ("#9a9a9a", "-", 1.0),
}


@dataclass(frozen=True)
class Box:
    """A drawn box: its centre and size, and the midpoints of its sides to attach arrows to."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self):
        return (self.x - self.w / 2, self.y)

    @property
    def right(self):
        return (self.x + self.w / 2, self.y)

    @property
    def top(self):
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self):
        return (self.x, self.y - self.h / 2)

    @property
    def center(self):
        return (self.x, self.y)


def canvas(width, height, *, title=None):
    """A figure ``width`` x ``height`` data units (``UNIT`` inches each), axes hidden, origin bottom left."""
    fig = Figure(figsize=(width * UNIT, height * UNIT))  # not pyplot's: no notebook shows it by accident
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        text(ax, width / 2, height - 0.35, title, size=TITLE, weight="bold")
    return fig, ax


def text(ax, x, y, s, *, size=FONT, color=INK, ha="center", va="center", background=False, **kwargs):
    """A label; ``background`` puts a white patch behind it so it reads over a line."""
    bbox = dict(boxstyle="square,pad=0.08", fc="white", ec="none") if background else None
    return ax.text(x, y, s, fontsize=size, color=color, ha=ha, va=va, math_fontfamily=MATH,
                   bbox=bbox, zorder=6, **kwargs)


def box(ax, x, y, label=None, *, w=1.1, h=0.7, kind="state", size=FONT, round_=0.12, lw=1.3, zorder=3,
        dashed=False):
    """A rounded box of ``kind`` centred at (x, y), with ``label`` inside."""
    face, edge = KINDS[kind]
    patch = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad=0,rounding_size={round_}",
                           fc=face, ec=edge, lw=lw, zorder=zorder, linestyle=(0, (3, 2)) if dashed else "-")
    ax.add_patch(patch)
    if label is not None:
        text(ax, x, y, label, size=size)
    return Box(x, y, w, h)


def op(ax, x, y, symbol, *, r=0.26, kind="op", size=FONT + 1):
    """A circle with an element-wise operation (``r"$\\odot$"``, ``"$+$"``, ``r"$1-$"``) or a function."""
    face, edge = KINDS[kind]
    ax.add_patch(Circle((x, y), r, fc=face, ec=edge, lw=1.3, zorder=4))
    text(ax, x, y, symbol, size=size)
    return Box(x, y, 2 * r, 2 * r)


def arrow(ax, *points, kind="data", head=True, shrink=0.0, lw=None):
    """An arrow through ``points`` (two or more (x, y)); corners are sharp, the head is at the last point."""
    if len(points) < 2:
        raise ValueError(f"an arrow needs at least two points, got {len(points)}")
    colour, style, width = ARROWS[kind]
    path = Path(points, [Path.MOVETO] + [Path.LINETO] * (len(points) - 1))
    patch = FancyArrowPatch(path=path, arrowstyle="-|>,head_length=5,head_width=2.6" if head else "-",
                            color=colour, lw=lw or width, linestyle=style, shrinkA=shrink, shrinkB=shrink,
                            joinstyle="miter", capstyle="butt", zorder=2)
    ax.add_patch(patch)
    return patch


def curved(ax, start, end, *, rad=0.3, kind="data", lw=None):
    """A curved arrow from ``start`` to ``end`` (``rad`` > 0 bends to the left of the direction)."""
    colour, style, width = ARROWS[kind]
    patch = FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={rad}",
                            arrowstyle="-|>,head_length=5,head_width=2.6", color=colour,
                            lw=lw or width, linestyle=style, shrinkA=0, shrinkB=0, zorder=2)
    ax.add_patch(patch)
    return patch


def line(ax, *points, kind="data", lw=None):
    """A line through ``points`` without a head (a wire that splits or joins)."""
    return arrow(ax, *points, kind=kind, head=False, lw=lw)


def dot(ax, x, y, *, color=INK, r=0.05):
    """A junction where a wire splits."""
    ax.add_patch(Circle((x, y), r, fc=color, ec="none", zorder=5))


def svg(fig) -> str:
    """The figure as SVG text, the same bytes on every run (no date, fixed id salt, glyphs as paths)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "rnncourse", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
