"""From-scratch implementations a reader would otherwise write or read, timed against the reference.

``cs231n_numpy``: NumPy in the style of CS231n's ``rnn_layers.py`` (a product of x_t per step,
one slice per gate, a tuple cache per step). ``d2l_torch``: PyTorch in the style of Dive into Deep
Learning's from-scratch chapters (a Python loop of torch ops, one weight matrix per gate, autograd
for the backward). ``lean_numpy`` is not a peer but a bound: the same equations written for speed
alone (no checks, no named caches, every pass in place), how fast plain NumPy runs them at all. All
take the reference's parameters and compute the same function, so
tests/test_bench_peers.py can hold them equal to it.
"""
