"""The reference solution of assignment 3 and its tokenizer, against the real files and
independent oracles."""
import random
import sys

import numpy as np
import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "solutions" / "a3_bert"))
import bert  # noqa: E402

from course.trax_compat import jax, trax  # noqa: E402
from course.wordpiece import SPECIAL_TOKENS, Tokenizer, learn_vocab  # noqa: E402


@pytest.fixture(scope="module")
def sample_tokenizer(tmp_path_factory, course_data):
    """A vocabulary learnt from BERT's sample text (and a line of Chinese)."""
    text = course_data("bert-sample").read_text(encoding="utf-8") + "\n我爱北京天安门。\n"
    path = learn_vocab(text.splitlines(), 800, tmp_path_factory.mktemp("vocab") / "vocab.txt", lower_thresh=2)
    return Tokenizer(path)


def test_vocabulary_starts_with_the_special_tokens(sample_tokenizer):
    assert sample_tokenizer.vocab_words[:5] == SPECIAL_TOKENS
    assert sample_tokenizer.vocab["[PAD]"] == 0
    assert any(w.startswith("##") for w in sample_tokenizer.vocab_words)


def test_basic_tokenisation_lower_cases_strips_accents_splits_punctuation_and_cjk(sample_tokenizer):
    tokens = sample_tokenizer.tokenize("The Rain, in CAFÉ!")
    assert tokens[:2] == ["the", "rain"] and "," in tokens and tokens[-1] == "!"
    assert "".join(t.lstrip("#") for t in tokens[tokens.index("in") + 1:-1]) == "cafe"
    assert sample_tokenizer.tokenize("我爱北京") == ["我", "爱", "北", "京"]


def test_wordpiece_is_greedy_longest_match_with_continuations_and_unk(sample_tokenizer):
    vocab = set(sample_tokenizer.vocab_words)
    for word in ["settlement", "glittering", "improvident"]:
        pieces = sample_tokenizer.tokenize(word)
        assert "".join(p.lstrip("#") for p in pieces) == word
        assert all(p.startswith("##") for p in pieces[1:]) and not pieces[0].startswith("##")
        # greedy longest match: no longer vocabulary entry starts the word
        assert not any(word.startswith(v) and len(v) > len(pieces[0]) for v in vocab if not v.startswith("##"))
    assert sample_tokenizer.tokenize("ᚠᚢᚦ") == ["[UNK]"]
    assert sample_tokenizer.convert_tokens_to_ids(["[CLS]", "no-such-token"]) == [2, 1]


