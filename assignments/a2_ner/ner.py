# Student version, generated from solutions/a2_ner/ner.py by `python -m grader stubs`.
# Write your code between the START/END CODE HERE markers, then run the grader.
"""Assignment 2 — named-entity recognition on the GMB corpus with an LSTM tagger.

Part A  data: the GMB table to sentences, vocabulary, tag map, ids.
Part B  batches: padding to the longest sentence of each batch, loss weights that ignore pads.
Part C  the Trax LSTM tagger and its training loop.
Part D  evaluation: token accuracy without pads, entity-level F1, tagging a new sentence.
Part E  the LSTM cell in NumPy: the maths ``tl.LSTM`` hides.
Part F  extension: a bidirectional tagger and a linear-chain CRF output layer.

Fill in the code between ``### START CODE HERE ###`` and ``### END CODE HERE ###``;
grade with ``./run grade a2_ner``.
"""
import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

from course.numpy_utils import columns_from_trax_kernel, sigmoid
from course.trax_compat import jax, jnp, tl, trax
from course.trax_utils import jit_forward
from trax.supervised import training

UNK, PAD = "UNK", "<PAD>"  # the vocabulary's last two entries, in this order


@dataclass(frozen=True)
class NERConfig:
    """Every hyper-parameter of the data split, the model and its training, in one place."""
    split: tuple = (0.8, 0.1, 0.1)  # train / validation / test shares, contiguous
    min_word_count: int = 2  # rarer training words become UNK, so UNK's embedding is trained
    d_model: int = 50
    batch_size: int = 64
    learning_rate: float = 0.01
    n_eval_batches: int = 10
    steps_per_checkpoint: int = 100


CONFIG = NERConfig()


# ======================================================================================
# Part A — data
# ======================================================================================

def read_gmb(path):
    """The GMB table (latin-1 CSV, columns ``Sentence #, Word, POS, Tag``) as a DataFrame of
    strings. Words are read verbatim: "NA" or "null" are words here, not missing values."""
    return pd.read_csv(path, encoding="latin-1", dtype=str, keep_default_na=False,
                       na_values={"Sentence #": [""]})


def group_sentences(df):
    """Sentences and their tag sequences from the GMB table.

    The sentence id (``Sentence #``) is written only on each sentence's first row: carry it
    forward to the rows below, then group the rows by sentence, keeping the file's order.
    Vectorised pandas (no Python loop over the ~1M rows).

    Returns:
        ``(sentences, tags)``: two lists of the same length; ``sentences[k]`` is the list of
        words of sentence k and ``tags[k]`` the list of its tags (same length).
    """
    ### START CODE HERE ###
    raise NotImplementedError("group_sentences")
    ### END CODE HERE ###


def split_contiguous(items, shares):
    """Split ``items`` into consecutive parts with the given shares (e.g. 0.8, 0.1, 0.1).

    Consecutive, not shuffled: GMB sentences come in documents, and a held-out sentence
    should not have its neighbours from the same news story in the training data."""
    bounds = np.round(np.cumsum(shares) / np.sum(shares) * len(items)).astype(int)
    starts = [0, *bounds[:-1]]
    return [items[a:b] for a, b in zip(starts, bounds)]


def build_vocab(sentences, min_count=1):
    """Word → id map.

    Words seen at least ``min_count`` times in ``sentences`` get ids 0, 1, … in sorted
    order (case kept: capitals are a strong hint of a name); then ``UNK`` and, last, ``PAD``.

    Returns:
        dict str → int with ids 0 … len(vocab) - 1.
    """
    ### START CODE HERE ###
    raise NotImplementedError("build_vocab")
    ### END CODE HERE ###


def build_tag_map(tag_sequences):
    """Tag → id map: ``'O'`` is 0, the other tags follow in sorted order.

    Returns:
        dict str → int, e.g. {'O': 0, 'B-geo': 1, …}.
    """
    ### START CODE HERE ###
    raise NotImplementedError("build_tag_map")
    ### END CODE HERE ###


def sentences_to_ids(sentences, vocab):
    """Each sentence (list of words) as a list of word ids; unknown words get ``vocab[UNK]``."""
    ### START CODE HERE ###
    raise NotImplementedError("sentences_to_ids")
    ### END CODE HERE ###


