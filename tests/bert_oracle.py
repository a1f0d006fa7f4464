"""A test oracle: google-research/bert's ``tokenization.py`` (``FullTokenizer``,
do_lower_case=True) and ``create_pretraining_data.py``, replayed step by step from their
documented behaviour, character by character and draw by draw, without TensorFlow.

Deliberately literal and slow: it exists only to be compared with ``course.wordpiece`` and the
reference solution, never imported by them.
"""
import unicodedata

# --- tokenization.py ------------------------------------------------------------------------


def gfile_lines(path):
    """Lines as ``tf.gfile.GFile(path, "r").readline()`` returns them: up to and including each
    ``\\n``; carriage returns are not returned at all."""
    data = open(path, "rb").read().decode("utf-8")
    lines, current = [], []
    for char in data:
        if char == "\r":
            continue
        current.append(char)
        if char == "\n":
            lines.append("".join(current))
            current = []
    if current:
        lines.append("".join(current))
    return lines


def load_vocab(path):
    """token → id (a later line with the same token overwrites it), insertion-ordered."""
    vocab = {}
    for index, line in enumerate(gfile_lines(path)):
        vocab[line.strip()] = index
    return vocab


def whitespace_char(char):
    return char in (" ", "\t", "\n", "\r") or unicodedata.category(char) == "Zs"


def control_char(char):
    return char not in ("\t", "\n", "\r") and unicodedata.category(char) in ("Cc", "Cf")


def punctuation_char(char):
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char)[0] == "P"


def chinese_char(char):
    cp = ord(char)
    blocks = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
              (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]
    for low, high in blocks:
        if low <= cp <= high:
            return True
    return False


def basic_tokens(text):
    # 1. clean: drop NUL, U+FFFD and control characters; whitespace → " "
    cleaned = ""
    for char in text:
        if ord(char) == 0 or ord(char) == 0xFFFD or control_char(char):
            continue
        cleaned += " " if whitespace_char(char) else char
    # 2. spaces around CJK characters
    spaced = ""
    for char in cleaned:
        spaced += (" " + char + " ") if chinese_char(char) else char
    # 3. per whitespace token: lower, NFD, drop Mn, split off punctuation
    pieces = []
    for token in spaced.split():
        token = unicodedata.normalize("NFD", token.lower())
        token = "".join(c for c in token if unicodedata.category(c) != "Mn")
        word = []
        for char in token:
            if punctuation_char(char):
                if word:
                    pieces.append("".join(word))
                    word = []
                pieces.append(char)
            else:
                word.append(char)
        if word:
            pieces.append("".join(word))
    return " ".join(pieces).split()


def wordpiece_tokens(word, vocab, unk="[UNK]", max_chars=200):
    chars = list(word)
    if len(chars) > max_chars:
        return [unk]
    out, start = [], 0
    while start < len(chars):
        end, found = len(chars), None
        while start < end:
            candidate = "".join(chars[start:end])
            if start > 0:
                candidate = "##" + candidate
            if candidate in vocab:
                found = candidate
                break
            end -= 1
        if found is None:
            return [unk]
        out.append(found)
        start = end
    return out


class FullTokenizer:
    def __init__(self, vocab_file):
        self.vocab = load_vocab(vocab_file)

    def tokenize(self, text):
        return [p for w in basic_tokens(text) for p in wordpiece_tokens(w, self.vocab)]

    def convert_tokens_to_ids(self, tokens):
        return [self.vocab[t] for t in tokens]


# --- create_pretraining_data.py ---------------------------------------------------------------

def training_instances(input_files, tokenizer, max_seq_length, dupe_factor, short_seq_prob,
                       masked_lm_prob, max_predictions_per_seq, rng, whole_word):
    documents = [[]]
    for path in input_files:
        for line in gfile_lines(path):
            line = line.strip()
            if not line:
                documents.append([])
            tokens = tokenizer.tokenize(line)
            if tokens:
                documents[-1].append(tokens)
    documents = [d for d in documents if d]
    rng.shuffle(documents)
    vocab_words = list(tokenizer.vocab.keys())
    instances = []
    for _ in range(dupe_factor):
        for index in range(len(documents)):
            instances += document_instances(documents, index, max_seq_length, short_seq_prob,
                                            masked_lm_prob, max_predictions_per_seq, vocab_words,
                                            rng, whole_word)
    rng.shuffle(instances)
    return instances


