"""Which cell kind a parameter container belongs to.

The bidirectional wrapper and the stack take any recurrent layer's parameters
and run them with the shared time loop of :mod:`rnncourse.sequence`; this
module tells them which :class:`~rnncourse.sequence.Cell` to use.
"""
from __future__ import annotations

from .gru import GRU_CELL, GRUParams
from .lstm import LSTM_CELL, LSTMParams
from .rnn import RNN_CELL, RNNParams
from .sequence import Cell

CELLS = ((RNNParams, RNN_CELL), (LSTMParams, LSTM_CELL), (GRUParams, GRU_CELL))


def cell_for(params) -> Cell:
    """The Cell of a recurrent layer's parameters: RNNParams -> RNN_CELL, LSTMParams -> LSTM_CELL,
    GRUParams -> GRU_CELL. Anything else raises TypeError."""
    for kind, cell in CELLS:
        if isinstance(params, kind):
            return cell
    raise TypeError("expected the parameters of a recurrent layer (RNNParams, LSTMParams or GRUParams), "
                    f"got {type(params).__name__}")


def layer_sizes(params):
    """(D, H): input and hidden size of a recurrent layer's parameters."""
    cell_for(params)
    return params.Wx.shape[0], params.Wh.shape[0]
