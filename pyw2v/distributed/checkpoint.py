"""Checkpoints of a distributed job: the model (the atomic native save) and the job's
state after a round, so `resume=True` continues from the last one.

A checkpoint is a directory `round-NNNNNN` (the rounds done) under checkpoint_dir
holding `model/` (Word2Vec.save) and `state.json` (rounds and words done, every
worker's thread states, the shard manifest, the settings), written last and
atomically: a checkpoint without it is unfinished and ignored. The newest KEEP
complete checkpoints are kept, so an interrupted save (a Ctrl-C, a crash) always
leaves the one before it intact.
"""
from __future__ import annotations

import json
import os
import shutil
from os import PathLike
from typing import Any

from pyw2v.formats import atomic_write
from pyw2v.model import Word2Vec, load_model

KEEP = 2
STATE_FILE = "state.json"
_PREFIX = "round-"


def save_checkpoint(directory: str | PathLike[str], rounds_done: int, model: Word2Vec,
                    state: dict[str, Any]) -> str:
    """Write checkpoint `rounds_done` and drop all but the newest KEEP; returns its path."""
    directory = os.fspath(directory)
    path = os.path.join(directory, f"{_PREFIX}{rounds_done:06d}")
    if os.path.exists(path):   # an unfinished save of this very round: replace it
        shutil.rmtree(path)
    os.makedirs(path)
    model.save(os.path.join(path, "model"))
    with atomic_write(os.path.join(path, STATE_FILE)) as out:
        out.write(json.dumps(state).encode("utf-8"))
    for old in _complete(directory)[:-KEEP]:
        shutil.rmtree(old, ignore_errors=True)
    return path


def has_checkpoints(directory: str | PathLike[str]) -> bool:
    """Whether `directory` holds a finished checkpoint (a new job there would mix with it)."""
    return bool(_complete(os.fspath(directory)))


def check_checkpoint_dir(directory: str | None, resume: bool) -> None:
    """Refuse a checkpoint_dir a job cannot use: resume without one, a file, or (without
    resume) an earlier job's checkpoints, which a new job would prune as its own."""
    if directory is None:
        if resume:
            raise ValueError("resume=True needs checkpoint_dir, the directory to resume from")
        return
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise NotADirectoryError(f"checkpoint_dir {directory!r} is a file; expected a directory")
    if not resume and has_checkpoints(directory):
        raise FileExistsError(f"checkpoint_dir {directory!r} holds an earlier job's "
                              "checkpoints; pass resume=True to continue that job, or choose "
                              "another directory (or remove them)")


def _complete(directory: str) -> list[str]:
    """Finished checkpoints under `directory`, oldest first."""
    if not os.path.isdir(directory):
        return []
    names = sorted(n for n in os.listdir(directory) if n.startswith(_PREFIX)
                   and n[len(_PREFIX):].isdigit())
    return [os.path.join(directory, n) for n in names
            if os.path.isfile(os.path.join(directory, n, STATE_FILE))]


def latest_checkpoint(directory: str | PathLike[str]) -> tuple[Word2Vec, dict[str, Any]] | None:
    """The newest finished checkpoint's model and state, or None if there is none."""
    found = _complete(os.fspath(directory))
    if not found:
        return None
    with open(os.path.join(found[-1], STATE_FILE), encoding="utf-8") as fh:
        state: dict[str, Any] = json.load(fh)
    return load_model(os.path.join(found[-1], "model")), state
