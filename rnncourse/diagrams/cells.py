"""The gated cells drawn inside out, in the manner of Olah's "Understanding LSTM Networks".

Yellow boxes are learned layers (sigma or tanh of the gate's block of x_t W_x + h_{t-1} W_h + b), pink
circles element-wise operations; the line along the top is the state that crosses the step with
only element-wise changes: the cell state c in the LSTM, the hidden state h in the GRU.
"""
from __future__ import annotations

from . import style
from .style import arrow, box, dot, line, op, text

GATE_W, GATE_H = 0.95, 0.62


def _io_label(ax, x, y, s, ha):
    return text(ax, x, y, s, size=style.FONT + 1, ha=ha)


def _gate_name(ax, gate, name, y_bus):
    """The gate's name, small, beside the wire that feeds it."""
    text(ax, gate.x + 0.12, (y_bus + gate.bottom[1]) / 2, name, size=style.SMALL, color=style.GREY, ha="left")


def lstm_cell():
    """One LSTM step: gates i, f, g, o from x_t and h_{t-1}; c_t = f_t c_{t-1} + i_t g_t; h_t = o_t tanh(c_t)."""
    fig, ax = style.canvas(14.4, 6.95)
    y_c, y_mid, y_gate, y_bus = 6.3, 4.95, 3.2, 1.75
    x_in, x_f, x_i, x_g, x_o, x_out = 2.4, 3.9, 5.4, 6.9, 9.0, 10.7
    box(ax, 7.1, 4.05, w=10.6, h=5.0, kind="cell", round_=0.3, zorder=1)

    # the cell state: c_{t-1} in, forgotten in part, added to, c_t out
    _io_label(ax, 0.75, y_c, "$c_{t-1}$", "center")
    forget = op(ax, x_f, y_c, r"$\odot$")
    add = op(ax, x_g, y_c, "$+$")
    arrow(ax, (1.3, y_c), forget.left)
    arrow(ax, forget.right, add.left)
    arrow(ax, add.right, (13.2, y_c))
    _io_label(ax, 13.7, y_c, "$c_t$", "center")

    # h_{t-1} and x_t side by side feed the four gate layers
    _io_label(ax, 0.75, y_bus, "$h_{t-1}$", "center")
    _io_label(ax, x_in, 0.35, "$x_t$", "center")
    line(ax, (1.35, y_bus), (x_o, y_bus))
    arrow(ax, (x_in, 0.7), (x_in, y_bus))
    dot(ax, x_in, y_bus)
    gates = {}
    layers = [(x_f, r"$\sigma$", "f"), (x_i, r"$\sigma$", "i"), (x_g, r"$\tanh$", "g"), (x_o, r"$\sigma$", "o")]
    for x, fn, name in layers:
        gates[name] = box(ax, x, y_gate, fn, w=GATE_W, h=GATE_H, kind="layer")
        arrow(ax, (x, y_bus), gates[name].bottom)
        if name != "o":  # the bus ends at the last gate
            dot(ax, x, y_bus)
    for name, word in [("f", "forget"), ("i", "input"), ("g", "candidate"), ("o", "output")]:
        _gate_name(ax, gates[name], word, y_bus)

    # f_t scales c_{t-1}; i_t scales the candidate g_t, which is added
    arrow(ax, gates["f"].top, forget.bottom)
    text(ax, x_f + 0.15, (y_gate + y_c) / 2, "$f_t$", ha="left")
    ig = op(ax, x_g, y_mid, r"$\odot$")
    arrow(ax, gates["i"].top, (x_i, y_mid), ig.left)
    text(ax, x_i - 0.15, (y_gate + y_mid) / 2 + 0.1, "$i_t$", ha="right")
    arrow(ax, gates["g"].top, ig.bottom)
    text(ax, x_g + 0.15, (y_gate + y_mid) / 2 - 0.05, "$g_t$", ha="left")
    arrow(ax, ig.top, add.bottom)

    # h_t = o_t * tanh(c_t)
    dot(ax, x_out, y_c)
    squash = box(ax, x_out, y_mid, r"$\tanh$", w=0.95, h=0.56, kind="op", round_=0.25)
    arrow(ax, (x_out, y_c), squash.top)
    out = op(ax, x_out, y_gate, r"$\odot$")
    arrow(ax, squash.bottom, out.top)
    arrow(ax, gates["o"].right, out.left)
    text(ax, (gates["o"].right[0] + out.left[0]) / 2, y_gate + 0.25, "$o_t$")
    arrow(ax, out.bottom, (x_out, y_bus), (13.2, y_bus))
    _io_label(ax, 13.7, y_bus, "$h_t$", "center")

    text(ax, 8.6, 0.35, r"yellow: $\sigma$ or $\tanh$ of one block of $a_t = x_t W_x + h_{t-1} W_h + b$"
         r"$\quad$ pink: element-wise", size=style.SMALL, color=style.GREY)
    return fig


