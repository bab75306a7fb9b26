"""Mutation catalogue of assignment 05_bidirectional_attention (format: see tests/nbgrader_harness.py)."""
ASSIGNMENT = "05_bidirectional_attention"
TOTAL = 50

# bidirectional calls the student's rnn_direction and merge, and stack calls bidirectional, so a mistake
# low down also shows up in the hidden tests above it. The visible bidirectional and stack tests compare
# with the student's own lower functions, so they only catch mistakes of their own cell (and shapes).
# Likewise dot_attention and additive_attention call the student's masked_softmax.
DIRECTION = {"test_rnn_direction_values", "test_bidirectional_values", "test_stack_values"}
SOFTMAX = {"test_masked_softmax_values", "test_dot_attention_values", "test_additive_attention_values"}
SOFTMAX_ALL = SOFTMAX | {"test_masked_softmax_basics", "test_dot_attention_basics", "test_additive_attention_basics"}

WRONG = {
    "backward_outputs_not_rereversed": dict(  # stored at their position in the reading order
        cell="rnn_direction", find="hs[:, t] = np.where(valid, h, 0.0)", replace="hs[:, i] = np.where(valid, h, 0.0)",
        breaks=DIRECTION | {"test_rnn_direction_shapes", "test_rnn_direction_padding", "test_stack_shapes"}),
    "padding_changes_the_state": dict(  # the backward direction starts on the padding
        cell="rnn_direction", find="h = np.where(valid, rnn_step(x[:, t], h, *weights), h)",
        replace="h = rnn_step(x[:, t], h, *weights)",
        breaks=DIRECTION | {"test_rnn_direction_padding"}),
    "padded_outputs_not_zeroed": dict(
        cell="rnn_direction", find="hs[:, t] = np.where(valid, h, 0.0)", replace="hs[:, t] = h",
        breaks=DIRECTION | {"test_rnn_direction_padding", "test_stack_shapes"}),
    "concat_backward_first": dict(
        cell="merge", find="np.concatenate([out_fw, out_bw], axis=-1)", replace="np.concatenate([out_bw, out_fw], axis=-1)",
        breaks={"test_merge", "test_bidirectional_parts", "test_bidirectional_values", "test_stack_values"}),
    "ave_computed_as_sum": dict(
        cell="merge", find="return (out_fw + out_bw) / 2", replace="return out_fw + out_bw",
        breaks={"test_merge", "test_bidirectional_values"}),
    "backward_direction_reuses_forward_weights": dict(
        cell="bidirectional", find="rnn_direction(x, weights_bw, mask, reverse=True)",
        replace="rnn_direction(x, weights_fw, mask, reverse=True)",
        breaks={"test_bidirectional_parts", "test_bidirectional_values", "test_stack_values"}),
    "backward_direction_reads_reversed_padded_array": dict(  # the classic: flip the padded array, flip back
        cell="bidirectional", find="hs_bw, last_bw = rnn_direction(x, weights_bw, mask, reverse=True)",
        replace=("hs_bw, last_bw = rnn_direction(x[:, ::-1], weights_bw)\n"
                 "    hs_bw = hs_bw[:, ::-1] * (1 if mask is None else mask[:, :, None])"),
        breaks={"test_bidirectional_parts", "test_bidirectional_values", "test_stack_values"}),
    "bidirectional_calls_the_reference": dict(
        cell="bidirectional", find="    return merge(hs_fw, hs_bw, merge_mode), merge(last_fw, last_bw, merge_mode)",
        replace=("    from rnncourse.bidirectional import BidirectionalParams, bidirectional_forward\n"
                 "    from rnncourse.rnn import RNNParams\n"
                 "    p = BidirectionalParams(*(RNNParams(Wx=w[0].T.copy(), Wh=w[1].T.copy(), b=w[2] + w[3])\n"
                 "                              for w in (weights_fw, weights_bw)), merge_mode)\n"
                 "    out, _, _ = bidirectional_forward(x, p, mask=mask)\n"
                 "    last, _, _ = bidirectional_forward(x, p, mask=mask, return_sequences=False)\n"
                 "    return out, last"),
        breaks={"test_bidirectional_values", "test_stack_values"}),
    "stack_feeds_only_the_last_state_up": dict(
        cell="stack", find='        out, last = bidirectional(out, weights_fw, weights_bw, mask, "concat")',
        replace=('        seq, last = bidirectional(out, weights_fw, weights_bw, mask, "concat")\n'
                 "        out = np.repeat(last[:, None, :], x.shape[1], axis=1)"),
        breaks={"test_stack_shapes", "test_stack_values"}),
    "stack_masks_the_bottom_layer_only": dict(
        cell="stack", find='bidirectional(out, weights_fw, weights_bw, mask, "concat")',
        replace='bidirectional(out, weights_fw, weights_bw, mask if out is x else None, "concat")',
        breaks={"test_stack_shapes", "test_stack_values"}),
    "softmax_over_the_batch": dict(
        edits=[("masked_softmax", "scores.max(axis=1, keepdims=True)", "scores.max(axis=0, keepdims=True)"),
               ("masked_softmax", "e.sum(axis=1, keepdims=True)", "e.sum(axis=0, keepdims=True)")],
        breaks=SOFTMAX_ALL),
    "mask_applied_after_the_softmax": dict(  # zeros where padded, but rows no longer sum to 1
        edits=[("masked_softmax", "        scores = np.where(mask, scores, -np.inf)", "        pass"),
               ("masked_softmax", "    return e / e.sum(axis=1, keepdims=True)",
                "    weights = e / e.sum(axis=1, keepdims=True)\n    return weights if mask is None else weights * mask")],
        breaks=SOFTMAX_ALL),
    "softmax_overflows": dict(
        cell="masked_softmax", find="np.exp(scores - scores.max(axis=1, keepdims=True))", replace="np.exp(scores)",
        breaks={"test_masked_softmax_values"}),
    "softmax_calls_the_reference": dict(
        cell="masked_softmax",
        find="    e = np.exp(scores - scores.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
        replace="    from rnncourse.activations import softmax\n    return softmax(scores, axis=1)",
        breaks=SOFTMAX),
    "dot_scale_missing": dict(
        cell="dot_attention", find="scores = scores / np.sqrt(hs.shape[2])", replace="scores = scores",
        breaks={"test_dot_attention_basics", "test_dot_attention_values"}),
    "dot_scaled_by_H_not_sqrt_H": dict(
        cell="dot_attention", find="scores / np.sqrt(hs.shape[2])", replace="scores / hs.shape[2]",
        breaks={"test_dot_attention_basics", "test_dot_attention_values"}),
    "additive_key_weights_not_transposed": dict(
        cell="additive_attention", find="hs @ W_k.T", replace="hs @ W_k",
        breaks={"test_additive_attention_basics", "test_additive_attention_values"}),
    "additive_context_averages_projections": dict(
        cell="additive_attention", find='context = np.einsum("bt,bth->bh", weights, hs)',
        replace='context = np.einsum("bt,bta->ba", weights, hs @ W_k.T)',
        breaks={"test_additive_attention_basics", "test_additive_attention_values"}),
}

