"""``python -m grader expect`` is byte-stable: an unchanged solution regenerates the same bytes."""
import shutil
import subprocess
import sys

from conftest import REPO

WRITE = "import sys; from grader.expectations import write; write('a1_gru', sys.argv[1], exercises=['GRULM'])"


def test_expectations_regenerate_to_identical_bytes_whatever_cpus_the_process_has(tmp_path):
    """Twice at once, one process restricted to one CPU and one free to use all, for the checks
    of a Trax model (GRULM), whose float32 log-probabilities XLA rounds differently with 1 and 2
    threads: the written files are identical byte for byte."""
    taskset = shutil.which("taskset")
    prefixes = [[taskset, "-c", "0"] if taskset else [], []]
    outs = [tmp_path / f"run{i}" for i in range(len(prefixes))]
    procs = [subprocess.Popen(prefix + [sys.executable, "-c", WRITE, str(out)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for prefix, out in zip(prefixes, outs)]
    for proc in procs:
        output, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, output[-2000:]
    files = sorted(p.name for p in outs[0].iterdir())
    assert files == ["a1_gru.json", "a1_gru_hidden.json"] == sorted(p.name for p in outs[1].iterdir())
    for name in files:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert "GRULM::grulm_output" in (outs[0] / "a1_gru.json").read_text()
