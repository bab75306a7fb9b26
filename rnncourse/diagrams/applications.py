"""The models of the application chapters: sentiment, forecasting, text generation, spoken digits."""
from __future__ import annotations

import math

from . import style
from .style import arrow, box, text


def sentiment_model():
    """Words to ids to embedding rows x_t = E[id_t], a recurrent layer, and a sigmoid unit on h_T."""
    fig, ax = style.canvas(14.4, 5.6)
    y_word, y_emb, y_h = 0.45, 1.85, 3.6
    words = ["not", "bad", "at", "all"]
    xs = [1.9, 4.0, 6.1, 8.2]
    h0 = box(ax, 0.55, y_h, "$h_0$", kind="plain", w=0.7, h=0.62)
    prev = h0.right
    for k, (x, word) in enumerate(zip(xs, words)):
        t = str(k + 1) if k < 3 else "T"
        text(ax, x, y_word, f"\u201c{word}\u201d", size=style.FONT)
        emb = box(ax, x, y_emb, "$E$", kind="layer", w=0.8, h=0.56)
        arrow(ax, (x, y_word + 0.28), emb.bottom)
        h = box(ax, x, y_h, f"$h_{t}$" if t != "T" else "$h_T$", w=0.9, h=0.66)
        arrow(ax, emb.top, h.bottom)
        text(ax, x + 0.12, (emb.top[1] + h.bottom[1]) / 2, f"$x_{t}$" if t != "T" else "$x_T$",
             size=style.SMALL + 0.5, ha="left")
        arrow(ax, prev, h.left, kind="recurrent")
        prev = h.right
    head = box(ax, 10.75, y_h, r"$\sigma(h_T w_y + b_y)$", kind="layer", w=2.5, h=0.66)
    arrow(ax, prev, head.left)
    out = box(ax, 13.4, y_h, r"$\hat{p}$", kind="output", w=0.8, h=0.62)
    arrow(ax, head.right, out.left)
    text(ax, 13.4, y_h + 0.75, "P(positive)", size=style.SMALL, color=style.GREY)
    text(ax, 5.6, 5.15, r"ids $(B, T)$ $\rightarrow$ $x$ $(B, T, D)$ $\rightarrow$ $h_T$ $(B, H)$ $\rightarrow$"
         r" $\hat{p}$ $(B,)$", size=style.SMALL, color=style.GREY)
    text(ax, 9.0, y_emb, r"$x_t = E[\mathrm{id}_t]$, a row of the table $E$ $(V, D)$", size=style.SMALL,
         color=style.GREY, ha="left")
    return fig


def _series(n):
    """A fixed, smooth series with a yearly-looking swing (drawn, not data)."""
    return [0.55 * math.sin(2 * math.pi * k / n * 1.3) + 0.18 * math.sin(k * 1.7) + 0.1 * math.cos(k * 0.9)
            for k in range(n)]


