"""Plausible wrong implementations of assignment 2: each must lose points on its exercise
with a message the student can act on."""
from conftest import mutation_tests

MUTANTS = {
    "group_sentences: id not carried forward": ("group_sentences", [
        ('sentence_id = df["Sentence #"].ffill()', 'sentence_id = df["Sentence #"]')]),
    "group_sentences: sentences sorted by id": ("group_sentences", [
        ("df.groupby(sentence_id, sort=False)", "df.groupby(sentence_id)")]),
    "build_vocab: PAD before UNK": ("build_vocab", [
        ("    vocab[UNK] = len(vocab)\n    vocab[PAD] = len(vocab)",
         "    vocab[PAD] = len(vocab)\n    vocab[UNK] = len(vocab)")]),
    "build_vocab: min_count ignored": ("build_vocab", [
        ("words = sorted(counts[counts >= min_count].index)", "words = sorted(counts.index)")]),
    "build_vocab: lower-cased": ("build_vocab", [
        ("[w for sentence in sentences for w in sentence]",
         "[w.lower() for sentence in sentences for w in sentence]")]),
    "build_tag_map: O not first": ("build_tag_map", [
        ('others = sorted({t for tags in tag_sequences for t in tags} - {"O"})\n'
         '    return {tag: i for i, tag in enumerate(["O", *others])}',
         'return {tag: i for i, tag in enumerate(sorted({t for tags in tag_sequences for t in tags}))}')]),
    "build_tag_map: ids start at 1": ("build_tag_map", [
        ('enumerate(["O", *others])', 'enumerate(["O", *others], start=1)')]),
    "sentences_to_ids: UNK not used": ("sentences_to_ids", [
        ("vocab.get(word, unk)", "vocab.get(word, vocab[PAD])")]),
    "tags_to_ids: off by one": ("tags_to_ids", [
        ("[tag_map[tag] for tag in tags]", "[tag_map[tag] + 1 for tag in tags]")]),
    "data_generator: pads to the global maximum": ("data_generator", [
        ("length = max(len(x[k]) for k in rows)", "length = max(len(s) for s in x)")]),
    "data_generator: pads with 0 instead of the pad id": ("data_generator", [
        ("X = np.full((batch_size, length), pad, dtype=np.int32)",
         "X = np.zeros((batch_size, length), dtype=np.int32)"),
        ("Y = np.full((batch_size, length), pad, dtype=np.int32)",
         "Y = np.zeros((batch_size, length), dtype=np.int32)")]),
    "data_generator: no wrap-around": ("data_generator", [
        ("            if index >= len(order):\n                index = 0",
         "            if index >= len(order):\n                return")]),
    "data_generator: no reshuffle on wrap": ("data_generator", [
        ("                index = 0\n                if shuffle:\n                    random.shuffle(order)",
         "                index = 0")]),
    "masked_batches: pads not masked": ("masked_batches", [
        ("add_loss_weights(generator, id_to_mask=pad)", "add_loss_weights(generator)")]),
    "masked_batches: weights as ints": ("masked_batches", [
        ("    return trax.data.inputs.add_loss_weights(generator, id_to_mask=pad)",
         "    return ((X, Y, (Y != pad).astype(np.int32)) for X, Y in generator)")]),
    "NER: Dense sized to the vocabulary": ("NER", [
        ("        tl.LSTM(d_model),\n        tl.Dense(len(tags)),",
         "        tl.LSTM(d_model),\n        tl.Dense(vocab_size),")]),
    "NER: LogSoftmax missing": ("NER", [
        ("        tl.Dense(len(tags)),\n        tl.LogSoftmax(),\n    )\n    ### END CODE HERE ###\n\n\ndef train_model",
         "        tl.Dense(len(tags)),\n    )\n    ### END CODE HERE ###\n\n\ndef train_model")]),
    "NER: LSTM width hard-coded": ("NER", [
        ("        tl.LSTM(d_model),\n        tl.Dense(len(tags)),",
         "        tl.LSTM(50),\n        tl.Dense(len(tags)),")]),
    "train_model: learning rate hard-coded": ("train_model", [
        ("trax.optimizers.Adam(config.learning_rate)", "trax.optimizers.Adam(0.01)")]),
    "train_model: Accuracy missing": ("train_model", [
        ("metrics=[tl.CrossEntropyLoss(), tl.Accuracy()]", "metrics=[tl.CrossEntropyLoss()]")]),
    "train_model: loss_layer ignored": ("train_model", [
        ("loss_layer=loss_layer or tl.CrossEntropyLoss()", "loss_layer=tl.CrossEntropyLoss()")]),
    "evaluate_prediction: pads counted": ("evaluate_prediction", [
        ("    real = labels != pad\n    return float(np.sum((outputs == labels) & real) / np.sum(real))",
         "    return float(np.mean(outputs == labels))")]),
    "evaluate_prediction: argmax over the batch axis": ("evaluate_prediction", [
        ("outputs, labels = as_tag_ids(pred), np.asarray(labels)\n    real",
         "outputs, labels = np.asarray(pred).argmax(axis=0)[..., 0], np.asarray(labels)\n    real")]),
    "entity_f1: token-level scores": ("entity_f1", [
        ("    return {name: float(score(true_tags, pred_tags, zero_division=0))",
         "    flat_true = [t for s in true_tags for t in s]\n"
         "    flat_pred = [t for s in pred_tags for t in s]\n"
         "    hits = sum(a == b != 'O' for a, b in zip(flat_true, flat_pred))\n"
         "    p = hits / max(1, sum(t != 'O' for t in flat_pred))\n"
         "    r = hits / max(1, sum(t != 'O' for t in flat_true))\n"
         "    return {'precision': p, 'recall': r, 'f1': 2 * p * r / (p + r) if p + r else 0.0}\n"
         "    return {name: float(score(true_tags, pred_tags, zero_division=0))")]),
    "entity_f1: precision and recall swapped": ("entity_f1", [
        ('[("precision", metrics.precision_score),\n                                ("recall", metrics.recall_score)',
         '[("precision", metrics.recall_score),\n                                ("recall", metrics.precision_score)')]),
    "predict: unknown words read as pad": ("predict", [
        ("ids = np.array(sentences_to_ids([words], vocab), dtype=np.int32)",
         "ids = np.array([[vocab.get(w, vocab[PAD]) for w in words]], dtype=np.int32)")]),
    "predict: sentence split on single spaces only": ("predict", [
        ("words = sentence.split() if isinstance(sentence, str) else list(sentence)",
         "words = sentence.split(' ')")]),
    "lstm_cell_forward: forget gate not applied": ("lstm_cell_forward", [
        ("c_next = f * c + i * c_tilde", "c_next = c + i * c_tilde")]),
    "lstm_cell_forward: [x; h] instead of [h; x]": ("lstm_cell_forward", [
        ("concat = np.concatenate([h, x])", "concat = np.concatenate([x, h])")]),
    "lstm_cell_forward: no tanh on the new cell state": ("lstm_cell_forward", [
        ("h_next = o * np.tanh(c_next)", "h_next = o * c_next")]),
    "BiLSTM_NER: backward branch not reversed back": ("BiLSTM_NER", [
        ("tl.Serial(Reverse(), tl.LSTM(d_model), Reverse())", "tl.Serial(Reverse(), tl.LSTM(d_model))")]),
    "BiLSTM_NER: two forward LSTMs": ("BiLSTM_NER", [
        ("tl.Serial(Reverse(), tl.LSTM(d_model), Reverse())", "tl.LSTM(d_model)")]),
    "crf_sequence_score: transitions forgotten": ("crf_sequence_score", [
        ("return jnp.sum(emitted * mask, axis=1) + jnp.sum(moved * mask[:, 1:], axis=1)",
         "return jnp.sum(emitted * mask, axis=1)")]),
    "crf_sequence_score: mask forgotten": ("crf_sequence_score", [
        ("return jnp.sum(emitted * mask, axis=1) + jnp.sum(moved * mask[:, 1:], axis=1)",
         "return jnp.sum(emitted, axis=1) + jnp.sum(moved, axis=1)")]),
    "crf_log_partition: mask forgotten": ("crf_log_partition", [
        ("return jnp.where(mask_t[:, None] > 0, scores, alpha), None", "return scores, None")]),
    "crf_log_partition: transitions forgotten": ("crf_log_partition", [
        ("alpha[:, :, None] + transitions[None]", "alpha[:, :, None] + 0 * transitions[None]")]),
    "crf_log_partition: max instead of logsumexp": ("crf_log_partition", [
        ("scores = jax.nn.logsumexp(alpha[:, :, None] + transitions[None], axis=1) + emission_t",
         "scores = jnp.max(alpha[:, :, None] + transitions[None], axis=1) + emission_t")]),
    "viterbi_decode: transitions ignored": ("viterbi_decode", [
        ("total = best[:, None] + transitions + emission[t][None, :]",
         "total = best[:, None] + emission[t][None, :]")]),
    "viterbi_decode: decodes the padded length": ("viterbi_decode", [
        ("np.asarray(mask).sum(axis=1).astype(int)", "[np.shape(mask)[1]] * len(emissions)")]),
}


test_mutant, test_suite_covers_every_exercise = mutation_tests("a2_ner", "ner.py", MUTANTS)
