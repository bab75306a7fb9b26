"""Training helpers shared by the chapters: seeding, and compact progress for Keras and PyTorch.

A training cell on a web page should print a few readable lines, not Keras' thousand-line
progress bars, and two runs with the same seed should print the same numbers. Keras and
PyTorch are imported only inside the functions that need them.
"""
from __future__ import annotations

import os
import random

import numpy as np


SEED_VARIABLE = "RNNCOURSE_SEED"
_current_seed = 0


def run_seed(seed=0):
    """The seed a chapter asks for, shifted by the environment variable RNNCOURSE_SEED.

    Without the variable every chapter runs with the seeds written in it; ``RNNCOURSE_SEED=7``
    adds 7 to each of them, so the whole book can be run again with other initial weights and
    other minibatch orders (``make robust`` does, to check that every claim holds for any seed).
    """
    value = os.environ.get(SEED_VARIABLE, "").strip()
    if not value:
        return seed
    try:
        return seed + int(value)
    except ValueError:
        raise ValueError(f"{SEED_VARIABLE} must be an integer, got {value!r}") from None


def set_seeds(seed=0):
    """Seed Python, NumPy, PyTorch and Keras/TensorFlow with ``run_seed(seed)``, and return it.

    Also asks both frameworks for deterministic kernels and fixes their thread counts (one
    thread for PyTorch, two for TensorFlow), so that a run does not depend on how many cores
    the machine has. What still depends on the machine is the rounding of the CPU's matrix
    kernels (AVX-512, AVX2, ...): the chapters claim only what holds for any seed and any CPU.
    ``torch_fit`` and ``rnncourse.model.fit`` shuffle with this seed unless given another.
    """
    global _current_seed
    seed = _current_seed = run_seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.set_num_threads(1)
    try:
        import keras
        import tensorflow as tf
    except ImportError:
        pass
    else:
        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()
        try:
            tf.config.threading.set_intra_op_parallelism_threads(2)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TensorFlow already ran an op: its thread pools are fixed by then
            pass
    return seed


def current_seed():
    """The seed of the last ``set_seeds`` call (0 before any)."""
    return _current_seed


def format_epoch(epoch, epochs, metrics):
    """One log line: ``epoch  3/10  loss 0.512  accuracy 0.750  val_loss ...``.

    No seconds: a page shows the lesson, not how long this machine took (and three
    decimals keep a line with four metrics inside the book's code box).
    """
    width = len(str(epochs))
    parts = [f"epoch {epoch:>{width}}/{epochs}"]
    parts += [f"{k} {v:.3f}" for k, v in metrics.items()]
    return "  ".join(parts)


def should_log(epoch, epochs, every):
    return epoch == 1 or epoch == epochs or epoch % every == 0


def keras_progress(every=1):
    """A Keras callback printing one line every ``every`` epochs (use with ``fit(verbose=0)``)."""
    import keras

    class EpochLog(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.epochs = self.params.get("epochs", 0)

        def on_epoch_end(self, epoch, logs=None):
            if should_log(epoch + 1, self.epochs, every):
                print(format_epoch(epoch + 1, self.epochs, dict(logs or {})))

    return EpochLog()


def minibatches(n, batch_size, rng=None):
    """Index arrays of the minibatches of one epoch, shuffled when rng is given."""
    order = rng.permutation(n) if rng is not None else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def torch_fit(model, loss_fn, optimizer, x, y, epochs, batch_size=32, validation_data=None,
              metric=None, every=1, seed=None, clip_norm=None):
    """Train a PyTorch module on NumPy arrays with shuffled minibatches, printing like Keras.

    model:  maps a (B, ...) tensor to predictions; loss_fn(pred, target) -> scalar tensor.
    metric: optional (name, fn(pred, target) -> float), e.g. accuracy.
    clip_norm: clip the gradients' global norm before each step.
    seed:   the minibatch order; by default the seed of the last ``set_seeds``.
    Returns the history: a dict of per-epoch lists, like Keras' ``History.history``.
    """
    import torch

    rng = np.random.default_rng(current_seed() if seed is None else seed)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y)
    history = {}

    def evaluate(xe, ye, prefix):
        model.eval()
        with torch.no_grad():
            pred = model(xe)
            out = {prefix + "loss": float(loss_fn(pred, ye))}
            if metric is not None:
                out[prefix + metric[0]] = float(metric[1](pred, ye))
        return out

    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for idx in minibatches(len(xt), batch_size, rng):
            optimizer.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            if clip_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip_norm)
            optimizer.step()
            total += loss.item() * len(idx)
            count += len(idx)
        logs = {"loss": total / count}
        if metric is not None:
            logs.update({k: v for k, v in evaluate(xt, yt, "").items() if k != "loss"})
        if validation_data is not None:
            xv, yv = (torch.as_tensor(a) for a in validation_data)
            logs.update(evaluate(xv, yv, "val_"))
        for k, v in logs.items():
            history.setdefault(k, []).append(v)
        if should_log(epoch, epochs, every):
            print(format_epoch(epoch, epochs, logs))
    return history
