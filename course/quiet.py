"""Import noisy libraries without the start-up chatter students cannot act on.

TensorFlow (pulled in by Trax) writes an absl/oneDNN/CUDA block straight to file
descriptor 2, and gym prints a NumPy-2 notice. Environment variables do not remove
all of it, so :func:`filtered_stderr` captures both the Python-level ``sys.stderr``
and the raw descriptor while the import runs, then re-emits every line that is not a
known harmless notice. Real errors and unknown warnings still reach the user.
"""
import contextlib
import io
import os
import re
import sys
import tempfile

#: Lines printed during ``import trax`` that carry no information for a student.
KNOWN_NOISE = tuple(re.compile(p) for p in (
    r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"^[IW]\d{4} [\d:.]+\s+\d+ (port|cudart_stub|cuda_\w+|cpu_feature_guard)\.cc:\d+\]",
    r"^E\d{4} [\d:.]+\s+\d+ cuda_platform\.cc:\d+\] failed call to cuInit",  # no GPU: CPU it is
    r"^Gym has been unmaintained since 2022",
    r"^Please upgrade to Gymnasium",
    r"^Users of this version of Gym should be able to",
    r"^See the migration guide at https://gymnasium\.farama\.org",
))


def is_noise(line):
    """True when ``line`` (without its newline) is one of :data:`KNOWN_NOISE`."""
    return any(p.search(line) for p in KNOWN_NOISE)


def keep_informative(text):
    """Return ``text`` without its known-noise lines (blank lines between them go too)."""
    kept = [ln for ln in text.splitlines(keepends=True) if not is_noise(ln.rstrip("\n"))]
    return "".join(kept) if any(ln.strip() for ln in kept) else ""


@contextlib.contextmanager
def filtered_stderr():
    """Capture stderr (Python object and fd 2) inside the block; re-emit what is not noise."""
    py_buffer = io.StringIO()
    saved_py = sys.stderr
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as fd_buffer:
        os.dup2(fd_buffer.fileno(), 2)
        sys.stderr = py_buffer
        try:
            yield
        finally:
            sys.stderr = saved_py
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            fd_buffer.seek(0)
            captured = fd_buffer.read().decode("utf-8", "replace") + py_buffer.getvalue()
            informative = keep_informative(captured)
            if informative:
                saved_py.write(informative)
                saved_py.flush()
