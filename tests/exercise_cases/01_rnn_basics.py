"""Mutation catalogue of assignment 01_rnn_basics (format: see tests/nbgrader_harness.py)."""
ASSIGNMENT = "01_rnn_basics"
TOTAL = 50

# Every test that compares values with the reference sees a wrong step, so a mistake in rnn_step also
# costs the sequence and prediction values; the visible "carry" test uses the student's own rnn_step
# and so only catches mistakes of the loop.
STEP_VALUES = {"test_rnn_step_terms", "test_rnn_step_values", "test_rnn_forward_values", "test_predict_values"}

WRONG = {
    "recurrent_weights_not_transposed": dict(
        cell="rnn_step", find="h_prev @ W_hh.T", replace="h_prev @ W_hh", breaks=STEP_VALUES),
    "recurrent_bias_missing": dict(
        cell="rnn_step", find="h_prev @ W_hh.T + b_hh", replace="h_prev @ W_hh.T", breaks=STEP_VALUES),
    "sigmoid_instead_of_tanh": dict(
        cell="rnn_step", find="np.tanh(a)", replace="1 / (1 + np.exp(-a))", breaks=STEP_VALUES),
    "state_not_carried": dict(
        cell="rnn_forward", find="rnn_step(x[:, t], h,", replace="rnn_step(x[:, t], h0,",
        breaks={"test_rnn_forward_carry", "test_rnn_forward_values", "test_predict_values"}),
    "h0_ignored": dict(
        cell="rnn_forward", find="h = h0", replace="h = np.zeros_like(h0)",
        breaks={"test_rnn_forward_carry", "test_rnn_forward_values", "test_predict_values"}),
    "calls_the_reference": dict(
        cell="rnn_forward", find="    return hs, h",
        replace=("    from rnncourse.rnn import RNNParams, rnn_forward as reference_forward\n"
                 "    hs, h, _ = reference_forward(x, RNNParams(W_ih.T.copy(), W_hh.T.copy(), b_ih + b_hh), h0=h0)\n"
                 "    return hs, h"),
        breaks={"test_rnn_forward_values", "test_predict_values"}),
    "many_to_one_reads_first_step": dict(
        cell="rnn_predict", find="return h_T @ W_y + b_y", replace="return hs[:, 0] @ W_y + b_y",
        breaks={"test_predict_shapes", "test_predict_values"}),
    "readout_bias_missing": dict(
        cell="rnn_predict", find="return hs @ W_y + b_y", replace="return hs @ W_y",
        breaks={"test_predict_shapes", "test_predict_values"}),
    "rnn_count_without_bias": dict(
        cell="count_formulas", find="D * H + H * H + H", replace="D * H + H * H",
        breaks={"test_count_formulas", "test_count_models"}),
    "second_layer_counted_on_inputs": dict(
        cell="count_models", find="simple_rnn_param_count(64, 32)", replace="simple_rnn_param_count(8, 32)",
        breaks={"test_count_models"}),
}

ALTERNATIVE = {
    "stacked_input_and_state": dict(cell="rnn_step", source='''
def rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh):
    """One step as a single product: [x_t, h_prev] times the stacked weights."""
    xh = np.concatenate([x_t, h_prev], axis=1)          # (B, D + H)
    W = np.concatenate([W_ih, W_hh], axis=1)            # (H, D + H)
    return np.tanh(xh @ W.T + (b_ih + b_hh))
'''),
    "list_then_stack": dict(cell="rnn_forward", source='''
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    states = []
    h = h0
    for x_t in np.moveaxis(x, 1, 0):                    # x_t (B, D), in time order
        h = rnn_step(x_t, h, W_ih, W_hh, b_ih, b_hh)
        states.append(h)
    return np.stack(states, axis=1), states[-1]
'''),
    "einsum_readout": dict(cell="rnn_predict", source='''
def rnn_predict(x, h0, W_ih, W_hh, b_ih, b_hh, W_y, b_y, many_to_many):
    hs, _ = rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh)
    y = np.einsum("bth,hk->btk", hs, W_y) + b_y
    return y if many_to_many else y[:, -1]
'''),
    "counted_by_hand": dict(cell="count_models", source='''
params_model_a = (1 * 50 + 50 * 50 + 50) + (50 + 1)
params_model_b = 10000 * 32 + (32 * 32 + 32 * 32 + 32) + (32 + 1)
params_model_c = 7875
'''),
}
