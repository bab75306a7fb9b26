"""Diagrams of the recurrence itself: the chain unrolled in time, the input/output shapes, BPTT,
stacked and bidirectional layers."""
from __future__ import annotations

from . import style
from ._draft import draft
from .style import arrow, box, text


def _column(ax, x, t, *, y_in=0.7, y_h=2.5, y_out=4.3, weight_label=True):
    """One time step: x_t below, h_t in the middle, \\hat y_t above, with their arrows."""
    xin = box(ax, x, y_in, f"$x_{{{t}}}$", kind="input", w=0.9, h=0.6)
    h = box(ax, x, y_h, f"$h_{{{t}}}$", kind="state", w=1.0, h=0.7)
    out = box(ax, x, y_out, rf"$\hat{{y}}_{{{t}}}$", kind="output", w=0.9, h=0.6)
    arrow(ax, xin.top, h.bottom)
    arrow(ax, h.top, out.bottom)
    if weight_label:
        text(ax, x + 0.12, (xin.top[1] + h.bottom[1]) / 2, "$W_x$", size=style.SMALL, ha="left")
    return h


def unrolled():
    """The RNN folded (one cell whose state loops back) and unrolled over T steps, sharing W_x, W_h, b."""
    fig, ax = style.canvas(14, 5.6)
    y_h = 2.5
    text(ax, 1.4, 5.2, "folded", size=style.SMALL, color=style.GREY)
    text(ax, 8.6, 5.2, "unrolled over $T$ steps: the same $W_x$, $W_h$, $b$ at every step",
         size=style.SMALL, color=style.GREY)
    h = _column(ax, 1.4, "t")
    # the loop: out of the right side, up, and back into the top
    loop_x, loop_y = h.right[0] + 0.5, h.top[1] + 0.45
    arrow(ax, h.right, (loop_x, y_h), (loop_x, loop_y), (h.x + 0.3, loop_y), (h.x + 0.3, h.top[1]),
          kind="recurrent")
    text(ax, loop_x + 0.12, y_h + 0.45, "$W_h$", size=style.SMALL, color=style.ORANGE, ha="left")
    text(ax, 3.35, y_h, "$=$", size=20)

    h0 = box(ax, 4.4, y_h, "$h_0$", kind="plain", w=0.8, h=0.7)
    prev = h0.right
    for x, t in [(5.9, "1"), (7.5, "2"), (9.1, "3"), (12.9, "T")]:
        if t == "T":
            text(ax, 11.0, y_h, r"$\cdots$", size=14)
            arrow(ax, prev, (10.55, y_h), kind="recurrent")
            prev = (11.45, y_h)
        h = _column(ax, x, t)
        arrow(ax, prev, h.left, kind="recurrent")
        text(ax, (prev[0] + h.left[0]) / 2, y_h + 0.28, "$W_h$", size=style.SMALL, color=style.ORANGE)
        prev = h.right
    return fig


def io_shapes():
    return draft("many-to-one, many-to-many, one-to-many", ["$x_t$", "$h_t$", r"$\hat{y}$", "$h_T$"])


def bptt_graph():
    return draft("BPTT", ["$x_t$", "$h_t$", r"$\ell_t$", "$L$", "$h_{t+1}$"])


def stacked():
    return draft("stacked RNN", ["$x_t$", "$h^{(1)}_t$", "$h^{(2)}_t$"])


def bidirectional():
    return draft("bidirectional RNN", ["$x_t$", r"$\overrightarrow{h}_t$", r"$\overleftarrow{h}_t$"])
