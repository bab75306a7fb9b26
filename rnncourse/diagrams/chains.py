"""Diagrams of the recurrence itself: the chain unrolled in time, the input/output shapes, BPTT,
stacked and bidirectional layers."""
from __future__ import annotations

from . import style
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

    h0 = box(ax, 4.3, y_h, "$h_0$", kind="plain", w=0.8, h=0.7)
    prev = h0.right
    for x, t in [(6.0, "1"), (7.9, "2"), (9.8, "3"), (13.1, "T")]:
        if t == "T":
            text(ax, 11.45, y_h, r"$\cdots$", size=14)
            arrow(ax, prev, (10.95, y_h), kind="recurrent")
            prev = (11.95, y_h)
        h = _column(ax, x, t)
        arrow(ax, prev, h.left, kind="recurrent")
        text(ax, (prev[0] + h.left[0]) / 2, y_h + 0.12, "$W_h$", size=style.SMALL, color=style.ORANGE, va="bottom")
        prev = h.right
    return fig


def _mini_chain(ax, cx, title, example, *, inputs, outputs, feedback=False):
    """A three-step chain whose steps sit at cx - dx, cx, cx + dx: which take an input, which give an output."""
    y_in, y_h, y_out, dx = 1.15, 2.75, 4.35, 1.25
    middle = cx - 0.45  # the middle of the panel, h_0 included
    text(ax, middle, 5.35, title, size=style.FONT + 0.5, weight="bold")
    text(ax, middle, 0.3, example, size=style.SMALL, color=style.GREY)
    h0 = box(ax, cx - 2.3, y_h, "$h_0$", kind="plain", w=0.6, h=0.6, size=style.SMALL + 0.5)
    prev, outs = h0.right, {}
    for k, t in enumerate(["1", "2", "3"]):
        x = cx + (k - 1) * dx
        h = box(ax, x, y_h, f"$h_{t}$", w=0.8, h=0.6)
        arrow(ax, prev, h.left, kind="recurrent")
        prev = h.right
        if t in inputs:
            xin = box(ax, x, y_in, f"$x_{t}$", kind="input", w=0.72, h=0.55)
            arrow(ax, xin.top, h.bottom)
        elif feedback:
            # generation: the previous step's output is this step's input
            xin = box(ax, x, y_in, rf"$\hat{{y}}_{k}$", kind="plain", w=0.72, h=0.55, dashed=True)
            arrow(ax, xin.top, h.bottom)
        if t in outputs:
            label = r"$\hat{y}$" if len(outputs) == 1 else rf"$\hat{{y}}_{t}$"
            outs[t] = box(ax, x, y_out, label, kind="output", w=0.72, h=0.55)
            arrow(ax, h.top, outs[t].bottom)
    return ax


def io_shapes():
    """Many-to-one, many-to-many and one-to-many: the same chain, read out and fed differently."""
    fig, ax = style.canvas(14.4, 5.8)
    _mini_chain(ax, 2.75, "many-to-one", r"classify a sequence: $\hat{y}$ from $h_T$",
                inputs="123", outputs="3")
    _mini_chain(ax, 7.55, "many-to-many", "an output at every step",
                inputs="123", outputs="123")
    _mini_chain(ax, 12.35, "one-to-many", r"generate: $\hat{y}_t$ is fed back as $x_{t+1}$",
                inputs="1", outputs="123", feedback=True)
    return fig


def _legend(ax, x, y, kind, label):
    """A short sample of an arrow kind, then its meaning."""
    arrow(ax, (x, y), (x + 0.6, y), kind=kind)
    text(ax, x + 0.75, y, label, size=style.SMALL, ha="left")


