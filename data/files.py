"""Find a course data file locally or download it, and always verify its SHA-256.

Where files come from, in order:
1. ``data_dir`` argument (the ``--data-dir`` flag of the course tools),
2. the ``COURSE_DATA_DIR`` environment variable,
3. a per-user download cache: ``COURSE_CACHE_DIR`` or ``pooch.os_cache("trax-nlp-course")``.

With 1 or 2 nothing is downloaded: a missing file is an error that says what to do.
"""
import contextlib
import logging
import os
from pathlib import Path

import pooch

from data import kaggle_client as kaggle
from data.registry import DATASETS

ENV_VAR = "COURSE_DATA_DIR"
CACHE_ENV_VAR = "COURSE_CACHE_DIR"
FETCH_COMMAND = "./run python -m data fetch"  # see data/__main__.py
_verified = {}  # (path, mtime, size) -> True: hash each file once per process


class DataError(RuntimeError):
    """A data file is missing, corrupt or unknown. The message is one line saying what to do."""


class DataMissing(DataError):
    """A data file is not where the course looks and was not (or cannot be) downloaded.
    ``dataset`` is its name in the registry."""

    def __init__(self, message, dataset=None):
        super().__init__(message)
        self.dataset = dataset


def resolve_data_dir(data_dir=None):
    """The local data directory in force, or None when files come from the download cache."""
    chosen = data_dir or os.environ.get(ENV_VAR)
    return Path(chosen).expanduser().resolve() if chosen else None


def _lookup(name):
    try:
        return DATASETS[name]
    except KeyError:
        raise DataError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}") from None


def verify(path, dataset):
    """Raise DataError unless ``path`` has the dataset's SHA-256. Returns ``path``."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if not _verified.get(key):
        digest = pooch.file_hash(str(path), alg="sha256")
        if digest != dataset.sha256:
            raise DataError(
                f"{path} has sha256 {digest[:12]}…, expected {dataset.sha256[:12]}… "
                f"({dataset.name}): the file is corrupt or another version; delete it and fetch "
                f"it again from {dataset.url}")
        _verified[key] = True
    return path


def _from_directory(dataset, directory, origin):
    path = directory / dataset.relpath
    if not path.is_file():
        raise DataMissing(
            f"{dataset.relpath} not found in {directory} ({origin}); put the file there "
            f"(source: {dataset.url}) or point {origin} elsewhere", dataset.name)
    return verify(path, dataset)


def cache_dir():
    """The per-user cache for downloads and derived files (``COURSE_CACHE_DIR`` overrides)."""
    return Path(os.environ.get(CACHE_ENV_VAR) or pooch.os_cache("trax-nlp-course"))


def _download(dataset, download=True):
    path = cache_dir() / dataset.relpath
    if path.is_file():
        return verify(path, dataset)
    if not download:
        raise DataMissing(f"{dataset.name} is not in the download cache {cache_dir()} and "
                          f"downloading was not allowed; get it with: {FETCH_COMMAND} {dataset.name}",
                          dataset.name)
    if not dataset.downloadable:
        if dataset.kaggle and kaggle.has_token():
            return verify(kaggle.download(dataset, path), dataset)
        raise DataMissing(f"{dataset.name} cannot be downloaded automatically: "
                          f"{_manual_route(dataset, path)}", dataset.name)
    print(f"Downloading {dataset.name}: {dataset.description}\n  from {dataset.url}\n"
          f"  licence: {dataset.licence}")
    try:
        with _quiet_pooch():  # the line above says it once; pooch's logger would repeat it
            pooch.retrieve(dataset.url, known_hash=f"sha256:{dataset.sha256}",
                           fname=Path(dataset.relpath).name, path=path.parent, progressbar=False)
    except ValueError as err:  # pooch's hash mismatch
        raise DataError(f"download of {dataset.name} failed its sha256 check: {err}") from None
    except Exception as err:  # no network, HTTP error, ...
        raise DataMissing(
            f"could not download {dataset.name} from {dataset.url} ({type(err).__name__}); "
            f"check your connection, or set {ENV_VAR} to a directory that has "
            f"{dataset.relpath}", dataset.name) from None
    return path


@contextlib.contextmanager
def _quiet_pooch():
    """pooch's logger shows warnings only inside the block."""
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _manual_route(dataset, target):
    """How to get a login-only dataset: its client with a token, else by hand, to ``target``."""
    by_hand = (f"download {Path(dataset.relpath).name} from {dataset.url} (needs a login) and save "
               f"it as {target}")
    if dataset.kaggle:
        return f"{by_hand}, or {kaggle.route(dataset)}"
    return by_hand


def fetch(name, data_dir=None, download=True):
    """Path to the verified file of dataset ``name`` (see module docstring for the order).
    ``download=False`` never touches the network: a file not yet cached raises DataMissing."""
    dataset = _lookup(name)
    if data_dir:
        return _from_directory(dataset, resolve_data_dir(data_dir), "--data-dir")
    if os.environ.get(ENV_VAR):
        return _from_directory(dataset, resolve_data_dir(), ENV_VAR)
    return _download(dataset, download)


def expected_path(name, data_dir=None):
    """Where :func:`fetch` looks for dataset ``name``: under the data directory in force, else
    in the download cache."""
    return (resolve_data_dir(data_dir) or cache_dir()) / _lookup(name).relpath


def how_to_get(name, data_dir=None):
    """One sentence telling a user how to provide dataset ``name`` where :func:`fetch` looks."""
    dataset, target = _lookup(name), expected_path(name, data_dir)
    if not dataset.downloadable:
        return _manual_route(dataset, target)
    if resolve_data_dir(data_dir):
        return f"save {dataset.url} as {target}"
    return f"run `{FETCH_COMMAND} {name}`"
