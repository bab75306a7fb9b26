"""Move one set of weights between the NumPy reference, PyTorch and Keras.

    from rnncourse.bridges import to_torch, from_torch, to_keras, from_keras

``to_torch(params)`` builds an ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` holding our
weights and ``from_torch(module)`` reads them back; ``to_keras`` and ``from_keras``
do the same with Keras' ``SimpleRNN`` / ``LSTM`` / ``GRU`` and ``Bidirectional``.
The two frameworks load lazily: importing the PyTorch bridge does not start
TensorFlow, which takes seconds, and neither needs the other installed.
"""
from __future__ import annotations

import importlib

_WHERE = {"to_torch": "torch_bridge", "from_torch": "torch_bridge",
          "to_keras": "keras_bridge", "from_keras": "keras_bridge"}

__all__ = list(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
