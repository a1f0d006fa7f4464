"""A sandboxed template process: imports the libraries once, forks a fresh child per submission.

Batch grading used to start a new Python per submission, which then imported Trax (tens of
seconds) before running a single check. The template pays that import once:

    parent (batch grading, holds the expectations)
      └─ bwrap sandbox (no repository, no network, own PID namespace, read-only /tmp and /dev)
           └─ template: ``python -m grader.template``, imports what the assignments' public stubs
              import (Trax through course.trax_compat) and the checks — but initialises no JAX
              backend, so no XLA threads exist when it forks
                └─ one forked child per submission: own session, own working directory (a copy of
                   the submission in a spool folder), own TMPDIR, its own wall and memory
                   (RLIMIT_AS) limits; runs :func:`grader.student_side.main`

Between two submissions the template kills every process the child left behind (it is their
subreaper, so double-forked strays come back to it) and the parent wipes the spool, so no code
of one submission runs, or leaves a file, when the next one starts. The template makes itself
non-dumpable, so a child can neither ptrace it nor open its memory or file descriptors.

Protocol: one JSON request per line on the template's stdin, ``{"argv": [...], "cwd": DIR,
"tmp": DIR, "memory": BYTES, "wall": SECONDS}``; one JSON reply per line on its stdout,
``{"exit": CODE, "timed_out": BOOL}``. The first line the template writes is ``{"ready": true}``.
"""
import ast
import ctypes
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_DUMPABLE, PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG = 4, 36, 1


def stub_imports(stub_files):
    """[(module, [names])] that the public stub files import at top level (parent side, by
    reading their source: nothing is run)."""
    imports = []
    for path in stub_files:
        for node in ast.parse(Path(path).read_text()).body:
            if isinstance(node, ast.Import):
                imports += [(alias.name, []) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imports.append((node.module, [alias.name for alias in node.names]))
    return imports


def preload(imports, assignments):
    """Import the checks and what the stubs import; a lazily imported module (course.lazy) is
    imported for real. A failure raises: a half-imported library would break every child."""
    import importlib

    from course.lazy import LazyModule
    from grader import student_side  # noqa: F401  (and the runner it uses)
    from grader.registry import load_spec
    for assignment in assignments:
        load_spec(assignment)
    for module, names in imports:
        loaded = importlib.import_module(module)
        for name in names:
            value = getattr(loaded, name, None)
            if isinstance(value, LazyModule):
                value._module()


def jax_backends_initialised():
    """True when JAX has created a backend (and so XLA threads): forking would then be unsafe."""
    xla_bridge = sys.modules.get("jax._src.xla_bridge")
    return bool(xla_bridge and xla_bridge._backends)


def prctl(option, value):
    ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)


def child_main(request):
    """In the forked child: become a fresh, limited process and grade; never returns."""
    code = 1
    try:
        os.setsid()
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the template's pipes to the parent
        os.chdir(request["cwd"])
        os.environ["TMPDIR"] = request["tmp"]
        import tempfile
        tempfile.tempdir = None
        resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
        from grader import student_side
        code = student_side.main(request["argv"]) or 0
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def children():
    """Pids whose parent is this process."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(entry))
    return found


def kill_descendants():
    """SIGKILL and reap every process descended from this one (orphans are reparented here)."""
    while pids := children():
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def run_one(request):
    """Fork a child for one submission, wait for it within the wall limit; the reply dict."""
    pid = os.fork()
    if pid == 0:
        child_main(request)
    pidfd = os.pidfd_open(pid)
    finished, _, _ = select.select([pidfd], [], [], request["wall"])
    os.close(pidfd)
    if not finished:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    kill_descendants()
    return {"exit": os.waitstatus_to_exitcode(status), "timed_out": not finished}


def main():
    replies = os.fdopen(os.dup(1), "w", buffering=1)  # the protocol; libraries' prints go to stderr
    os.dup2(2, 1)
    setup = json.loads(sys.stdin.readline())
    prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    try:
        preload(setup["imports"], setup["assignments"])
    except Exception as exc:
        replies.write(json.dumps({"ready": False, "why": f"preloading failed: {exc!r}"[:300]}) + "\n")
        return 1
    if jax_backends_initialised():
        replies.write(json.dumps({"ready": False, "why": "preloading initialised a JAX backend"}) + "\n")
        return 1
    replies.write(json.dumps({"ready": True}) + "\n")
    for line in iter(sys.stdin.readline, ""):
        replies.write(json.dumps(run_one(json.loads(line))) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())


class TemplateError(Exception):
    """The template process could not be started (one line)."""


class Template:
    """Parent side: one template process, started on first use by ``command`` (the sandbox
    prefix + ``python -m grader.template``), and restarted after it dies or overruns."""

    STARTUP_SECONDS = 900  # importing Trax on a loaded machine

    def __init__(self, command, env, cwd, imports, assignments):
        self.command, self.env, self.cwd = command, env, cwd
        self.setup = {"imports": imports, "assignments": assignments}
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.command, env=self.env, cwd=self.cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        ready = self._send(self.setup, self.STARTUP_SECONDS)
        if not (ready or {}).get("ready"):
            self.stop()
            raise TemplateError("the grading template did not start: "
                                + (ready or {}).get("why", "it exited or timed out"))

    def grade(self, request):
        """The template's reply to ``request`` ({"exit", "timed_out"}), or None when the
        template died or did not answer within the wall limit (it is then stopped)."""
        if self.proc is None:
            self.start()
        reply = self._send(request, request["wall"] + 60)
        if reply is None:
            self.stop()
        return reply

    def _send(self, message, seconds):
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline, line, fd = time.monotonic() + seconds, b"", self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            line += chunk
        try:
            return json.loads(line)
        except ValueError:
            return None

    def stop(self):
        """Kill the template and everything in its sandbox."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.proc = None