def tags_to_ids(tag_sequences, tag_map):
    """Each tag sequence as a list of tag ids (every tag must be in ``tag_map``)."""
    ### START CODE HERE ###
    raise NotImplementedError("tags_to_ids")
    ### END CODE HERE ###


@dataclass
class NERData:
    """The corpus ready for training: maps and id sequences of the three splits."""
    vocab: dict
    tag_map: dict
    train: tuple  # (word id lists, tag id lists)
    valid: tuple
    test: tuple

    @property
    def pad(self):
        return self.vocab[PAD]


def prepare(sentences, tags, config=CONFIG):
    """Split, build the vocabulary (training split only) and the tag map, convert to ids."""
    parts = list(zip(split_contiguous(sentences, config.split), split_contiguous(tags, config.split)))
    vocab = build_vocab(parts[0][0], config.min_word_count)
    tag_map = build_tag_map(tags)
    as_ids = [(sentences_to_ids(s, vocab), tags_to_ids(t, tag_map)) for s, t in parts]
    return NERData(vocab, tag_map, *as_ids)


def load_gmb(data_dir=None, config=CONFIG):
    """The GMB corpus (fetched and verified by the data layer) as :class:`NERData`."""
    from data import fetch
    df = read_gmb(fetch("gmb-ner", data_dir=data_dir))
    return prepare(*group_sentences(df), config=config)


# ======================================================================================
# Part B — batches
# ======================================================================================

def data_generator(batch_size, x, y, pad, shuffle=False, verbose=False):
    """Infinite generator of padded batches.

    Takes sentences in order (``x[0]``, ``x[1]``, …), or in a random order when ``shuffle``
    (Python's ``random.shuffle`` of the indices, once at the start and again every time the
    generator wraps around to the first sentence).

    Args:
        batch_size: sentences per batch.
        x: list of word-id lists; y: list of tag-id lists (same lengths).
        pad: the id written after the end of every sentence, in X and in Y.
        verbose: print the index of the next sentence after each batch.

    Yields:
        ``(X, Y)``: int32 arrays of shape (batch_size, L), L = the longest sentence *in this
        batch*, filled with ``pad`` beyond each sentence.
    """
    ### START CODE HERE ###
    raise NotImplementedError("data_generator")
    ### END CODE HERE ###


def masked_batches(generator, pad):
    """``(X, Y)`` batches → ``(X, Y, W)`` with float32 loss weights W: 0 where Y is ``pad``,
    1 elsewhere. Use Trax's ``trax.data.inputs.add_loss_weights``."""
    ### START CODE HERE ###
    raise NotImplementedError("masked_batches")
    ### END CODE HERE ###


# ======================================================================================
# Part C — model and training
# ======================================================================================

def NER(tags, vocab_size, d_model=CONFIG.d_model):
    """The LSTM tagger.

    Layers: Embedding(vocab_size, d_model) → LSTM(d_model) → Dense(len(tags)) → LogSoftmax.
    Input (batch, length) word ids; output (batch, length, len(tags)) log-probabilities.
    """
    ### START CODE HERE ###
    raise NotImplementedError("NER")
    ### END CODE HERE ###


def train_model(model, train_generator, eval_generator, train_steps=1, output_dir="model",
                config=CONFIG, loss_layer=None):
    """Train ``model`` with Trax's Loop on ``(X, Y, W)`` batches.

    TrainTask: ``loss_layer`` (default CrossEntropyLoss), Adam(config.learning_rate), a
    checkpoint every config.steps_per_checkpoint steps. EvalTask: CrossEntropyLoss and
    Accuracy over config.n_eval_batches batches. Runs ``train_steps`` steps.

    Returns:
        the ``training.Loop`` (its ``history`` holds the losses).
    """
    ### START CODE HERE ###
    raise NotImplementedError("train_model")
    ### END CODE HERE ###


# ======================================================================================
# Part D — evaluation and prediction
# ======================================================================================

def as_tag_ids(pred):
    """Predicted tag ids from either scores (batch, length, n_tags) or ids (batch, length)."""
    pred = np.asarray(pred)
    return pred.argmax(axis=-1) if pred.ndim == 3 else pred


def evaluate_prediction(pred, labels, pad):
    """Token accuracy over the real (non-pad) positions.

    Args:
        pred: the model's output (batch, length, n_tags), or predicted ids (batch, length).
        labels: true tag ids (batch, length), ``pad`` beyond each sentence.

    Returns:
        float: correct predictions / non-pad positions.
    """
    ### START CODE HERE ###
    raise NotImplementedError("evaluate_prediction")
    ### END CODE HERE ###


