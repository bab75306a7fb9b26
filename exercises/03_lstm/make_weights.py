"""How keras_lstm.npz and torch_lstm.npz were made (run once by the instructor; students need not run it).

Each file holds the weights of a real framework LSTM layer (float64, D = 3 inputs, H = 4 units), with
their framework names and layouts, an input x (B, T, D) = (2, 5, 3) and what the framework's layer
returned for it: out (B, T, H), h (B, H) and c (B, H), the final states. The biases are random, so that
a mix-up of the gate blocks cannot hide behind zeros.

    python make_weights.py    # needs keras (TensorFlow backend) and torch
"""
import numpy as np

D, H, B, T = 3, 4, 2, 5


def keras_file(path="keras_lstm.npz"):
    import keras

    keras.utils.set_random_seed(3)
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True, dtype="float64")
    x = np.random.default_rng(3).standard_normal((B, T, D))
    layer(x)  # builds the weights
    kernel, recurrent_kernel, bias = layer.get_weights()
    layer.set_weights([kernel, recurrent_kernel, np.random.default_rng(4).uniform(-1, 1, bias.shape)])
    out, h, c = (np.asarray(a) for a in layer(x))
    kernel, recurrent_kernel, bias = layer.get_weights()
    np.savez(path, kernel=kernel, recurrent_kernel=recurrent_kernel, bias=bias, x=x, out=out, h=h, c=c)


def torch_file(path="torch_lstm.npz"):
    import torch

    torch.manual_seed(5)
    module = torch.nn.LSTM(D, H, batch_first=True).double()
    x = np.random.default_rng(5).standard_normal((B, T, D))
    with torch.no_grad():
        out, (h, c) = module(torch.from_numpy(x))
    weights = {name: w.detach().numpy() for name, w in module.state_dict().items()}
    np.savez(path, **weights, x=x, out=out.numpy(), h=h[0].numpy(), c=c[0].numpy())


if __name__ == "__main__":
    keras_file()
    torch_file()
