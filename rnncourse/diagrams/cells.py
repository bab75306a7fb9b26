"""The gated cells, drawn inside out as in Olah's "Understanding LSTM Networks": the LSTM and the GRU."""
from __future__ import annotations

from ._draft import draft


def lstm_cell():
    return draft("LSTM cell", ["$x_t$", "$h_{t-1}$", "$c_{t-1}$", "$i_t$", "$f_t$", "$g_t$", "$o_t$", "$c_t$", "$h_t$"])


def gru_cell():
    return draft("GRU cell", ["$x_t$", "$h_{t-1}$", "$r_t$", "$z_t$", "$n_t$", "$h_t$"])
