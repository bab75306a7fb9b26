"""Mutation catalogue of assignment 02_bptt (format: see tests/nbgrader_harness.py)."""
ASSIGNMENT = "02_bptt"
TOTAL = 50

# rnn_backward and gradient_norms call the student's rnn_step_backward, so a wrong step shows up there too.
STEP = {"test_step_backward_terms", "test_step_backward_values", "test_rnn_backward_values"}

WRONG = {
    "sigmoid_derivative_for_tanh": dict(
        cell="rnn_step_backward", find="da = dh * (1 - h * h)", replace="da = dh * h * (1 - h)",
        breaks=STEP | {"test_rnn_backward_carry", "test_gradient_norms_values"}),
    "recurrent_gradient_uses_new_state": dict(
        cell="rnn_step_backward", find='"W_hh": da.T @ h_prev', replace='"W_hh": da.T @ h',
        breaks=STEP),
    "recurrent_bias_gradient_forgotten": dict(
        cell="rnn_step_backward", find='"b_hh": da.sum(axis=0)', replace='"b_hh": np.zeros_like(da[0])',
        breaks=STEP),
    "gradient_not_carried_back": dict(
        cell="rnn_backward", find="dhs[:, t] + dh_next", replace="dhs[:, t]",
        breaks={"test_rnn_backward_carry", "test_rnn_backward_values"}),
    "off_by_one_skips_first_step": dict(
        cell="rnn_backward", find="range(T - 1, -1, -1)", replace="range(T - 1, 0, -1)",
        breaks={"test_rnn_backward_carry", "test_rnn_backward_values"}),
    "weight_gradients_overwritten": dict(
        cell="rnn_backward", find="grads = g if grads is None else {k: grads[k] + g[k] for k in grads}",
        replace="grads = g", breaks={"test_rnn_backward_values"}),
    "clipping_per_tensor": dict(
        cell="clip", find="{k: g * scale for k, g in grads.items()}",
        replace="{k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}",
        breaks={"test_clip_basics", "test_clip_values"}),
    "clipping_also_scales_up": dict(
        cell="clip", find="if norm > max_norm else 1.0", replace="if norm > 0 else 1.0",
        breaks={"test_clip_basics", "test_clip_values"}),
    "clipping_in_place": dict(
        cell="clip", find="    return {k: g * scale for k, g in grads.items()}, float(norm)",
        replace="    for g in grads.values():\n        g *= scale\n    return grads, float(norm)",
        breaks={"test_clip_basics"}),
    "clipping_calls_the_reference": dict(
        cell="clip", find="    return {k: g * scale for k, g in grads.items()}, float(norm)",
        replace=("    from rnncourse.clip import clip_by_global_norm as reference_clip\n"
                 "    return reference_clip(grads, max_norm)"),
        breaks={"test_clip_values"}),
    "numerical_gradient_calls_the_reference": dict(
        cell="numerical_gradient", find="    return grad",
        replace=("    from rnncourse.gradcheck import numerical_gradient as reference\n"
                 "    return reference(f, x, eps=eps)"),
        breaks={"test_numerical_gradient_values"}),
    "one_sided_difference": dict(
        edits=[("numerical_gradient", "x[i] = old - eps", "x[i] = old"),
               ("numerical_gradient", "(2 * eps)", "eps")],
        breaks={"test_numerical_gradient_basics", "test_numerical_gradient_values"}),
    "entry_not_restored": dict(
        cell="numerical_gradient", find="        x[i] = old\n", replace="",
        breaks={"test_numerical_gradient_basics", "test_numerical_gradient_values"}),
    "norm_taken_one_step_late": dict(
        cell="gradient_norms",
        find="        norms[t] = np.linalg.norm(dh)\n        _, dh, _ = rnn_step_backward(dh, caches[t])",
        replace="        _, dh, _ = rnn_step_backward(dh, caches[t])\n        norms[t] = np.linalg.norm(dh)",
        breaks={"test_gradient_norms_shape", "test_gradient_norms_values"}),
}

ALTERNATIVE = {
    "einsum_step_backward": dict(cell="rnn_step_backward", source='''
def rnn_step_backward(dh, cache):
    x_t, h_prev, h, W_ih, W_hh = cache
    da = dh * (1 - np.tanh(np.arctanh(h)) ** 2)          # the same 1 - h**2, the long way round
    db = np.einsum("bh->h", da)
    return (np.einsum("bh,hd->bd", da, W_ih), np.einsum("bh,hk->bk", da, W_hh),
            {"W_ih": np.einsum("bh,bd->hd", da, x_t), "W_hh": np.einsum("bh,bk->hk", da, h_prev),
             "b_ih": db, "b_hh": db.copy()})
'''),
    "accumulate_into_zeros": dict(cell="rnn_backward", source='''
def rnn_backward(dhs, caches):
    B, T, H = dhs.shape
    x0, _, _, W_ih, W_hh = caches[0]
    dx = np.zeros((B, T, x0.shape[1]))
    grads = {"W_ih": np.zeros_like(W_ih), "W_hh": np.zeros_like(W_hh), "b_ih": np.zeros(H), "b_hh": np.zeros(H)}
    dh = np.zeros((B, H))
    for t in reversed(range(T)):
        dh = dh + dhs[:, t]
        dx[:, t], dh, g = rnn_step_backward(dh, caches[t])
        for k in grads:
            grads[k] += g[k]
    return dx, dh, grads
'''),
    "norm_of_concatenation": dict(cell="clip", source='''
def clip_by_global_norm(grads, max_norm):
    norm = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()])))
    factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
    return {k: factor * g for k, g in grads.items()}, norm
'''),
    "flat_index_loop": dict(cell="numerical_gradient", source='''
def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.size)
    flat = x.reshape(-1)                                 # a view: writing to it changes x
    for i in range(x.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = f()
        flat[i] = saved - eps
        down = f()
        flat[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad.reshape(x.shape)
'''),
}
