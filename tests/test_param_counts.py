"""params.count() equals Keras' count_params() for the models of the course's seed notebooks.

Every expected number comes from the Keras model built here, except the 4,224 of
SimpleRNN(64) on one feature, which the course text quotes: 64 + 64·64 + 64.
"""
import keras
import pytest

from rnncourse.bidirectional import BidirectionalParams
from rnncourse.gru import GRUParams
from rnncourse.layers import DenseParams, EmbeddingParams
from rnncourse.lstm import LSTMParams
from rnncourse.rnn import RNNParams
from rnncourse.stack import StackParams

L = keras.layers
RECURRENT = {  # name: (D, the Keras layer, our parameters)
    "SimpleRNN(64)": (1, lambda: L.SimpleRNN(64), lambda: RNNParams.init(1, 64)),
    "SimpleRNN(64, relu)": (1, lambda: L.SimpleRNN(64, activation="relu"),
                            lambda: RNNParams.init(1, 64, activation="relu")),
    "SimpleRNN(50)": (1, lambda: L.SimpleRNN(50), lambda: RNNParams.init(1, 50)),
    "SimpleRNN(32) on 32 features": (32, lambda: L.SimpleRNN(32), lambda: RNNParams.init(32, 32)),
    "LSTM(50)": (1, lambda: L.LSTM(50), lambda: LSTMParams.init(1, 50)),
    "LSTM(128)": (1, lambda: L.LSTM(128), lambda: LSTMParams.init(1, 128)),
    "GRU(50)": (1, lambda: L.GRU(50), lambda: GRUParams.init(1, 50)),
    "GRU(50, reset_after=False)": (1, lambda: L.GRU(50, reset_after=False),
                                   lambda: GRUParams.init(1, 50, reset_after=False)),
    "Bidirectional(GRU(32)) on 32 features": (32, lambda: L.Bidirectional(L.GRU(32)),
                                              lambda: BidirectionalParams.init(GRUParams, 32, 32)),
    "Bidirectional(GRU(32, reset_after=False), sum)": (
        8, lambda: L.Bidirectional(L.GRU(32, reset_after=False), merge_mode="sum"),
        lambda: BidirectionalParams.init(GRUParams, 8, 32, merge_mode="sum", reset_after=False)),
}


@pytest.mark.parametrize("name", RECURRENT)
def test_recurrent_layer_counts_match_keras(name):
    D, keras_layer, ours = RECURRENT[name]
    model = keras.Sequential([keras.Input((None, D)), keras_layer()])
    assert ours().count() == model.count_params()


def test_simple_rnn_64_on_one_feature_has_4224_parameters():
    assert RNNParams.init(1, 64).count() == 4224


def test_embedding_rnn_dense_model_counts_match_keras():
    """The IMDB sentiment model: Embedding(10000, 32), SimpleRNN(32), Dense(1), layer by layer and in total."""
    model = keras.Sequential([keras.Input((None,), dtype="int32"), L.Embedding(10000, 32), L.SimpleRNN(32),
                              L.Dense(1, activation="sigmoid")])
    ours = [EmbeddingParams.init(10000, 32), RNNParams.init(32, 32), DenseParams.init(32, 1)]
    assert [p.count() for p in ours] == [layer.count_params() for layer in model.layers]
    assert sum(p.count() for p in ours) == model.count_params()


def test_stack_counts_match_keras():
    model = keras.Sequential([keras.Input((None, 1)), L.LSTM(32, return_sequences=True), L.LSTM(16)])
    assert StackParams([LSTMParams.init(1, 32), LSTMParams.init(32, 16)]).count() == model.count_params()