def bptt_graph():
    """The unrolled graph with its losses: dL/dh_t gathers from l_t directly and from h_{t+1}."""
    fig, ax = style.canvas(14.4, 7.3)
    y_in, y_h, y_loss, y_total = 1.3, 3.0, 4.85, 6.55
    cols = [(3.2, "t-1"), (6.6, "t"), (10.0, "t+1")]
    total = box(ax, 6.6, y_total, r"$L = \ell_1 + \cdots + \ell_T$", kind="loss", w=2.6, h=0.62)
    text(ax, 0.8, y_h, r"$\cdots$", size=14)
    text(ax, 13.4, y_h, r"$\cdots$", size=14)
    prev, hs, losses = (1.2, y_h + 0.12), [], []
    for x, t in cols:
        xin = box(ax, x, y_in, f"$x_{{{t}}}$", kind="input", w=1.05, h=0.58)
        h = box(ax, x, y_h, f"$h_{{{t}}}$", w=1.05, h=0.66, lw=2.2 if t == "t" else 1.3)
        loss = box(ax, x, y_loss, rf"$\ell_{{{t}}}$", kind="loss", w=1.05, h=0.58)
        arrow(ax, xin.top, h.bottom)
        arrow(ax, (x - 0.22, h.top[1]), (x - 0.22, loss.bottom[1]))
        # gradient path 1: from the loss of this step
        arrow(ax, (x + 0.22, loss.bottom[1]), (x + 0.22, h.top[1]), kind="gradient")
        arrow(ax, prev, (h.left[0], y_h + 0.12))
        arrow(ax, loss.top, (total.x + (x - total.x) * 0.25, total.bottom[1]), kind="faint")
        prev = (h.right[0], y_h + 0.12)
        hs.append(h)
        losses.append(loss)
    arrow(ax, prev, (12.8, y_h + 0.12))
    # gradient path 2: back from h_{t+1} (and from beyond h_{T} nothing comes back)
    for right, left in [((12.8, y_h - 0.14), hs[2]), (hs[2], hs[1]), (hs[1], hs[0]), (hs[0], (1.2, y_h - 0.14))]:
        start = right if isinstance(right, tuple) else (right.left[0], y_h - 0.14)
        end = left if isinstance(left, tuple) else (left.right[0], y_h - 0.14)
        arrow(ax, start, end, kind="gradient2")
    text(ax, 6.6 + 0.38, (y_h + y_loss) / 2, r"$\dfrac{\partial \ell_t}{\partial h_t}$", color=style.ORANGE, ha="left")
    text(ax, 8.3, y_h - 0.72, r"$\dfrac{\partial L}{\partial h_{t+1}} \dfrac{\partial h_{t+1}}{\partial h_t}$",
         color=style.PURPLE)
    text(ax, 4.9, y_h + 0.42, "$W_h$", size=style.SMALL)
    text(ax, 8.3, y_h + 0.42, "$W_h$", size=style.SMALL)
    text(ax, 7.2, 0.4, r"$\dfrac{\partial L}{\partial h_t} = \dfrac{\partial \ell_t}{\partial h_t}"
         r" + \dfrac{\partial L}{\partial h_{t+1}} \dfrac{\partial h_{t+1}}{\partial h_t}$", size=style.FONT)
    _legend(ax, 10.3, 7.0, "data", "forward pass")
    _legend(ax, 10.3, 6.55, "gradient", r"gradient via $\ell_t$")
    _legend(ax, 10.3, 6.1, "gradient2", r"gradient via $h_{t+1}$")
    return fig


def stacked():
    """Two RNN layers stacked: the states of layer 1 are the inputs of layer 2, at every step."""
    fig, ax = style.canvas(14.4, 6.6)
    y_in, y_1, y_2, y_top = 0.8, 2.55, 4.3, 5.95
    cols = [(3.5, "1"), (5.9, "2"), (8.3, "3"), (11.4, "T")]
    rows = [(y_1, 1), (y_2, 2)]
    prev = {}
    for y, l in rows:
        h0 = box(ax, 1.3, y, f"$h^{{({l})}}_0$", kind="plain", w=1.0, h=0.66)
        prev[l] = h0.right
        text(ax, 13.3, y, f"layer {l}", size=style.SMALL, color=style.GREY)
    for x, t in cols:
        if t == "T":
            for y, l in rows:
                text(ax, 9.85, y, r"$\cdots$", size=14)
                arrow(ax, prev[l], (9.35, y), kind="recurrent")
                prev[l] = (10.35, y)
        xin = box(ax, x, y_in, f"$x_{{{t}}}$", kind="input", w=0.9, h=0.58)
        below = xin.top
        for y, l in rows:
            h = box(ax, x, y, f"$h^{{({l})}}_{{{t}}}$", w=1.15, h=0.7)
            arrow(ax, below, h.bottom)
            arrow(ax, prev[l], h.left, kind="recurrent")
            prev[l], below = h.right, h.top
        arrow(ax, below, (x, y_top - 0.3))
    text(ax, 7.4, 6.25, r"to the head: $h^{(2)}_t$ at every step, or $h^{(2)}_T$", size=style.SMALL, color=style.GREY)
    text(ax, 1.3, y_in, r"$h^{(0)}_t = x_t$", size=style.SMALL, color=style.GREY)
    return fig


