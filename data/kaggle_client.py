"""Datasets behind a Kaggle login, fetched with Kaggle's own client (the ``kaggle`` extra).

The client needs an API token (kaggle.com/settings → API → Generate New Token), in one of
the places it reads: the ``KAGGLE_API_TOKEN`` variable, ``~/.kaggle/access_token``, or the
older ``~/.kaggle/kaggle.json`` or ``KAGGLE_USERNAME`` and ``KAGGLE_KEY`` (``~/.kaggle`` is
``$KAGGLE_CONFIG_DIR`` when set). Without one the course says how to download the file by
hand instead.
"""
import contextlib
import importlib.util
import io
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
        chatter = io.StringIO()  # the client prints pages of login help; one line says it here
        try:
            with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
                from kaggle.api.kaggle_api_extended import KaggleApi
                api = KaggleApi()
                api.authenticate()
                api.dataset_download_file(dataset.kaggle, name, path=scratch, quiet=True)
        except SystemExit:  # how the client says it found no token it could use
            raise DataMissing(f"Kaggle's client found no valid API token (or could not reach "
                              f"Kaggle) for {dataset.name}: check {TOKEN_HELP}, or download "
                              f"{name} from {dataset.url} and save it as {target}",
                              dataset.name) from None
        except Exception as err:  # no network, terms not accepted, ...
            reason = (str(err).splitlines() or [""])[0]
            raise DataMissing(f"Kaggle's client could not download {dataset.name} "
                              f"({type(err).__name__}: {reason}); "
                              f"download {name} from {dataset.url} and save it as {target}",
                              dataset.name) from None
        downloaded = _unpacked(Path(scratch), name)
        if downloaded is None:
            raise DataMissing(f"Kaggle's client sent no {name} for {dataset.name}; download it "
                              f"from {dataset.url} and save it as {target}", dataset.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(downloaded), target)
    return target


def _unpacked(folder, name):
    """The file ``name`` Kaggle's client wrote to ``folder``, taken out of the zip it may come
    in (whatever the zip is called); None when there is no such file."""
    if (folder / name).is_file():
        return folder / name
    for archive in sorted(folder.glob("*.zip")):
        with zipfile.ZipFile(archive) as zipped:
            if name in zipped.namelist():
                return Path(zipped.extract(name, folder))
    return None
