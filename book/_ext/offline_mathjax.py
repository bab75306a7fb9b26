"""Serve MathJax from the built site instead of a CDN, so the book's equations render offline.

Sphinx loads MathJax from a CDN unless ``mathjax_path`` points elsewhere. The MathJax 3
files come from the PyPI package django-static-mathjax (static files only; it needs no
Django); this extension copies the parts the pages use into ``_static/mathjax`` and points
``mathjax_path`` there.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

# The combined TeX-to-HTML component and what it loads on demand (TeX extensions,
# fonts, the context menu and its accessibility tools).
PARTS = ["tex-chtml.js", "input", "output/chtml", "ui", "a11y", "sre", "adaptors"]
ENTRY = "mathjax/tex-chtml.js"


def mathjax_source() -> Path:
    try:
        import mathjax  # django-static-mathjax
    except ImportError as e:
        raise ExtensionError("offline_mathjax needs the package django-static-mathjax "
                             "(pip install django-static-mathjax); it is in the course's dependencies") from e
    es5 = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
    if not (es5 / "tex-chtml.js").is_file():
        raise ExtensionError(f"offline_mathjax: expected MathJax 3 files in {es5}, found none")
    return es5


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    src, dest = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        s, d = src / part, dest / part
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        else:
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(s, d)


def setup(app):
    mathjax_source()  # fail at start-up, not after the whole build, when MathJax is missing
    app.config.mathjax_path = ENTRY
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
