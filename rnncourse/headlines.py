"""A chapter's headline figures: glued into its prose, and recorded for the robustness report.

A number the prose states comes from the cell that computes it. ``headline("lstm_mse", mse)``
glues the value for MyST-NB, so the text writes {glue:text}`lstm_mse:.4f` and shows what this
build measured, on this machine; and, when the environment variable RNNCOURSE_HEADLINES names a
file, appends the value to it as one JSON line. ``make robust`` (tools/robust.py) runs every chapter
under other seeds and other CPU kernels and collects these lines into the spread the prose quotes
("0.012 here; 0.004-0.020 over five seeds").
"""
from __future__ import annotations

import json
import os

HEADLINES_VARIABLE = "RNNCOURSE_HEADLINES"


def headline(name, value):
    """Publish ``value`` (a number) under ``name``; returns the value as a float."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a headline name must be a Python identifier such as 'lstm_mse', got {name!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"headline {name!r} must be a number, got {type(value).__name__}") from None
    try:
        from myst_nb import glue
    except ImportError:  # a reader's Jupyter without MyST-NB: nothing to glue into
        pass
    else:
        glue(name, value, display=False)
    path = os.environ.get(HEADLINES_VARIABLE)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"name": name, "value": value}) + "\n")
    return value
