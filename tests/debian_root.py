"""Fresh Debian roots made with ``debootstrap``, to run the Gradescope scripts in as Gradescope
does: as root, in a system that has only its base packages, with this machine's network setup.

``base_root(suite)`` makes (once per machine, cached under ``ROOT_CACHE``) the minimal root of a
Debian release, the analogue of Gradescope's base image; ``debian_root(suite)`` gives a fresh
copy of it on a tmpfs for one test, with /proc, /sys and /dev/pts mounted and this machine's
resolver, apt and pip configuration, local package indexes (read-only) and CA certificates,
and unmounts it all however the test ends; ``run_in(root, env, command)`` runs a shell command
inside it.
"""
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

MIRROR = os.environ.get("DEBIAN_MIRROR", "http://deb.debian.org/debian")
ROOT_CACHE = Path(os.environ.get("DEBIAN_ROOT_CACHE", "/var/cache/course-debian-roots"))
PIP_CONFIGS = [Path("/etc/pip.conf"), Path("/etc/xdg/pip"), Path.home() / ".config/pip",
               Path.home() / ".pip"]
PIP_CACHE = Path.home() / ".cache" / "pip"
CA_FILES = [Path("/etc/ssl/certs/ca-certificates.crt"), Path("/usr/local/share/ca-certificates")]
SYSTEM_FOLDERS = {"etc", "usr", "bin", "sbin", "lib", "lib64", "var", "proc", "sys", "dev", "run",
                  "tmp", "root", "home", "boot"}
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Unavailable(Exception):
    """What a Debian root needs cannot be had here (the message says what)."""


def archive_reachable(suite):
    """None when ``MIRROR`` serves ``suite``'s Release file, else why not."""
    try:
        with urllib.request.urlopen(f"{MIRROR}/dists/{suite}/Release", timeout=15):
            return None
    except OSError as err:
        return f"the Debian archive {MIRROR} is unreachable for {suite} ({err})"


def ensure_debootstrap():
    """Install debootstrap with apt-get when it is missing (we run as root in CI)."""
    if shutil.which("debootstrap") or not shutil.which("apt-get"):
        return
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    install = ["apt-get", "install", "-y", "-qq", "debootstrap"]
    if subprocess.run(install, **quiet).returncode:
        subprocess.run(["apt-get", "update", "-qq"], **quiet)
        subprocess.run(install, **quiet)


def why_no_debian_root(suite):
    """None when a root of ``suite`` can be made here, else one line saying why not."""
    if os.geteuid() != 0:
        return "making a Debian root with debootstrap and chroot needs root"
    if (ROOT_CACHE / suite).is_dir():
        return None
    ensure_debootstrap()
    if not shutil.which("debootstrap"):
        return "debootstrap is not installed and apt-get could not install it"
    return archive_reachable(suite)


