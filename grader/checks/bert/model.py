"""Public checks of Part B, the model: ``BertEmbeddings``, ``EncoderBlock``, ``Pooler``,
``NSPHead``, ``MLMHead`` and ``BERTPretrainer``."""
import numpy as np

from grader.api import Fail
from grader.checks.bert import MODEL_TOL, check
from grader.checks.common import (initialised, layer_names, log_probabilities, outputs,
                                  pads_ignored, random_weights, scaled_weights, shape_and_total,
                                  stand_in_embeddings, stand_in_encoder_block, stand_in_mlm_head,
                                  stand_in_nsp_head, stand_in_pooler, with_stand_ins, weight_shapes)
from grader.compare import compare

#: The checks' stand-ins for the layers of other exercises that BERTPretrainer builds on: its
#: checks grade how it puts layers together, whatever the student's layers do.
PRETRAINER_STAND_INS = {"BertEmbeddings": stand_in_embeddings, "EncoderBlock": stand_in_encoder_block,
                        "Pooler": stand_in_pooler, "NSPHead": stand_in_nsp_head,
                        "MLMHead": stand_in_mlm_head}


V, D, L = 23, 8, 7
IDS = np.array([[2, 5, 6, 4, 9, 3, 0], [2, 7, 3, 11, 12, 3, 0]], np.int32)
SEG = np.array([[0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1, 0]], np.int32)
MASK = (IDS > 0).astype(np.int32)
POS = np.array([[2, 4], [1, 0]], np.int32)


def run(layer, inputs, seed=0):
    """Outputs of ``layer`` initialised from ``seed`` for ``inputs``."""
    return outputs(initialised(layer, inputs, seed), inputs)


def embeddings(mod, mode="eval", dropout=0.1):
    return mod.BertEmbeddings(V, D, 16, dropout=dropout, mode=mode)


def _table_passed_on(got, expected):
    if got["shapes"] != [[2, L, D], [V, D]]:
        raise Fail(f"outputs: expected (embeddings (2, {L}, {D}), token table ({V}, {D})), got shapes {got['shapes']}")
    return compare(got["table"], got["weights0"], name="second output vs the token table weights")


@check("BertEmbeddings", points=1, judge=_table_passed_on)
def embeddings_outputs(mod):
    """outputs (embeddings (batch, L, d_model), token table) — the table is passed on for the tied MLM output"""
    layer = initialised(embeddings(mod), (IDS, SEG))
    x, table = outputs(layer, (IDS, SEG))
    return {"shapes": [list(np.shape(x)), list(np.shape(table))], "table": table,
            "weights0": np.asarray(layer.weights[0])}


@check("BertEmbeddings", points=1, subject="embeddings", **MODEL_TOL)
def embeddings_eval_values(mod):
    """eval-mode embeddings for a fixed batch and fixed weights (token + segment + position, LayerNorm)"""
    layer = random_weights(initialised(embeddings(mod), (IDS, SEG)), seed=0)
    return outputs(layer, (IDS, SEG))[0]


def _dropout(got, expected):
    if got["eval_zeros"] > 0:
        raise Fail("in mode='eval' some embeddings are exactly 0: dropout must be off outside training")
    if not 0.3 <= got["train_zero_share"] <= 0.7:
        raise Fail(f"in mode='train' with dropout 0.5, {got['train_zero_share']:.2f} of the values are 0 "
                   "(expected about half)")


@check("BertEmbeddings", points=1, judge=_dropout)
def embeddings_dropout(mod):
    """dropout (rate 0.5 here) zeroes about half of the values in mode='train' and none in mode='eval'"""
    train = run(embeddings(mod, "train", 0.5), (IDS, SEG))[0]
    evaluated = run(embeddings(mod, "eval", 0.5), (IDS, SEG))[0]
    return {"train_zero_share": float(np.mean(train == 0)), "eval_zeros": int(np.sum(evaluated == 0))}


