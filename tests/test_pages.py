"""What a reader meets on every page, checked on the sources (tests/test_website.py checks the built site).

- no internal words: readers never saw the documents the course was planned from, nor its tracker;
- one notation: every symbol the chapters' equations use is on the notation page;
- no test plumbing in the prose: no nbval markers, no timing prints;
- no line of the package's code that a page includes is wider than the code box.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages, stack = [toc["root"]], list(toc.get("parts", [])) + list(toc.get("chapters", []))
    while stack:
        item = stack.pop(0)
        if "file" in item:
            pages.append(item["file"])
        stack[:0] = item.get("chapters", []) + item.get("sections", [])
    return pages


PAGES = [ROOT / (p + ext) for p in toc_pages() for ext in (".md", ".ipynb") if (ROOT / (p + ext)).exists()]
CHAPTERS = [p for p in PAGES if p.suffix == ".ipynb"]

# Words of the project's workshop that mean nothing to a reader. "seed" is fine as a random seed;
# only its use for a source document is internal.
INTERNAL = re.compile(r"\boutlines?\b|\bseed(?:'s| documents?| notebooks?| material)\b|\bthe seeds'|\bissues? \d+\b"
                      r"|\b(?:this|the|an|that) issue\b|\bissue tracker\b", re.I)
MARKERS = re.compile(r"NBVAL_\w+|nbval-\w+")
TIMING = re.compile(r"perf_counter|process_time|\bs wall\b|\bwall clock\b", re.I)


def shown_text(path):
    """(where, text) of everything a page shows: markdown, and the code of cells not removed."""
    if path.suffix == ".md":
        return [(path.name, path.read_text())]
    nb = nbformat.read(path, as_version=4)
    parts = []
    for k, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown" or (cell.cell_type == "code" and "remove-cell" not in tags
                                            and "remove-input" not in tags):
            parts.append((f"{path.name} cell {k}", cell.source))
    return parts


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_no_internal_words(path):
    found = [(where, m.group(0)) for where, text in shown_text(path) for m in INTERNAL.finditer(text)]
    assert not found, f"{path.name} speaks of the project's internals, not of the subject: {found[:8]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_test_markers_or_timing_on_the_page(path):
    found = [(where, m.group(0)) for where, text in shown_text(path)
             for m in list(MARKERS.finditer(text)) + list(TIMING.finditer(text))]
    assert not found, (f"{path.name} shows test plumbing or a timing (pins are the cell tag nbval-check-output; "
                       f"timings belong in bench/): {found[:8]}")


def test_the_word_checks_can_fail():
    assert INTERNAL.search("As the course outline says") and INTERNAL.search("the seed's models")
    assert INTERNAL.search("see issue 12") and not INTERNAL.search("a random seed of 3; seeds 0-4")
    assert MARKERS.search("# NBVAL_CHECK_OUTPUT") and TIMING.search("print(f'{time.perf_counter() - t0} s')")


# --- notation -------------------------------------------------------------------------------------

MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$|\\begin\{(\w+\*?)\}(.+?)\\end\{\3\}", re.S)
GREEK = set("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi "
            "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega "
            "ell".split())
DECOR = r"(?:bar|hat|tilde|overleftarrow|overrightarrow|vec|mathbf|boldsymbol)"


def symbols(tex):
    """The symbols of one formula: single letters, Greek letters and decorated letters (\\bar{h}).

    Words in \\mathrm/\\text and everything in sub- and superscripts (indices) are not symbols.
    """
    tex = re.sub(r"\\(?:mathrm|text|operatorname|textrm|mathit|mathbb|mathcal)\s*\{[^{}]*\}", " ", tex)
    found = set()
    for m in re.finditer(r"\\(" + DECOR + r")\s*\{\s*(\\?[A-Za-z]+)\s*\}", tex):
        found.add(f"\\{m.group(1)}{{{m.group(2)}}}")
    tex = re.sub(r"\\" + DECOR + r"\s*\{\s*\\?[A-Za-z]+\s*\}", " ", tex)
    previous = None
    while previous != tex:
        previous, tex = tex, re.sub(r"[_^]\{[^{}]*\}", " ", tex)
    tex = re.sub(r"[_^]\s*\\?[A-Za-z0-9']", " ", tex)
    found |= {"\\" + m.group(1) for m in re.finditer(r"\\([A-Za-z]+)", tex) if m.group(1) in GREEK}
    tex = re.sub(r"\\[A-Za-z]+", " ", tex)
    found |= {m.group(1) for m in re.finditer(r"(?<![A-Za-z])([A-Za-z])(?![A-Za-z])", tex)}
    return found


def page_symbols(path):
    """{symbol: first formula using it} over the page's prose (markdown cells; not code)."""
    if path.suffix == ".ipynb":
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    else:
        text = path.read_text()
    text = re.sub(r"```(?!\{math\}).*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`\n]*`", " ", text)
    used = {}
    for m in MATH.finditer(text):
        for s in symbols(next(g for g in (m.group(1), m.group(2), m.group(4)) if g)):
            used.setdefault(s, m.group(0)[:80])
    return used


