"""The machine and the versions a benchmark ran with, for the report's header."""
from __future__ import annotations

import os
import platform
from pathlib import Path

CORES = os.cpu_count() or 1


def cpu_model():
    """The model name, with the CPU family and model numbers and whether it has AVX-512: a virtual
    machine often says only "AMD EPYC", which covers CPU generations that round and run differently."""
    try:
        fields = {}
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
            if not line.strip():  # the first processor is enough
                break
        name = fields.get("model name")
        if name:
            flags = fields.get("flags", "").split()
            return (f"{name} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')}, "
                    f"{'with' if 'avx512f' in flags else 'without'} AVX-512)")
    except OSError:
        pass
    return platform.processor() or "unknown"


def numpy_blas():
    """Name and version of the BLAS NumPy calls, e.g. 'scipy-openblas 0.3.31.188.0'."""
    import numpy as np
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy has no mode="dicts"; the report then says so
        return "unknown BLAS"


def openblas():
    """The OpenBLAS NumPy loaded, as threadpoolctl reports it: {'architecture': the kernel it chose,
    'internal_api', 'num_threads', 'version'}; None when NumPy's BLAS is not OpenBLAS."""
    from threadpoolctl import threadpool_info
    for lib in threadpool_info():
        if lib.get("internal_api") == "openblas" and "numpy" in lib.get("filepath", ""):
            return {k: lib.get(k) for k in ("architecture", "internal_api", "num_threads", "version")}
    return None


def versions(frameworks=True):
    """{'python': ..., 'numpy': ..., ...}; frameworks=False leaves out torch, tensorflow and keras."""
    from importlib.metadata import version

    import numpy as np
    out = {"python": platform.python_version(), "numpy": f"{np.__version__} ({numpy_blas()})",
           "nbgrader": version("nbgrader"), "jupyter-book": version("jupyter-book")}
    if frameworks:
        import keras
        import tensorflow as tf
        import torch
        out.update(torch=torch.__version__, tensorflow=tf.__version__, keras=f"{keras.__version__} "
                   f"(backend {keras.backend.backend()})")
    return out


def describe():
    """{'cores', 'cpu', 'load'}: the load average (1 min) says how busy the machine was."""
    return {"cores": CORES, "cpu": cpu_model(), "load": round(os.getloadavg()[0], 2)}
