# Student version, generated from solutions/a3_bert/bert.py by `python -m grader stubs`.
# Write your code between the START/END CODE HERE markers, then run the grader.
"""Assignment 3 — BERT pretraining in Trax, after the original recipe (google-research/bert:
``create_pretraining_data.py``, ``modeling.py``, ``run_pretraining.py``).

Part A  pretraining data: [CLS] A [SEP] B [SEP] pairs, truncation, 80/10/10 masking,
        instances from documents, features and batches.
Part B  the model: embeddings, encoder blocks, pooler, the two pretraining heads.
Part C  the loss (masked LM + next sentence), its metrics, and training.

Fill in the code between ``### START CODE HERE ###`` and ``### END CODE HERE ###``;
grade with ``./run grade a3_bert``.

Tokenisation (lower-casing, accents, punctuation, one token per CJK character, WordPiece)
is provided by ``course.wordpiece``.
"""
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course.trax_compat import jax, jnp, tl, trax
from course.wordpiece import file_lines, split_lines
from trax.supervised import training

CLS, SEP, MASK = "[CLS]", "[SEP]", "[MASK]"


@dataclass(frozen=True)
class BertConfig:
    """Every hyper-parameter of the data pipeline, the model and its training, in one place."""
    vocab_size: int = 8000  # WordPiece vocabulary to learn (the learner lands near it)
    max_seq_length: int = 128
    max_predictions_per_seq: int = 20
    masked_lm_prob: float = 0.15
    short_seq_prob: float = 0.1
    dupe_factor: int = 5
    d_model: int = 128
    n_layers: int = 2
    n_heads: int = 2
    d_ff: int = 512
    dropout: float = 0.1
    batch_size: int = 32
    learning_rate: float = 1e-3
    warmup_steps: int = 500
    n_eval_batches: int = 10
    steps_per_checkpoint: int = 100


CONFIG = BertConfig()


# ======================================================================================
# Part A — pretraining data
# ======================================================================================

@dataclass
class TrainingInstance:
    """One pretraining example, as tokens (before conversion to ids)."""
    tokens: list
    segment_ids: list
    is_random_next: bool
    masked_lm_positions: list = field(default_factory=list)
    masked_lm_labels: list = field(default_factory=list)


def get_tokens_and_segments(tokens_a, tokens_b=None):
    """``[CLS] A [SEP]`` (or ``[CLS] A [SEP] B [SEP]``) and its segment ids: 0 for [CLS], A and
    the first [SEP]; 1 for B and the last [SEP].

    Returns:
        ``(tokens, segment_ids)``, two lists of the same length.
    """
    ### START CODE HERE ###
    raise NotImplementedError("get_tokens_and_segments")
    ### END CODE HERE ###


def truncate_seq_pair(tokens_a, tokens_b, max_num_tokens, rng):
    """Shorten the pair *in place* until ``len(tokens_a) + len(tokens_b) <= max_num_tokens``.

    Each time, take one token off the longer list (``tokens_b`` when they are equally long),
    from the front or from the back with probability 1/2 each (``rng.random() < 0.5``:
    front). Returns nothing.
    """
    ### START CODE HERE ###
    raise NotImplementedError("truncate_seq_pair")
    ### END CODE HERE ###


def create_masked_lm_predictions(tokens, masked_lm_prob, max_predictions_per_seq, vocab_words, rng,
                                 do_whole_word_mask=False):
    """Choose the tokens the model must predict, and corrupt them.

    Candidates are all positions except [CLS] and [SEP], each on its own — or, with
    ``do_whole_word_mask``, a word's positions together: a token starting with ``##`` joins
    the previous candidate. The candidates are visited in an order shuffled with
    ``rng.shuffle`` and taken until ``num_to_predict = min(max_predictions_per_seq,
    max(1, round(len(tokens) * masked_lm_prob)))`` positions are chosen; a word that would
    take more than the positions left is skipped. Each chosen position, in its candidate's
    order, becomes [MASK] if ``rng.random() < 0.8``; otherwise it stays unchanged if
    ``rng.random() < 0.5``; otherwise it becomes ``vocab_words[rng.randint(0,
    len(vocab_words) - 1)]``.

    Returns:
        ``(output_tokens, masked_lm_positions, masked_lm_labels)``: the corrupted copy of
        ``tokens``, the chosen positions in increasing order, and the *original* tokens there.
    """
    ### START CODE HERE ###
    raise NotImplementedError("create_masked_lm_predictions")
    ### END CODE HERE ###