def test_symbol_extraction():
    assert symbols(r"h_t = \tanh(x_t W_x + h_{t-1} W_h + b)") == {"h", "x", "W", "b"}
    assert symbols(r"\alpha_{t',t} = \mathrm{softmax}(e_{t',t})") == {"\\alpha", "e"}
    assert symbols(r"\bar{h} = \frac{1}{T}\sum_t h_t") == {"\\bar{h}", "T", "h"}
    assert symbols(r"\overleftarrow{h}_{T+1} = 0") == {"\\overleftarrow{h}"}


def test_every_symbol_of_the_chapters_is_on_the_notation_page():
    listed = set(page_symbols(ROOT / "book" / "notation.md"))
    missing = {}
    for path in CHAPTERS:
        for symbol, formula in page_symbols(path).items():
            if symbol not in listed:
                missing.setdefault(symbol, f"{path.name}: {formula}")
    assert not missing, ("symbols used in chapters but missing from book/notation.md (add them, with one "
                         f"meaning each): {dict(sorted(missing.items()))}")


# The code box of the page holds 80 characters; test_website.py measures the built page in a browser
# (a 91-character line scrolled sideways there). This finds the same lines in the sources, in a second.
CODE_BOX_CHARS = 80
INCLUDE = re.compile(r"```\{literalinclude\}\s+(\S+)\n((?::[^\n]*\n)*)")


def included_lines(page, target, options):
    """(path, first line number, lines) of what a literalinclude shows: a whole file or a :pyobject:."""
    path = (page.parent / target).resolve()
    text = path.read_text()
    lines = text.splitlines()
    qualname = re.search(r":pyobject:\s*([\w.]+)", options)
    if not qualname:
        return path, 1, lines
    node = ast.parse(text)
    for name in qualname.group(1).split("."):
        found = [n for n in ast.iter_child_nodes(node) if getattr(n, "name", None) == name]
        assert found, f"{page.name} includes {qualname.group(1)} from {target}, which has no {name}"
        node = found[0]
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return path, start, lines[start - 1:node.end_lineno]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_included_code_fits_the_code_box(path):
    wide = []
    for _, text in shown_text(path):
        for target, options in INCLUDE.findall(text):
            source, start, lines = included_lines(path, target, options)
            wide += [f"{source.relative_to(ROOT)}:{start + i}: {len(line)} characters: {line.strip()}"
                     for i, line in enumerate(lines) if len(line) > CODE_BOX_CHARS]
    assert not wide, (f"{path.name} shows lines wider than the code box ({CODE_BOX_CHARS} characters), "
                      "which scroll sideways:\n" + "\n".join(wide))