def entity_f1(pred, labels, pad, tag_map):
    """Entity-level precision, recall and F1 (an entity counts only if its type and its
    whole span are right), computed with ``seqeval.metrics`` on the tag strings of the
    non-pad positions of each sentence.

    Args:
        pred, labels, pad: as for :func:`evaluate_prediction`.
        tag_map: tag → id.

    Returns:
        dict with float ``precision``, ``recall``, ``f1`` (0.0 when undefined).
    """
    from seqeval import metrics
    ### START CODE HERE ###
    raise NotImplementedError("entity_f1")
    ### END CODE HERE ###


def predict(sentence, model, vocab, tag_map):
    """Tags of a new sentence.

    Args:
        sentence: a str (split on whitespace) or a list of words.
        model: a trained tagger (its output: (1, length, n_tags) scores for a (1, length) input).

    Returns:
        list of tag strings, one per word; unknown words are read as ``UNK``.
    """
    ### START CODE HERE ###
    raise NotImplementedError("predict")
    ### END CODE HERE ###


def tag_corpus(model, x, y, pad, batch_size=CONFIG.batch_size, transitions=None):
    """Predicted and true tag ids of every sentence, padded with ``pad`` to the longest one.

    Runs the model in batches made by :func:`data_generator` (in order, the last batch's
    wrapped-around rows dropped). Decodes by argmax, or with :func:`viterbi_decode` when
    the CRF ``transitions`` are given. Returns ``(pred, labels)``, int arrays (n, L_max).
    """
    forward = jit_forward(model)
    n, width = len(x), max(len(s) for s in x)
    pred, labels = np.full((n, width), pad, np.int32), np.full((n, width), pad, np.int32)
    batches = data_generator(batch_size, x, y, pad)
    for start in range(0, n, batch_size):
        X, Y = next(batches)
        rows = min(batch_size, n - start)
        scores = np.asarray(forward(X))[:rows]
        mask = Y[:rows] != pad
        if transitions is None:
            ids = np.where(mask, scores.argmax(-1), pad)
        else:
            ids = np.full(mask.shape, pad, np.int32)
            for r, path in enumerate(viterbi_decode(scores, mask, transitions)):
                ids[r, :len(path)] = path
        pred[start:start + rows, :X.shape[1]] = ids
        labels[start:start + rows, :X.shape[1]] = Y[:rows]
    return pred, labels


# ======================================================================================
# Part E — the LSTM cell in NumPy
# ======================================================================================

def lstm_cell_forward(x, h, c, weights):
    """One step of an LSTM cell.

    Args:
        x: input column (n_x, 1); h: hidden state (n_h, 1); c: cell state (n_h, 1).
        weights: ``[W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o]``: each W is (n_h, n_h + n_x)
            and acts on ``[h; x]`` (hidden state first); each b is (n_h, 1).

    forget gate  f  = sigmoid(W_f · [h; x] + b_f)
    input gate   i  = sigmoid(W_i · [h; x] + b_i)
    candidate    C̃  = tanh(W_c · [h; x] + b_c)
    cell state   C  = f * c + i * C̃
    output gate  o  = sigmoid(W_o · [h; x] + b_o)
    hidden state h' = o * tanh(C)

    Returns:
        ``(h_next, c_next)``, each (n_h, 1).
    """
    W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o = weights
    ### START CODE HERE ###
    raise NotImplementedError("lstm_cell_forward")
    ### END CODE HERE ###


def lstm_weights_from_trax(trax_weights, n_x):
    """Map a ``tl.LSTMCell``'s ``(w, b)`` to ``[W_f, W_i, W_c, W_o, b_f, b_i, b_c, b_o]``.

    Trax computes ``[x; h] · w + b`` (w of shape (n_x + n_h, 4 n_h)) and splits the result
    into the input gate, the candidate, the forget gate and the output gate, in that order;
    its state is ``[c, h]`` concatenated.
    """
    w, b = (np.asarray(a, dtype=np.float64) for a in trax_weights)
    w_i, w_c, w_f, w_o = np.split(w, 4, axis=1)
    b_i, b_c, b_f, b_o = (part[:, None] for part in np.split(b, 4))
    return [*(columns_from_trax_kernel(k, n_x) for k in (w_f, w_i, w_c, w_o)), b_f, b_i, b_c, b_o]


