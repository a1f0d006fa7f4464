"""Plausible wrong implementations of assignment 1: each must lose points on its exercise
with a message the student can act on."""
from conftest import mutation_tests

MUTANTS = {
    "vanilla: [x; h] instead of [h; x]": ("forward_V_RNN", [
        ("h_t = sigmoid(np.dot(wh, np.concatenate([h_t, x])) + bh)",
         "h_t = sigmoid(np.dot(wh, np.concatenate([x, h_t])) + bh)")]),
    "vanilla: tanh instead of sigmoid": ("forward_V_RNN", [
        ("h_t = sigmoid(np.dot(wh, np.concatenate([h_t, x])) + bh)",
         "h_t = np.tanh(np.dot(wh, np.concatenate([h_t, x])) + bh)")]),
    "GRU: update gate swapped": ("forward_GRU", [
        ("h_t = u * c + (1 - u) * h_t", "h_t = (1 - u) * c + u * h_t")]),
    "GRU: relevance gate not applied": ("forward_GRU", [
        ("c = np.tanh(np.dot(wc, np.concatenate([r * h_t, x])) + bc)",
         "c = np.tanh(np.dot(wc, np.concatenate([h_t, x])) + bc)")]),
    "GRU: wrong concatenation order": ("forward_GRU", [
        ("u = sigmoid(np.dot(wu, np.concatenate([h_t, x])) + bu)",
         "u = sigmoid(np.dot(wu, np.concatenate([x, h_t])) + bu)")]),
    "GRU: gates use each other's weights": ("forward_GRU", [
        ("u = sigmoid(np.dot(wu, np.concatenate([h_t, x])) + bu)",
         "u = sigmoid(np.dot(wr, np.concatenate([h_t, x])) + br)")]),
    "scan: state not threaded": ("scan", [
        ("        y, h_t = fn([x, h_t], weights)", "        y, _ = fn([x, h_t], weights)")]),
    "line_to_tensor: EOS missing": ("line_to_tensor", [
        ("    tensor.append(EOS_int)\n", "")]),
    "line_to_tensor: EOS hard-coded": ("line_to_tensor", [
        ("    tensor.append(EOS_int)\n", "    tensor.append(1)\n")]),
    "split_lines: not lower-cased": ("split_lines", [
        ("lines = [line.strip().lower() for line in text.split(\"\\n\")]",
         "lines = [line.strip() for line in text.split(\"\\n\")]")]),
    "split_lines: held out from the start": ("split_lines", [
        ("return lines[:-n_eval], lines[-n_eval:]", "return lines[n_eval:], lines[:n_eval]")]),
    "generator: long lines kept": ("data_generator", [
        ("        if len(line) < max_length:\n            current.append(line)",
         "        current.append(line[:max_length - 1] if len(line) >= max_length else line)")]),
    "generator: mask counts pads": ("data_generator", [
        ("mask = (batch != 0).astype(np.int32)", "mask = np.ones_like(batch)")]),
    "generator: padded with 1": ("data_generator", [
        ("batch = np.zeros((batch_size, max_length), dtype=np.int32)",
         "batch = np.ones((batch_size, max_length), dtype=np.int32)")]),
    "generator: no reshuffle on wrap": ("data_generator", [
        ("            index = 0\n            if shuffle:\n                random.shuffle(order)",
         "            index = 0")]),
    "generator: stops instead of wrapping": ("data_generator", [
        ("        if index >= len(order):\n            index = 0",
         "        if index >= len(order):\n            return")]),
    "GRULM: ShiftRight missing": ("GRULM", [("        tl.ShiftRight(mode=mode),\n", "")]),
    "GRULM: LogSoftmax missing": ("GRULM", [("        tl.LogSoftmax(),\n", "")]),
    "GRULM: Dense sized to d_model": ("GRULM", [
        ("        tl.Dense(vocab_size),", "        tl.Dense(d_model),")]),
    "GRULM: GRU ignores the mode": ("GRULM", [
        ("[tl.GRU(d_model, mode=mode) for _ in range(n_layers)]",
         "[tl.GRU(d_model) for _ in range(n_layers)]")]),
    "train_model: learning rate hard-coded": ("train_model", [
        ("trax.optimizers.Adam(config.learning_rate, clip_grad_norm=config.clip_grad_norm)",
         "trax.optimizers.Adam(0.0005, clip_grad_norm=config.clip_grad_norm)")]),
    "train_model: Accuracy missing": ("train_model", [
        ("metrics=[tl.CrossEntropyLoss(), tl.Accuracy()]", "metrics=[tl.CrossEntropyLoss()]")]),
    "log_perplexity: pads counted": ("log_perplexity", [
        ("non_pad = (target != 0).astype(np.float64)", "non_pad = np.ones(target.shape)")]),
    "log_perplexity: sign flipped": ("log_perplexity", [
        ("return float(-np.sum(log_p * non_pad) / np.sum(non_pad))",
         "return float(np.sum(log_p * non_pad) / np.sum(non_pad))")]),
    "gumbel_sample: temperature ignored": ("gumbel_sample", [
        ("np.asarray(log_probs) + g * temperature", "np.asarray(log_probs) + g")]),
    "gumbel_sample: wrong noise": ("gumbel_sample", [
        ("g = -np.log(-np.log(u))", "g = u")]),
    "generate: start symbol not fed": ("generate", [
        ("    log_probs = step(np.zeros((1, 1), np.int32))\n    for char_id in line_to_tensor(prefix)[:-1]:",
         "    log_probs = None\n    for char_id in line_to_tensor(prefix)[:-1]:")]),
    "generate: no stop at EOS": ("generate", [
        ("        if next_id == EOS_INT:\n            break\n", "")]),
    "generate: state reset every step": ("generate", [
        ("        log_probs = step(np.array([[next_id]], np.int32))",
         "        reset_state(model, int_signature((1, 1)))\n"
         "        log_probs = step(np.array([[next_id]], np.int32))")]),
    "generate: weights re-initialised with the state": ("generate", [
        ("    reset_state(model, int_signature((1, 1)))  # empty GRU state, same weights",
         "    model.init(int_signature((1, 1)))")]),
}


test_mutant, test_suite_covers_every_exercise = mutation_tests("a1_gru", "gru_lm.py", MUTANTS)
