"""Mutation catalogue of assignment 03_lstm (format: see tests/nbgrader_harness.py)."""
ASSIGNMENT = "03_lstm"
TOTAL = 50

# lstm_forward calls the student's lstm_step_forward, and the Keras file's test runs lstm_forward, so a
# wrong step shows up there too. The backward tests build their caches with the reference: they do not.
STEP = {"test_step_forward_terms", "test_step_forward_values", "test_lstm_forward_torch_file",
        "test_lstm_forward_values", "test_keras_file"}
BACKWARD = {"test_step_backward_terms", "test_step_backward_values"}

WRONG = {
    "gates_in_order_i_f_o_g": dict(  # the order of CS231n's LSTM assignment, not of Keras or PyTorch
        edits=[("lstm_step_forward", "g = np.tanh(a[:, 2 * H:3 * H])", "g = np.tanh(a[:, 3 * H:])"),
               ("lstm_step_forward", "o = sigmoid(a[:, 3 * H:])", "o = sigmoid(a[:, 2 * H:3 * H])")],
        breaks=STEP),
    "tanh_for_forget_gate": dict(
        cell="lstm_step_forward", find="f = sigmoid(a[:, H:2 * H])", replace="f = np.tanh(a[:, H:2 * H])",
        breaks=STEP),
    "recurrent_bias_forgotten": dict(
        cell="lstm_step_forward", find="h_prev @ W_hh.T + b_hh", replace="h_prev @ W_hh.T",
        breaks=STEP - {"test_keras_file"}),  # Keras' weights come with b_hh = 0: nothing to forget there
    "output_uses_old_cell_state": dict(
        cell="lstm_step_forward", find="h = o * np.tanh(c)", replace="h = o * np.tanh(c_prev)",
        breaks=STEP),
    "gates_from_the_reference": dict(  # the reference's gate activations: refused by the hidden tests
        cell="lstm_step_forward",
        find=("    i = sigmoid(a[:, :H])\n    f = sigmoid(a[:, H:2 * H])\n"
              "    g = np.tanh(a[:, 2 * H:3 * H])\n    o = sigmoid(a[:, 3 * H:])\n"),
        replace=("    from rnncourse.lstm import activate_gates\n"
                 "    i, f, g, o = activate_gates(a.copy())\n"),
        breaks={"test_step_forward_values", "test_lstm_forward_values"}),
    "dc_misses_path_through_h": dict(
        cell="lstm_step_backward", find="dc_total = dc + dh * o * (1 - tanh_c ** 2)", replace="dc_total = dc",
        breaks=BACKWARD),
    "dc_prev_not_gated": dict(
        cell="lstm_step_backward", find="dc_prev = dc_total * f", replace="dc_prev = dc_total",
        breaks=BACKWARD),
    "sigmoid_derivative_for_candidate": dict(
        cell="lstm_step_backward", find="dg * (1 - g * g)", replace="dg * g * (1 - g)",
        breaks=BACKWARD),
    "output_gate_gradient_uses_c": dict(
        cell="lstm_step_backward", find="do = dh * tanh_c", replace="do = dh * c",
        breaks=BACKWARD),
    "recurrent_bias_gradient_forgotten": dict(
        cell="lstm_step_backward", find='"b_hh": db.copy()', replace='"b_hh": np.zeros_like(db)',
        breaks=BACKWARD),
    "cell_state_not_carried": dict(
        cell="lstm_forward", find="h, c, _ = lstm_step_forward(x[:, t], h, c,",
        replace="h, c_t, _ = lstm_step_forward(x[:, t], h, c,",
        breaks={"test_lstm_forward_torch_file", "test_lstm_forward_values", "test_keras_file"}),
    "initial_state_ignored": dict(
        cell="lstm_forward", find="c = np.zeros((B, H)) if c0 is None else c0", replace="c = np.zeros((B, H))",
        breaks={"test_lstm_forward_values"}),
    "keras_kernel_reshaped": dict(
        cell="keras_to_torch", find="W_ih = kernel.T.copy()", replace="W_ih = kernel.reshape(kernel.shape[::-1])",
        breaks={"test_keras_file", "test_keras_values"}),
    "keras_bias_counted_twice": dict(
        cell="keras_to_torch", find="b_hh = np.zeros_like(bias)", replace="b_hh = bias.copy()",
        breaks={"test_keras_file", "test_keras_values"}),
    "keras_gates_reordered": dict(  # believes Keras stores i, c, f, o (TensorFlow 1's LSTMCell: i, j, f, o)
        cell="keras_to_torch", find="    return W_ih, W_hh, b_ih, b_hh",
        replace=("    H = W_hh.shape[1]\n"
                 "    order = np.r_[0:H, 2 * H:3 * H, H:2 * H, 3 * H:4 * H]\n"
                 "    return W_ih[order], W_hh[order], b_ih[order], b_hh[order]"),
        breaks={"test_keras_file", "test_keras_values"}),
    "torch_second_bias_forgotten": dict(
        cell="torch_to_keras", find="b_ih + b_hh", replace="b_ih.copy()",
        breaks={"test_torch_to_keras_file", "test_torch_to_keras_values"}),
    "torch_kernel_reshaped": dict(
        cell="torch_to_keras", find="W_ih.T.copy()", replace="W_ih.reshape(W_ih.shape[::-1])",
        breaks={"test_torch_to_keras_file", "test_torch_to_keras_values"}),
}