def _rescaled(got, expected):
    if got["kept_ratio"] is None or abs(got["kept_ratio"] - 2.0) > 1e-3:
        raise Fail(f"with dropout 0.5 the kept values are {got['kept_ratio']} times their eval-mode values, "
                   "expected 2 = 1 / (1 - rate): divide the kept values by (1 - rate)")
    if not got["masks_differ"]:
        raise Fail("two layers initialised with different seeds drop the same positions: draw the "
                   "dropout mask from self.rng, not from a fixed key")


@check("BertEmbeddings", points=1, judge=_rescaled, timeout=300)
def embeddings_dropout_rescales(mod):
    """train-mode dropout keeps the expected value (kept values scaled by 1 / (1 - rate)) and draws its mask from the layer's rng"""
    layer = initialised(embeddings(mod, "train", 0.5), (IDS, SEG), seed=0)
    evaluated = outputs(random_weights(initialised(embeddings(mod, "eval", 0.5), (IDS, SEG), seed=0), 0), (IDS, SEG))[0]
    train = outputs(random_weights(layer, 0), (IDS, SEG))[0]
    kept = train != 0
    ratio = float(np.median(train[kept] / evaluated[kept])) if kept.any() else None
    other = outputs(random_weights(initialised(embeddings(mod, "train", 0.5), (IDS, SEG), seed=1), 0), (IDS, SEG))[0]
    return {"kept_ratio": ratio, "masks_differ": bool(np.any((other == 0) != (train == 0)))}


def block(mod, mode="eval"):
    return mod.EncoderBlock(D, 16, 2, dropout=0.1, mode=mode)


def attention_mask(mask=MASK):
    return (mask > 0)[:, None, None, :]


X = np.random.default_rng(1).standard_normal((2, L, D)).astype(np.float32)


@check("EncoderBlock", points=1, subject="layers")
def encoder_layers(mod):
    """EncoderBlock layers: Residual(attention), LayerNorm, Residual(feed-forward), LayerNorm (post-LayerNorm)"""
    return layer_names(block(mod))


@check("EncoderBlock", points=1, subject="Dropout layers in train mode")
def encoder_dropouts(mod):
    """in mode='train' both sub-layers end with a dropout (the attention has its own too); in mode='eval' none drops"""
    from course.trax_utils import find_layers
    def modes(mode):
        return [layer._mode for layer in find_layers(block(mod, mode), lambda l: l.name == "Dropout")]
    return {"train": modes("train"), "eval": modes("eval")}


@check("EncoderBlock", points=1, subject="rates of the Dropout layers")
def encoder_dropout_rate(mod):
    """the dropout argument (0.3 here, not the default) is the rate of every Dropout layer"""
    from course.trax_utils import find_layers
    layer = mod.EncoderBlock(D, 16, 2, dropout=0.3, mode="train")
    return [float(d._initial_rate) for d in find_layers(layer, lambda l: l.name == "Dropout")]


@check("EncoderBlock", points=1, subject="(x, mask)", **MODEL_TOL)
def encoder_values(mod):
    """eval-mode output for fixed vectors, mask and weights; the mask is passed on"""
    out = run(block(mod), (X, attention_mask()), seed=2)
    return [out[0], out[1].astype(np.int32)]


@check("EncoderBlock", points=1, judge=pads_ignored(
    "outputs at real positions", rtol=0, atol=1e-5, hint="pass the mask to the attention"))
def encoder_ignores_padded_keys(mod):
    """attention ignores padded keys: changing padded positions leaves real positions' outputs unchanged"""
    layer = initialised(block(mod), (X, attention_mask()), seed=3)
    changed = X.copy()
    changed[MASK == 0] = 5.0
    a, b = outputs(layer, (X, attention_mask()))[0], outputs(layer, (changed, attention_mask()))[0]
    return {"original": a[MASK > 0], "changed": b[MASK > 0]}


@check("Pooler", points=1, subject="pooled", **MODEL_TOL)
def pooler_values(mod):
    """pooled (batch, d_model) vector for fixed inputs and weights"""
    return run(mod.Pooler(D), X, seed=4)


