"""Mutation catalogue of assignment 04_gru (format: see tests/nbgrader_harness.py)."""
ASSIGNMENT = "04_gru"
TOTAL = 50

# gru_forward calls the student's gru_step_forward, and formulation_gap calls gru_forward, so a wrong step
# shows up in the hidden tests of both. The visible tests of parts 2 and 3 compare the student's functions
# with the student's own step (or test properties that hold for any step), so they do not.
HIDDEN_VALUES = {"test_step_values", "test_gru_forward_values", "test_gap_values"}
FORWARD = {"test_gru_forward_mask", "test_gru_forward_values"}

WRONG = {
    "reset_after_product_in_before_form": dict(  # r * (h_prev W_hn^T) where Cho et al. have (r * h_prev) W_hn^T
        cell="gru_step_forward", find="(r * h_prev) @ W_hn.T + b_hn", replace="r * (h_prev @ W_hn.T) + b_hn",
        breaks={"test_step_before_terms"} | HIDDEN_VALUES),
    "reset_before_product_in_after_form": dict(
        cell="gru_step_forward", find="r * (h_prev @ W_hn.T + b_hn)", replace="(r * h_prev) @ W_hn.T + r * b_hn",
        breaks={"test_step_after_terms"} | HIDDEN_VALUES),
    "recurrent_bias_outside_reset_in_after_form": dict(
        cell="gru_step_forward", find="r * (h_prev @ W_hn.T + b_hn)", replace="r * (h_prev @ W_hn.T) + b_hn",
        breaks={"test_step_after_terms"} | HIDDEN_VALUES),
    "update_gate_swapped": dict(  # h = z * n + (1 - z) * h_prev: z as the fraction written, not kept
        cell="gru_step_forward", find="(1 - z) * n + z * h_prev", replace="z * n + (1 - z) * h_prev",
        breaks={"test_step_shared_terms", "test_step_after_terms", "test_step_before_terms"} | HIDDEN_VALUES),
    "gates_in_keras_order_z_r_n": dict(
        edits=[("gru_step_forward", "xr, xz, xn = np.split", "xz, xr, xn = np.split"),
               ("gru_step_forward", "W_hr, W_hz, W_hn = np.split", "W_hz, W_hr, W_hn = np.split"),
               ("gru_step_forward", "b_hr, b_hz, b_hn = np.split", "b_hz, b_hr, b_hn = np.split")],
        breaks={"test_step_shared_terms", "test_step_after_terms", "test_step_before_terms", "test_gap_basics"}
        | HIDDEN_VALUES),
    "sigmoid_for_candidate": dict(
        edits=[("gru_step_forward", "n = np.tanh(xn + r * (h_prev", "n = sigmoid(xn + r * (h_prev"),
               ("gru_step_forward", "n = np.tanh(xn + (r * h_prev)", "n = sigmoid(xn + (r * h_prev)")],
        breaks={"test_step_shared_terms", "test_step_after_terms", "test_step_before_terms"} | HIDDEN_VALUES),
    "recurrent_bias_of_gates_forgotten": dict(
        edits=[("gru_step_forward", "h_prev @ W_hr.T + b_hr", "h_prev @ W_hr.T"),
               ("gru_step_forward", "h_prev @ W_hz.T + b_hz", "h_prev @ W_hz.T")],
        breaks={"test_step_shared_terms"} | HIDDEN_VALUES),
    "state_not_carried_over_masked_steps": dict(  # zeros at a masked step, as if the sequence restarted
        cell="gru_forward", find="np.where(mask[:, t, None], h_new, h)", replace="np.where(mask[:, t, None], h_new, 0.0)",
        breaks=FORWARD),
    "mask_ignored": dict(
        cell="gru_forward", find="if mask is not None:", replace="if False:", breaks=FORWARD),
    "padded_outputs_zeroed": dict(  # PyTorch's padded output, not the carried state the task asks for
        cell="gru_forward", find="out[:, t] = h", replace="out[:, t] = h if mask is None else h * mask[:, t, None]",
        breaks=FORWARD),
    "initial_state_ignored": dict(
        cell="gru_forward", find="h = np.zeros((B, H)) if h0 is None else h0", replace="h = np.zeros((B, H))",
        breaks=FORWARD),
    "formulation_not_passed_on": dict(  # every sequence runs reset-after: the gap is always zero
        cell="gru_forward", find=", reset_after=reset_after)", replace=")",
        breaks=FORWARD | {"test_gap_basics", "test_gap_values"}),
    "forward_calls_the_reference": dict(
        cell="gru_forward", find="    return out, h",
        replace=("    import rnncourse.gru as reference\n"
                 "    p = reference.GRUParams(W_ih.T.copy(), W_hh.T.copy(), b_ih.copy() if reset_after else b_ih + b_hh,\n"
                 "                            b_hh.copy() if reset_after else None, reset_after=reset_after)\n"
                 "    out, h, _ = reference.gru_forward(x, p, h0, mask)\n"
                 "    return out, h"),
        breaks={"test_gru_forward_values", "test_gap_values"}),  # the gap's hidden test runs gru_forward too
    "gap_changes_callers_biases": dict(
        cell="formulation_gap", find="    b_ih, b_hh = b_ih.copy(), b_hh.copy()\n", replace="",
        breaks={"test_gap_basics"}),
    "gap_leaves_recurrent_reset_bias": dict(
        cell="formulation_gap", find="    b_hh[:H] = 0.0\n", replace="", breaks={"test_gap_values"}),
    "gap_without_absolute_value": dict(
        cell="formulation_gap", find="np.abs(out_after - out_before).max()", replace="(out_after - out_before).max()",
        breaks={"test_gap_values"}),
    "gap_of_final_states_only": dict(
        cell="formulation_gap", find="np.abs(out_after - out_before).max()",
        replace="np.abs(out_after[:, -1] - out_before[:, -1]).max()", breaks={"test_gap_values"}),
}

