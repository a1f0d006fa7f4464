"""Grading past one machine: deterministic shards of a batch and merging their gradebooks.

A course with many submissions grades them as N independent jobs of an existing scheduler
(a Slurm job array, a Kubernetes Indexed Job), each running

    python -m grader batch SUBMISSIONS --out book-K.csv --shard K/N

and then joins the N gradebooks with

    python -m grader gradebook merge book-*.csv --out gradebook.csv

Shard arithmetic: the submission folders are sorted by name and shard K (0 ≤ K < N) takes
positions K, K + N, K + 2N, … — every submission lands in exactly one shard, the shards
differ in size by at most one, and every job computes the same split from the same folder.
When only N is given (``--shard N``), K comes from the scheduler: Slurm's
``SLURM_ARRAY_TASK_ID`` (minus ``SLURM_ARRAY_TASK_MIN``, divided by ``SLURM_ARRAY_TASK_STEP``, so
``--array=1-N`` and ``--array=0-18:2`` work too; ``deploy/slurm/grade.sbatch`` passes the array's
``SLURM_ARRAY_TASK_COUNT`` as N) or Kubernetes' ``JOB_COMPLETION_INDEX``.

Each shard's gradebook carries two extra columns, ``shard`` ("K/N") and ``batch_size`` (how
many submissions the whole batch has), so that the merge can prove it has every shard — even
an empty one — and no submission twice. The merged gradebook drops them and is row for row the
gradebook of one run over the whole folder.
"""
import os
from pathlib import Path

SHARD_COLUMN = "shard"
BATCH_SIZE_COLUMN = "batch_size"


class ShardError(Exception):
    """Bad shard specification or an inconsistent set of shard gradebooks (one line)."""


def index_from_scheduler(environ=None):
    """This job's 0-based index from Slurm or Kubernetes, or a ShardError saying none is set."""
    env = os.environ if environ is None else environ
    try:
        if "SLURM_ARRAY_TASK_ID" in env:
            offset = int(env["SLURM_ARRAY_TASK_ID"]) - int(env.get("SLURM_ARRAY_TASK_MIN", 0))
            return offset // int(env.get("SLURM_ARRAY_TASK_STEP", 1))
        if "JOB_COMPLETION_INDEX" in env:
            return int(env["JOB_COMPLETION_INDEX"])
    except ValueError as err:
        raise ShardError(f"the scheduler's job index is not a number ({err})") from None
    raise ShardError("--shard N needs the shard index: give --shard K/N, or run as a Slurm array "
                     "task (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)")


def parse_shard(text, environ=None):
    """(K, N) from ``"K/N"``, or from ``"N"`` with K taken from the scheduler's environment."""
    index, _, count = text.rpartition("/")
    try:
        n = int(count)
        k = int(index) if index else index_from_scheduler(environ)
    except ValueError:
        raise ShardError(f"--shard {text}: expected K/N (e.g. 0/4) or N") from None
    if n < 1 or not 0 <= k < n:
        raise ShardError(f"--shard {text}: need 0 <= K < N (shard {k} of {n})")
    return k, n


def shard_of(items, k, n):
    """The K-th of N shards of ``items`` (sorted by name): positions K, K + N, K + 2N, …"""
    return sorted(items, key=lambda p: Path(p).name)[k::n]


def label_shard(book, k, n, batch_size):
    """The shard's gradebook with the columns the merge needs to prove completeness."""
    return book.assign(**{SHARD_COLUMN: f"{k}/{n}", BATCH_SIZE_COLUMN: batch_size})


def _shard_facts(book, path):
    """(K, N, batch size) recorded in one shard gradebook."""
    if SHARD_COLUMN not in book or BATCH_SIZE_COLUMN not in book:
        raise ShardError(f"{path}: not a shard gradebook (no {SHARD_COLUMN!r} column; "
                         "grade with --shard K/N)")
    facts = {(str(s), int(b)) for s, b in zip(book[SHARD_COLUMN], book[BATCH_SIZE_COLUMN])}
    if len(facts) != 1:
        raise ShardError(f"{path}: rows from several shards or batches: {sorted(facts)}")
    (shard, batch_size), = facts
    k, n = parse_shard(shard, environ={})
    return k, n, batch_size


def read_shard(path):
    """(K, N, batch size or None for an empty shard, gradebook) of one shard CSV."""
    import pandas as pd
    try:
        book = pd.read_csv(path, dtype={"submission": str})
    except (OSError, ValueError) as err:
        raise ShardError(f"{path}: cannot read the gradebook ({err})") from None
    if book.empty:
        if SHARD_COLUMN not in book:
            raise ShardError(f"{path}: not a shard gradebook (no {SHARD_COLUMN!r} column)")
        return None, None, None, book
    k, n, batch_size = _shard_facts(book, path)
    return k, n, batch_size, book


def merge(paths):
    """One gradebook from the shard CSVs ``paths``, ordered by submission as one run would be.

    Refuses (ShardError) shards that disagree on N or on the batch size, a shard given twice,
    a submission in two shards, a missing shard, or a shard whose rows are not the ones the
    shard arithmetic gives it.
    """
    import pandas as pd
    shards = [read_shard(p) for p in paths]
    if not shards:
        raise ShardError("no shard gradebooks given")
    labelled = [s for s in shards if s[0] is not None]
    if not labelled:
        raise ShardError("every shard gradebook is empty: nothing to merge")
    counts = {(n, size) for _, n, size, _ in labelled}
    if len(counts) != 1:
        raise ShardError(f"the shards come from different splits (N, batch size): {sorted(counts)}")
    (n, batch_size), = counts
    seen = {}
    for path, (k, _, _, _) in zip(paths, shards):
        if k is not None and k in seen:
            raise ShardError(f"shard {k}/{n} given twice: {seen[k]} and {path}")
        if k is not None:
            seen[k] = path
    book = pd.concat([s[3] for s in labelled], ignore_index=True)
    twice = book["submission"][book["submission"].duplicated()].tolist()
    if twice:
        raise ShardError(f"submission {twice[0]} appears in more than one shard")
    missing = [k for k in range(min(n, batch_size)) if k not in seen]
    if missing or len(book) != batch_size:
        shown = ", ".join(f"{k}/{n}" for k in missing) or "some"
        raise ShardError(f"missing shard {shown}: {len(book)} of {batch_size} submissions present")
    book = book.sort_values("submission", ignore_index=True)
    misplaced = [name for i, (name, shard) in enumerate(zip(book["submission"], book[SHARD_COLUMN]))
                 if shard != f"{i % n}/{n}"]
    if misplaced:
        raise ShardError(f"submission {misplaced[0]} is not in the shard the split gives it "
                         "(were the shards graded from the same folder?)")
    return book.drop(columns=[SHARD_COLUMN, BATCH_SIZE_COLUMN])