def _first_token_tanh(got, expected):
    if got["changed_by_other_positions"] > 0:
        raise Fail("the pooled vector changed when positions other than [CLS] changed: pool the first vector only")
    if got["max_abs"] >= 1.0 or got["min"] >= 0:
        raise Fail(f"pooled values range {got['min']:.2f} … {got['max_abs']:.2f} in absolute value: "
                   "apply tanh after the Dense layer")


@check("Pooler", points=1, judge=_first_token_tanh)
def pooler_uses_cls_and_tanh(mod):
    """uses the [CLS] (first) vector only, through Dense and tanh (values in (-1, 1))"""
    layer = scaled_weights(initialised(mod.Pooler(D), X, seed=5), 3)
    changed = X.copy()
    changed[:, 1:] += 3.0
    a, b = outputs(layer, X), outputs(layer, changed)
    return {"changed_by_other_positions": float(np.abs(a - b).max()), "max_abs": float(np.abs(a).max()),
            "min": float(a.min())}


@check("NSPHead", points=1, judge=log_probabilities((2, 2), "NSPHead", "the 2 classes"))
def nsp_head_log_probs(mod):
    """(batch, d_model) → (batch, 2) log-probabilities"""
    return shape_and_total(run(mod.NSPHead(), X[:, 0], seed=6))


def _tied(got, expected):
    if got["weight_shapes"] != [[V]]:
        raise Fail(f"TiedOutput's weights: expected only a bias of shape ({V},), got shapes {got['weight_shapes']}")
    return compare(got["logits"], got["answer"], rtol=1e-5, atol=1e-5, name="logits = h · tableᵀ + bias")


@check("MLMHead", points=1, judge=_tied)
def tied_output(mod):
    """TiedOutput: logits = h · token_tableᵀ + bias, its only weight the bias (vocab,)"""
    rng = np.random.default_rng(7)
    h, table = rng.standard_normal((2, 3, D)).astype(np.float32), rng.standard_normal((V, D)).astype(np.float32)
    layer = initialised(mod.TiedOutput(V), (h, table))
    bias = rng.standard_normal(V).astype(np.float32)
    layer.weights = bias
    return {"weight_shapes": [list(shape) for shape in weight_shapes(layer)],
            "logits": outputs(layer, (h, table)), "answer": h @ table.T + bias}


def mlm_inputs():
    table = np.random.default_rng(8).standard_normal((V, D)).astype(np.float32)
    return (X, table, POS)


@check("MLMHead", points=1, judge=log_probabilities((2, 2, V), "MLMHead", "the vocabulary"))
def mlm_head_log_probs(mod):
    """(x, table, positions (batch, P)) → (batch, P, vocab) log-probabilities"""
    return shape_and_total(run(mod.MLMHead(V, D), mlm_inputs(), seed=9))


@check("MLMHead", points=1, subject="MLM log-probabilities", **MODEL_TOL)
def mlm_head_values(mod):
    """values for fixed vectors, table, positions and weights (gather, Dense, Gelu, LayerNorm, tied output)"""
    return run(mod.MLMHead(V, D), mlm_inputs(), seed=10)


def _finite(got, expected):
    if got["non_finite"]:
        raise Fail(f"with large logits {got['non_finite']} of the {got['size']} log-probabilities are "
                   "not finite (-inf or NaN); every log-probability must stay finite")
    return compare(got["row_logsumexp"], expected["row_logsumexp"], name="logsumexp of each row",
                   rtol=1e-4, atol=1e-3)


@check("MLMHead", points=1, judge=_finite)
def mlm_head_large_logits(mod):
    """a token table 1,000 times larger (logits in the thousands): log-probabilities stay finite"""
    x, table, pos = mlm_inputs()
    got = np.asarray(run(mod.MLMHead(V, D), (x, table * 1000.0, pos), seed=10), dtype=np.float64)
    return {"non_finite": int((~np.isfinite(got)).sum()), "size": int(got.size),
            "row_logsumexp": np.log(np.exp(got).sum(axis=-1)).tolist()}


def _gathers(got, expected):
    if got["changed_by_unused"] > 1e-6:
        raise Fail("the output changed when vectors at positions that are not predicted changed: "
                   "gather the masked positions first")
    if got["changed_by_used"] < 1e-6:
        raise Fail("the output did not change when the vector at a predicted position changed")