def test_vocab_file_without_special_tokens_is_refused(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\n")
    with pytest.raises(ValueError, match="special tokens"):
        Tokenizer(path)


def test_wikitext_articles_become_documents_of_sentences(course_data):
    text = course_data("wikitext-2-valid").read_text(encoding="utf-8")
    documents = bert.wikitext_documents(text)
    titles = [line for line in text.splitlines() if bert.heading_level(line) == 1]
    assert len(documents) == len(titles) == 60
    assert all(not s.startswith("=") for d in documents for s in d)
    assert documents[0][0].startswith("Homarus gammarus") and documents[0][0].endswith(" .")
    assert bert.pretraining_text(documents).count("\n\n") == len(documents) - 1


def test_sample_text_instances_follow_the_recipe(sample_tokenizer, course_data):
    """create_training_instances on BERT's own sample text: every instance fits, has the
    layout, and the corpus-wide statistics are those of the recipe."""
    instances = bert.create_training_instances(course_data("bert-sample"), sample_tokenizer, 128, 20, 0.1, 0.15, 10,
                                               random.Random(0))
    assert instances
    for inst in instances:
        assert len(inst.tokens) <= 128 and inst.tokens[0] == "[CLS]" and inst.tokens[-1] == "[SEP]"
        original = list(inst.tokens)  # a random replacement may itself be "[SEP]"
        for p, label in zip(inst.masked_lm_positions, inst.masked_lm_labels):
            original[p] = label
        sep = original.index("[SEP]")
        assert inst.segment_ids == [0] * (sep + 1) + [1] * (len(inst.tokens) - sep - 1)
        assert inst.masked_lm_positions == sorted(inst.masked_lm_positions)
        assert len(inst.masked_lm_positions) == min(10, max(1, round(len(inst.tokens) * 0.15)))
    # about half, plus the chunks of one sentence (always random); the sample's sentences are long
    assert 0.4 < np.mean([i.is_random_next for i in instances]) < 0.75
    features = [bert.instance_to_features(i, sample_tokenizer, 128, 10) for i in instances]
    for f, inst in zip(features, instances):
        n = len(inst.tokens)
        assert f["input_mask"].sum() == n and (f["input_ids"][n:] == 0).all()
        assert f["masked_lm_weights"].sum() == len(inst.masked_lm_labels)
        assert sample_tokenizer.convert_ids_to_tokens(f["masked_lm_ids"][:len(inst.masked_lm_labels)]) == [
            t if t in sample_tokenizer.vocab else "[UNK]" for t in inst.masked_lm_labels]


def test_original_rng_sequence_is_reproduced():
    """With the same seeded rng, masking draws exactly as the original code does: shuffle the
    candidates, then per chosen token random() for 80 %, random() for 50 %, randint for the word."""
    tokens = ["[CLS]"] + [f"t{i}" for i in range(30)] + ["[SEP]"]
    vocab_words = [f"v{i}" for i in range(50)]
    out, positions, labels = bert.create_masked_lm_predictions(tokens, 0.15, 20, vocab_words, random.Random(7))
    rng = random.Random(7)
    cand = list(range(1, 31))
    rng.shuffle(cand)
    expected = list(tokens)
    for index in cand[:5]:  # round(32 * 0.15) = 5
        if rng.random() < 0.8:
            expected[index] = "[MASK]"
        elif rng.random() >= 0.5:
            expected[index] = vocab_words[rng.randint(0, 49)]
    assert out == expected and positions == sorted(cand[:5])


def test_model_gradients_reach_the_tied_table_from_both_ends():
    """The token table gets gradient from the MLM output even for ids absent from the input."""
    vocab, d = 19, 8
    model = bert.BERTPretrainer(vocab, d_model=d, n_layers=1, n_heads=2, d_ff=16, max_len=8, dropout=0.0,
                                mode="eval")
    ids = np.array([[2, 5, 6, 3, 7, 3, 0, 0]], np.int32)
    batch = (ids, np.array([[0, 0, 0, 0, 1, 1, 0, 0]], np.int32), (ids > 0).astype(np.int32),
             np.array([[1, 4]], np.int32))
    model.init(tuple(trax.shapes.signature(a) for a in batch), rng=jax.random.PRNGKey(0))

    def loss(weights):
        (mlm, nsp), _ = model.pure_fn(batch, weights, model.state, model.rng)
        return bert.pretraining_loss(mlm, nsp, np.array([[12, 13]]), np.ones((1, 2), np.float32), np.array([1]))

    grads = jax.grad(loss)(model.weights)
    table_grads = [g for g in jax.tree.leaves(grads) if np.shape(g) == (vocab, d)]
    assert len(table_grads) == 1
    assert np.abs(np.asarray(table_grads[0])[12]).sum() > 0  # label id 12 is not in the input


def test_eval_mode_is_deterministic_and_train_mode_is_not():
    ids = np.array([[2, 5, 6, 3, 7, 3]], np.int32)
    batch = (ids, np.zeros_like(ids), np.ones_like(ids), np.array([[1, 2]], np.int32))
    outs = {}
    for mode in ("eval", "train"):
        model = bert.BERTPretrainer(11, d_model=8, n_layers=1, n_heads=2, d_ff=16, max_len=8, dropout=0.3, mode=mode)
        model.init(tuple(trax.shapes.signature(a) for a in batch), rng=jax.random.PRNGKey(0))
        first = np.asarray(model(batch, rng=jax.random.PRNGKey(1))[0])
        second = np.asarray(model(batch, rng=jax.random.PRNGKey(2))[0])
        outs[mode] = np.abs(first - second).max()
    assert outs["eval"] == 0 and outs["train"] > 0
