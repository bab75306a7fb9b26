"""Make chapter notebooks launchable and linked: the install cell, the exercise link, citations.

    python tools/website_cells.py book/01_hidden_state.ipynb ...   (or no argument: every chapter)

Idempotent: running it again on a chapter changes nothing. What it does to each notebook:

- puts an install cell first: in Colab (or any Jupyter without the course package) it installs
  `rnncourse` from the repository named in `_config.yml`; where the package is importable (the
  book build, the tests, Binder) it does nothing. The cell is tagged `remove-cell`, so the web page
  does not show it;
- turns the closing "The graded exercise for this chapter is assignment `X` ..." sentence into a
  cross-reference to the exercise's section of book/exercises.md (label `exercise-X`);
- applies the chapter's entry of EDITS: citations ({cite}`key`, keys in book/references.bib) and
  glossary links ({term}`...`, book/glossary.md) in the markdown, and CODE_EDITS (figure colours) in
  the code. An edit whose text is found neither before nor after is an error, so a reworded chapter
  is noticed, not skipped.

It then renumbers the pinned cells' execution counts as tools/pin_outputs.py does.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from pin_outputs import strip  # noqa: E402

INSTALL_TAG = "remove-cell"
INSTALL_MARK = "# rnncourse: install when missing"


def package_url(config_path=ROOT / "_config.yml"):
    """The pip requirement of the course package, made from `repository:` in _config.yml."""
    repo = yaml.safe_load(Path(config_path).read_text())["repository"]
    return f"rnncourse @ git+{repo['url'].rstrip('/')}@{repo.get('branch', 'main')}"


def install_source(url=None):
    return (f"{INSTALL_MARK} (Colab, or a Jupyter without it); does nothing where it is installed\n"
            "try:\n"
            "    import rnncourse\n"
            "except ImportError:\n"
            f"    %pip install --quiet \"{url or package_url()}\"\n")


def ensure_install_cell(nb, url=None):
    """The install cell at index 0, exactly once, with the current URL."""
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(INSTALL_MARK)]
    cell = found[0] if found else nbformat.v4.new_code_cell()
    nb.cells = [cell] + [c for c in nb.cells if not any(c is f for f in found)]
    cell.source = install_source(url)
    cell.metadata["tags"] = [INSTALL_TAG]
    if "id" in cell:
        cell.id = "install-rnncourse"


EXERCISE = re.compile(r"The graded exercise for this chapter is assignment `(\w+)` in the\s+course's\s+"
                      r"`exercises/`\s+folder\s+\(\[on GitHub\]\(([^)\s]+)\)\)\.")


def link_exercise(nb):
    """Point the chapter's exercise sentence at book/exercises.md; the GitHub link stays."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = EXERCISE.sub(
                lambda m: (f"The graded exercise for this chapter is {{ref}}`exercise-{m[1]}` (the notebook "
                           f"`exercises/{m[1]}/{m[1]}.ipynb`, also [on GitHub]({m[2]}))."), cell.source)