ALTERNATIVE = {
    "one_recurrent_product_and_branches": dict(cell="gru_step_forward", source='''
def gru_step_forward(x_t, h_prev, W_ih, W_hh, b_ih, b_hh, reset_after=True):
    H = h_prev.shape[1]
    gx = np.einsum("bd,kd->bk", x_t, W_ih) + b_ih              # (B, 3H)
    if reset_after:
        gh = h_prev @ W_hh.T + b_hh                            # one product for all three blocks
        r = 1 / (1 + np.exp(-(gx[:, :H] + gh[:, :H])))
        z = 1 / (1 + np.exp(-(gx[:, H:2 * H] + gh[:, H:2 * H])))
        n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    else:
        gh = h_prev @ W_hh[:2 * H].T + b_hh[:2 * H]            # r and z first ...
        r = 1 / (1 + np.exp(-(gx[:, :H] + gh[:, :H])))
        z = 1 / (1 + np.exp(-(gx[:, H:2 * H] + gh[:, H:])))
        n = np.tanh(gx[:, 2 * H:] + (r * h_prev) @ W_hh[2 * H:].T + b_hh[2 * H:])  # ... then the candidate
    return n + z * (h_prev - n)                                # = (1 - z) * n + z * h_prev
'''),
    "mask_as_weights_and_list": dict(cell="gru_forward", source='''
def gru_forward(x, W_ih, W_hh, b_ih, b_hh, h0=None, mask=None, reset_after=True):
    B, T, _ = x.shape
    m = np.ones((B, T)) if mask is None else np.asarray(mask, dtype=float)
    h = np.zeros((B, W_hh.shape[1])) if h0 is None else np.array(h0, dtype=float)
    states = []
    for t in range(T):
        new = gru_step_forward(x[:, t], h, W_ih, W_hh, b_ih, b_hh, reset_after)
        h = m[:, t, None] * new + (1 - m[:, t, None]) * h     # 1: take the step, 0: keep the state
        states.append(h)
    return np.stack(states, axis=1), h
'''),
    "gap_by_concatenated_biases": dict(cell="formulation_gap", source='''
def formulation_gap(x, W_ih, W_hh, b_ih, b_hh, reset_bias):
    H = W_hh.shape[1]
    bi = np.concatenate([np.full(H, float(reset_bias)), b_ih[H:]])
    bh = np.concatenate([np.zeros(H), b_hh[H:]])
    outs = [gru_forward(x, W_ih, W_hh, bi, bh, h0=np.zeros((x.shape[0], H)), reset_after=flag)[0]
            for flag in (False, True)]
    return np.max(np.abs(outs[1] - outs[0])).item()
'''),
}