ALTERNATIVE = {
    "one_sequence_at_a_time": dict(cell="rnn_direction", source='''
def rnn_direction(x, weights, mask=None, reverse=False):
    B, T, _ = x.shape
    H = weights[0].shape[0]
    lengths = np.full(B, T) if mask is None else mask.sum(axis=1)
    hs, h_last = np.zeros((B, T, H)), np.zeros((B, H))
    for b in range(B):                       # only the valid steps of each sequence, in reading order
        L = lengths[b]
        h = np.zeros((1, H))
        for t in (range(L - 1, -1, -1) if reverse else range(L)):
            h = rnn_step(x[b:b + 1, t], h, *weights)
            hs[b, t] = h[0]
        h_last[b] = h[0]
    return hs, h_last
'''),
    "recursive_stack": dict(cell="stack", source='''
def stack(x, layers, mask=None):
    (weights_fw, weights_bw), *rest = layers
    out, last = bidirectional(x, weights_fw, weights_bw, mask)
    return stack(out, rest, mask) if rest else (out, last)
'''),
    "big_negative_and_where": dict(cell="masked_softmax", source='''
def masked_softmax(scores, mask=None):
    if mask is None:
        mask = np.ones(scores.shape, dtype=bool)
    shifted = np.where(mask, scores, -1e30)
    shifted = shifted - shifted.max(axis=-1, keepdims=True)
    e = np.where(mask, np.exp(shifted), 0.0)
    return e / e.sum(axis=-1, keepdims=True)
'''),
    "dot_with_matmul": dict(cell="dot_attention", source='''
def dot_attention(s, hs, mask=None, scale=False):
    scores = (hs @ s[:, :, None])[:, :, 0]
    if scale:
        scores *= hs.shape[-1] ** -0.5
    weights = masked_softmax(scores, mask)
    return (weights[:, None, :] @ hs)[:, 0, :], weights
'''),
    "additive_with_einsum": dict(cell="additive_attention", source='''
def additive_attention(s, hs, W_q, W_k, v, mask=None):
    q = np.einsum("ak,bk->ba", W_q, s)
    k = np.einsum("ah,bth->bta", W_k, hs)
    weights = masked_softmax(np.tanh(q[:, None] + k) @ v, mask)
    return (weights[:, :, None] * hs).sum(axis=1), weights
'''),
}
