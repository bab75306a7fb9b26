"""SGD, RMSprop and Adam with Keras 3's update formulas, default hyperparameters and names.

    opt = Adam()
    for x, y in batches:
        ...forward, loss, backward -> grads (same container type as params)...
        opt.step(params, grads)      # updates the arrays of params in place

params and grads are both Params containers (e.g. RNNParams) or both dicts
``{name: array}``; the optimizer keeps its state (momentum, running averages)
per parameter name. Computations run in the parameters' dtype, as Keras does.

PyTorch's torch.optim implements the same three methods with different
defaults and, for RMSprop and Adam, a different place for epsilon; each class
says which torch settings reproduce it.

One Keras detail we do not copy: with float64 weights, Keras (TensorFlow backend)
still takes SGD's momentum and the betas of Adam's bias corrections through
float32, so its float64 Adam differs from this one (and from torch's) by about
1e-5 of an update. Here every hyperparameter is used at its exact value.
"""
from __future__ import annotations

import numpy as np

from .checks import DTypeError, NonFiniteError, ShapeError
from .clip import named_arrays


def _check_range(name, value, low, high, high_open=False):
    ok = low <= value and (value < high if high_open else value <= high)
    if not ok:
        raise ValueError(f"{name} must lie in [{low}, {high}{')' if high_open else ']'}, got {value}")


class Optimizer:
    """What every optimizer shares: the step counter, per-parameter state and the checks of grads."""

    def __init__(self, learning_rate):
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}")
        self.learning_rate = learning_rate
        self.iterations = 0  # steps taken, like keras' optimizer.iterations
        self.state = {}      # {parameter name: {slot name: array shaped like the parameter}}

    def slot_names(self):
        """Names of the state arrays kept per parameter."""
        return ()

    def step(self, params, grads):
        """Update every array of params in place with its gradient; returns params."""
        pairs = _match(params, grads)
        self.iterations += 1
        for name, (p, g) in pairs.items():
            self._update(p, g, self._state_of(name, p))
        return params

    def _state_of(self, name, p):
        if name not in self.state:
            self.state[name] = {s: np.zeros_like(p) for s in self.slot_names()}
        for a in self.state[name].values():
            if a.shape != p.shape or a.dtype != p.dtype:
                raise ShapeError(f"parameter {name!r} is {p.shape} {p.dtype}, but this optimizer's state "
                                 f"for it is {a.shape} {a.dtype}: use a new optimizer for a new model")
        return self.state[name]

    def _update(self, p, g, state):
        raise NotImplementedError


def _match(params, grads):
    """{name: (param, grad)} after checking grads has exactly the names, shapes and dtypes of params."""
    P, G = named_arrays(params, "params"), named_arrays(grads, "grads")
    missing, extra = [n for n in P if n not in G], [n for n in G if n not in P]
    if missing or extra:
        raise ValueError("grads must have one gradient per parameter: "
                         + "; ".join(([f"missing {missing}"] if missing else [])
                                     + ([f"no parameter called {extra}"] if extra else [])))
    for name, p in P.items():
        g = G[name]
        if g.shape != p.shape:
            raise ShapeError(f"grads[{name!r}] must have the shape of params[{name!r}] {p.shape}, got {g.shape}")
        if g.dtype != p.dtype:
            raise DTypeError(f"grads[{name!r}] must have dtype {p.dtype} like the parameters, got {g.dtype}")
        if not np.all(np.isfinite(g)):
            raise NonFiniteError(f"grads[{name!r}] contains NaN or infinity; the step would ruin the weights")
    return {name: (p, G[name]) for name, p in P.items()}


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum.

    momentum = 0:   w <- w - lr g
    momentum > 0:   m <- momentum m - lr g;   w <- w + m
    nesterov:       m <- momentum m - lr g;   w <- w + momentum m - lr g

    torch.optim.SGD(lr, momentum, nesterov=...) gives the same weights: its buffer
    b <- momentum b + g, w <- w - lr b is m = -lr b for a constant learning rate.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        _check_range("momentum", momentum, 0, 1)
        self.momentum, self.nesterov = momentum, nesterov

    def slot_names(self):
        return ("momentum",) if self.momentum else ()

    def _update(self, p, g, state):
        lr = self.learning_rate
        if not self.momentum:
            p -= g * lr
            return
        m = state["momentum"]
        m[...] = m * self.momentum - g * lr
        p += (m * self.momentum - g * lr) if self.nesterov else m


class RMSprop(Optimizer):
    """Divide the step by a running root mean square of the gradient.

    v <- rho v + (1 - rho) g^2
    centered:   a <- rho a + (1 - rho) g;   v_eff = v - a^2     (a variance instead of a mean square)
    step = lr g / sqrt(v_eff + epsilon)
    momentum > 0:   m <- momentum m + step;   w <- w - m;   otherwise w <- w - step

    torch.optim.RMSprop calls rho ``alpha`` and has other defaults (lr=0.01, alpha=0.99,
    eps=1e-8); matched, it differs only in epsilon, which it adds outside the root,
    lr g / (sqrt(v_eff) + eps). With epsilon=0 both give the same weights; with their
    defaults the difference is negligible as long as v_eff >> epsilon.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        super().__init__(learning_rate)
        _check_range("rho", rho, 0, 1, high_open=True)
        _check_range("momentum", momentum, 0, 1)
        _check_range("epsilon", epsilon, 0, np.inf)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered

    def slot_names(self):
        return (("velocity",) + (("momentum",) if self.momentum else ())
                + (("average_gradient",) if self.centered else ()))

    def _update(self, p, g, state):
        rho, v = self.rho, state["velocity"]
        v[...] = rho * v + (1 - rho) * (g * g)
        if self.centered:
            a = state["average_gradient"]
            a[...] = rho * a + (1 - rho) * g
            denominator = v - a * a + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = self.learning_rate * g / np.sqrt(denominator)
        if self.momentum:
            m = state["momentum"]
            m[...] = self.momentum * m + increment
            p -= m
        else:
            p -= increment


class Adam(Optimizer):
    """Adam: momentum on the gradient, divided by a running root mean square, both bias-corrected.

    m <- m + (1 - beta_1) (g - m);   v <- v + (1 - beta_2) (g^2 - v)
    alpha_t = lr sqrt(1 - beta_2^t) / (1 - beta_1^t)
    w <- w - alpha_t m / (sqrt(v) + epsilon)

    This is Kingma and Ba's efficient form, with epsilon ("epsilon hat") added to the
    uncorrected sqrt(v). torch.optim.Adam (defaults lr=1e-3, betas=(0.9, 0.999),
    eps=1e-8) adds its eps to the corrected sqrt(v / (1 - beta_2^t)) instead, so it
    equals this Adam when its eps at step t is epsilon / sqrt(1 - beta_2^t).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        _check_range("beta_1", beta_1, 0, 1, high_open=True)
        _check_range("beta_2", beta_2, 0, 1, high_open=True)
        _check_range("epsilon", epsilon, 0, np.inf)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def slot_names(self):
        return ("momentum", "velocity")

    def _update(self, p, g, state):
        # Keras computes the bias corrections in the parameters' dtype; so do we.
        f = p.dtype.type
        t = f(self.iterations)
        alpha = f(self.learning_rate) * np.sqrt(1 - f(self.beta_2) ** t) / (1 - f(self.beta_1) ** t)
        m, v = state["momentum"], state["velocity"]
        m += (g - m) * (1 - self.beta_1)
        v += (g * g - v) * (1 - self.beta_2)
        p -= m * alpha / (np.sqrt(v) + self.epsilon)
