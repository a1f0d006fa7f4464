"""Sharded batch grading: shard arithmetic, the Slurm array in deploy/slurm, and merging
(the scripts run for real in tests/test_slurm.py; the Kubernetes Job in tests/test_kubernetes.py)."""
import re

import pandas as pd
import pytest

from conftest import REPO
from grader.shards import ShardError, label_shard, merge, parse_shard, shard_of

SLURM = REPO / "deploy/slurm/grade.sbatch"


def test_parse_shard_reads_k_of_n_or_takes_k_from_the_scheduler():
    assert parse_shard("2/5", environ={}) == (2, 5)
    assert parse_shard("5", environ={"SLURM_ARRAY_TASK_ID": "3"}) == (3, 5)
    assert parse_shard("5", environ={"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "1"}) == (3, 5)
    assert parse_shard("5", environ={"JOB_COMPLETION_INDEX": "0"}) == (0, 5)


@pytest.mark.parametrize("text, environ, says", [
    ("5/5", {}, "0 <= K < N"), ("-1/3", {}, "0 <= K < N"), ("1/0", {}, "0 <= K < N"),
    ("a/b", {}, "expected K/N"), ("4", {}, "SLURM_ARRAY_TASK_ID"),
    ("4", {"JOB_COMPLETION_INDEX": "x"}, "not a number"), ("4", {"JOB_COMPLETION_INDEX": "4"}, "0 <= K < N")])
def test_bad_shard_specifications_are_one_clear_line(text, environ, says):
    with pytest.raises(ShardError, match=re.escape(says)):
        parse_shard(text, environ=environ)


@pytest.mark.parametrize("m, n", [(0, 3), (2, 3), (10, 3), (1000, 10), (7, 7)])
def test_shards_partition_the_submissions_evenly(m, n):
    names = [f"s{i:04d}" for i in range(m)]
    shards = [shard_of(reversed(names), k, n) for k in range(n)]  # order of listing is irrelevant
    assert sorted(x for s in shards for x in s) == names
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def manifest_shards(text, pattern):
    return int(re.search(pattern, text).group(1))


def test_slurm_array_covers_every_shard_once_within_its_memory():
    text = SLURM.read_text()
    first, last = map(int, re.search(r"#SBATCH --array=(\d+)-(\d+)", text).groups())
    assert re.search(r'--shard "\$SLURM_ARRAY_TASK_COUNT"', text)  # N follows the array
    n = last - first + 1
    ks = [parse_shard(str(n), environ={"SLURM_ARRAY_TASK_ID": str(i), "SLURM_ARRAY_TASK_MIN": str(first)})[0]
          for i in range(first, last + 1)]
    assert sorted(ks) == list(range(n))
    jobs, memory = (manifest_shards(text, p) for p in (r"--jobs (\d+)", r"--memory (\d+)"))
    assert jobs * memory <= manifest_shards(text, r"#SBATCH --mem=(\d+)G") * 1024


def test_a_stepped_slurm_array_still_numbers_its_shards_from_zero():
    ids = range(3, 20, 4)  # --array=3-19:4, 5 tasks
    env = {"SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_STEP": "4"}
    ks = [parse_shard("5", environ={**env, "SLURM_ARRAY_TASK_ID": str(i)})[0] for i in ids]
    assert ks == list(range(5))


def fake_book(names):
    """A gradebook as batch grading writes it: the points follow from the name."""
    return pd.DataFrame({"submission": names, "status": "ok",
                         "a0/ex": [float(len(n) % 3) for n in names],
                         "total": [float(len(n) % 3) for n in names]})


def write_shards(directory, names, n):
    """The N shard gradebooks of ``names`` in ``directory`` (shard K in book-K-of-N.csv)."""
    paths = []
    for k in range(n):
        path = directory / f"book-{k}-of-{n}.csv"
        label_shard(fake_book(shard_of(names, k, n)), k, n, len(names)).to_csv(path, index=False)
        paths.append(path)
    return paths


NAMES = ["ann", "bob", "carla", "dmitri", "eve", "françois", "gus"]


@pytest.mark.parametrize("n", [1, 3, 7, 9])
def test_merge_of_all_shards_is_the_one_run_gradebook(tmp_path, n):
    merged = merge(write_shards(tmp_path, NAMES, n)[::-1])
    pd.testing.assert_frame_equal(merged, fake_book(NAMES))


def test_merge_refuses_a_missing_shard(tmp_path):
    with pytest.raises(ShardError, match="missing shard 1/3"):
        merge([p for p in write_shards(tmp_path, NAMES, 3) if "book-1-" not in p.name])


def test_merge_refuses_a_shard_given_twice(tmp_path):
    paths = write_shards(tmp_path, NAMES, 3)
    with pytest.raises(ShardError, match="shard 2/3 given twice"):
        merge(paths + [paths[2]])


def test_merge_refuses_a_submission_in_two_shards(tmp_path):
    paths = write_shards(tmp_path, NAMES, 2)
    book = pd.read_csv(paths[1])
    pd.concat([book, book.iloc[:1].assign(shard="0/2")]).to_csv(paths[1], index=False)
    with pytest.raises(ShardError, match="in more than one shard|several shards"):
        merge(paths)


def test_merge_refuses_shards_of_different_splits(tmp_path):
    three, two = write_shards(tmp_path, NAMES, 3), write_shards(tmp_path, NAMES, 2)
    with pytest.raises(ShardError, match="different splits"):
        merge([three[0], two[1]])


def test_merge_refuses_a_gradebook_graded_without_shard(tmp_path):
    path = tmp_path / "book.csv"
    fake_book(NAMES).to_csv(path, index=False)
    with pytest.raises(ShardError, match="not a shard gradebook"):
        merge([path])
