"""Command line: ``python -m grader`` (see ``python -m grader --help``)."""
import sys

from grader.cli import main

sys.exit(main())