# chapter file name -> (text as written, text with the citation or glossary link)
EDITS = {
    "01_hidden_state": [
        ("neural network (RNN) reads such data one **time step** at a time",
         "neural network ({term}`RNN <Recurrent neural network>`) {cite}`elman1990` reads such data one "
         "{term}`time step` at a time"),
        ("has read so far, its **hidden state**, from one step to the next.",
         "has read so far, its {term}`hidden state`, from one step to the next."),
        ("Drawn with its loop, an RNN is one cell that feeds its output back into itself. Drawn **unrolled**, it is",
         "Drawn with its loop, an RNN is one cell that feeds its output back into itself. Drawn "
         "{term}`unrolled <unrolling>`, it is"),
    ],
    "02_bptt": [
        ("That procedure is called **backpropagation through time** (BPTT).",
         "That procedure is called {term}`backpropagation through time` (BPTT) {cite}`werbos1990`."),
        ("shrinks like $\\rho^{T-t}$ when $\\rho < 1$ (**vanishing**) and grows like $\\rho^{T-t}$ when $\\rho > 1$",
         "shrinks like $\\rho^{T-t}$ when $\\rho < 1$ ({term}`vanishing <vanishing gradient>`) and grows like "
         "$\\rho^{T-t}$ when $\\rho > 1$"),
        ("(**exploding**). The $\\tanh$ can only make the factors smaller,",
         "({term}`exploding <exploding gradient>`) {cite}`bengio1994,pascanu2013`. The $\\tanh$ can only make "
         "the factors smaller,"),
        ("problem** (Hochreiter and Schmidhuber, 1997) tests exactly that.",
         "problem** {cite}`hochreiter1997` tests exactly that."),
    ],
    "03_lstm": [
        ("The **long short-term memory** (LSTM, Hochreiter and Schmidhuber, 1997, with the forget gate of Gers,\n"
         "Schmidhuber and Cummins, 2000) changes the cell, not the training.",
         "The {term}`long short-term memory` (LSTM, {cite:t}`hochreiter1997`, with the {term}`forget gate` of "
         "{cite:t}`gers2000`) changes the cell, not the training."),
        ("It keeps a second state, the **cell\nstate** $c_t$,",
         "It keeps a second state, the {term}`cell state` $c_t$,"),
    ],
    "04_gru": [
        ("second state $c_t$ and four gate blocks. Cho et al. (2014) asked how much of that machinery",
         "second state $c_t$ and four gate blocks. {cite:t}`cho2014` asked how much of that machinery"),
        ("is needed and proposed a smaller cell, the **gated recurrent unit**: one state $h_t$, two",
         "is needed and proposed a smaller cell, the {term}`gated recurrent unit`: one state $h_t$, two"),
        ("- the **update gate** $z_t$ decides how much of the old state to *keep*.",
         "- the {term}`update gate` $z_t$ decides how much of the old state to *keep*."),
    ],
    "05_bidirectional_attention": [
        ("- a **bidirectional** layer adds a second layer that reads the sequence from right to left, so",
         "- a {term}`bidirectional <bidirectional RNN>` layer {cite}`schuster1997` adds a second layer that "
         "reads the sequence from right to left, so"),
        ("- **attention** lets a decoder look back at all the outputs of an encoder and take a weighted",
         "- {term}`attention` lets a decoder look back at all the outputs of an encoder and take a weighted"),
        ("In its first form (Sutskever et\nal., 2014; Cho et al., 2014) the decoder",
         "In its first form {cite}`sutskever2014,cho2014` the decoder"),
        ("Attention (Bahdanau et al., 2015) removes it.", "Attention {cite}`bahdanau2015` removes it."),
        ("| additive (Bahdanau et al., 2015) |", "| additive {cite}`bahdanau2015` |"),
        ("| dot (Luong et al., 2015) |", "| dot {cite}`luong2015` |"),
        ("| general (Luong et al., 2015) |", "| general {cite}`luong2015` |"),
        ("**Teacher forcing.** During training", "**{term}`Teacher forcing`.** During training"),
    ],
    # 06a is being rewritten: these match its text of session 3; reworded text stops the script with its name
    "06a_sentiment": [
        ("from Pang and Lee's movie-review data (see",
         "from Pang and Lee's movie-review data {cite}`pang2005` (see"),
        ("Each id becomes a vector of an embedding table $E$ of shape",
         "Each id becomes a vector of an {term}`embedding` table $E$ of shape"),
        ("reach about 76% (Kim, 2014,", "reach about 76% ({cite:t}`kim2014`,"),
    ],
    "06b_forecasting": [
        ("One recurrent layer reads the window and its last hidden state makes the forecast:",
         "One recurrent layer reads the window and its last {term}`hidden state` makes the forecast:"),
        ("measure is not a network but the *naive forecast*, \"tomorrow equals today\".",
         "measure is not a network but the *naive forecast*, \"tomorrow equals today\", the {term}`baseline`."),
    ],
    "06c_text_generation": [
        ("Training is ordinary many-to-many prediction with *teacher forcing*: the input is the name with",
         "Training is ordinary many-to-many prediction with {term}`teacher forcing`: the input is the name with"),
        ("The temperature $\\tau > 0$ trades safety for variety:",
         "The {term}`temperature` $\\tau > 0$ {cite}`graves2013` trades safety for variety:"),
        ("The perplexity $e^{\\text{cross-entropy}}$ reads as",
         "The {term}`perplexity` $e^{\\text{cross-entropy}}$ reads as"),
    ],
    "06d_speech": [
        ("and returns a mask that is true on the real frames.",
         "and returns a {term}`mask` that is true on the real frames."),
    ],
}


# figures: colours of the colour-blind-safe palette (tableau-colorblind10), not changing what is drawn
# (the diagrams are drawn by rnncourse.diagrams now, in one style; no chapter needs one today)
CODE_EDITS = {}


def apply_edits(nb, name):
    _replace([c for c in nb.cells if c.cell_type == "markdown"], EDITS.get(name, []), name)
    _replace([c for c in nb.cells if c.cell_type == "code"], CODE_EDITS.get(name, []), name)


def _replace(cells, edits, name):
    for old, new in edits:
        if any(new in c.source for c in cells):
            continue
        found = [c for c in cells if old in c.source]
        if not found:
            raise SystemExit(f"{name}: the text to link was reworded, update EDITS in {__file__}: {old!r}")
        found[0].source = found[0].source.replace(old, new, 1)


def process(path):
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    before = nbformat.writes(nb)
    ensure_install_cell(nb)
    link_exercise(nb)
    apply_edits(nb, path.stem)
    strip(nb)
    if nbformat.writes(nb) != before:
        nbformat.write(nb, path)
        return True
    return False


def main(argv=None):
    paths = (argv if argv is not None else sys.argv[1:]) or sorted(str(p) for p in (ROOT / "book").glob("0*.ipynb"))
    for p in paths:
        print(("updated " if process(p) else "unchanged ") + str(p))


if __name__ == "__main__":
    main()