def bidirectional():
    """A bidirectional layer: one RNN reads t = 1..T, another T..1; each step's output joins both states."""
    fig, ax = style.canvas(14.4, 7.4)
    y_in, y_f, y_b, y_out = 0.75, 2.35, 3.95, 5.75
    shift = 0.45  # the forward box sits left of its step, the backward box right, so the wires pass between
    cols = [(3.4, "1"), (6.6, "2"), (10.6, "T")]
    start = box(ax, 1.0, y_f, r"$\overrightarrow{h}_0$", kind="plain", w=0.95, h=0.68)
    end = box(ax, 13.3, y_b, r"$\overleftarrow{h}_{T+1}$", kind="plain", w=1.25, h=0.68)
    text(ax, 1.0, y_f - 0.62, "$= 0$", size=style.SMALL, color=style.GREY)
    text(ax, 13.3, y_b + 0.62, "$= 0$", size=style.SMALL, color=style.GREY)
    fwd, bwd = [], []
    for x, t in cols:
        xin = box(ax, x, y_in, f"$x_{{{t}}}$", kind="input", w=1.1, h=0.58)
        f = box(ax, x - shift, y_f, rf"$\overrightarrow{{h}}_{{{t}}}$", w=0.9, h=0.68)
        b = box(ax, x + shift, y_b, rf"$\overleftarrow{{h}}_{{{t}}}$", w=0.9, h=0.68, kind="recurrent")
        out = box(ax, x, y_out, f"$y_{{{t}}}$", kind="output", w=1.0, h=0.62)
        arrow(ax, (f.x, xin.top[1]), f.bottom)
        arrow(ax, (b.x, xin.top[1]), b.bottom)
        arrow(ax, f.top, (f.x, out.bottom[1]))
        arrow(ax, b.top, (b.x, out.bottom[1]))
        fwd.append(f)
        bwd.append(b)
    arrow(ax, start.right, fwd[0].left, kind="data")
    arrow(ax, fwd[0].right, fwd[1].left, kind="data")
    arrow(ax, fwd[1].right, (8.1, y_f), kind="data")
    text(ax, 8.6, y_f, r"$\cdots$", size=14)
    arrow(ax, (9.1, y_f), fwd[2].left, kind="data")
    arrow(ax, end.left, bwd[2].right, kind="recurrent")
    arrow(ax, bwd[2].left, (9.1, y_b), kind="recurrent")
    text(ax, 8.6, y_b, r"$\cdots$", size=14)
    arrow(ax, (8.1, y_b), bwd[1].right, kind="recurrent")
    arrow(ax, bwd[1].left, bwd[0].right, kind="recurrent")
    text(ax, 12.9, y_f, "forward:\n$t = 1, \\dots, T$", size=style.SMALL, color=style.BLUE)
    text(ax, 1.45, y_b, "backward:\n$t = T, \\dots, 1$", size=style.SMALL, color=style.ORANGE)
    text(ax, 7.2, 6.95, r"$y_t = \mathrm{merge}(\overrightarrow{h}_t, \overleftarrow{h}_t)$, e.g. the two side by side,"
         r" $[\overrightarrow{h}_t, \overleftarrow{h}_t]$", size=style.SMALL + 0.5)
    return fig