@check("MLMHead", points=1, judge=_gathers)
def mlm_head_gathers(mod):
    """only the vectors at masked_lm_positions matter"""
    layer = initialised(mod.MLMHead(V, D), mlm_inputs(), seed=11)
    x, table, pos = mlm_inputs()
    base = outputs(layer, (x, table, pos))
    unused, used = x.copy(), x.copy()
    unused[0, 6] += 3.0  # position 6 is not predicted in row 0
    used[0, 2] += 3.0
    return {"changed_by_unused": float(np.abs(outputs(layer, (unused, table, pos)) - base).max()),
            "changed_by_used": float(np.abs(outputs(layer, (used, table, pos)) - base).max())}


def pretrainer(mod, mode="eval", dropout=0.1, **sizes):
    """The student's BERTPretrainer built on the checks' stand-in layers (not the student's)."""
    sizes = {"d_model": D, "n_layers": 2, "n_heads": 2, "d_ff": 16, "max_len": 16, **sizes}
    with with_stand_ins(mod, PRETRAINER_STAND_INS):
        return mod.BERTPretrainer(V, dropout=dropout, mode=mode, **sizes)


BATCH = (IDS, SEG, MASK, POS)


def _outputs(got, expected):
    if got["shapes"] != [[2, 2, V], [2, 2]]:
        raise Fail(f"outputs: expected (mlm (2, 2, {V}), nsp (2, 2)), got shapes {got['shapes']}")
    return compare(got["totals"], [np.ones((2, 2)), np.ones(2)], rtol=1e-4,
                   name="sums of exp(outputs) (log-probabilities)")


@check("BERTPretrainer", points=1, judge=_outputs)
def pretrainer_outputs(mod):
    """(ids, segments, mask, positions) → (mlm (batch, P, vocab), nsp (batch, 2)) log-probabilities"""
    mlm, nsp = run(pretrainer(mod), BATCH)
    return {"shapes": [list(mlm.shape), list(nsp.shape)],
            "totals": [np.exp(mlm).sum(-1), np.exp(nsp).sum(-1)]}


def _one_table(got, expected):
    if got["tables"] != 1:
        raise Fail(f"the model has {got['tables']} weight arrays of shape (vocab, d_model) = ({V}, {D}); "
                   "the MLM output must reuse the token embedding table (tied), not hold its own")


@check("BERTPretrainer", points=1, judge=_one_table)
def pretrainer_tied(mod):
    """one (vocab, d_model) table serves the input embedding and the MLM output (tied weights)"""
    model = initialised(pretrainer(mod), BATCH)
    return {"tables": sum(s in [(V, D), (D, V)] for s in weight_shapes(model))}


@check("BERTPretrainer", points=1, judge=pads_ignored(
    "outputs", rtol=0, atol=1e-5, hint="the attention must ignore padded keys (input_mask 0)"))
def pretrainer_ignores_pads(mod):
    """changing the tokens at padded positions (input_mask 0) does not change the outputs"""
    model = initialised(pretrainer(mod), BATCH, seed=12)
    changed = IDS.copy()
    changed[MASK == 0] = 17
    return {"original": outputs(model, BATCH), "changed": outputs(model, (changed, SEG, MASK, POS))}


@check("BERTPretrainer", points=1, subject="(mlm, nsp)", **MODEL_TOL)
def pretrainer_values(mod):
    """eval-mode outputs for a fixed batch and fixed initial weights"""
    return run(pretrainer(mod), BATCH, seed=13)


@check("BERTPretrainer", points=1, timeout=300, judge=pads_ignored(
    "outputs in mode='train' with dropout=0", rtol=0, atol=1e-5,
    hint="pass the dropout argument on to the embeddings and every encoder block"))
def pretrainer_passes_dropout_on(mod):
    """with dropout=0 the train-mode outputs equal the eval-mode outputs (the dropout argument reaches every layer)"""
    return {"original": run(pretrainer(mod, "eval", 0.0), BATCH, seed=13),
            "changed": run(pretrainer(mod, "train", 0.0), BATCH, seed=13)}
