"""Every chapter once more as if on another machine: another training seed, other CPU kernels.

nbval runs the chapters with their own seeds on this CPU's kernels. A claim that holds only there
would fail on a reader's laptop, so here each chapter runs with RNNCOURSE_SEED=5 (a seed that is not
among the five of docs/ROBUSTNESS.md) and with MKL, oneDNN, ATen and OpenBLAS forced onto AVX2
kernels (tools/robust.py's "avx2" variant). Every cell must run, so every assert must hold, and
every pinned output must equal the stored one. The full grid of seeds and variants is `make robust`.
"""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import robust  # noqa: E402

RUN = "seed-5+avx2"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", robust.CHAPTERS, ids=lambda c: Path(c).stem)
def test_chapter_holds_under_another_seed_and_cpu(chapter):
    result = robust.run_one(chapter, RUN, timeout=600)
    failures = "\n".join(f"  cell {f['cell']}: {f['error']}" for f in result.get("failures", [result]))
    assert result["passed"], f"{chapter} under {RUN} ({robust.VARIANTS['avx2']}):\n{failures}"
    assert result["headlines"], f"{chapter} published no headline figure (rnncourse.headlines.headline)"


def test_run_names_are_checked():
    assert robust.parse_run("seed-5+avx2") == (5, "avx2")
    assert robust.parse_run("seed-3") == (3, "native")
    for bad in ("seed-x", "5+avx2", "seed-1+avx9"):
        with pytest.raises(SystemExit, match="seed-N"):
            robust.parse_run(bad)


def test_variant_environment_forces_the_kernels():
    env = robust.run_environment("seed-5+avx2")
    assert env["RNNCOURSE_SEED"] == "5" and env["MKL_ENABLE_INSTRUCTIONS"] == "AVX2"
    kernels = robust.kernels("seed-5+avx2")
    assert kernels["torch_cpu_capability"] in ("AVX2", "DEFAULT"), kernels
    assert all(d["architecture"] in ("Haswell",) for d in kernels["numpy_blas"] if d["internal_api"] == "openblas"), kernels
