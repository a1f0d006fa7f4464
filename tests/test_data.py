"""The data layer: hashes of the real files, local directories, downloads, clear errors."""
import functools
import hashlib
import http.server
import shutil
import threading

import pytest

import data
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


def test_offline_download_gives_one_line(tmp_path, monkeypatch):
    _register(monkeypatch, tmp_path, "http://127.0.0.1:9/file.txt", "0" * 64)  # closed port
    with pytest.raises(DataError) as err:
        fetch("toy")
    msg = str(err.value)
    assert msg.startswith("could not download toy from http://127.0.0.1:9/file.txt")
    assert "COURSE_DATA_DIR" in msg and "\n" not in msg


def test_login_only_source_explains_manual_download(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    with pytest.raises(DataError, match="cannot be downloaded automatically: get ner_dataset.csv from https://www.kaggle.com"):
        fetch("gmb-ner")
