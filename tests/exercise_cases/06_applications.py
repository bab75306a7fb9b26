"""Mutation catalogue of assignment 06_applications (format: see tests/nbgrader_harness.py).

Part 2 is graded on what the trained model does (held-out accuracy, predictions that ignore the padding
and the rest of the batch), so a mistake loses the points of every behaviour it breaks: a model that
reads the padding collapses to one class, which also fails the accuracy tiers.
"""
ASSIGNMENT = "06_applications"
TOTAL = 50

PART2 = {"test_train_time", "test_predict_output", "test_not_constant", "test_mask", "test_batch_independent",
         "test_accuracy_baseline", "test_accuracy_threshold"}
ACCURACY = {"test_accuracy_baseline", "test_accuracy_threshold"}

TRAIN_STANDARDIZE = 'xs = torch.tensor(standardize(x, mask, mean, std), dtype=torch.float32)'
PREDICT_STANDARDIZE = 'xs = torch.tensor(standardize(x, mask, model["mean"], model["std"]), dtype=torch.float32)'
RAW = 'xs = torch.tensor(x * mask[..., None], dtype=torch.float32)'

WRONG = {
    "statistics_include_padding": dict(
        cell="standardize", find="np.asarray(x, dtype=np.float64)[np.asarray(mask, dtype=bool)]",
        replace="np.asarray(x, dtype=np.float64).reshape(-1, np.shape(x)[-1])",
        breaks={"test_frame_stats", "test_standardize_values"}),
    "padding_not_zeroed": dict(
        cell="standardize", find="    out[~np.asarray(mask, dtype=bool)] = 0.0\n", replace="",
        breaks={"test_standardize", "test_standardize_values"}),
    "not_standardised": dict(
        edits=[("model", TRAIN_STANDARDIZE, RAW), ("model", PREDICT_STANDARDIZE, RAW)],
        breaks={"test_accuracy_threshold"}),
    "standardised_with_test_statistics": dict(
        cell="model", find='standardize(x, mask, model["mean"], model["std"])',
        replace="standardize(x, mask, *frame_stats(x, mask))",
        breaks={"test_batch_independent"}),
    # Reading the padding: the state after 92 frames, mostly zero padding, forgets the recording and the model
    # collapses to one class (training loss stays at ln 10). test_mask cannot see it (one class stays one class
    # whatever the padding holds); the predictions and the accuracy show it.
    "mask_ignored": dict(
        cell="model",
        find=("        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)\n"
              "        _, h_T = self.rnn(packed)"),
        replace="        _, h_T = self.rnn(x)",
        breaks={"test_not_constant"} | ACCURACY),
    # The lengths taken from the data, as Keras' Masking and the chapter's PyTorch model do: a frame of zeros is
    # padding. Right while the padding holds zeros; wrong as soon as it holds anything else.
    "lengths_from_zero_frames": dict(
        cell="model", find='model["net"](xs, torch.from_numpy(mask.sum(axis=1)))',
        replace='model["net"](xs, torch.from_numpy((x != 0).any(axis=-1).sum(axis=1)))',
        breaks={"test_mask"}),
    # The training set's most frequent digit, for every recording: the constant baseline.
    "constant_majority_class": dict(
        edits=[("model", '    return {"net": net, "mean": mean, "std": std}',
                '    return {"net": net, "mean": mean, "std": std, "majority": int(np.bincount(y).argmax())}'),
               ("model", "    return logits.argmax(dim=1).numpy()", '    return np.full(len(x), model["majority"])')],
        breaks={"test_not_constant"} | ACCURACY),
    "probabilities_returned": dict(
        cell="model", find="    return logits.argmax(dim=1).numpy()",
        replace="    return torch.softmax(logits, dim=1).numpy()",
        breaks={"test_predict_output"}),
    "zero_epochs": dict(
        cell="model", find="epochs = 5", replace="epochs = 0",
        breaks=ACCURACY),
    "one_output_unit": dict(
        cell="model", find="def __init__(self, D, H=32, C=10)", replace="def __init__(self, D, H=32, C=1)",
        breaks=PART2),
}

ALTERNATIVE = {
    "masked_where": dict(cell="standardize", source='''
def frame_stats(x, mask):
    m = mask[..., None].astype(float)                     # (N, T, 1)
    n = m.sum()
    mean = (x * m).sum(axis=(0, 1)) / n
    var = (((x - mean) * m) ** 2).sum(axis=(0, 1)) / n
    return mean, np.sqrt(var)


def standardize(x, mask, mean, std):
    return np.where(mask[..., None], (x - mean) / std, 0.0)
'''),
    "torch_lstm_last_real_output": dict(cell="model", source='''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(13, 32, batch_first=True)
        self.out = nn.Linear(32, 10)

    def forward(self, x, lengths):
        hs, _ = self.rnn(x)                                 # (B, T, H); post-padding comes after the real frames
        last = hs[torch.arange(len(x)), lengths - 1]        # the output at each recording's last real frame
        return self.out(last)


def _inputs(x, mask, mean, std):
    T = int(mask.sum(axis=1).max())                         # no need to run over padding only
    xs = torch.tensor(standardize(x, mask, mean, std)[:, :T], dtype=torch.float32)
    return xs, torch.from_numpy(mask.sum(axis=1).astype(np.int64))


def train(x, y, mask):
    torch.manual_seed(1)
    torch.set_num_threads(1)
    mean, std = frame_stats(x, mask)
    xs, lengths = _inputs(x, mask, mean, std)
    targets = torch.as_tensor(y, dtype=torch.long)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for epoch in range(6):
        for idx in torch.randperm(len(xs)).split(64):
            loss = nn.functional.cross_entropy(net(xs[idx], lengths[idx]), targets[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net, mean, std


def predict(model, x, mask):
    net, mean, std = model
    xs, lengths = _inputs(x, mask, mean, std)
    with torch.no_grad():
        return net(xs, lengths).argmax(dim=1).numpy()
'''),
    "keras_gru_with_mask": dict(cell="model", source='''
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras


def train(x, y, mask):
    keras.utils.set_random_seed(0)
    mean, std = frame_stats(x, mask)
    frames = keras.Input((None, x.shape[2]))
    real = keras.Input((None,), dtype="bool")
    h_T = keras.layers.GRU(32)(frames, mask=real)          # the state after the last real frame
    net = keras.Model([frames, real], keras.layers.Dense(10)(h_T))
    net.compile(optimizer=keras.optimizers.Adam(0.01),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    net.fit([standardize(x, mask, mean, std).astype("float32"), mask], y, epochs=5, batch_size=64, verbose=0)
    return {"net": net, "mean": mean, "std": std}


def predict(model, x, mask):
    xs = standardize(x, mask, model["mean"], model["std"]).astype("float32")
    return model["net"].predict([xs, mask], verbose=0).argmax(axis=1)
'''),
}
