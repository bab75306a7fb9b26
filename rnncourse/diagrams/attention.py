"""An encoder-decoder whose decoder attends to every encoder state (Bahdanau et al.'s additive attention)."""
from __future__ import annotations

from . import style
from .style import arrow, box, dot, line, op, text

# an illustrative set of weights: the decoder step looks mostly at the second source position
WEIGHTS = (0.15, 0.6, 0.15, 0.1)


def encoder_decoder_attention():
    """The query s_{t'-1} scores every encoder state h_t; the weights alpha_{t',t} average them into u_{t'},
    which enters the decoder step to s_{t'} (as the attention chapter's date model, Bahdanau et al.'s
    additive score in its letters W_q, W_k, v)."""
    fig, ax = style.canvas(14.4, 7.4)
    y_in, y_enc, y_sum, y_dec, y_out = 0.55, 1.9, 4.5, 4.5, 6.55
    cols = [(1.4, "1", WEIGHTS[0]), (3.3, "2", WEIGHTS[1]), (5.2, "3", WEIGHTS[2]), (7.9, "T", WEIGHTS[3])]
    total = op(ax, 5.0, y_sum, r"$\Sigma$", r=0.32, kind="op", size=style.FONT)
    prev = None
    for k, (x, t, weight) in enumerate(cols):
        xin = box(ax, x, y_in, f"$x_{{{t}}}$", kind="input", w=0.85, h=0.55)
        h = box(ax, x, y_enc, f"$h_{{{t}}}$", w=0.9, h=0.66)
        arrow(ax, xin.top, h.bottom)
        if prev is not None:
            if t == "T":
                arrow(ax, prev.right, (6.2, y_enc), kind="recurrent")
                text(ax, 6.55, y_enc, r"$\cdots$", size=14)
                arrow(ax, (6.9, y_enc), h.left, kind="recurrent")
            else:
                arrow(ax, prev.right, h.left, kind="recurrent")
        prev = h
        # the weight of each encoder state in the context: a line as thick as its weight
        dx, dy = x - total.x, h.top[1] - total.y
        norm = (dx * dx + dy * dy) ** 0.5
        end = (total.x + 0.32 * dx / norm, total.y + 0.32 * dy / norm)  # on the circle
        line(ax, h.top, end, kind="attention", lw=0.8 + 6 * weight)
        fx = 0.34 if t != "T" else 0.3
        lx, ly = x + (end[0] - x) * fx, h.top[1] + (end[1] - h.top[1]) * fx
        text(ax, lx + (0.42 if x >= total.x else -0.42), ly, rf"$\alpha_{{t',{t}}}$", color=style.PURPLE,
             size=style.SMALL + 0.5)
    text(ax, 9.3, y_enc, "encoder", size=style.SMALL, color=style.GREY, ha="left")

    # the decoder: its previous state s_{t'-1} is the query; u_{t'} and y_{t'-1} enter the step to s_{t'}
    s_prev = box(ax, 10.0, y_dec, "$s_{t'-1}$", w=1.2, h=0.66)
    s = box(ax, 13.3, y_dec, "$s_{t'}$", w=1.0, h=0.66)
    join = (11.65, y_dec)
    arrow(ax, s_prev.right, s.left, kind="recurrent")
    arrow(ax, s_prev.left, total.right, kind="gradient2")
    text(ax, 7.6, y_dec + 0.32, "query", size=style.SMALL, color=style.PURPLE)
    arrow(ax, total.top, (total.x, 5.75), (join[0], 5.75), (join[0], y_dec + 0.03))
    dot(ax, *join)
    dot(ax, join[0], 5.75)
    text(ax, 8.3, 5.98, "context $u_{t'}$", size=style.SMALL + 0.5)
    y_hat = box(ax, 13.3, y_out, r"$\hat{y}_{t'}$", kind="output", w=0.9, h=0.6)
    arrow(ax, s.top, y_hat.bottom)
    arrow(ax, (join[0], 5.75), (join[0], y_out), y_hat.left)
    previous = box(ax, join[0], 3.2, "$y_{t'-1}$", kind="input", w=1.05, h=0.56)
    arrow(ax, previous.top, (join[0], y_dec - 0.03))
    text(ax, 13.3, 3.75, "decoder", size=style.SMALL, color=style.GREY)

    text(ax, 9.0, 1.15, r"$e_{t',t} = v^\top \tanh(s_{t'-1} W_q + h_t W_k)$", size=style.SMALL + 0.5, ha="left")
    text(ax, 9.0, 0.45, r"$\alpha_{t',t} = \mathrm{softmax}_t\, e_{t',t}, \quad u_{t'} = \sum_t \alpha_{t',t}\, h_t$",
         size=style.SMALL + 0.5, ha="left")
    return fig
