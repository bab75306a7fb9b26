"""The book's explanatory diagrams, drawn by code so they share one style and are tested.

Every diagram is a function returning a matplotlib Figure, registered under the name the chapters
use: book/_ext/diagrams.py writes ``DIAGRAMS[name]()`` to ``book/diagrams/<name>.svg`` when the book
builds, and a chapter shows it with a MyST ``{figure} diagrams/<name>.svg``. The look (colours,
fonts, boxes, arrows) is defined once, in :mod:`rnncourse.diagrams.style`.

    >>> from rnncourse.diagrams import DIAGRAMS, svg
    >>> sorted(DIAGRAMS)[:3]
    ['bidirectional', 'bptt_graph', 'encoder_decoder_attention']
"""
from __future__ import annotations

from .style import svg
from . import applications, attention, cells, chains

DIAGRAMS = {
    # chapter 1
    "unrolled": chains.unrolled,
    "io_shapes": chains.io_shapes,
    # chapter 2
    "bptt_graph": chains.bptt_graph,
    # chapter 3, 4
    "lstm_cell": cells.lstm_cell,
    "gru_cell": cells.gru_cell,
    # chapter 5
    "bidirectional": chains.bidirectional,
    "stacked": chains.stacked,
    "encoder_decoder_attention": attention.encoder_decoder_attention,
    # chapter 6
    "sentiment_model": applications.sentiment_model,
    "forecast_windows": applications.forecast_windows,
    "generation_loop": applications.generation_loop,
    "speech_pipeline": applications.speech_pipeline,
}

__all__ = ["DIAGRAMS", "draw", "svg"]


def draw(name):
    """The Figure of the diagram registered as ``name``."""
    if name not in DIAGRAMS:
        raise KeyError(f"no diagram named {name!r}; the registered ones are {sorted(DIAGRAMS)}")
    return DIAGRAMS[name]()
