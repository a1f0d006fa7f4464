"""The data layer: hashes of the real files, local directories, downloads, clear errors."""
import functools
import hashlib
import http.server
import importlib.util
import shutil
import sys
import threading

import pytest

import data
import data.__main__
from conftest import require_platform
from data import DATASETS, DataError, Dataset, fetch


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_real_files_pass_their_sha256(name, course_data):
    assert course_data(name).stat().st_size == DATASETS[name].size  # fetch checked the hash


def test_corrupted_copy_is_rejected(tmp_path, course_data):
    ds = DATASETS["bert-sample"]
    copy = tmp_path / ds.relpath
    copy.parent.mkdir(parents=True)
    shutil.copy(course_data("bert-sample"), copy)
    assert fetch("bert-sample", data_dir=tmp_path) == copy
    with open(copy, "ab") as f:
        f.write(b"x")
    with pytest.raises(DataError, match="corrupt or another version") as err:
        fetch("bert-sample", data_dir=tmp_path)
    assert "\n" not in str(err.value)


def test_missing_file_in_local_directory_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError) as err:
        fetch("tinyshakespeare")
    msg = str(err.value)
    assert "tinyshakespeare/input.txt not found in" in msg and "COURSE_DATA_DIR" in msg
    assert DATASETS["tinyshakespeare"].url in msg and "\n" not in msg


def test_unknown_dataset():
    with pytest.raises(DataError, match="unknown dataset 'nope'; known: "):
        fetch("nope")


def test_registry_entries_are_complete():
    for ds in DATASETS.values():
        assert len(ds.sha256) == 64 and ds.size > 0 and ds.url.startswith("https://")
        assert ds.licence and ds.description


@pytest.fixture
def served(tmp_path):
    """A loopback HTTP server for tmp_path/www; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _register(monkeypatch, tmp_path, url, content_hash):
    ds = Dataset("toy", "toy/file.txt", url, content_hash, 5, "public domain", "toy file")
    monkeypatch.setitem(DATASETS, "toy", ds)
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return ds


def test_download_verifies_and_caches(served, tmp_path, monkeypatch, capsys):
    root, base = served
    (root / "file.txt").write_bytes(b"hello")
    _register(monkeypatch, tmp_path, f"{base}/file.txt", hashlib.sha256(b"hello").hexdigest())
    path = fetch("toy")
    assert path.read_bytes() == b"hello" and path.is_relative_to(tmp_path / "cache")
    assert "licence: public domain" in capsys.readouterr().out  # source and licence on first fetch
    (root / "file.txt").unlink()
    assert fetch("toy") == path  # second call: from the cache, no download
    assert "Downloading" not in capsys.readouterr().out


def test_download_with_wrong_hash_is_rejected_and_not_kept(served, tmp_path, monkeypatch):
    root, base = served
    (root / "file.txt").write_bytes(b"tampered")
    _register(monkeypatch, tmp_path, f"{base}/file.txt", hashlib.sha256(b"hello").hexdigest())
    with pytest.raises(DataError, match="failed its sha256 check"):
        fetch("toy")
    assert not (tmp_path / "cache" / "toy" / "file.txt").exists()


def test_offline_download_gives_one_line(tmp_path, monkeypatch, capfd):
    _register(monkeypatch, tmp_path, "http://127.0.0.1:9/file.txt", "0" * 64)  # closed port
    with pytest.raises(data.DataMissing) as err:
        fetch("toy")
    msg = str(err.value)
    assert msg.startswith("could not download toy from http://127.0.0.1:9/file.txt")
    assert "COURSE_DATA_DIR" in msg and "\n" not in msg and err.value.dataset == "toy"
    out, stderr = capfd.readouterr()
    assert out.count("Downloading toy") == 1 and stderr == ""  # announced once, by the course


@pytest.fixture
def no_kaggle_token(tmp_path, monkeypatch):
    """No Kaggle credentials anywhere; the download cache is empty."""
    for variable in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "COURSE_DATA_DIR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "kaggle"))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "kaggle"


def test_login_only_source_without_a_token_gives_the_manual_route_in_one_line(no_kaggle_token, capsys):
    assert data.__main__.main(["fetch", "gmb-ner"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: gmb-ner cannot be downloaded automatically: "
                                                   "download ner_dataset.csv from https://www.kaggle.com")
    assert "Kaggle API token" in err and "./run python -m data fetch gmb-ner" in err


FAKE_KAGGLE = '''
import zipfile
from pathlib import Path

class KaggleApi:
    def authenticate(self):
        pass

    def dataset_download_file(self, dataset, file_name, path=None, quiet=True):
        assert dataset == "abhinavwalia95/entity-annotated-corpus"
        with zipfile.ZipFile(Path(path) / (file_name + ".zip"), "w") as archive:
            archive.write(SOURCE, file_name)
'''


@pytest.fixture
def real_gmb(course_data):
    return course_data("gmb-ner")


def test_login_only_source_with_a_token_uses_kaggles_client(real_gmb, no_kaggle_token, tmp_path,
                                                             monkeypatch, capsys):
    """With a token, ``python -m data fetch gmb-ner`` calls Kaggle's client (here a stand-in
    package with its API, serving the real file zipped, as Kaggle does), unzips the file into
    the cache and verifies it."""
    no_kaggle_token.mkdir()
    (no_kaggle_token / "access_token").write_text("KGAT_0")
    api = tmp_path / "site" / "kaggle" / "api"
    api.mkdir(parents=True)
    (tmp_path / "site" / "kaggle" / "__init__.py").write_text("")
    (api / "__init__.py").write_text("")
    (api / "kaggle_api_extended.py").write_text(f"SOURCE = {str(real_gmb)!r}\n" + FAKE_KAGGLE)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in [m for m in sys.modules if m == "kaggle" or m.startswith("kaggle.")]:
        monkeypatch.delitem(sys.modules, name)  # the stand-in, not an installed client
    try:
        assert data.__main__.main(["fetch", "gmb-ner"]) == 0
    finally:
        for name in [m for m in sys.modules if m == "kaggle" or m.startswith("kaggle.")]:
            del sys.modules[name]
    out = capsys.readouterr().out
    cached = tmp_path / "cache" / DATASETS["gmb-ner"].relpath
    assert "with Kaggle's client" in out and out.strip().endswith(f"gmb-ner: {cached}")
    assert cached.stat().st_size == DATASETS["gmb-ner"].size


def test_kaggles_real_client_with_an_unusable_token_gives_one_line(no_kaggle_token, monkeypatch, capfd):
    """Kaggle's own client (the `kaggle` extra), a token it cannot use and no way out: its pages
    of login help stay hidden, and the command ends with one line and the manual route."""
    require_platform(importlib.util.find_spec("kaggle") is not None,
                     "Kaggle's client is not installed (pip install -c constraints.txt -e '.[kaggle]')")
    no_kaggle_token.mkdir()
    (no_kaggle_token / "access_token").write_text("KGAT_not_a_real_token")
    for variable in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(variable, "http://127.0.0.1:9")  # nothing leaves this machine
    assert data.__main__.main(["fetch", "gmb-ner"]) == 1
    out, err = capfd.readouterr()
    assert "Authentication required" not in out + err
    assert err.count("\n") == 1 and err.startswith("error: Kaggle's client ")
    assert "save it as" in err and DATASETS["gmb-ner"].url in err