def create_instances_from_document(all_documents, document_index, max_seq_length, short_seq_prob,
                                   masked_lm_prob, max_predictions_per_seq, vocab_words, rng,
                                   do_whole_word_mask=False):
    """Pretraining instances from one document (a list of sentences, each a list of tokens).

    As in the original:

    * room for [CLS], [SEP], [SEP]: ``max_num_tokens = max_seq_length - 3``; the target length
      is ``max_num_tokens``, or ``rng.randint(2, max_num_tokens)`` if ``rng.random() <
      short_seq_prob``;
    * sentences are accumulated into a chunk until the document ends or the chunk reaches the
      target length; then A = the first ``a_end`` sentences of the chunk (``a_end = 1``, or
      ``rng.randint(1, len(chunk) - 1)`` for chunks of 2+ sentences);
    * if the chunk has one sentence or ``rng.random() < 0.5``: B is random — from another
      document (up to 10 draws of ``rng.randint(0, len(all_documents) - 1)`` to avoid this one),
      starting at sentence ``rng.randint(0, len(doc) - 1)`` and running until it reaches
      ``target_length - len(A)`` tokens — and the chunk's unused sentences are put back (the
      scan resumes at the first of them); otherwise B = the rest of the chunk;
    * :func:`truncate_seq_pair` to ``max_num_tokens``, :func:`get_tokens_and_segments`,
      :func:`create_masked_lm_predictions` (with ``do_whole_word_mask``).

    Returns:
        list of :class:`TrainingInstance`.
    """
    document = all_documents[document_index]
    max_num_tokens = max_seq_length - 3
    ### START CODE HERE ###
    raise NotImplementedError("create_instances_from_document")
    ### END CODE HERE ###


def read_lines(text_or_files):
    """The lines of a str, or of a file path or a list of them read one after another as one
    stream (a document goes on into the next file unless a blank line ends it), split as the
    original reads its input: at ``\\n`` only (see ``course.wordpiece.split_lines``)."""
    if isinstance(text_or_files, str):
        return split_lines(text_or_files)
    if isinstance(text_or_files, Path):
        text_or_files = [text_or_files]
    return [line for path in text_or_files for line in file_lines(path)]


def create_training_instances(text_or_files, tokenizer, max_seq_length, dupe_factor, short_seq_prob,
                              masked_lm_prob, max_predictions_per_seq, rng, do_whole_word_mask=False):
    """All pretraining instances of a corpus in the original's input format: one sentence per
    line, a blank line between documents (:func:`read_lines` reads a str or files).

    Strip each line; a blank line starts a new document; each other line becomes the
    tokenizer's tokens (``tokenizer.tokenize_lines(lines)`` tokenises all lines in one call)
    and is appended to the current document if it has any tokens. Drop empty documents,
    ``rng.shuffle`` the documents, then ``dupe_factor`` times run
    :func:`create_instances_from_document` on every document (``vocab_words =
    tokenizer.vocab_words``, and ``do_whole_word_mask``), and ``rng.shuffle`` the instances.

    Returns:
        list of :class:`TrainingInstance`.
    """
    lines = [line.strip() for line in read_lines(text_or_files)]
    ### START CODE HERE ###
    raise NotImplementedError("create_training_instances")
    ### END CODE HERE ###


