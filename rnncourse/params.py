"""Named parameter containers shared by every layer of the reference.

Each layer keeps its weights in a dataclass derived from :class:`Params`
(``RNNParams``, ``LSTMParams``, ``GRUParams``, ``DenseParams``, ...). Its
gradients come back in the same container type, so ``grads.Wh`` sits next to
``params.Wh``. Fields that are not arrays (``activation``, ``reset_after``)
describe the layer and are copied, never differentiated.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .checks import DTypeError, ShapeError, check_array


class Params:
    """Mixin for dataclasses of named arrays (and nested ``Params``)."""

    def arrays(self, prefix=""):
        """All arrays as an ordered ``{name: array}`` dict; nested names are dotted."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                out[prefix + f.name] = v
            elif isinstance(v, Params):
                out.update(v.arrays(prefix + f.name + "."))
            elif isinstance(v, (list, tuple)) and v and all(isinstance(p, Params) for p in v):
                for i, p in enumerate(v):
                    out.update(p.arrays(f"{prefix}{f.name}.{i}."))
        return out

    def map(self, fn):
        """A copy of this container with ``fn`` applied to every array."""
        changes = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                changes[f.name] = fn(v)
            elif isinstance(v, Params):
                changes[f.name] = v.map(fn)
            elif isinstance(v, (list, tuple)) and v and all(isinstance(p, Params) for p in v):
                changes[f.name] = type(v)(p.map(fn) for p in v)
        return dataclasses.replace(self, **changes)

    def zeros_like(self):
        """Zeros of every array's shape and dtype, in C (row-major) order
        whatever the array's own order: gradients are summed into them once
        per time step, and adding a row-major product into a column-major
        array is several times slower."""
        return self.map(lambda a: np.zeros(a.shape, a.dtype))

    def copy(self):
        return self.map(np.copy)

    def astype(self, dtype):
        return self.map(lambda a: a.astype(dtype))

    def count(self):
        """Number of scalar parameters, as Keras ``count_params()`` counts them."""
        return int(sum(a.size for a in self.arrays().values()))

    @property
    def dtype(self):
        return next(iter(self.arrays().values())).dtype

    def check_consistent(self, shapes):
        """Check every array against ``shapes``: ``{name: (dims, spec)}``; one dtype for all.

        A spec may use the size of an array checked before it, so list the arrays
        that fix D and H first.
        """
        for name in shapes:
            if isinstance(getattr(self, name), (list, tuple)):
                setattr(self, name, np.asarray(getattr(self, name)))
        dtype = self.dtype
        if dtype.type not in (np.float32, np.float64):
            raise DTypeError(f"parameters must be float32 or float64, got {dtype}")
        cls = type(self).__name__
        for name, (dims, spec) in shapes.items():
            a = getattr(self, name)
            if a is None:
                continue
            try:
                check_array(f"{cls}.{name}", a, dims, spec, dtype=dtype)
            except ShapeError as e:
                raise ShapeError(f"{e} (parameters disagree on sizes)") from None
        return self


def glorot_uniform(rng, fan_in, fan_out, dtype):
    """Keras' default kernel initializer."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def orthogonal(rng, n, m, dtype):
    """Keras' default recurrent initializer: an (n, m) matrix with orthonormal rows or columns."""
    a = rng.standard_normal((max(n, m), min(n, m)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    q = q if n >= m else q.T
    # row-major, like every other array here (QR gives column-major q)
    return np.ascontiguousarray(q[:n, :m], dtype=dtype)


def as_rng(seed_or_rng):
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return np.random.default_rng(seed_or_rng)