def forecast_windows():
    """The series cut into windows of T steps and their next value, after a split in time."""
    fig, ax = style.canvas(14.4, 5.6)
    n, x0, step = 46, 0.65, 0.29
    values = _series(n)
    xs = [x0 + k * step for k in range(n)]
    ys = [3.3 + 0.9 * v for v in values]
    train_end, val_end = 32, 39  # 70 %, 15 %, 15 % of the days (rounded)
    bounds = [(0, train_end, "training", style.LIGHT_BLUE, style.BLUE),
              (train_end, val_end, "validation", style.LIGHT_GREY, style.GREY),
              (val_end, n, "test", style.LIGHT_PURPLE, style.PURPLE)]
    for a, b, label, face, edge in bounds:
        left, right = xs[a] - step / 2, xs[b - 1] + step / 2
        box(ax, (left + right) / 2, 1.55, label, kind="none", w=right - left - 0.06, h=0.5, size=style.SMALL)
        ax.add_patch(style.FancyBboxPatch((left + 0.03, 1.3), right - left - 0.06, 0.5,
                                          boxstyle="round,pad=0,rounding_size=0.08", fc=face, ec=edge, lw=1.2,
                                          zorder=2))
    ax.plot(xs, ys, color=style.GREY, lw=1.0, zorder=3)
    ax.scatter(xs, ys, s=9, color=style.INK, zorder=4)

    def window(b, T, y_bracket, label, colour):
        left, right = xs[b] - step / 2, xs[b + T - 1] + step / 2
        ax.add_patch(style.FancyBboxPatch((left, 2.25), right - left, 2.15, boxstyle="round,pad=0,rounding_size=0.1",
                                          fc=colour, ec="none", alpha=0.35, zorder=1))
        ax.scatter([xs[b + T]], [ys[b + T]], s=70, facecolor="none", edgecolor=style.ORANGE, lw=1.8, zorder=5)
        style.line(ax, (left, y_bracket), (right, y_bracket))
        style.line(ax, (left, y_bracket - 0.1), (left, y_bracket + 0.1))
        style.line(ax, (right, y_bracket - 0.1), (right, y_bracket + 0.1))
        text(ax, (left + right) / 2, y_bracket + 0.3, label, size=style.SMALL + 0.5)

    T = 6
    window(3, T, 4.7, r"$x^{(b)} = (s_b, \dots, s_{b+T-1})$", style.LIGHT_BLUE)
    text(ax, xs[3 + T] + 0.25, ys[3 + T] + 0.45, r"$y^{(b)} = s_{b+T}$", color=style.ORANGE,
         size=style.SMALL + 0.5, ha="left")
    window(val_end, T, 4.7, r"a test window", style.LIGHT_PURPLE)
    text(ax, xs[val_end + T] + 0.05, ys[val_end + T] - 0.55, "its target", color=style.ORANGE,
         size=style.SMALL, ha="right")
    text(ax, 7.2, 0.75, "the days in time order: 70% training, 15% validation, 15% test",
         size=style.SMALL, color=style.GREY)
    text(ax, 7.2, 0.3, "windows are cut after the split: none crosses a boundary",
         size=style.SMALL, color=style.GREY)
    return fig


def generation_loop():
    """Sampling names: each drawn character is the next input, until the end mark."""
    fig, ax = style.canvas(14.4, 6.4)
    y_in, y_h, y_p, y_out = 0.7, 2.3, 3.85, 5.3
    inputs, outputs = [".", "e", "m", "m", "a"], ["e", "m", "m", "a", "."]
    xs = [2.0, 4.4, 6.8, 9.2, 11.6]
    h0 = box(ax, 0.55, y_h, "$h_0$", kind="plain", w=0.7, h=0.62)
    prev, prev_out = h0.right, None
    for k, (x, a, b) in enumerate(zip(xs, inputs, outputs)):
        xin = box(ax, x, y_in, f"\u201c{a}\u201d", kind="input" if k == 0 else "plain", w=0.8, h=0.55,
                  dashed=k > 0)
        h = box(ax, x, y_h, f"$h_{k + 1}$", w=0.85, h=0.62)
        p = box(ax, x, y_p, r"$p_\tau$", kind="layer", w=0.85, h=0.56)
        out = box(ax, x, y_out, f"\u201c{b}\u201d", kind="output", w=0.8, h=0.55)
        arrow(ax, xin.top, h.bottom)
        arrow(ax, prev, h.left, kind="recurrent")
        arrow(ax, h.top, p.bottom)
        arrow(ax, p.top, out.bottom)
        if prev_out is not None:
            # the character just drawn is this step's input
            mid = x - 1.2
            arrow(ax, prev_out.right, (mid, y_out), (mid, y_in), xin.left, kind="gradient2")
        prev, prev_out = h.right, out
    text(ax, 0.55, y_in, "start", size=style.SMALL, color=style.GREY)
    text(ax, 12.35, y_out, "end mark:\nstop", size=style.SMALL, color=style.GREY, ha="left")
    text(ax, 13.05, y_p, r"sample from" "\n" r"$p_\tau$", size=style.SMALL, color=style.GREY)
    text(ax, 7.2, 6.05, r"logits $z_t = h_t W_y + b_y$, $p_\tau = \mathrm{softmax}(z_t/\tau)$ over the $V$ characters;"
         r" dashed: the draw is the next input", size=style.SMALL)
    return fig


