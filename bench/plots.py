"""Figures of the report (PNG, matplotlib): colours from Okabe and Ito's colour-blind-safe palette."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HATCHES = ["", "//", "..", "xx"]  # a second cue besides colour


def grouped_bars(path, groups, series, values, ylabel, title, hline=None, hline_label=None, log=False):
    """Bars: one group per entry of groups, one bar per series; values[series][group]."""
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=110)
    width = 0.8 / len(series)
    x = np.arange(len(groups))
    for i, name in enumerate(series):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, [values[name][g] for g in groups], width,
               label=name, color=OKABE_ITO[i % len(OKABE_ITO)], hatch=HATCHES[i % len(HATCHES)], edgecolor="white")
    if hline is not None:
        ax.axhline(hline, color="black", linestyle="--", linewidth=1, label=hline_label)
    ax.set_xticks(x, groups, rotation=0)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if log:
        ax.set_yscale("log")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def horizontal_bars(path, labels, seconds, xlabel, title):
    """One horizontal bar per label (e.g. chapters), longest at the top."""
    order = np.argsort(seconds)
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(labels) + 1.2), dpi=110)
    ax.barh([labels[i] for i in order], [seconds[i] for i in order], color=OKABE_ITO[0])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
