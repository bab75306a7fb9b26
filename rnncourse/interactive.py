"""Interactive figures that need no kernel and no network: a slider over pre-rendered frames.

``slider(frames, values, label, name)`` renders every frame once (a matplotlib Figure at its own
fixed size, or an SVG string) and returns an object whose HTML holds all of them inline, an
``<input type="range">`` and an ``<output>`` with the current value. Moving the control shows the
frame of its position; one line of inline JavaScript (the input's ``oninput``) does it, so the page
works in a built Jupyter Book page (MyST-NB's text/html output) and in JupyterLab alike, with no
external file. The first frame is shown until the control moves.

In a chapter, a code cell tagged ``remove-input`` computes the frames cheaply and ends with
``slider(...)``; the reader sees the figure and its control.
"""
from __future__ import annotations

import html
import io
import json
import re

__all__ = ["Slider", "slider"]

NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
# a hidden frame: the attribute for meaning, the inline style because a page's CSS may set display on divs
HIDDEN = ' hidden style="display:none"'
# every id an SVG from matplotlib defines, and every reference to one
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(xlink:href="#|href="#|url\(#)([^")]+)')
_SVG_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_SVG_SIZE = re.compile(r'<svg\b[^>]*>')
_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
# inline in HTML the parser knows the SVG namespaces; declared, they would be the page's only URLs
_SVG_XMLNS = re.compile(r'\sxmlns(:\w+)?="[^"]*"')


def _figure_svg(figure) -> str:
    """One matplotlib Figure as SVG text, at its own size (no tight bbox: all frames stay aligned)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    with plt.rc_context({"svg.hashsalt": "rnncourse", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)  # the slider shows it; Jupyter must not display it a second time
    return buffer.getvalue()


def _inline_svg(svg: str, prefix: str) -> str:
    """An SVG document made fit to sit next to others in one page.

    The XML prologue, doctype, metadata and namespace declarations go; every id gets the frame's own
    prefix (matplotlib names glyphs and clip paths by content, so two frames would otherwise define
    the same ids, and a hidden frame would own the definitions a visible one points to); the fixed
    width and height become a width that shrinks with the page.
    """
    svg = _SVG_PROLOGUE.sub("", svg, count=1)
    svg = _SVG_METADATA.sub("", svg, count=1)
    svg = _SVG_XMLNS.sub("", svg)
    svg = _SVG_ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = _SVG_REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)

    def scalable(match):
        tag = match.group(0)
        width = re.search(r'\bwidth="([^"]+)"', tag)
        tag = re.sub(r'\s(width|height)="[^"]*"', "", tag)
        limit = f"max-width:{width.group(1)};" if width else ""
        return tag[:-1].rstrip("/ ") + f' style="width:100%;height:auto;{limit}">'

    return _SVG_SIZE.sub(scalable, svg, count=1).strip()


class Slider:
    """The HTML of a slider figure; Jupyter and MyST-NB display it through ``_repr_html_``."""

    def __init__(self, svgs, values, label, name):
        self.svgs, self.values, self.label, self.name = svgs, values, label, name

    def __len__(self):
        return len(self.svgs)

    @property
    def html(self) -> str:
        n, name = len(self.svgs), self.name
        frames = "\n".join(
            f'<div class="rnncourse-slider-frame" data-index="{i}"{"" if i == 0 else HIDDEN}>{svg}</div>'
            for i, svg in enumerate(self.svgs))
        values = html.escape(json.dumps([str(v) for v in self.values]), quote=True)
        script = ("var r=this.closest('.rnncourse-slider'),i=+this.value;"
                  "r.querySelectorAll('.rnncourse-slider-frame').forEach(function(f){"
                  "var h=+f.dataset.index!==i;f.hidden=h;f.style.display=h?'none':'';});"
                  "var v=JSON.parse(r.dataset.values)[i];r.querySelector('output').value=v;"
                  "this.setAttribute('aria-valuetext',v);")
        return (
            f'<div class="rnncourse-slider" id="slider-{name}" data-values="{values}">\n'
            f'<div class="rnncourse-slider-control" style="display:flex;align-items:center;gap:0.75em;margin:0.5em 0;">'
            f'<label for="slider-{name}-input">{html.escape(self.label)}</label>'
            f'<input type="range" id="slider-{name}-input" min="0" max="{n - 1}" step="1" value="0" '
            f'aria-valuetext="{html.escape(str(self.values[0]), quote=True)}" style="flex:1;max-width:24em;" '
            f'oninput="{html.escape(script, quote=True)}">'
            f'<output for="slider-{name}-input" id="slider-{name}-value">{html.escape(str(self.values[0]))}</output>'
            f'</div>\n{frames}\n</div>'
        )

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self):
        return f"<Slider {self.name!r}: {len(self)} frames, {self.label}>"


def slider(frames, values, label, name) -> Slider:
    """A figure with a slider: ``frames[i]`` is shown when the control is at ``values[i]``.

    frames: list of matplotlib Figures (rendered at their own size, then closed) or SVG strings,
        one per position, all of one size so the page does not jump.
    values: the value shown next to the control for each frame (same length as ``frames``).
    label: the control's text, e.g. ``"spectral radius ρ(W_h)"``.
    name: a unique id on the page, lower-case letters, digits and hyphens, e.g. ``"radius-gradient"``.
    """
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"name must be lower-case letters, digits and hyphens starting with a letter "
                         f"(e.g. 'radius-gradient'), got {name!r}")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"label must be a non-empty string (the control's text), got {label!r}")
    frames, values = list(frames), list(values)
    if not frames:
        raise ValueError("frames must hold at least one frame (a matplotlib Figure or an SVG string), got none")
    if len(values) != len(frames):
        raise ValueError(f"values must have one entry per frame: {len(frames)} frames, got {len(values)} values")
    sizes = {tuple(f.get_size_inches()) for f in frames if hasattr(f, "get_size_inches")}
    if len(sizes) > 1:
        raise ValueError(f"frames must all have one size so the page does not jump, got sizes (inches) {sorted(sizes)}")
    svgs = []
    for i, frame in enumerate(frames):
        if isinstance(frame, str):
            if "<svg" not in frame:
                raise ValueError(f"frames[{i}] is a string but not SVG (no <svg element): {frame[:60]!r}")
            svg = frame
        elif hasattr(frame, "savefig"):
            svg = _figure_svg(frame)
        else:
            raise TypeError(f"frames[{i}] must be a matplotlib Figure or an SVG string, got {type(frame).__name__}")
        svgs.append(_inline_svg(svg, f"{name}-{i}-"))
    return Slider(svgs, values, label, name)
