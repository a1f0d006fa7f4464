"""Plausible wrong implementations of assignment 3: each must lose points on its exercise
with a message the student can act on."""
from conftest import mutation_tests

MUTANTS = {
    "segments: B's [SEP] in segment 0": ("get_tokens_and_segments", [
        ("segments += [1] * (len(tokens_b) + 1)", "segments += [1] * len(tokens_b) + [0]")]),
    "segments: no [SEP] after A": ("get_tokens_and_segments", [
        ("tokens = [CLS, *tokens_a, SEP]", "tokens = [CLS, *tokens_a]")]),
    "truncate: always from the back": ("truncate_seq_pair", [
        ("        if rng.random() < 0.5:\n            del trunc_tokens[0]\n        else:\n            trunc_tokens.pop()",
         "        trunc_tokens.pop()")]),
    "truncate: the shorter list": ("truncate_seq_pair", [
        ("trunc_tokens = tokens_a if len(tokens_a) > len(tokens_b) else tokens_b",
         "trunc_tokens = tokens_b if len(tokens_a) > len(tokens_b) else tokens_a")]),
    "truncate: returns copies instead of editing in place": ("truncate_seq_pair", [
        ("    while len(tokens_a) + len(tokens_b) > max_num_tokens:",
         "    tokens_a, tokens_b = list(tokens_a), list(tokens_b)\n"
         "    while len(tokens_a) + len(tokens_b) > max_num_tokens:")]),
    "masking: [CLS] and [SEP] can be masked": ("create_masked_lm_predictions", [
        ("cand_indexes = [i for i, token in enumerate(tokens) if token not in (CLS, SEP)]",
         "cand_indexes = list(range(len(tokens)))")]),
    "masking: 100 % [MASK]": ("create_masked_lm_predictions", [
        ("        if rng.random() < 0.8:\n            masked_token = MASK",
         "        if True:\n            masked_token = MASK")]),
    "masking: positions unsorted": ("create_masked_lm_predictions", [
        ("chosen = sorted(cand_indexes[:num_to_predict])", "chosen = cand_indexes[:num_to_predict]")]),
    "masking: labels after replacement": ("create_masked_lm_predictions", [
        ("return output_tokens, chosen, [tokens[i] for i in chosen]",
         "return output_tokens, chosen, [output_tokens[i] for i in chosen]")]),
    "masking: not capped by max_predictions_per_seq": ("create_masked_lm_predictions", [
        ("num_to_predict = min(max_predictions_per_seq, max(1, int(round(len(tokens) * masked_lm_prob))))",
         "num_to_predict = max(1, int(round(len(tokens) * masked_lm_prob)))")]),
    "instances: random next from the same document": ("create_instances_from_document", [
        ("                        if random_document_index != document_index:\n                            break",
         "                        random_document_index = document_index\n                        break")]),
    "instances: unused sentences not put back": ("create_instances_from_document", [
        ("                    i -= len(current_chunk) - a_end  # put the unused sentences back\n", "")]),
    "instances: always the actual next": ("create_instances_from_document", [
        ("if len(current_chunk) == 1 or rng.random() < 0.5:", "if len(current_chunk) == 1:")]),
    "training instances: blank lines do not split documents": ("create_training_instances", [
        ("        if not line:\n            all_documents.append([])\n", "")]),
    "training instances: dupe_factor ignored": ("create_training_instances", [
        ("    for _ in range(dupe_factor):", "    for _ in range(1):")]),
    "features: weights 1 on padding": ("instance_to_features", [
        ('padded([1.0] * len(masked_lm_ids), max_predictions_per_seq, np.float32)',
         'np.ones(max_predictions_per_seq, np.float32)')]),
    "features: NSP label flipped": ("instance_to_features", [
        ("np.int32(1 if instance.is_random_next else 0)", "np.int32(0 if instance.is_random_next else 1)")]),
    "batches: incomplete batch kept": ("feature_batches", [
        ("range(0, len(order) - batch_size + 1, batch_size)", "range(0, len(order), batch_size)")]),
    "embeddings: no position embeddings": ("BertEmbeddings", [
        ("token_table[input_ids] + segment_table[segment_ids] + position_table[None, :length]",
         "token_table[input_ids] + segment_table[segment_ids]")]),
    "embeddings: dropout also in eval mode": ("BertEmbeddings", [
        ('if self._mode == "train" and self._dropout > 0:', "if self._dropout > 0:")]),
    "encoder: pre-LayerNorm instead of post": ("EncoderBlock", [
        ("        tl.Residual(tl.Attention(d_model, n_heads=n_heads, dropout=dropout, mode=mode),\n"
         "                    tl.Dropout(rate=dropout, mode=mode)),\n        tl.LayerNorm(),",
         "        tl.Residual(tl.LayerNorm(), tl.Attention(d_model, n_heads=n_heads, dropout=dropout, mode=mode),\n"
         "                    tl.Dropout(rate=dropout, mode=mode)),")]),
    "encoder: ReLU instead of GELU": ("EncoderBlock", [
        ("tl.Dense(d_ff), tl.Gelu(), tl.Dense(d_model)", "tl.Dense(d_ff), tl.Relu(), tl.Dense(d_model)")]),
    "pooler: no tanh": ("Pooler", [
        ('tl.Serial(tl.Fn("FirstToken", lambda x: x[:, 0]), tl.Dense(d_model), tl.Tanh())',
         'tl.Serial(tl.Fn("FirstToken", lambda x: x[:, 0]), tl.Dense(d_model))')]),
    "pooler: mean of all vectors instead of [CLS]": ("Pooler", [
        ('tl.Fn("FirstToken", lambda x: x[:, 0])', 'tl.Fn("FirstToken", lambda x: x.mean(axis=1))')]),
    "NSP head: LogSoftmax missing": ("NSPHead", [
        ("return tl.Serial(tl.Dense(2), tl.LogSoftmax())", "return tl.Serial(tl.Dense(2))")]),
    "MLM head: untied output projection": ("MLMHead", [
        ("        TiedOutput(vocab_size),\n", "        tl.Select([0], n_in=2), tl.Dense(vocab_size),\n")]),
    "MLM head: all positions instead of the masked ones": ("MLMHead", [
        ("        Gather(),  # h, table\n", "        tl.Select([0, 2], n_in=3),\n")]),
    "pretrainer: no padding mask in attention": ("BERTPretrainer", [
        ("        tl.Parallel(None, AttentionMask()),",
         '        tl.Parallel(None, tl.Fn("NoMask", lambda m: jnp.ones_like(m, dtype=bool)[:, None, None, :])),')]),
    "pretrainer: one encoder block whatever n_layers": ("BERTPretrainer", [
        ("[EncoderBlock(d_model, d_ff, n_heads, dropout, mode) for _ in range(n_layers)]",
         "EncoderBlock(d_model, d_ff, n_heads, dropout, mode)")]),
    "loss: MLM averaged over padding": ("pretraining_loss", [
        ("return jnp.sum(nll * masked_lm_weights) / (jnp.sum(masked_lm_weights) + 1e-5)",
         "return jnp.mean(nll)")]),
    "loss: NSP label flipped": ("pretraining_loss", [
        ("return -jnp.mean(jnp.take_along_axis(nsp_log_probs, next_sentence_labels[:, None], axis=-1))",
         "return -jnp.mean(jnp.take_along_axis(nsp_log_probs, 1 - next_sentence_labels[:, None], axis=-1))")]),
    "metrics: MLM accuracy counts padding": ("accuracy_metrics", [
        ("return jnp.sum(hit * masked_lm_weights) / (jnp.sum(masked_lm_weights) + 1e-5)",
         "return jnp.mean(hit)")]),
    "train_model: no warm-up": ("train_model", [
        ("        lr_schedule=trax.lr.warmup(config.warmup_steps, config.learning_rate),\n", "")]),
    "train_model: NSP metrics missing": ("train_model", [
        ("metrics=[MLMLoss(), NSPLoss(), MLMAccuracy(), NSPAccuracy()]", "metrics=[MLMLoss(), MLMAccuracy()]")]),
}


test_mutant, test_suite_covers_every_exercise = mutation_tests("a3_bert", "bert.py", MUTANTS)
