"""``python -m data``: see where each course dataset is, or fetch some.

    python -m data                 one line per dataset: found (path) or how to get it
    python -m data fetch NAME ...  download (or find) and verify the named datasets
"""
import sys

from data.files import DataError, DataMissing, fetch, how_to_get
from data.registry import DATASETS

USAGE = "usage: python -m data [fetch NAME ...]"


def status():
    """One line per dataset: its verified path, or how to get it (never downloads)."""
    for name in sorted(DATASETS):
        try:
            print(f"{name}: {fetch(name, download=False)}")
        except DataMissing:
            print(f"{name}: missing; {how_to_get(name)}")


def main(argv):
    if not argv:
        status()
        return 0
    if argv[0] != "fetch" or len(argv) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    for name in argv[1:]:
        try:
            print(f"{name}: {fetch(name)}")
        except DataError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
