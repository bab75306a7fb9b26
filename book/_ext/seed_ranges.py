"""The role {seedrange}`name:.3f`: the range of a chapter's headline figure over five seeds.

A chapter publishes a figure with ``rnncourse.headlines.headline(name, value)``; the text quotes this
build's value with MyST-NB's {glue:text}`name:.3f` and the spread measured by ``make robust`` with
{seedrange}`name:.3f`, which this extension reads from docs/robustness.json (runs seed-0 to seed-4 on
the machine's own kernels) and renders as "0.991-0.998". So the ranges in the prose are the
committed report's, never typed by hand. A name the report does not have is a build error.
"""
from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

LOG = logging.getLogger(__name__)
SEED_RUNS = [f"seed-{s}" for s in range(5)]


def load_report(app):
    path = Path(app.srcdir) / "docs" / "robustness.json"
    if not path.is_file():
        raise ExtensionError(f"seed_ranges: {path} is missing; run `make robust` to write it")
    return json.loads(path.read_text())


def seed_range(report, chapter, name, spec):
    values = [report["runs"].get(run, {}).get(chapter, {}).get("headlines", {}).get(name) for run in SEED_RUNS]
    missing = [run for run, v in zip(SEED_RUNS, values) if v is None]
    if missing:
        raise KeyError(f"docs/robustness.json has no {name!r} of {chapter} for {', '.join(missing)}")
    lo, hi = min(values), max(values)
    text_lo, text_hi = format(lo, spec), format(hi, spec)
    if text_lo == text_hi:
        return text_lo
    if spec.endswith("%"):  # "76.4-77.8%", not "76.4%-77.8%"
        text_lo = text_lo[:-1]
    return f"{text_lo}\u2013{text_hi}"


def seedrange_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    env = inliner.document.settings.env
    key, _, spec = text.partition(":")
    chapter = Path(env.docname).name
    try:
        report = env.app.seed_ranges_report
        rendered = seed_range(report, chapter, key.strip(), spec.strip() or ".3g")
    except (KeyError, ValueError) as error:
        message = inliner.reporter.error(f"seedrange: {error}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [nodes.inline(rawtext, rendered, classes=["seed-range"])], []


def setup(app):
    app.seed_ranges_report = load_report(app)
    app.add_role("seedrange", seedrange_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