FEATURES = ["input_ids", "segment_ids", "input_mask", "masked_lm_positions", "masked_lm_ids",
            "masked_lm_weights", "next_sentence_labels"]  # the order of a batch tuple


def instance_to_features(instance, tokenizer, max_seq_length, max_predictions_per_seq):
    """The model's inputs and targets for one instance, padded to fixed sizes.

    Returns:
        dict of NumPy arrays: ``input_ids``, ``input_mask`` (1 on tokens), ``segment_ids`` — each
        (max_seq_length,) int32, zero-padded; ``masked_lm_positions``, ``masked_lm_ids``
        (int32) and ``masked_lm_weights`` (float32: 1.0 real, 0.0 padding) — each
        (max_predictions_per_seq,), zero-padded; ``next_sentence_labels``: int32 scalar,
        0 = B is the actual next text, 1 = B is random.
    """
    ### START CODE HERE ###
    raise NotImplementedError("instance_to_features")
    ### END CODE HERE ###


def feature_batches(features, batch_size, shuffle=True, rng=None):
    """Infinite generator of batches: tuples of stacked arrays in the order of ``FEATURES``
    (shapes (batch_size, ...)). Goes through ``features`` in order, or in an order shuffled
    with ``rng.shuffle`` (a ``random.Random``) at the start of every pass; the last incomplete
    batch of a pass is dropped."""
    rng = rng or random.Random(0)
    ### START CODE HERE ###
    raise NotImplementedError("feature_batches")
    ### END CODE HERE ###


# --- WikiText-2 in the original's input format -------------------------------------------

def heading_level(line):
    """1 for an article title line `` = Title = ``, 2 for `` = = Section = = ``, …; 0 otherwise."""
    words = line.split()
    if len(words) < 3 or words[0] != "=" or words[-1] != "=":
        return 0
    return next(i for i, w in enumerate(words) if w != "=")


def wikitext_documents(text):
    """WikiText articles as documents: an article starts at a ``= Title =`` line; other
    headings are dropped; each paragraph is split into sentences after `` . ``, `` ? `` or
    `` ! ``. Returns a list of documents, each a list of sentence strings."""
    documents = []
    for line in split_lines(text):
        level = heading_level(line)
        if level:
            if level == 1:
                documents.append([])
            continue
        if line.strip() and documents:
            documents[-1].extend(s.strip() for s in re.split(r"(?<= [.?!]) ", line) if s.strip())
    return [d for d in documents if d]


def pretraining_text(documents):
    """Documents in the original's format: one sentence per line, a blank line between documents."""
    return "\n\n".join("\n".join(d) for d in documents) + "\n"


# ======================================================================================
# Part B — the model
# ======================================================================================

def layer_norm(x, scale, bias, epsilon=1e-6):
    """LayerNorm over the last axis (what ``tl.LayerNorm`` computes)."""
    mean = jnp.mean(x, axis=-1, keepdims=True)
    variance = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return (x - mean) / jnp.sqrt(variance + epsilon) * scale + bias


class BertEmbeddings(tl.Layer):
    """``(input_ids, segment_ids)`` → ``(embeddings, token_table)``.

    embeddings = Dropout(LayerNorm(token_table[input_ids] + segment_table[segment_ids] +
    position_table[0:L])), shape (batch, L, d_model); dropout only in ``mode='train'``.
    The token table (vocab_size, d_model) is also passed on, for the MLM head's tied output.
    Weights: ``(token_table, segment_table, position_table, ln_scale, ln_bias)``.
    """

    def __init__(self, vocab_size, d_model, max_len, n_segments=2, dropout=CONFIG.dropout,
                 mode="train"):
        super().__init__(n_in=2, n_out=2, name="BertEmbeddings")
        self._sizes = (vocab_size, n_segments, max_len, d_model)
        self._dropout, self._mode = dropout, mode

    def init_weights_and_state(self, input_signature):
        vocab_size, n_segments, max_len, d_model = self._sizes
        keys = jax.random.split(self.rng, 3)
        table = lambda key, rows: 0.02 * jax.random.truncated_normal(key, -2, 2, (rows, d_model))
        self.weights = (table(keys[0], vocab_size), table(keys[1], n_segments),
                        table(keys[2], max_len), jnp.ones(d_model), jnp.zeros(d_model))

    def forward(self, inputs):
        input_ids, segment_ids = inputs
        token_table, segment_table, position_table, scale, bias = self.weights
        ### START CODE HERE ###
        raise NotImplementedError("forward")
        ### END CODE HERE ###


