"""The reference solution of assignment 2 against the real corpus and independent oracles."""
import sys

import numpy as np
import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "solutions" / "a2_ner"))
import ner  # noqa: E402

from course.trax_compat import jax, tl, trax  # noqa: E402
from course.trax_utils import jit_forward  # noqa: E402


@pytest.fixture(scope="module")
def corpus(course_data):
    df = ner.read_gmb(course_data("gmb-ner"))
    return df, ner.group_sentences(df)


def test_the_whole_file_becomes_47959_sentences_with_17_tags(corpus):
    df, (sentences, tags) = corpus
    assert len(df) == 1_048_575 and len(sentences) == 47_959
    assert sum(map(len, sentences)) == len(df) and list(map(len, sentences)) == list(map(len, tags))
    assert len({t for ts in tags for t in ts}) == 17
    assert not any(w != w for s in sentences for w in s), "no word read as NaN"
    assert sentences[0][:3] == ["Thousands", "of", "demonstrators"]


def test_prepared_data_follows_the_documented_conventions(corpus):
    _, (sentences, tags) = corpus
    data = ner.prepare(sentences, tags)
    sizes = [len(part[0]) for part in (data.train, data.valid, data.test)]
    assert sum(sizes) == len(sentences) and abs(sizes[0] / len(sentences) - 0.8) < 1e-3
    assert data.train[0][0][:1] == [data.vocab["Thousands"]]
    assert data.vocab[ner.PAD] == len(data.vocab) - 1 and data.vocab[ner.UNK] == len(data.vocab) - 2
    assert data.tag_map["O"] == 0
    test_words = {w for s in sentences[-sizes[2]:] for w in s}
    assert any(w not in data.vocab for w in test_words)  # test words unseen in training → UNK
    assert data.vocab[ner.UNK] in {i for s in data.test[0] for i in s}


def test_real_batches_are_as_wide_as_their_longest_sentence(corpus):
    _, (sentences, tags) = corpus
    data = ner.prepare(sentences[:2000], tags[:2000])
    gen = ner.data_generator(32, *data.train, data.pad)
    for b in range(60):  # more than one epoch of 1,600 sentences
        X, Y = next(gen)
        rows = [(b * 32 + r) % len(data.train[0]) for r in range(32)]
        assert X.shape[1] == max(len(data.train[0][k]) for k in rows)
        for r, k in enumerate(rows):
            n = len(data.train[0][k])
            assert list(X[r, :n]) == data.train[0][k] and list(Y[r, :n]) == data.train[1][k]
            assert (X[r, n:] == data.pad).all() and (Y[r, n:] == data.pad).all()


def test_numpy_lstm_cell_scanned_over_a_sentence_equals_tl_lstm():
    """lstm_cell_forward, applied step by step with Trax's weights, reproduces a whole tl.LSTM
    layer's outputs to 1e-5."""
    n_h = n_x = 6  # tl.LSTM sizes its zero state from its input: width n_units
    length = 7
    layer = tl.LSTM(n_h)
    xs = np.random.default_rng(0).standard_normal((1, length, n_x)).astype(np.float32)
    layer.init(trax.shapes.signature(xs), rng=jax.random.PRNGKey(0))
    cell_weights = [w for w in jax.tree.leaves(layer.weights) if np.ndim(w) > 0]
    weights = ner.lstm_weights_from_trax(cell_weights, n_x)
    h, c, outputs = np.zeros((n_h, 1)), np.zeros((n_h, 1)), []
    for t in range(length):
        h, c = ner.lstm_cell_forward(xs[0, t][:, None].astype(np.float64), h, c, weights)
        outputs.append(h[:, 0])
    np.testing.assert_allclose(np.array(outputs), np.asarray(layer(xs))[0], atol=1e-5)


