"""An encoder-decoder whose decoder attends to every encoder state."""
from __future__ import annotations

from ._draft import draft


def encoder_decoder_attention():
    return draft("encoder-decoder with attention", ["$h_1$", "$h_T$", "$s_{t'}$", r"$\alpha_{t',t}$", "$u_{t'}$"])