def gru_cell():
    """One GRU step, reset after (as Keras and PyTorch): gates r_t, z_t, candidate n_t,
    h_t = (1 - z_t) n_t + z_t h_{t-1}."""
    fig, ax = style.canvas(14.4, 6.95)
    y_h, y_mix, y_reset, y_gate, y_bus = 6.3, 4.95, 4.0, 2.75, 1.4
    x_split, x_in, x_z, x_r, x_rec, x_n, x_out = 1.9, 2.6, 3.6, 5.1, 6.8, 8.6, 11.2
    box(ax, 6.9, 3.85, w=11.3, h=5.2, kind="cell", round_=0.3, zorder=1)

    # the state line: h_{t-1} -> z_t * h_{t-1} -> + (1 - z_t) * n_t -> h_t
    _io_label(ax, 0.75, y_h, "$h_{t-1}$", "center")
    keep = op(ax, x_z, y_h, r"$\odot$")
    add = op(ax, x_out, y_h, "$+$")
    arrow(ax, (1.3, y_h), keep.left)
    arrow(ax, keep.right, add.left)
    arrow(ax, add.right, (13.2, y_h))
    _io_label(ax, 13.7, y_h, "$h_t$", "center")
    dot(ax, x_split, y_h)

    # h_{t-1} is also copied down, next to x_t, into the layers
    line(ax, (x_split, y_h), (x_split, y_bus), (x_n, y_bus))
    _io_label(ax, x_in, 0.3, "$x_t$", "center")
    arrow(ax, (x_in, 0.62), (x_in, y_bus))
    dot(ax, x_in, y_bus)
    z = box(ax, x_z, y_gate, r"$\sigma$", w=GATE_W, h=GATE_H, kind="layer")
    r = box(ax, x_r, y_gate, r"$\sigma$", w=GATE_W, h=GATE_H, kind="layer")
    rec = box(ax, x_rec, y_gate, r"$W^n_h,\,b^n_h$", w=1.5, h=GATE_H, kind="layer", size=style.SMALL + 0.5)
    n = box(ax, x_n, y_gate, r"$\tanh$", w=GATE_W, h=GATE_H, kind="layer")
    for b in (z, r, rec, n):
        arrow(ax, (b.x, y_bus), b.bottom)
        if b is not n:
            dot(ax, b.x, y_bus)
    for b, name in [(z, "update"), (r, "reset"), (n, "candidate")]:
        _gate_name(ax, b, name, y_bus)

    # z_t keeps h_{t-1}; 1 - z_t lets the candidate in
    arrow(ax, z.top, keep.bottom)
    text(ax, x_z - 0.15, y_mix + 0.6, "$z_t$", ha="right")
    dot(ax, x_z, y_mix)
    one_minus = op(ax, 9.9, y_mix, "$1-$", size=style.SMALL + 0.5, r=0.3)
    arrow(ax, (x_z, y_mix), one_minus.left)
    mix = op(ax, x_out, y_mix, r"$\odot$")
    arrow(ax, one_minus.right, mix.left)
    text(ax, (one_minus.right[0] + mix.left[0]) / 2, y_mix + 0.27, "$1-z_t$", size=style.SMALL)
    arrow(ax, mix.top, add.bottom)

    # reset after: r_t scales the recurrent part h_{t-1} W^n_h + b^n_h of the candidate
    reset = op(ax, x_rec, y_reset, r"$\odot$")
    arrow(ax, r.top, (x_r, y_reset), reset.left)
    text(ax, x_r - 0.15, (y_gate + y_reset) / 2 + 0.05, "$r_t$", ha="right")
    arrow(ax, rec.top, reset.bottom)
    arrow(ax, reset.right, (x_n, y_reset), n.top)
    arrow(ax, n.right, (x_out, y_gate), mix.bottom)
    text(ax, 9.8, y_gate + 0.25, "$n_t$")

    text(ax, 8.1, 0.3, r"$n_t = \tanh(x_t W^n_x + b^n + r_t \odot (h_{t-1} W^n_h + b^n_h))$"
         r"$\quad h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$", size=style.SMALL, color=style.GREY)
    return fig