def base_root(suite):
    """The cached minimal root of Debian ``suite`` (``debootstrap --variant=minbase``: what
    every Debian system has and nothing more), made on first use. Never modified afterwards:
    tests work on copies."""
    root = ROOT_CACHE / suite
    if not root.is_dir():
        ROOT_CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=ROOT_CACHE) as tmp:
            made = Path(tmp) / suite
            proc = subprocess.run(["debootstrap", "--variant=minbase", suite, str(made), MIRROR],
                                  capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(f"debootstrap {suite} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
            try:
                made.rename(root)  # whole or not at all
            except OSError:
                if not root.is_dir():  # else another run made it meanwhile
                    raise
    return root


def mounts_under(root):
    """Mount points at or below ``root`` (from /proc/self/mountinfo), deepest first."""
    points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    points = [p.replace("\\040", " ") for p in points]
    inside = [p for p in points if p == str(root) or p.startswith(f"{root}/")]
    return sorted(inside, key=len, reverse=True)


def mount(*args):
    subprocess.run(["mount", *args], check=True, capture_output=True)


def unmount_all(root):
    for point in mounts_under(root):
        subprocess.run(["umount", "--lazy", point], capture_output=True)
    left = mounts_under(root)
    if left:
        raise RuntimeError(f"still mounted, not removing {root}: {left}")


def bind_read_only(source, root):
    """Show ``source`` (a file or directory of this machine) at the same path inside ``root``,
    read-only, so that nothing done inside can change or remove it."""
    target = root / source.relative_to("/")
    if source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    mount("--bind", str(source), str(target))
    mount("-o", "remount,bind,ro", str(target))


def pip_settings():
    """This machine's pip configuration: the ``PIP_*`` environment variables and the config
    files that exist."""
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}
    return env, [p for p in PIP_CONFIGS if p.exists()]


def local_paths(texts):
    """The folders of this machine that ``texts`` (pip settings) name, such as ``/opt/wheels``
    or ``file:///opt/pypi/simple`` (each given by its first two levels: ``/opt/pypi``), leaving
    out the system's own folders (what is needed from /etc is copied)."""
    found = set()
    for text in texts:
        for top, folder in re.findall(r"(?:file://)?(?<![\w.])/([\w.+-]+)/([\w.+-]+)", text):
            path = Path("/", top, folder)
            if top not in SYSTEM_FOLDERS and path.is_dir():
                found.add(path)
    return sorted(found)


def give_network_setup(root):
    """This machine's resolver, apt configuration, CA certificates and pip configuration
    (with the local indexes it names, read-only) inside ``root``. The root keeps its own apt
    sources (its suite's); the configuration (proxies, validity checks) is this machine's."""
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    for conf in Path("/etc/apt/apt.conf.d").glob("*"):
        if conf.is_file():
            shutil.copy(conf, root / "etc/apt/apt.conf.d" / conf.name)
    for ca in CA_FILES:
        if ca.is_file():
            (root / ca.relative_to("/")).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ca, root / ca.relative_to("/"))
        elif ca.is_dir():
            shutil.copytree(ca, root / ca.relative_to("/"), dirs_exist_ok=True)
    env, configs = pip_settings()
    texts = list(env.values())
    for config in configs:
        target = root / config.relative_to("/")
        if config.is_dir():
            shutil.copytree(config, target, dirs_exist_ok=True)
            texts += [p.read_text() for p in config.rglob("*") if p.is_file()]
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(config, target)
            texts.append(config.read_text())
    for path in local_paths(texts):
        bind_read_only(path, root)
    if PIP_CACHE.is_dir():  # downloads are shared with this machine's pip (saves time only)
        target = root / PIP_CACHE.relative_to("/")
        target.mkdir(parents=True, exist_ok=True)
        mount("--bind", str(PIP_CACHE), str(target))
    return env


@contextlib.contextmanager
def debian_root(suite, size="10g"):
    """A fresh copy of ``suite``'s base root on its own tmpfs (``size``: the most it may hold;
    the course's environment takes about 4 GB), ready to chroot into; yields (root,
    environment for commands inside). Unmounting on the way out removes it all."""
    work = ROOT_CACHE / "work"
    work.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f"{suite}-", dir=work))
    try:
        mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(root))
        subprocess.run(["cp", "-a", f"{base_root(suite)}/.", str(root)], check=True)
        mount("-t", "proc", "proc", str(root / "proc"))
        mount("-t", "sysfs", "-o", "ro", "sysfs", str(root / "sys"))
        mount("-t", "devpts", "-o", "newinstance,ptmxmode=0666", "devpts", str(root / "dev/pts"))
        mount("-t", "tmpfs", "tmpfs", str(root / "dev/shm"))
        env = {"PATH": PATH, "HOME": "/root", "LANG": "C.UTF-8", **give_network_setup(root)}
        yield root, env
    finally:
        unmount_all(root)
        root.rmdir()  # empty once its tmpfs is gone


def run_in(root, env, command, timeout=900):
    """Run the bash ``command`` inside ``root`` as root with only ``env``; returns the
    CompletedProcess (output captured as text, stderr into stdout)."""
    return subprocess.run(["chroot", str(root), "/usr/bin/env", "-i",
                           *(f"{k}={v}" for k, v in env.items()), "/bin/bash", "-c", command],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)