def AttentionMask():
    """input_mask (batch, L) of 0/1 → the (batch, 1, 1, L) boolean mask ``tl.Attention`` takes:
    every query may attend to the real keys only."""
    return tl.Fn("AttentionMask", lambda mask: (mask > 0)[:, None, None, :])


def EncoderBlock(d_model, d_ff, n_heads, dropout=CONFIG.dropout, mode="train"):
    """One post-LayerNorm Transformer encoder block, as in BERT: ``(x, attention_mask)`` →
    ``(x, attention_mask)``.

    x = LayerNorm(x + Dropout(Attention(x, mask)))
    x = LayerNorm(x + Dropout(Dense(d_model)(Gelu(Dense(d_ff)(x)))))
    Use ``tl.Attention(d_model, n_heads, dropout, mode)`` (it takes and returns the mask too),
    ``tl.Residual``, ``tl.LayerNorm``, ``tl.Dropout(rate, mode=mode)``, ``tl.Gelu``.
    """
    ### START CODE HERE ###
    raise NotImplementedError("EncoderBlock")
    ### END CODE HERE ###


def Pooler(d_model):
    """(batch, L, d_model) → (batch, d_model): Dense + tanh on the [CLS] (first) vector."""
    ### START CODE HERE ###
    raise NotImplementedError("Pooler")
    ### END CODE HERE ###


def NSPHead():
    """pooled (batch, d_model) → (batch, 2) log-probabilities of [is next, is random]."""
    ### START CODE HERE ###
    raise NotImplementedError("NSPHead")
    ### END CODE HERE ###


def Gather():
    """``(x (batch, L, d), positions (batch, P))`` → (batch, P, d): the vectors at the positions."""
    return tl.Fn("Gather", lambda x, positions: jnp.take_along_axis(x, positions[..., None], axis=1))


class TiedOutput(tl.Layer):
    """``(h (batch, P, d_model), token_table (vocab, d_model))`` → logits h · token_tableᵀ + bias.
    The only weight is the bias (vocab,): the projection *is* the token embedding table."""

    def __init__(self, vocab_size):
        super().__init__(n_in=2, n_out=1, name="TiedOutput")
        self._vocab_size = vocab_size

    def init_weights_and_state(self, input_signature):
        self.weights = jnp.zeros(self._vocab_size)

    def forward(self, inputs):
        h, token_table = inputs
        ### START CODE HERE ###
        raise NotImplementedError("forward")
        ### END CODE HERE ###


def MLMHead(vocab_size, d_model):
    """``(x (batch, L, d_model), token_table, masked_lm_positions (batch, P))`` →
    (batch, P, vocab_size) log-probabilities of the original tokens at the masked positions.

    Gather the positions' vectors, Dense(d_model) → Gelu → LayerNorm, :class:`TiedOutput`,
    LogSoftmax. (Stack juggling: ``tl.Select`` reorders, ``tl.Parallel`` applies side by side.)
    """
    ### START CODE HERE ###
    raise NotImplementedError("MLMHead")
    ### END CODE HERE ###


