"""In-kernel checks the hidden tests compare through, immune to the usual monkeypatching.

Student code runs in the same kernel before the hidden tests, so a test that calls ``np.allclose`` or
``==`` trusts whatever the student left behind. The guard instead

* records, when sealed (``seal()``, run by the grading kernel before the notebook's first cell), the
  objects tests rely on: NumPy, numpy.testing, math, unittest.mock, the rnncourse reference modules
  (every public function and class, with each function's code and defaults), a few builtins and the
  sys hooks; ``intact()`` raises "tampering detected: ..." when any of them was replaced, or when a
  trace/profile function is installed (which could skip a test's lines);
* compares with exact types (``np.ndarray`` itself, a float dtype, not a subclass or an object whose
  ``__eq__`` says True), the expected shape, finite values, and arithmetic on pristine functions.

In an ``nbgrader autograde`` kernel that was not started by rnncourse.grading.kernel (so not sealed
before student code ran), every check fails: the references could already be replaced.
"""
from __future__ import annotations

import builtins
import importlib
import math
import os
import pkgutil
import sys
import types
import unittest.mock

import numpy
import numpy.testing

import rnncourse

WATCHED = ("numpy", "numpy.testing", "numpy.linalg", "math", "unittest.mock")
BUILTINS = ("isinstance", "type", "abs", "all", "any", "len", "float", "int", "bool", "str", "repr", "range",
            "zip", "min", "max", "sum", "getattr", "setattr", "hasattr", "iter", "next", "print", "id",
            "AssertionError", "Exception", "BaseException", "TypeError", "ValueError", "__import__")
SYS_HOOKS = ("excepthook", "displayhook", "settrace", "gettrace", "setprofile", "getprofile")

_T = {}           # pristine objects used below, captured at import (before the kernel runs any cell)
_snapshot = None  # {module name: (module, {attribute: (object, code, defaults, kwdefaults)})}
_sealed_at_start = False


def _capture_basics():
    _T.update(type=type, isinstance=isinstance, len=len, int=int, float=float, tuple=tuple, AssertionError=AssertionError,
              ndarray=numpy.ndarray, isfinite=numpy.isfinite, abs=numpy.abs, all=numpy.all, bool_=numpy.bool_,
              integer_types=tuple(numpy.sctypes["int"] + numpy.sctypes["uint"]) if hasattr(numpy, "sctypes") else
              (numpy.int8, numpy.int16, numpy.int32, numpy.int64, numpy.uint8, numpy.uint16, numpy.uint32, numpy.uint64),
              function=types.FunctionType, method=types.MethodType, gettrace=sys.gettrace, getprofile=sys.getprofile, modules=sys.modules, environ=os.environ)


_capture_basics()


def _reference_modules():
    """rnncourse and its NumPy modules (not frameworks/ or bridges/, which import Keras / PyTorch)."""
    names = ["rnncourse"]
    for info in pkgutil.iter_modules(rnncourse.__path__):
        if not info.ispkg:
            names.append(f"rnncourse.{info.name}")
    return names


def _entry(obj):
    """The object, and for a Python function what a student could swap inside it (code, defaults)."""
    if _T["type"](obj) is _T["method"]:  # e.g. sys.excepthook, which IPython sets again for every cell
        return (obj.__func__, obj.__self__, None, None)
    if _T["type"](obj) is not _T["function"]:
        return (obj, None, None, None)
    return (obj, obj.__code__, obj.__defaults__, obj.__kwdefaults__)


def _attributes(module, names=None):
    items = ((n, getattr(module, n)) for n in names) if names else vars(module).items()
    return {n: _entry(v) for n, v in items if not n.startswith("__") or n == "__import__"}


def seal():
    """Record the pristine state. The grading kernel calls this before the notebook's first cell."""
    global _snapshot, _sealed_at_start
    snap = {}
    for name in WATCHED + tuple(_reference_modules()):
        module = importlib.import_module(name)
        snap[name] = (module, _attributes(module))
    snap["builtins"] = (builtins, _attributes(builtins, BUILTINS))
    snap["sys"] = (sys, _attributes(sys, SYS_HOOKS))
    _snapshot = snap
    _sealed_at_start = True


def _fail(message):
    raise _T["AssertionError"](f"tampering detected: {message}")


def intact(namespace=None):
    """Raise "tampering detected: ..." unless everything sealed is as it was.

    namespace: the notebook's globals (pass ``globals()``); its ``np`` must then be NumPy itself.
    """
    global _snapshot
    if _snapshot is None:
        if _T["environ"].get("NBGRADER_EXECUTION") == "autograde":
            _fail("the grading kernel was not started by rnncourse.grading.kernel, so nothing was sealed "
                  "before the notebook ran (check nbgrader_config.py)")
        seal()  # outside grading (nbgrader validate, a notebook run by hand): seal now
    if _T["gettrace"]() is not None:
        _fail("a trace function is installed (sys.settrace)")
    if _T["getprofile"]() is not None:
        _fail("a profile function is installed (sys.setprofile)")
    for name, (module, attrs) in _snapshot.items():
        if _T["modules"].get(name) is not module:
            _fail(f"sys.modules[{name!r}] was replaced")
        current = vars(module)
        for attr, entry in attrs.items():
            if attr not in current:
                _fail(f"{name}.{attr} was deleted")
            now = _entry(current[attr])
            if any(a is not b for a, b in zip(now, entry)):
                _fail(f"{name}.{attr} was replaced or changed")
    if namespace is not None:
        for alias, name in (("np", "numpy"), ("math", "math"), ("mock", "unittest.mock")):
            if alias in namespace and namespace[alias] is not _snapshot[name][0]:
                _fail(f"the notebook's `{alias}` is no longer the {name} module")


def assert_array(value, shape, what):
    """value must be a NumPy array (exactly), of a float dtype, with this shape and finite values.

    what: names the value in the failure message, e.g. "h_t" -> "h_t: must have shape (2, 4), got (4, 2)".
    """
    intact()
    T = _T
    if T["type"](value) is not T["ndarray"]:
        raise T["AssertionError"](f"{what}: must be a NumPy array (np.ndarray), got {T['type'](value).__name__}")
    if value.dtype.kind != "f":
        raise T["AssertionError"](f"{what}: must hold floats, got dtype {value.dtype}")
    if T["tuple"](value.shape) != T["tuple"](shape):
        raise T["AssertionError"](f"{what}: must have shape {T['tuple'](shape)}, got {value.shape}")
    if not T["all"](T["isfinite"](value)):
        raise T["AssertionError"](f"{what}: holds nan or inf values")


def assert_close(got, want, what, atol=1e-8, rtol=1e-5):
    """|got - want| <= atol + rtol |want| everywhere (np.allclose's rule), on an exact float array of want's shape.

    what: the failure message, e.g. "hs differs from the reference for B, T, D, H = (3, 7, 5, 4)".
    """
    T = _T
    assert_array(want, want.shape, "the reference")  # also runs intact()
    assert_array(got, want.shape, what)
    ok = T["all"](T["abs"](got - want) <= atol + rtol * T["abs"](want))
    if T["type"](ok) is not T["bool_"] or not ok:
        raise T["AssertionError"](what)


def assert_int(got, want, what):
    """got must be a Python or NumPy integer (exact type, so no overridden __eq__) equal to want."""
    intact()
    T = _T
    if T["type"](got) is not T["int"] and T["type"](got) not in T["integer_types"]:
        raise T["AssertionError"](f"{what}: expected a whole number (int), got {T['type'](got).__name__}")
    if T["int"](got) != T["int"](want):
        raise T["AssertionError"](what)
