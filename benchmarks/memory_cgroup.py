"""Run a command inside a fresh memory cgroup, the way a container platform limits memory.

Gradescope (like Docker) caps an autograder with a container memory limit: a cgroup counts the
pages its processes touch — anonymous memory *and* the file pages (shared libraries, data) they
read — and reclaims file pages when the group reaches its limit, killing a process only when
nothing more can be reclaimed. Peak RSS is therefore the wrong measure of whether a run fits:

    usage = run(["python", "-c", "import trax"], limit_mb=768)
    usage.peak_mb, usage.oom_kills, usage.limit_hits, usage.wall, usage.rss_mb

Each call makes a new group (cgroup v1 ``memory.limit_in_bytes`` or v2 ``memory.max``, whichever
this machine mounts with the memory controller), drops the page cache first (so libraries are
read — and charged — as on a fresh container), runs the command in it, and reads the group's
peak usage (v1 ``memory.max_usage_in_bytes``, v2 ``memory.peak``), its OOM kills and how often
it hit the limit (v1 ``memory.oom_control`` and ``memory.failcnt``, v2 ``memory.events``).
``limit_mb=None`` measures the same way without a limit. Needs root.
"""
import os
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class Layout:
    """Where one cgroup version keeps the memory files this module reads and writes."""
    version: int
    root: Path     # the directory new groups are made in
    limit: str     # bytes the group may use
    peak: str      # the group's highest usage
    events: str    # ``key value`` lines holding ``oom_kill``
    hits: str      # how often the limit was reached: a file, or the events key ``max``
    anon: str      # the key of ``memory.stat`` counting anonymous memory (never reclaimable here)


def layout():
    """The :class:`Layout` of the memory cgroup hierarchy this process may create groups in, or
    a string saying why there is none (not Linux, no memory controller, not root)."""
    if not Path("/proc/mounts").exists():
        return "no /proc/mounts (memory cgroups need Linux)"
    if os.geteuid() != 0:
        return "creating a memory cgroup needs root"
    for line in Path("/proc/mounts").read_text().splitlines():
        _, mount, kind, options, *_ = line.split()
        mount = Path(mount)
        if kind == "cgroup" and "memory" in options.split(","):
            return Layout(1, mount, "memory.limit_in_bytes", "memory.max_usage_in_bytes",
                          "memory.oom_control", "memory.failcnt", "total_rss")
        if kind == "cgroup2" and "memory" in _read(mount / "cgroup.controllers", "").split():
            return Layout(2, mount, "memory.max", "memory.peak", "memory.events", "max", "anon")
    return "no cgroup hierarchy with the memory controller is mounted"


def _read(path, default=None):
    try:
        return Path(path).read_text()
    except OSError:
        if default is None:
            raise
        return default


def _keyed(text, key):
    """The integer after ``key`` in ``key value`` lines (0 when absent)."""
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key:
            return int(value)
    return 0


class MemoryGroup:
    """A new memory cgroup, removed on exit: ``with MemoryGroup(768) as group: ...``."""

    def __init__(self, limit_mb=None, where=None):
        where = where or layout()
        if isinstance(where, str):
            raise RuntimeError(where)
        self.layout = where
        self.path = where.root / f"course-memory-{uuid.uuid4().hex[:12]}"
        self.limit_mb = limit_mb

    def __enter__(self):
        if self.layout.version == 2:  # v2 groups get a controller only if the parent delegates it
            (self.layout.root / "cgroup.subtree_control").write_text("+memory")
        self.path.mkdir()
        if self.limit_mb is not None:
            self._write(self.layout.limit, str(int(self.limit_mb * MB)))
        return self

    def __exit__(self, *exc):
        for _ in range(50):  # a killed process leaves the group a moment after it is reaped
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)
        self.path.rmdir()

    def _write(self, name, value):
        (self.path / name).write_text(value)

    def _file(self, name):
        return _read(self.path / name)

    def add_self(self):
        """Move the calling process into the group (its children are born in it)."""
        self._write("cgroup.procs", str(os.getpid()))

    def peak_mb(self):
        return int(self._file(self.layout.peak)) / MB

    def anon_mb(self):
        """Anonymous memory in the group now: what reclaim cannot take back without swap."""
        return _keyed(self._file("memory.stat"), self.layout.anon) / MB

    def oom_kills(self):
        return _keyed(self._file(self.layout.events), "oom_kill")

    def limit_hits(self):
        if self.layout.version == 1:
            return int(self._file(self.layout.hits))
        return _keyed(self._file(self.layout.events), self.layout.hits)


@dataclass(frozen=True)
class Usage:
    """What one command cost inside its memory group."""
    limit_mb: float | None   # the group's limit (None: unlimited)
    peak_mb: float           # the group's peak usage: what a container limit is compared with
    anon_peak_mb: float      # the highest anonymous memory sampled (every 0.2 s): the floor
    rss_mb: float            # peak resident set of the largest process, for comparison
    oom_kills: int           # processes the kernel killed for the group's memory
    limit_hits: int          # times an allocation met the limit (and reclaim had to run)
    wall: float              # seconds
    returncode: int


def drop_page_cache():
    """Write back dirty pages, then drop the page cache, dentries and inodes (root only)."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3")


def run(command, limit_mb=None, *, drop_cache=True, timeout=None, **popen_kwargs):
    """Run ``command`` (as ``subprocess.Popen`` would) in a fresh memory group of ``limit_mb``
    MB (None: unlimited) and return its :class:`Usage`. ``subprocess.TimeoutExpired`` after
    ``timeout`` seconds, once everything in the group has been killed."""
    with MemoryGroup(limit_mb) as group:
        if drop_cache:
            drop_page_cache()
        start = time.perf_counter()
        proc = subprocess.Popen(command, preexec_fn=group.add_self, **popen_kwargs)
        try:
            status, usage, anon_peak = _wait(proc, group, timeout)
        except subprocess.TimeoutExpired:
            _kill_all(group)
            proc.wait()
            raise
        wall = time.perf_counter() - start
        _kill_all(group)  # grandchildren left behind would keep the group busy
        return Usage(limit_mb, group.peak_mb(), anon_peak, usage.ru_maxrss / 1024, group.oom_kills(),
                     group.limit_hits(), wall, os.waitstatus_to_exitcode(status))


def _wait(proc, group, timeout):
    """``os.wait4`` on ``proc`` (its rusage covers the reaped descendants too), sampling the
    group's anonymous memory meanwhile. Returns (status, rusage, peak anonymous MB)."""
    deadline = float("inf") if timeout is None else time.monotonic() + timeout
    anon_peak = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, anon_peak
        anon_peak = max(anon_peak, group.anon_mb())
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.2)


def _kill_all(group):
    for pid in group._file("cgroup.procs").split():
        try:
            os.kill(int(pid), 9)
        except ProcessLookupError:
            pass