def _waveform(ax, x0, x1, y, height):
    n = 120
    xs = [x0 + (x1 - x0) * k / (n - 1) for k in range(n)]
    envelope = [math.sin(math.pi * k / (n - 1)) ** 2 for k in range(n)]
    ys = [y + height / 2 * e * math.sin(k * 0.9) * (0.6 + 0.4 * math.cos(k * 0.13)) for k, e in enumerate(envelope)]
    ax.plot(xs, ys, color=style.BLUE, lw=1.0)


def speech_pipeline():
    """A recording as MFCC frames x_t, padded and masked; a GRU carries its state over the padding; h_T to 10 logits."""
    fig, ax = style.canvas(14.4, 6.6)
    y_mask, y_frames, y_h = 5.95, 4.0, 1.6
    real, padded = 4, 2
    xs = [4.3 + 1.45 * k for k in range(real + padded)]
    _waveform(ax, 0.4, 2.6, y_frames, 1.3)
    text(ax, 1.5, y_frames - 1.05, "a recording", size=style.SMALL, color=style.GREY)
    arrow(ax, (2.8, y_frames), (xs[0] - 0.6, y_frames))
    text(ax, 3.05, y_frames + 0.3, "MFCC", size=style.SMALL, color=style.GREY, ha="left")
    cmap = _blues()
    cell_h, rows = 0.13, 13
    h0 = box(ax, 2.7, y_h, "$h_0$", kind="plain", w=0.7, h=0.62)
    prev = h0.right
    last_real = None
    for k, x in enumerate(xs):
        pad = k >= real
        for r in range(rows):
            value = 0.5 + 0.45 * math.sin(1.3 * r + 0.8 * k) * math.cos(0.4 * r - 0.6 * k)
            face = "#f4f4f4" if pad else cmap(value)
            ax.add_patch(style.FancyBboxPatch((x - 0.3, y_frames - rows * cell_h / 2 + r * cell_h), 0.6, cell_h,
                                              boxstyle="square,pad=0", fc=face, ec="white", lw=0.4, zorder=3))
        t = k + 1
        text(ax, x, y_mask, f"$m_{t} = {0 if pad else 1}$", size=style.SMALL + 0.5,
             color=style.GREY if pad else style.INK)
        text(ax, x, y_frames + rows * cell_h / 2 + 0.28, f"$x_{t}$" if not pad else "$0$", size=style.SMALL + 0.5)
        if pad:
            label = f"$h_{t} = h_{real}$" if k < real + padded - 1 else f"$h_T = h_{real}$"
            h = box(ax, x, y_h, label, kind="plain", w=1.25, h=0.62, dashed=True, size=style.SMALL + 0.5)
            arrow(ax, prev, h.left, kind="faint")
        else:
            h = box(ax, x, y_h, f"$h_{t}$", w=0.85, h=0.62)
            arrow(ax, (x, y_frames - rows * cell_h / 2), h.top)
            arrow(ax, prev, h.left, kind="recurrent")
            last_real = h
        prev = h.right
    text(ax, (xs[0] + xs[real - 1]) / 2, 0.75, "a GRU step on each real frame", size=style.SMALL, color=style.GREY)
    text(ax, (xs[real] + xs[-1]) / 2 + 0.3, 0.75, "padding: state carried over", size=style.SMALL, color=style.GREY)
    head = box(ax, 13.25, y_h, "$h_T W_y + b_y$", kind="layer", w=1.9, h=0.62, size=style.SMALL + 0.5)
    arrow(ax, prev, head.left)
    out = box(ax, 13.25, 3.3, "10 logits", kind="output", w=1.6, h=0.56, size=style.SMALL)
    arrow(ax, head.top, out.bottom)
    return fig


def _blues():
    import matplotlib

    return matplotlib.colormaps["Blues"]
