"""Datasets behind a Kaggle login, fetched with Kaggle's own client (the ``kaggle`` extra).

The client needs an API token (kaggle.com/settings → API → Generate New Token), in one of
the places it reads: the ``KAGGLE_API_TOKEN`` variable, ``~/.kaggle/access_token``, or the
older ``~/.kaggle/kaggle.json`` or ``KAGGLE_USERNAME`` and ``KAGGLE_KEY`` (``~/.kaggle`` is
``$KAGGLE_CONFIG_DIR`` when set). Without one the course says how to download the file by
hand instead.
"""
import importlib.util
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

INSTALL = "./run python -m pip install -c constraints.txt -e '.[kaggle]'"
TOKEN_HELP = ("a Kaggle API token (kaggle.com/settings → API → Generate New Token) in "
              "~/.kaggle/access_token")


def has_token():
    """True when Kaggle's client would find an API token (see the module docstring)."""
    folder = Path(os.environ.get("KAGGLE_CONFIG_DIR") or Path.home() / ".kaggle")
    return (bool(os.environ.get("KAGGLE_API_TOKEN"))
            or any((folder / name).is_file() for name in ("access_token", "kaggle.json"))
            or bool(os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY")))


def route(dataset):
    """How to fetch ``dataset`` with the client (what is missing for it: a token, the client)."""
    return f"save {TOKEN_HELP} and run `./run python -m data fetch {dataset.name}`"


def download(dataset, target):
    """Download ``dataset``'s file with Kaggle's client to ``target`` (unzipped); returns it.
    Raises DataMissing with one line when the client is not installed or the download fails."""
    from data.files import DataMissing
    if importlib.util.find_spec("kaggle") is None:
        raise DataMissing(f"{dataset.name} comes from Kaggle and its client is not installed: "
                          f"{INSTALL}, then run `./run python -m data fetch {dataset.name}` again",
                          dataset.name)
    name = Path(dataset.relpath).name
    print(f"Downloading {dataset.name} with Kaggle's client: {dataset.description}\n"
          f"  from {dataset.url}\n  licence: {dataset.licence}")
    with tempfile.TemporaryDirectory() as scratch:
        try:
            from kaggle.api.kaggle_api_extended import KaggleApi
            api = KaggleApi()
            api.authenticate()
            api.dataset_download_file(dataset.kaggle, name, path=scratch, quiet=True)
        except (Exception, SystemExit) as err:  # bad token (it exits), no network, ...
            reason = (str(err).splitlines() or [""])[0]
            raise DataMissing(f"Kaggle's client could not download {dataset.name} "
                              f"({type(err).__name__}: {reason}); "
                              f"download {name} from {dataset.url} and save it as {target}",
                              dataset.name) from None
        downloaded = _unpacked(Path(scratch), name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(downloaded), target)
    return target


def _unpacked(folder, name):
    """The file ``name`` in ``folder``, unzipped from ``name.zip`` when Kaggle sent it zipped."""
    archive = folder / f"{name}.zip"
    if archive.is_file():
        with zipfile.ZipFile(archive) as zipped:
            zipped.extract(name, folder)
    return folder / name