def crf_inputs(seed=0):
    rng = np.random.default_rng(seed)
    emissions = rng.standard_normal((3, 6, 4)).astype(np.float32)
    transitions = rng.standard_normal((4, 4)).astype(np.float32)
    mask = (np.arange(6)[None] < np.array([[6], [2], [4]])).astype(np.float32)
    tags = np.where(mask > 0, rng.integers(0, 4, (3, 6)), 12345)
    return emissions, tags, mask, transitions


def test_crf_log_likelihood_is_a_log_probability_with_finite_gradients():
    emissions, tags, mask, transitions = crf_inputs()
    ll = np.asarray(ner.crf_log_likelihood(emissions, tags, mask, transitions))
    assert (ll < 0).all()
    grads = jax.grad(lambda e, t: ner.crf_log_likelihood(e, tags, mask, t).sum(), argnums=(0, 1))(
        emissions, transitions)
    assert all(np.isfinite(np.asarray(g)).all() for g in grads)
    assert np.abs(np.asarray(grads[0])[mask == 0]).max() == 0  # pads get no gradient


def test_viterbi_path_has_the_highest_crf_likelihood():
    emissions, _, mask, transitions = crf_inputs(1)
    paths = ner.viterbi_decode(emissions, mask, transitions)
    best = np.zeros(mask.shape, int)
    for r, p in enumerate(paths):
        best[r, :len(p)] = p
    best_ll = np.asarray(ner.crf_log_likelihood(emissions, best, mask, transitions))
    rng = np.random.default_rng(2)
    for _ in range(50):
        other = rng.integers(0, 4, mask.shape)
        assert (np.asarray(ner.crf_log_likelihood(emissions, other, mask, transitions)) <= best_ll + 1e-5).all()


def test_crf_loss_trains_its_transitions_in_the_loop(tmp_path):
    x = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
    y = [[1, 2, 0], [1, 0], [0, 1, 2, 2]]
    gen = ner.masked_batches(ner.data_generator(3, x, y, 10, shuffle=True), 10)
    model = ner.BiLSTM_NER({"O": 0, "B": 1, "I": 2}, 11, 8)
    crf = ner.CRFLoss(3)
    config = ner.NERConfig(steps_per_checkpoint=20, n_eval_batches=1)
    loop = ner.train_model(model, gen, gen, train_steps=20, output_dir=str(tmp_path), config=config,
                           loss_layer=crf)
    learned = np.asarray(crf.weights)
    assert np.abs(learned).max() > 0.01
    assert learned[1, 2] > learned[0, 2]  # I follows B in the data, never O
    losses = [v for _, v in loop.history.get("train", "metrics/CRFLoss")]
    assert losses[-1] < losses[0]


def test_predict_equals_the_corpus_tagging_of_the_same_sentence():
    vocab = {"a": 0, "b": 1, "c": 2, ner.UNK: 3, ner.PAD: 4}
    tag_map = {"O": 0, "B-per": 1, "I-per": 2}
    model = ner.NER(tag_map, len(vocab), 8)
    model.init(trax.shapes.ShapeDtype((1, 3), np.int32), rng=jax.random.PRNGKey(0))
    model.weights = jax.tree.map(lambda w: np.random.default_rng(0).standard_normal(np.shape(w)).astype(np.float32) * 2,
                                 model.weights)
    x = [[0, 1, 2, 3], [2, 2], [1, 0, 3]]
    pred, labels = ner.tag_corpus(model, x, [[0] * len(s) for s in x], 4, batch_size=2)
    words = {i: w for w, i in vocab.items()}
    id_to_tag = {i: t for t, i in tag_map.items()}
    for row, sentence in enumerate(x):
        alone = ner.predict([words[i] for i in sentence], model, vocab, tag_map)
        assert alone == [id_to_tag[int(i)] for i in pred[row, :len(sentence)]]
        assert (pred[row, len(sentence):] == 4).all() and (labels[row, len(sentence):] == 4).all()
    assert pred.shape == (3, 4)
    assert jit_forward(model) is not None
