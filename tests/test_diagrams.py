"""The book's diagrams (rnncourse.diagrams) and the Sphinx extension that writes them.

Every registered diagram draws; it shows the symbols of its chapter (read from the Figure's text
artists); no two labels overlap and none leaves the figure (bounding boxes from the Agg renderer);
the text stays readable at the page's width; the SVG is the same bytes on every run; the extension
writes one file per diagram, and a Sphinx build numbers a figure that uses one.
"""
from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from rnncourse.diagrams import DIAGRAMS, draw, style, svg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# the names the chapters use (the lead's list), and what each must show in the notation page's symbols
REQUIRED = {
    "unrolled": ["$x_{1}$", "$h_{1}$", "$h_0$", r"$\hat{y}_{1}$", "$x_{T}$", "$h_{T}$", "$W_x$", "$W_h$", "folded",
                 "unrolled"],
    "io_shapes": ["many-to-one", "many-to-many", "one-to-many", "$h_0$", "$x_1$", r"$\hat{y}$", r"$\hat{y}_1$"],
    "bptt_graph": ["$x_{t}$", "$h_{t}$", "$h_{t+1}$", "$h_{t-1}$", r"$\ell_{t}$", r"$\ell_{t+1}$",
                   r"\partial \ell_t}{\partial h_t}", r"\partial h_{t+1}}{\partial h_t}", "$L = "],
    "lstm_cell": ["$x_t$", "$h_{t-1}$", "$c_{t-1}$", "$i_t$", "$f_t$", "$g_t$", "$o_t$", "$c_t$", "$h_t$",
                  r"$\sigma$", r"$\tanh$", r"$\odot$", "$+$"],
    "gru_cell": ["$x_t$", "$h_{t-1}$", "$r_t$", "$z_t$", "$n_t$", "$h_t$", "$1-z_t$", r"$\sigma$", r"$\tanh$",
                 r"$\odot$", "$+$", "W^n_h"],
    "bidirectional": [r"$\overrightarrow{h}_{1}$", r"$\overleftarrow{h}_{1}$", r"$\overrightarrow{h}_0$",
                      r"$\overleftarrow{h}_{T+1}$", "$x_{1}$", "$x_{T}$", "$y_{1}$", r"t = T, \dots, 1",
                      r"y_t = \mathrm{merge}("],
    "stacked": ["$x_{1}$", "$h^{(1)}_{1}$", "$h^{(2)}_{1}$", "$h^{(1)}_{T}$", "$h^{(2)}_{T}$", "$h^{(1)}_0$",
                "h^{(0)}_t = x_t"],
    "encoder_decoder_attention": ["$h_{1}$", "$h_{T}$", "$s_{t'}$", "$s_{t'-1}$", r"$\alpha_{t',1}$",
                                  r"$\alpha_{t',T}$", "u_{t'}", r"$\hat{y}_{t'}$", "$y_{t'-1}$",
                                  r"e_{t',t} = v^\top \tanh(s_{t'-1} W_q + h_t W_k)"],
    "sentiment_model": ["$E$", "$h_T$", "$x_1$", r"$\sigma(h_T w_y + b_y)$", r"$\hat{p}$", "$h_0$"],
    "forecast_windows": ["x^{(b)} = (s_b", "y^{(b)} = s_{b+T}", "training", "validation", "test"],
    "generation_loop": [r"$p_\tau$", r"\mathrm{softmax}(z_t/\tau)", "z_t = h_t W_y + b_y", "$h_1$", "$h_0$",
                        "end mark"],
    "speech_pipeline": ["$x_1$", "$m_1 = 1$", "$m_5 = 0$", "$h_T = h_4$", "$h_0$", "10 logits", "MFCC"],
}
PAGE_PX = 700  # the width of the book's content column at the theme's default width
MIN_POINTS = 9.5  # the smallest text size that reads at that width


def labels(fig):
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.fixture(scope="module")
def figures():
    return {name: draw(name) for name in DIAGRAMS}


def test_the_registry_has_the_names_the_chapters_use():
    assert sorted(DIAGRAMS) == sorted(REQUIRED), "rnncourse.diagrams.DIAGRAMS must register exactly the fixed names"


def test_an_unknown_name_says_which_exist():
    with pytest.raises(KeyError, match="no diagram named 'lstm'.*lstm_cell"):
        draw("lstm")


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_diagram_draws_and_shows_its_symbols(figures, name):
    fig = figures[name]
    assert isinstance(fig, Figure), f"{name}: expected a matplotlib Figure, got {type(fig).__name__}"
    texts = [t.get_text() for t in labels(fig)]
    missing = [s for s in REQUIRED[name] if not any(s in t for t in texts)]
    assert not missing, f"{name}: no label shows {missing}; its labels are {texts}"


