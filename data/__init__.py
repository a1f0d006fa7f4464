"""Course datasets: where each file comes from, how to get it, how to check it.

>>> from data import fetch
>>> path = fetch("tinyshakespeare")          # downloads once, verifies sha256

Set ``COURSE_DATA_DIR`` (or pass ``data_dir=``) to use a directory that already
holds the files in the layout ``<name>/<file>``; nothing is downloaded then.
"""
from data.registry import DATASETS, Dataset
from data.files import DataError, DataMissing, expected_path, fetch, how_to_get, resolve_data_dir, verify

__all__ = ["DATASETS", "Dataset", "DataError", "DataMissing", "expected_path", "fetch", "how_to_get",
           "resolve_data_dir", "verify"]
