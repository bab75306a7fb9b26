"""The runs "on another machine" of tools/robust.py: run names, and the environment that forces the kernels.

Every chapter executes once more under RNNCOURSE_SEED=5 on the avx2 variant in the website test's
build (tests/test_website.py, ELSEWHERE), where every assert must hold; the full grid of seeds and
variants is `make robust`. These tests check that a run's name and environment mean what they say.
"""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import robust  # noqa: E402


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
