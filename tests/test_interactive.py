"""rnncourse.interactive.slider: a figure with a range control, self-contained HTML.

The HTML is parsed (one frame per value, only the first shown, a range input over the frames, an
output with the value, ids unique on the page, every reference inside a frame resolving in that
frame, no URL); bad input is refused with a message naming what was expected; and in Chromium,
offline, moving the control shows the frame of its position.
"""
from __future__ import annotations

import html.parser
import re
import shutil

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnncourse.interactive import slider  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def frames(n, size=(4, 2.5)):
    figs = []
    for k in range(n):
        fig, ax = plt.subplots(figsize=size)
        ax.plot([0, 1, 2], [0, k, 2 * k])
        ax.set_title(f"frame {k}")
        figs.append(fig)
    return figs


VOID = {"input", "br", "img", "meta", "link", "hr"}


class Page(html.parser.HTMLParser):
    """Elements of the slider's HTML: frames (with hidden or not), inputs, outputs, ids, references by frame."""

    def __init__(self):
        super().__init__()
        self.frames, self.inputs, self.outputs, self.ids, self.refs = [], [], [], [], []
        self.depth, self.frame_depth, self.in_output = 0, None, False
        self.output_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.depth += 1
        if "class" in attrs and "rnncourse-slider-frame" in attrs["class"].split():
            styled = "display:none" in (attrs.get("style") or "").replace(" ", "")
            assert styled == ("hidden" in attrs), f"a frame is hidden by one of attribute and style only: {attrs}"
            self.frames.append({"index": attrs.get("data-index"), "hidden": styled, "ids": set(), "refs": set()})
            self.frame_depth = self.depth
        if "id" in attrs:
            self.ids.append(attrs["id"])
            if self.frame_depth is not None:
                self.frames[-1]["ids"].add(attrs["id"])
        for key in ("href", "xlink:href"):
            if attrs.get(key, "").startswith("#") and self.frame_depth is not None:
                self.frames[-1]["refs"].add(attrs[key][1:])
        for value in attrs.values():
            for ref in re.findall(r"url\(#([^)]+)\)", value or ""):
                if self.frame_depth is not None:
                    self.frames[-1]["refs"].add(ref)
        if tag == "input":
            self.inputs.append(attrs)
        if tag == "output":
            self.outputs.append(attrs)
            self.in_output = True

        if tag in VOID:  # no end tag in HTML
            self.handle_endtag(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.frame_depth == self.depth:
            self.frame_depth = None
        if tag == "output":
            self.in_output = False
        self.depth -= 1

    def handle_data(self, data):
        if self.in_output:
            self.output_text += data


def test_one_frame_per_value_and_only_the_first_visible():
    widget = slider(frames(4), [0.5, 1.0, 1.5, 2.0], "spectral radius", "radius-gradient")
    page = Page()
    page.feed(widget._repr_html_())
    assert [f["index"] for f in page.frames] == ["0", "1", "2", "3"]
    assert [f["hidden"] for f in page.frames] == [False, True, True, True]
    (control,) = page.inputs
    assert control["type"] == "range" and control["min"] == "0" and control["max"] == "3" and control["value"] == "0"
    assert len(page.outputs) == 1 and page.output_text == "0.5"
    assert "spectral radius" in widget.html


def test_ids_are_unique_and_each_frame_resolves_its_own_references():
    widget = slider(frames(3), ["a", "b", "c"], "letter", "letters")
    page = Page()
    page.feed(widget.html)
    assert len(page.ids) == len(set(page.ids)), "an id appears twice on the page"
    for frame in page.frames:
        assert frame["refs"], "a matplotlib SVG refers to its glyphs and clip paths"
        assert frame["refs"] <= frame["ids"], f"frame {frame['index']} points outside itself: {frame['refs'] - frame['ids']}"


def test_no_url_and_no_external_resource():
    text = slider(frames(2), [1, 2], "step", "steps").html
    assert not re.search(r"https?://", text), re.findall(r"https?://\S+", text)
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", text)


def test_figures_are_closed_once_rendered():
    plt.close("all")
    slider(frames(2), [1, 2], "step", "closing")
    assert plt.get_fignums() == [], "the slider's figures would be shown a second time by Jupyter"


def test_svg_strings_are_frames_too():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="10pt" viewBox="0 0 10 10"><rect id="r" width="5" height="5"/></svg>'
    text = slider([svg, svg], ["x", "y"], "shape", "shapes").html
    assert 'id="shapes-0-r"' in text and 'id="shapes-1-r"' in text
    assert "http" not in text


def test_values_are_escaped():
    text = slider(frames(1), ["<b>&"], "a <label>", "escaping").html
    assert "<b>&" not in text and "&lt;b&gt;&amp;" in text and "a &lt;label&gt;" in text


@pytest.mark.parametrize("args, error, message", [
    (([], [], "x", "empty"), ValueError, "frames must hold at least one frame"),
    ((None, [1, 2, 3], "x", "mismatch"), ValueError, "one entry per frame: 2 frames, got 3 values"),
    ((None, [1, 2], "x", "Bad Name"), ValueError, "name must be lower-case.*got 'Bad Name'"),
    ((None, [1, 2], "x", 7), ValueError, "name must be lower-case.*got 7"),
    ((None, [1, 2], "", "empty-label"), ValueError, "label must be a non-empty string"),
    (([1, 2], [1, 2], "x", "numbers"), TypeError, r"frames\[0\] must be a matplotlib Figure or an SVG string, got int"),
    ((["not svg", "<svg/>"], [1, 2], "x", "strings"), ValueError, r"frames\[0\] is a string but not SVG"),
])
def test_bad_input_is_refused_by_name(args, error, message):
    figs, values, label, name = args
    with pytest.raises(error, match=message):
        slider(frames(2) if figs is None else figs, values, label, name)


def test_frames_of_different_sizes_are_refused():
    with pytest.raises(ValueError, match="frames must all have one size"):
        slider(frames(1, (4, 3)) + frames(1, (5, 3)), [1, 2], "x", "sizes")


@pytest.mark.slow
def test_moving_the_control_shows_its_frame_in_chromium(tmp_path):
    browser_path = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                         if shutil.which(n)), None)
    if browser_path is None:
        pytest.fail("this test drives a real browser and found none (chromium, google-chrome)")
    from playwright.sync_api import sync_playwright

    widget = slider(frames(3), ["0.5", "1.0", "1.5"], "spectral radius", "radius-gradient")
    page_file = tmp_path / "slider.html"
    page_file.write_text(f"<!doctype html><html><body>{widget.html}</body></html>")
    requests = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            shown = lambda: page.eval_on_selector_all(  # noqa: E731
                ".rnncourse-slider-frame", "els => els.map(e => e.getBoundingClientRect().height > 0)")
            assert shown() == [True, False, False]
            assert page.inner_text("output") == "0.5"
            page.fill("#slider-radius-gradient-input", "2")
            assert shown() == [False, False, True]
            assert page.inner_text("output") == "1.5"
            page.fill("#slider-radius-gradient-input", "1")
            assert shown() == [False, True, False]
            assert page.inner_text("output") == "1.0"
            # the visible frame draws: its SVG has a size and its glyphs resolve
            size = page.eval_on_selector(".rnncourse-slider-frame:not([hidden]) svg",
                                         "s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height]")
            assert size[0] > 100 and size[1] > 50
        finally:
            browser.close()
    assert requests == [page_file.as_uri()], f"the page loaded more than itself: {requests}"