def document_instances(documents, document_index, max_seq_length, short_seq_prob, masked_lm_prob,
                       max_predictions_per_seq, vocab_words, rng, whole_word):
    document = documents[document_index]
    max_num_tokens = max_seq_length - 3
    target = max_num_tokens
    if rng.random() < short_seq_prob:
        target = rng.randint(2, max_num_tokens)
    instances, chunk, length, i = [], [], 0, 0
    while i < len(document):
        chunk.append(document[i])
        length += len(document[i])
        if i == len(document) - 1 or length >= target:
            if chunk:
                a_end = 1
                if len(chunk) >= 2:
                    a_end = rng.randint(1, len(chunk) - 1)
                a = []
                for j in range(a_end):
                    a.extend(chunk[j])
                b = []
                if len(chunk) == 1 or rng.random() < 0.5:
                    random_next = True
                    target_b = target - len(a)
                    for _ in range(10):
                        other = rng.randint(0, len(documents) - 1)
                        if other != document_index:
                            break
                    other_doc = documents[other]
                    for j in range(rng.randint(0, len(other_doc) - 1), len(other_doc)):
                        b.extend(other_doc[j])
                        if len(b) >= target_b:
                            break
                    i -= len(chunk) - a_end
                else:
                    random_next = False
                    for j in range(a_end, len(chunk)):
                        b.extend(chunk[j])
                while len(a) + len(b) > max_num_tokens:
                    longer = a if len(a) > len(b) else b
                    if rng.random() < 0.5:
                        del longer[0]
                    else:
                        longer.pop()
                tokens = ["[CLS]"] + a + ["[SEP]"] + b + ["[SEP]"]
                segments = [0] * (len(a) + 2) + [1] * (len(b) + 1)
                tokens, positions, labels = masked_predictions(tokens, masked_lm_prob, max_predictions_per_seq,
                                                               vocab_words, rng, whole_word)
                instances.append(dict(tokens=tokens, segment_ids=segments, is_random_next=random_next,
                                      masked_lm_positions=positions, masked_lm_labels=labels))
            chunk, length = [], 0
        i += 1
    return instances


def masked_predictions(tokens, masked_lm_prob, max_predictions_per_seq, vocab_words, rng, whole_word):
    candidates = []
    for i, token in enumerate(tokens):
        if token in ("[CLS]", "[SEP]"):
            continue
        if whole_word and len(candidates) >= 1 and token.startswith("##"):
            candidates[-1].append(i)
        else:
            candidates.append([i])
    rng.shuffle(candidates)
    output = list(tokens)
    budget = min(max_predictions_per_seq, max(1, int(round(len(tokens) * masked_lm_prob))))
    predictions, covered = [], set()
    for group in candidates:
        if len(predictions) >= budget:
            break
        if len(predictions) + len(group) > budget:
            continue
        if any(i in covered for i in group):
            continue
        for i in group:
            covered.add(i)
            if rng.random() < 0.8:
                replacement = "[MASK]"
            elif rng.random() < 0.5:
                replacement = tokens[i]
            else:
                replacement = vocab_words[rng.randint(0, len(vocab_words) - 1)]
            output[i] = replacement
            predictions.append((i, tokens[i]))
    predictions.sort(key=lambda p: p[0])
    return output, [p[0] for p in predictions], [p[1] for p in predictions]


def features(instance, tokenizer, max_seq_length, max_predictions_per_seq):
    """The values ``write_instance_to_example_files`` puts in one tf.train.Example."""
    input_ids = tokenizer.convert_tokens_to_ids(instance["tokens"])
    input_mask = [1] * len(input_ids)
    segment_ids = list(instance["segment_ids"])
    while len(input_ids) < max_seq_length:
        input_ids.append(0)
        input_mask.append(0)
        segment_ids.append(0)
    positions = list(instance["masked_lm_positions"])
    ids = tokenizer.convert_tokens_to_ids(instance["masked_lm_labels"])
    weights = [1.0] * len(ids)
    while len(positions) < max_predictions_per_seq:
        positions.append(0)
        ids.append(0)
        weights.append(0.0)
    return {"input_ids": input_ids, "input_mask": input_mask, "segment_ids": segment_ids,
            "masked_lm_positions": positions, "masked_lm_ids": ids, "masked_lm_weights": weights,
            "next_sentence_labels": 1 if instance["is_random_next"] else 0}
