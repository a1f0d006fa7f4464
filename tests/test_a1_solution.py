"""The reference solution of assignment 1 against independent oracles (the stored
expectations come from it, so it must be right)."""
import sys

import numpy as np

from conftest import REPO

sys.path.insert(0, str(REPO / "solutions" / "a1_gru"))
import gru_lm as g  # noqa: E402
from course.trax_compat import jax, tl, trax  # noqa: E402
from course.trax_utils import int_signature, jit_forward  # noqa: E402
from grader.checks.a1_gru import GRU_WEIGHT_SCALE, chain_model, reference_gru  # noqa: E402
from grader.checks.common import random_weights  # noqa: E402


def greedy_by_rerunning(eval_model, prefix, n, width=64):
    """Greedy continuation computed the slow way: re-run the whole text for each character."""
    forward = jit_forward(eval_model)
    ids = [ord(c) for c in prefix]
    for _ in range(n):
        x = np.zeros((1, width), np.int32)
        x[0, :len(ids)] = ids
        nxt = int(np.argmax(np.asarray(forward(x))[0, len(ids)]))
        if nxt == g.EOS_INT:
            break
        ids.append(nxt)
    return "".join(chr(i) for i in ids[len(prefix):])


def test_generate_equals_greedy_rerun_of_the_prefix():
    config = g.GRUConfig(vocab_size=128, d_model=16, n_layers=2)
    trained = g.GRULM(128, 16, 2, mode="eval")
    trained.init(int_signature((1, 64)), rng=jax.random.PRNGKey(3))
    random_weights(trained, 3, GRU_WEIGHT_SCALE)
    predict = g.predict_model(trained, config)
    weights_before = [np.asarray(w).copy() for w in trax.fastmath.tree_flatten(predict.weights)]
    fast = g.generate(predict, "to be or", 30, temperature=0.0)
    assert fast == greedy_by_rerunning(trained, "to be or", 30)
    assert len(fast) > 5
    for before, after in zip(weights_before, trax.fastmath.tree_flatten(predict.weights)):
        np.testing.assert_array_equal(before, np.asarray(after))  # generation keeps the weights
    assert g.generate(predict, "to be or", 30, temperature=0.0) == fast  # state reset each call


def test_generate_on_the_hand_built_chain_model():
    assert g.generate(chain_model(), "a", 10, temperature=0.0) == "bc"
    assert g.generate(chain_model(), "p", 7, temperature=0.0) == "qpqpqpq"


def test_log_perplexity_equals_trax_weighted_cross_entropy():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((3, 5, 7)).astype(np.float32)
    preds = np.asarray(jax.nn.log_softmax(logits))
    target = np.array([[2, 3, 1, 0, 0], [4, 1, 0, 0, 0], [5, 6, 2, 3, 1]])
    weights = (target != 0).astype(np.float32)
    trax_loss = tl.WeightedCategoryCrossEntropy()((preds, target, weights))
    np.testing.assert_allclose(g.log_perplexity(preds, target), float(trax_loss), rtol=1e-5)


def test_scan_matches_stepping_by_hand_and_gru_cell_is_trax_cell():
    rng = np.random.default_rng(1)
    w = [rng.standard_normal((3, 5)) for _ in range(3)] + [rng.standard_normal((3, 1)) for _ in range(3)]
    xs, h = rng.standard_normal((4, 2, 1)), rng.standard_normal((3, 1))
    ys, h_t = g.scan(g.forward_GRU, xs, w, h)
    for x, y in zip(xs, ys):
        h = g.forward_GRU([x, h], w)[0]
        np.testing.assert_array_equal(y, h)
    np.testing.assert_array_equal(h_t, h)


def test_gru_cell_weights_of_the_check_drive_trax_cell_like_the_mapped_numpy_cell():
    """The forward_GRU check feeds NumPy weights in tl.GRUCell's layout (no Trax at grading):
    loaded into a real tl.GRUCell, they give the reference's mapped NumPy cell to 1e-5."""
    from grader.checks.a1_gru import gru_cell_weights
    emb, h_dim = 3, 5
    x = np.linspace(-1, 1, emb, dtype=np.float32)[None]
    s = np.linspace(0.5, -0.5, h_dim, dtype=np.float32)[None]
    cell = tl.GRUCell(h_dim)
    cell.init((trax.shapes.signature(x), trax.shapes.signature(s)))
    cell.weights = gru_cell_weights(emb, h_dim, seed=3)
    trax_h = np.asarray(cell((x, s))[0])[0]
    w = g.gru_weights_from_trax(gru_cell_weights(emb, h_dim, seed=3), emb)
    ours = g.forward_GRU([x.T.astype(np.float64), s.T.astype(np.float64)], w)[0][:, 0]
    np.testing.assert_allclose(ours, trax_h, rtol=1e-5, atol=1e-5)