def layout_faults(fig):
    """Labels cut off at the figure's edge, and pairs of labels whose boxes overlap (by more than half a pixel)."""
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels(fig)]
    frame = fig.bbox
    outside = [s for s, b in boxes if b.x0 < frame.x0 - 0.5 or b.y0 < frame.y0 - 0.5
               or b.x1 > frame.x1 + 0.5 or b.y1 > frame.y1 + 0.5]
    overlaps = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
                if min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > 0.5 and min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > 0.5]
    return outside, overlaps


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_no_two_labels_overlap_and_none_leaves_the_figure(figures, name):
    outside, overlaps = layout_faults(figures[name])
    assert not outside, f"{name}: labels cut off at the figure's edge: {outside}"
    assert not overlaps, f"{name}: overlapping labels {overlaps}"


def test_the_layout_check_finds_an_overlap_and_a_cut_off_label():
    fig, ax = style.canvas(4, 2)
    style.text(ax, 2, 1, "$h_t$")
    style.text(ax, 2.15, 1.05, "$x_t$")
    style.text(ax, 3.5, 1.7, "a label too long for the edge", ha="left")
    style.text(ax, 1, 0.4, "apart")
    outside, overlaps = layout_faults(fig)
    assert outside == ["a label too long for the edge"]
    assert overlaps == [("$h_t$", "$x_t$")]


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_text_reads_at_the_page_width(figures, name):
    fig = figures[name]
    width_px = fig.get_size_inches()[0] * 96  # an SVG's inch is 96 CSS pixels
    scale = min(1.0, PAGE_PX / width_px)
    small = sorted({t.get_fontsize() * scale for t in labels(fig) if t.get_fontsize() * scale < MIN_POINTS})
    assert not small, f"{name}: text of {small} pt at {PAGE_PX} px wide, below {MIN_POINTS} pt"


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_svg_is_the_same_bytes_every_time(name):
    first, second = svg(draw(name)), svg(draw(name))
    assert first == second, f"{name}: two renders differ"
    assert "<dc:date>" not in first, f"{name}: the SVG carries a date"


def test_svg_is_the_same_bytes_in_another_process():
    code = "from rnncourse.diagrams import draw, svg; import sys; sys.stdout.write(svg(draw('lstm_cell')))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert other == svg(draw("lstm_cell"))


def load_extension():
    spec = importlib.util.spec_from_file_location("diagrams_extension", ROOT / "book" / "_ext" / "diagrams.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extension_writes_every_diagram_once(tmp_path):
    extension = load_extension()
    files = extension.write_diagrams(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.svg" for n in REQUIRED)
    assert [p.stem for p in files] == list(DIAGRAMS)
    for path in files:
        assert path.read_text().lstrip().startswith("<?xml") and "</svg>" in path.read_text()
        assert path.read_text() == svg(draw(path.stem))
    stamps = {p: p.stat().st_mtime_ns for p in files}
    extension.write_diagrams(tmp_path)
    assert {p: p.stat().st_mtime_ns for p in files} == stamps, "an unchanged diagram was rewritten"


def test_extension_is_registered_in_the_book_config():
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["sphinx"]["local_extensions"].get("diagrams") == "book/_ext"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "/book/diagrams/" in ignored


@pytest.mark.slow
def test_a_sphinx_build_numbers_a_figure_of_a_diagram(tmp_path):
    """The extension in a real build: the SVG exists before the pages are read, {numref} numbers it."""
    (tmp_path / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_parser', 'diagrams']\nnumfig = True\n")
    (tmp_path / "index.md").write_text(
        "# Cells\n\n```{figure} book/diagrams/lstm_cell.svg\n:name: fig-lstm-cell\n:alt: One LSTM step.\n\n"
        "The LSTM cell.\n```\n\nAs {numref}`fig-lstm-cell` shows.\n")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(tmp_path),
                             str(tmp_path / "_build")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "_build" / "index.html").read_text()
    assert re.search(r"As <a [^>]*href=\"#fig-lstm-cell\"[^>]*>.*Fig\. 1", page), "numref did not number the figure"
    assert (tmp_path / "_build" / "_images" / "lstm_cell.svg").read_text() == svg(draw("lstm_cell"))
