"""deploy/kubernetes/grade-job.yaml, as far as it can be tested without a cluster: it is a valid
batch/v1 Job for the Kubernetes API (the official Python client's models, the `deploy` extra),
and its container command, run by a shell as the pod would run it, grades the shard that
``--shard K/N`` names for each JOB_COMPLETION_INDEX K."""
import json
import os
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, require_platform
from grader.shards import parse_shard

MANIFEST = REPO / "deploy/kubernetes/grade-job.yaml"


@pytest.fixture(scope="module")
def job():
    """(the manifest as a dict, the kubernetes client's V1Job built from it)."""
    try:
        from kubernetes.client import V1Job
    except ImportError:
        require_platform(False, "the kubernetes Python client is not installed "
                                "(./run python -m pip install -c constraints.txt -e '.[deploy]')")
    manifest = yaml.safe_load(MANIFEST.read_text())
    return manifest, V1Job.from_dict(manifest)  # refuses wrong types


def test_the_manifest_is_an_indexed_job_the_api_accepts_field_for_field(job):
    manifest, model = job
    # Every field the manifest sets is one the API knows: serialising the model gives it back.
    assert serialised(model) == manifest
    spec = model.spec
    assert (model.api_version, model.kind) == ("batch/v1", "Job")
    assert spec.completion_mode == "Indexed" and spec.completions == spec.parallelism
    container, = spec.template.spec.containers
    assert container.resources.limits["memory"] == container.resources.requests["memory"]
    mounts = {m.name: m.mount_path for m in container.volume_mounts}
    assert set(mounts) == {v.name for v in spec.template.spec.volumes}


def serialised(model):
    """The model as the client would send it to the API server."""
    from kubernetes.client import ApiClient
    return ApiClient().sanitize_for_serialization(model)


def container_argv(model, index, workdir):
    """The argv that reaches ``./run`` in pod ``index``: the container's command run by a real
    shell with the pod's JOB_COMPLETION_INDEX, where ``./run`` is a stand-in that records it."""
    container = model.spec.template.spec.containers[0]
    (workdir / "run").write_text(f"#!/bin/sh\nexec {sys.executable} -c "
                                 "'import json, sys; print(json.dumps(sys.argv[1:]))' \"$@\"\n")
    (workdir / "run").chmod(0o755)
    done = subprocess.run([*container.command, *container.args], cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "JOB_COMPLETION_INDEX": str(index)}, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def option(argv, name):
    return argv[argv.index(name) + 1]


def test_each_pod_grades_the_shard_its_completion_index_names(job, tmp_path):
    from kubernetes.utils import parse_quantity
    _, model = job
    n = model.spec.completions
    container = model.spec.template.spec.containers[0]
    volume = container.volume_mounts[0].mount_path
    memory_limit = parse_quantity(container.resources.limits["memory"])  # bytes
    shards = []
    for index in range(n):
        argv = container_argv(model, index, tmp_path)
        assert argv[:4] == ["python", "-m", "grader", "batch"]
        assert argv[4].startswith(volume)  # the submissions are on the shared volume
        shard = parse_shard(option(argv, "--shard"), environ={"JOB_COMPLETION_INDEX": str(index)})
        assert shard == parse_shard(f"{index}/{n}", environ={})
        assert option(argv, "--out") == f"{volume}/gradebooks/book-{index}.csv"
        assert int(option(argv, "--jobs")) * int(option(argv, "--memory")) * 2 ** 20 <= memory_limit
        shards.append(shard)
    assert sorted(shards) == [(k, n) for k in range(n)]
