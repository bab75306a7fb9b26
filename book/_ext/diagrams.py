"""Writes the book's diagrams (rnncourse.diagrams) to book/diagrams/<name>.svg when the build starts.

A chapter shows one with a MyST figure, ```{figure} diagrams/lstm_cell.svg```, so the pages need no
code cell to draw it and the drawing lives, tested, in the package. The files are generated (the
folder is git-ignored); a file is rewritten only when its bytes change, so Sphinx sees unchanged
diagrams as unchanged. The SVG carries no date, so the same package draws the same bytes.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the build has no display

from sphinx.errors import ExtensionError  # noqa: E402
from sphinx.util import logging  # noqa: E402

LOG = logging.getLogger(__name__)
FOLDER = Path("book") / "diagrams"


def write_diagrams(folder: Path) -> list[Path]:
    """Draw every registered diagram into ``folder``; returns the files, in registry order."""
    from rnncourse.diagrams import DIAGRAMS, svg

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in DIAGRAMS.items():
        try:
            figure = draw()
        except Exception as error:  # the build must say which diagram broke
            where = f"{draw.__module__}.{draw.__name__}"
            raise ExtensionError(f"diagrams: drawing {name!r} ({where}) failed: {error}") from error
        path = folder / f"{name}.svg"
        data = svg(figure).encode()
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    return written


def builder_inited(app):
    files = write_diagrams(Path(app.srcdir) / FOLDER)
    LOG.info(f"diagrams: {len(files)} diagrams in {FOLDER}/")


def setup(app):
    app.connect("builder-inited", builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
