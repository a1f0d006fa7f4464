"""The registry of course datasets: public source, size, SHA-256 and licence of each file."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    """One data file. ``relpath`` is its place under a data directory."""
    name: str
    relpath: str
    url: str
    sha256: str
    size: int
    licence: str
    description: str
    #: False where the source needs a login (e.g. Kaggle): the user downloads it by hand,
    downloadable: bool = True
    #: or, for a Kaggle dataset (its "owner/name"), with Kaggle's client and an API token.
    kaggle: str = ""


DATASETS = {d.name: d for d in (
    Dataset(
        name="tinyshakespeare",
        relpath="tinyshakespeare/input.txt",
        url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        size=1_115_394,
        licence="public domain",
        description="tiny shakespeare: 40,000 lines of Shakespeare plays, plain text",
    ),
    Dataset(
        name="gmb-ner",
        relpath="gmb-ner/ner_dataset.csv",
        url="https://www.kaggle.com/datasets/abhinavwalia95/entity-annotated-corpus",
        sha256="83257dd94ed59596809dc9f5b28f1f035c9d925d5a647f266db43a2f098e8f1a",
        size=15_208_151,
        licence="GMB corpus, distributed by its authors for research use",
        description="GMB annotated corpus for NER (ner_dataset.csv, latin-1, IOB tags)",
        downloadable=False,
        kaggle="abhinavwalia95/entity-annotated-corpus",
    ),
    Dataset(
        name="wikitext-2-valid",
        relpath="wikitext-2/valid.txt",
        url="https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/valid.txt",
        sha256="f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8",
        size=1_121_681,
        licence="CC BY-SA",
        description="WikiText-2 validation split (tokenized)",
    ),
    Dataset(
        name="wikitext-2-test",
        relpath="wikitext-2/test.txt",
        url="https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/test.txt",
        sha256="d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0",
        size=1_256_449,
        licence="CC BY-SA",
        description="WikiText-2 test split (tokenized)",
    ),
    Dataset(
        name="bert-sample",
        relpath="bert-sample/sample_text.txt",
        url="https://raw.githubusercontent.com/google-research/bert/master/sample_text.txt",
        sha256="5205aafa90afb0841b24b05cb461345e3692a85d8ea8027d8935af103fd5c613",
        size=4_394,
        licence="public domain",
        description="BERT's sample pretraining text (one sentence per line, blank line between documents)",
    ),
)}
