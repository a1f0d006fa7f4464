"""The public checks of assignment 3 (BERT pretraining), in the assignment's parts.

``grader/checks/a3_bert.py`` is the assignment's public checks module: it loads the parts in
lesson order. Each part declares its checks with :data:`check`, which files them under that
module (their expectations are stored in ``grader/expected/a3_bert.json``, and they ship to
students as public checks); ``grader/checks/a3_bert_hidden.py`` holds the hidden ones.

* :mod:`.masking` — Part A: the pair layout, truncation, masked-LM predictions (whole words too);
* :mod:`.instances` — Part A: instances from documents and corpora, features, batches;
* :mod:`.model` — Part B: embeddings, encoder block, pooler, heads, the pretrainer;
* :mod:`.training` — Part C: the loss, the metrics, the training loop.
"""
import functools

from grader.api import Assignment

ASSIGNMENT = Assignment(
    "a3_bert", module="bert", title="BERT pretraining",
    exercises=["get_tokens_and_segments", "truncate_seq_pair", "create_masked_lm_predictions",
               "create_instances_from_document", "create_training_instances",
               "instance_to_features", "feature_batches", "BertEmbeddings", "EncoderBlock",
               "Pooler", "NSPHead", "MLMHead", "BERTPretrainer", "pretraining_loss",
               "accuracy_metrics", "train_model"])
#: Declares a public check of assignment 3 (see the module docstring).
check = functools.partial(ASSIGNMENT.check, defined_in="grader.checks.a3_bert")
MODEL_TOL = dict(rtol=1e-4, atol=1e-5)
