"""The reference training settings, as the flags every side-by-side script takes
(compare.py, compare_subwords.py): the issues' "usual settings" in one place."""
from __future__ import annotations

import argparse


def add_training_flags(parser: argparse.ArgumentParser) -> None:
    """--dim 100, --window 5, --negative 5, --sample 1e-3, --min-count 5, --epochs 5."""
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
