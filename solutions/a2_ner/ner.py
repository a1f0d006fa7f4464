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
    sentence_id = df["Sentence #"].ffill()
    grouped = df.groupby(sentence_id, sort=False)[["Word", "Tag"]].agg(list)
    return grouped["Word"].tolist(), grouped["Tag"].tolist()
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
    counts = pd.Series([w for sentence in sentences for w in sentence], dtype=object).value_counts()
    words = sorted(counts[counts >= min_count].index)
    vocab = {word: i for i, word in enumerate(words)}
    vocab[UNK] = len(vocab)
    vocab[PAD] = len(vocab)
    return vocab
    ### END CODE HERE ###


def build_tag_map(tag_sequences):
    """Tag → id map: ``'O'`` is 0, the other tags follow in sorted order.

    Returns:
        dict str → int, e.g. {'O': 0, 'B-geo': 1, …}.
    """
    ### START CODE HERE ###
    others = sorted({t for tags in tag_sequences for t in tags} - {"O"})
    return {tag: i for i, tag in enumerate(["O", *others])}
    ### END CODE HERE ###


def sentences_to_ids(sentences, vocab):
    """Each sentence (list of words) as a list of word ids; unknown words get ``vocab[UNK]``."""
    ### START CODE HERE ###
    unk = vocab[UNK]
    return [[vocab.get(word, unk) for word in sentence] for sentence in sentences]
    ### END CODE HERE ###


def tags_to_ids(tag_sequences, tag_map):
    """Each tag sequence as a list of tag ids (every tag must be in ``tag_map``)."""
    ### START CODE HERE ###
    return [[tag_map[tag] for tag in tags] for tags in tag_sequences]
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
    order = list(range(len(x)))
    if shuffle:
        random.shuffle(order)
    index = 0
    while True:
        rows = []
        for _ in range(batch_size):
            if index >= len(order):
                index = 0
                if shuffle:
                    random.shuffle(order)
            rows.append(order[index])
            index += 1
        length = max(len(x[k]) for k in rows)
        X = np.full((batch_size, length), pad, dtype=np.int32)
        Y = np.full((batch_size, length), pad, dtype=np.int32)
        for r, k in enumerate(rows):
            X[r, :len(x[k])] = x[k]
            Y[r, :len(y[k])] = y[k]
        if verbose:
            print("index=", index)
        yield X, Y
    ### END CODE HERE ###


def masked_batches(generator, pad):
    """``(X, Y)`` batches → ``(X, Y, W)`` with float32 loss weights W: 0 where Y is ``pad``,
    1 elsewhere. Use Trax's ``trax.data.inputs.add_loss_weights``."""
    ### START CODE HERE ###
    return trax.data.inputs.add_loss_weights(generator, id_to_mask=pad)
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
    return tl.Serial(
        tl.Embedding(vocab_size, d_model),
        tl.LSTM(d_model),
        tl.Dense(len(tags)),
        tl.LogSoftmax(),
    )
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
    train_task = training.TrainTask(
        labeled_data=train_generator,
        loss_layer=loss_layer or tl.CrossEntropyLoss(),
        optimizer=trax.optimizers.Adam(config.learning_rate),
        n_steps_per_checkpoint=config.steps_per_checkpoint,
    )
    eval_task = training.EvalTask(
        labeled_data=eval_generator,
        metrics=[tl.CrossEntropyLoss(), tl.Accuracy()],
        n_eval_batches=config.n_eval_batches,
    )
    loop = training.Loop(model, train_task, eval_tasks=[eval_task], output_dir=output_dir)
    loop.run(n_steps=train_steps)
    return loop
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
    outputs, labels = as_tag_ids(pred), np.asarray(labels)
    real = labels != pad
    return float(np.sum((outputs == labels) & real) / np.sum(real))
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
    id_to_tag = {i: t for t, i in tag_map.items()}
    outputs, labels = as_tag_ids(pred), np.asarray(labels)
    true_tags, pred_tags = [], []
    for out_row, label_row in zip(outputs, labels):
        real = label_row != pad
        true_tags.append([id_to_tag[int(i)] for i in label_row[real]])
        pred_tags.append([id_to_tag[int(i)] for i in out_row[real]])
    return {name: float(score(true_tags, pred_tags, zero_division=0))
            for name, score in [("precision", metrics.precision_score),
                                ("recall", metrics.recall_score), ("f1", metrics.f1_score)]}
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
    words = sentence.split() if isinstance(sentence, str) else list(sentence)
    ids = np.array(sentences_to_ids([words], vocab), dtype=np.int32)
    outputs = as_tag_ids(jit_forward(model)(ids))[0]
    id_to_tag = {i: t for t, i in tag_map.items()}
    return [id_to_tag[int(i)] for i in outputs]
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
    concat = np.concatenate([h, x])
    f = sigmoid(W_f @ concat + b_f)
    i = sigmoid(W_i @ concat + b_i)
    c_tilde = np.tanh(W_c @ concat + b_c)
    c_next = f * c + i * c_tilde
    o = sigmoid(W_o @ concat + b_o)
    h_next = o * np.tanh(c_next)
    return h_next, c_next
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
    return tl.Serial(
        tl.Embedding(vocab_size, d_model),
        tl.Branch(tl.LSTM(d_model), tl.Serial(Reverse(), tl.LSTM(d_model), Reverse())),
        tl.Concatenate(),
        tl.Dense(len(tags)),
        tl.LogSoftmax(),
    )
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
    mask = jnp.asarray(mask, jnp.float32)
    tags = jnp.where(mask > 0, tags, 0)
    emitted = jnp.take_along_axis(emissions, tags[..., None], axis=-1)[..., 0]
    moved = transitions[tags[:, :-1], tags[:, 1:]]
    return jnp.sum(emitted * mask, axis=1) + jnp.sum(moved * mask[:, 1:], axis=1)
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
    mask = jnp.asarray(mask, jnp.float32)

    def step(alpha, inputs):
        emission_t, mask_t = inputs  # (batch, n_tags), (batch,)
        scores = jax.nn.logsumexp(alpha[:, :, None] + transitions[None], axis=1) + emission_t
        return jnp.where(mask_t[:, None] > 0, scores, alpha), None

    time_major = (jnp.swapaxes(emissions, 0, 1)[1:], jnp.swapaxes(mask, 0, 1)[1:])
    alpha, _ = jax.lax.scan(step, emissions[:, 0], time_major)
    return jax.nn.logsumexp(alpha, axis=1)
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
    emissions, transitions = np.asarray(emissions), np.asarray(transitions)
    paths = []
    for emission, length in zip(emissions, np.asarray(mask).sum(axis=1).astype(int)):
        best, pointers = emission[0], []
        for t in range(1, length):
            total = best[:, None] + transitions + emission[t][None, :]
            pointers.append(total.argmax(axis=0))
            best = total.max(axis=0)
        path = [int(best.argmax())]
        for pointer in reversed(pointers):
            path.append(int(pointer[path[-1]]))
        paths.append(path[::-1])
    return paths
    ### END CODE HERE ###