def BERTPretrainer(vocab_size, d_model=CONFIG.d_model, n_layers=CONFIG.n_layers,
                   n_heads=CONFIG.n_heads, d_ff=CONFIG.d_ff, max_len=CONFIG.max_seq_length,
                   dropout=CONFIG.dropout, mode="train"):
    """BERT with its two pretraining heads.

    Inputs ``(input_ids, segment_ids, input_mask, masked_lm_positions)``; outputs
    ``(mlm_log_probs (batch, P, vocab_size), nsp_log_probs (batch, 2))``. The stack program:

    ids, seg, mask, pos → BertEmbeddings → x, table, mask, pos → (mask to AttentionMask,
    next to x) → n_layers × EncoderBlock → x, table, pos (drop the mask) → NSP from
    Pooler(x), MLM from (x, table, pos) → mlm, nsp.
    """
    ### START CODE HERE ###
    raise NotImplementedError("BERTPretrainer")
    ### END CODE HERE ###


# ======================================================================================
# Part C — loss, metrics, training
# ======================================================================================

def mlm_loss(mlm_log_probs, masked_lm_ids, masked_lm_weights):
    """Σ w · (−log p(label)) / (Σ w + 1e-5) over the masked positions (padding has w = 0)."""
    ### START CODE HERE ###
    raise NotImplementedError("mlm_loss")
    ### END CODE HERE ###


def nsp_loss(nsp_log_probs, next_sentence_labels):
    """Mean of −log p(label) over the batch."""
    ### START CODE HERE ###
    raise NotImplementedError("nsp_loss")
    ### END CODE HERE ###


def pretraining_loss(mlm_log_probs, nsp_log_probs, masked_lm_ids, masked_lm_weights,
                     next_sentence_labels):
    """Total loss = :func:`mlm_loss` + :func:`nsp_loss`."""
    ### START CODE HERE ###
    raise NotImplementedError("pretraining_loss")
    ### END CODE HERE ###


def mlm_accuracy(mlm_log_probs, masked_lm_ids, masked_lm_weights):
    """Weighted share of masked positions whose argmax is the label (padding excluded)."""
    ### START CODE HERE ###
    raise NotImplementedError("mlm_accuracy")
    ### END CODE HERE ###


def nsp_accuracy(nsp_log_probs, next_sentence_labels):
    """Share of pairs whose argmax is the label."""
    ### START CODE HERE ###
    raise NotImplementedError("nsp_accuracy")
    ### END CODE HERE ###


# The loss and the metrics as Trax layers. Each reads the stack (mlm_log_probs, nsp_log_probs,
# masked_lm_ids, masked_lm_weights, next_sentence_labels): the model's two outputs, then the
# batch's targets in the order of FEATURES.

def PretrainingLoss():
    return tl.Fn("PretrainingLoss", pretraining_loss)


def MLMLoss():
    return tl.Fn("MLMLoss", lambda mlm, nsp, ids, weights, labels: mlm_loss(mlm, ids, weights))


def NSPLoss():
    return tl.Fn("NSPLoss", lambda mlm, nsp, ids, weights, labels: nsp_loss(nsp, labels))


def MLMAccuracy():
    return tl.Fn("MLMAccuracy", lambda mlm, nsp, ids, weights, labels: mlm_accuracy(mlm, ids, weights))


def NSPAccuracy():
    return tl.Fn("NSPAccuracy", lambda mlm, nsp, ids, weights, labels: nsp_accuracy(nsp, labels))


def train_model(model, train_batches, eval_batches, train_steps=1, output_dir="model", config=CONFIG):
    """Pretrain with Trax's Loop on batches from :func:`feature_batches`.

    TrainTask: :func:`PretrainingLoss`, Adam(config.learning_rate) with a linear warm-up
    over config.warmup_steps (``trax.lr.warmup``), a checkpoint every
    config.steps_per_checkpoint steps. EvalTask: MLMLoss, NSPLoss, MLMAccuracy, NSPAccuracy
    over config.n_eval_batches batches. Runs ``train_steps`` steps; returns the Loop.
    """
    ### START CODE HERE ###
    raise NotImplementedError("train_model")
    ### END CODE HERE ###
