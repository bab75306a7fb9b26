"""Reading the answers: the released exercises hold no solution line, hidden test line, or revealing checksum.

Oracle: the secret lines are the lines between `### BEGIN SOLUTION`/`### END SOLUTION` and
`### BEGIN HIDDEN TESTS`/`### END HIDDEN TESTS` in solutions/ that appear nowhere else in the source
notebook or in the assignment's released helper files (so they are public anyway); none may occur in any file of exercises/<assignment>/.
"""
import json

import nbformat
import pytest
from nbgrader.utils import compute_checksum
from nbgrader_harness import ROOT, assignments, nb_path

MARKERS = {"### BEGIN SOLUTION": "### END SOLUTION", "### BEGIN HIDDEN TESTS": "### END HIDDEN TESTS"}


def secret_lines(source_nb, public_files=()):
    """{line: grade_id} of every non-trivial line that only the solution or hidden-test blocks hold.

    public_files: the assignment's other files (data, helper scripts), released as they are.
    """
    secret, public = {}, {line.strip() for f in public_files for line in f.read_text().split("\n")}
    for cell in source_nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
        end = None
        for line in cell.source.split("\n"):
            s = line.strip()
            if end is None and s in MARKERS:
                end = MARKERS[s]
            elif end is not None and s == end:
                end = None
            elif end is not None:
                secret.setdefault(s, gid)
            else:
                public.add(s)
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            for line in cell.source.split("\n"):  # the model answer of a written question
                secret.setdefault(line.strip(), gid)
    return {s: g for s, g in secret.items() if len(s.replace(" ", "")) >= 12 and s not in public}


def release_texts(folder):
    """{path: text} of every file of a release; notebooks also as their joined cell sources and outputs."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            out[path] = text
            if path.suffix == ".ipynb":
                nb = nbformat.reads(text, as_version=4)
                out[path] += "\n".join(c.source + json.dumps(c.get("outputs", [])) for c in nb.cells)
    return out


@pytest.mark.parametrize("assignment", assignments())
def test_release_holds_no_secret_line(assignment):
    source = nbformat.read(ROOT / nb_path("solutions", assignment), as_version=4)
    secrets = secret_lines(source, [p for p in (ROOT / "solutions" / assignment).rglob("*.py")])
    assert len(secrets) >= 10, f"{assignment}: only {len(secrets)} secret lines found: is the oracle broken?"
    texts = release_texts(ROOT / "exercises" / assignment)
    assert texts, f"exercises/{assignment} is empty"
    leaks = [(str(p.relative_to(ROOT)), gid, line) for line, gid in secrets.items() for p, t in texts.items() if line in t]
    assert not leaks, f"{assignment}: the release reveals {len(leaks)} secret lines, e.g. {leaks[:5]}"


@pytest.mark.parametrize("assignment", assignments())
def test_release_checksums_hash_only_the_release(assignment):
    """A checksum in the release is the hash of the released cell itself, not of the hidden or solution code."""
    release = nbformat.read(ROOT / nb_path("exercises", assignment), as_version=4)
    checked = 0
    for cell in release.cells:
        md = cell.metadata.get("nbgrader", {})
        if "checksum" in md:
            assert md["checksum"] == compute_checksum(cell), \
                f"{assignment} cell {md.get('grade_id')}: its checksum hashes something other than the released cell"
            checked += 1
    assert checked, f"{assignment}: no checksum in the release (nbgrader's metadata is missing?)"


def test_oracle_finds_a_planted_leak(tmp_path):
    """The scan is not blind: a release with one solution line pasted into a comment is caught."""
    a = assignments()[0]
    source = nbformat.read(ROOT / nb_path("solutions", a), as_version=4)
    line, gid = next(iter(secret_lines(source).items()))
    release = nbformat.read(ROOT / nb_path("exercises", a), as_version=4)
    release.cells[0].source += f"\n<!-- {line} -->"
    (tmp_path / "x.ipynb").write_text(nbformat.writes(release))
    assert any(line in t for t in release_texts(tmp_path).values())