# ======================================================================================
# Part F — extension: bidirectional LSTM and a CRF output layer
# ======================================================================================

def Reverse():
    """Reverse the time axis (axis 1) of a (batch, length, features) array."""
    return tl.Fn("Reverse", lambda x: jnp.flip(x, axis=1))


def BiLSTM_NER(tags, vocab_size, d_model=CONFIG.d_model):
    """Bidirectional LSTM tagger: each position sees the words before *and* after it.

    Layers: Embedding(vocab_size, d_model) → Branch(LSTM(d_model), Serial(Reverse, LSTM(d_model),
    Reverse)) → Concatenate → Dense(len(tags)) → LogSoftmax. Output (batch, length, len(tags)).
    (The backward LSTM reads the pads first; training with the same padding teaches it to.)
    """
    ### START CODE HERE ###
    raise NotImplementedError("BiLSTM_NER")
    ### END CODE HERE ###


def crf_sequence_score(emissions, tags, mask, transitions):
    """Score of given tag paths under a linear-chain CRF (JAX, differentiable).

    score = Σ_t emissions[t, tags[t]] + Σ_{t≥1} transitions[tags[t-1], tags[t]], summed over
    the real positions only (mask 1; a sentence's real positions come first).

    Args:
        emissions: (batch, length, n_tags) per-position tag scores.
        tags: (batch, length) int tag ids; at padded positions they may hold anything (e.g.
            the pad id) and must not change the result.
        mask: (batch, length), 1.0 on real positions, 0.0 on pads.
        transitions: (n_tags, n_tags), ``transitions[a, b]`` = score of tag a followed by b.

    Returns:
        (batch,) path scores.
    """
    ### START CODE HERE ###
    raise NotImplementedError("crf_sequence_score")
    ### END CODE HERE ###


def crf_log_partition(emissions, mask, transitions):
    """log Z: the log of the sum of exp(score) over *all* tag paths of each sentence, by the
    forward algorithm (JAX, differentiable).

    alpha_0 = emissions[:, 0]; alpha_t[b] = logsumexp_a(alpha_{t-1}[a] + transitions[a, b])
    + emissions[:, t, b] at real positions, alpha_t = alpha_{t-1} at pads;
    log Z = logsumexp_b(alpha_last[b]). (A Python loop over t or ``jax.lax.scan`` both work.)

    Args: as for :func:`crf_sequence_score` (without tags). Returns: (batch,).
    """
    ### START CODE HERE ###
    raise NotImplementedError("crf_log_partition")
    ### END CODE HERE ###


def crf_log_likelihood(emissions, tags, mask, transitions):
    """log p(tags | sentence) = score(tags) - log Z, shape (batch,)."""
    return (crf_sequence_score(emissions, tags, mask, transitions)
            - crf_log_partition(emissions, mask, transitions))


class CRFLoss(tl.Layer):
    """Loss layer with the CRF's trainable transition matrix (n_tags, n_tags).

    Inputs ``(emissions, Y, W)`` as for CrossEntropyLoss; W > 0 marks real positions.
    Output: negative log-likelihood of the batch's tag paths per real token.
    """

    def __init__(self, n_tags):
        super().__init__(n_in=3, n_out=1, name="CRFLoss")
        self._n_tags = n_tags

    def init_weights_and_state(self, input_signature):
        self.weights = jnp.zeros((self._n_tags, self._n_tags), jnp.float32)

    def forward(self, inputs):
        emissions, targets, weights = inputs
        mask = (weights > 0).astype(jnp.float32)
        log_likelihood = crf_log_likelihood(emissions, targets, mask, self.weights)
        return -jnp.sum(log_likelihood) / jnp.sum(mask)


def viterbi_decode(emissions, mask, transitions):
    """The best tag path of each sentence under the CRF (NumPy).

    Dynamic programming: best[t, b] = max_a(best[t-1, a] + transitions[a, b]) + emissions[t, b],
    remembering the argmax a; the path is read backwards from the best final tag.

    Args: emissions (batch, length, n_tags), mask (batch, length), transitions (n_tags, n_tags).

    Returns:
        list of ``batch`` lists of tag ids, each as long as its sentence (mask sum).
    """
    ### START CODE HERE ###
    raise NotImplementedError("viterbi_decode")
    ### END CODE HERE ###