ALTERNATIVE = {
    "split_and_tanh_sigmoid": dict(cell="lstm_step_forward", source='''
def lstm_step_forward(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    W = np.concatenate([W_ih, W_hh], axis=1)                 # (4H, D + H): one product for both terms
    a = np.concatenate([x_t, h_prev], axis=1) @ W.T + (b_ih + b_hh)
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    logistic = lambda z: 0.5 * (1 + np.tanh(z / 2))          # the same sigmoid, another formula
    i, f, g, o = logistic(a_i), logistic(a_f), np.tanh(a_g), logistic(a_o)
    c = f * c_prev + i * g
    return o * np.tanh(c), c, (x_t, h_prev, c_prev, i, f, g, o, c, W_ih, W_hh)
'''),
    "einsum_backward_by_blocks": dict(cell="lstm_step_backward", source='''
def lstm_step_backward(dh, dc, cache):
    x_t, h_prev, c_prev, i, f, g, o, c, W_ih, W_hh = cache
    H = i.shape[1]
    dc = dc + dh * o * (1 - np.tanh(c) ** 2)
    da = np.empty((dh.shape[0], 4 * H))
    da[:, :H] = dc * g * i * (1 - i)
    da[:, H:2 * H] = dc * c_prev * f * (1 - f)
    da[:, 2 * H:3 * H] = dc * i * (1 - g ** 2)
    da[:, 3 * H:] = dh * np.tanh(c) * o * (1 - o)
    return (np.einsum("bk,kd->bd", da, W_ih), np.einsum("bk,kh->bh", da, W_hh), dc * f,
            {"W_ih": np.einsum("bk,bd->kd", da, x_t), "W_hh": np.einsum("bk,bh->kh", da, h_prev),
             "b_ih": np.einsum("bk->k", da), "b_hh": np.einsum("bk->k", da)})
'''),
    "list_of_states": dict(cell="lstm_forward", source='''
def lstm_forward(x, W_ih, W_hh, b_ih, b_hh, h0=None, c0=None):
    B, T, _ = x.shape
    H = W_hh.shape[1]
    state = [np.zeros((B, H)) if s is None else s for s in (h0, c0)]
    hs = []
    for x_t in np.moveaxis(x, 1, 0):                         # (T, B, D): one step at a time
        h, c, _ = lstm_step_forward(x_t, *state, W_ih, W_hh, b_ih, b_hh)
        state = [h, c]
        hs.append(h)
    return np.stack(hs, axis=1), state[0], state[1]
'''),
    "keras_bias_split_in_halves": dict(cell="keras_to_torch", source='''
def keras_to_torch_layout(kernel, recurrent_kernel, bias):
    half = np.asarray(bias) / 2                              # only the sum b_ih + b_hh matters
    return np.ascontiguousarray(np.transpose(kernel)), np.ascontiguousarray(recurrent_kernel.T), half, half.copy()
'''),
    "torch_to_keras_einsum": dict(cell="torch_to_keras", source='''
def torch_to_keras_layout(W_ih, W_hh, b_ih, b_hh):
    kernel = np.einsum("kd->dk", W_ih)
    recurrent_kernel = np.einsum("kh->hk", W_hh)
    return kernel, recurrent_kernel, np.sum([b_ih, b_hh], axis=0)
'''),
}
