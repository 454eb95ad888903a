"""Which files a corpus argument names: a file, a directory or a glob pattern.

A directory means every regular file directly in it, sorted by name, so a
run reads its files in the same order on every machine. Subdirectories are
not descended into (a warning says so); a glob with ``**``, e.g.
``"corpus/**/*.bz2"``, reads a tree. Entries that cannot be a corpus file (a
FIFO, socket or device, a symlink to nothing) are skipped with a warning: they
are common debris in data directories and say nothing about the text. A
regular file that cannot be read is an error (pyw2v.corpus.TextFileSource),
as is a directory or pattern that names no file.
"""
from __future__ import annotations

import glob
import os
import stat
import warnings
from os import PathLike


def is_glob(path: str) -> bool:
    """Whether `path` holds glob magic (``*``, ``?`` or ``[``)."""
    return glob.has_magic(path)


def corpus_files(path: str | PathLike[str]) -> list[str]:
    """The corpus files `path` names: itself if a file (or missing: the caller's
    error names it), the files of a directory, or the files matching a glob."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return _directory_files(path)
    if is_glob(path) and not os.path.exists(path):
        return _glob_files(path)
    return [path]


def _directory_files(directory: str) -> list[str]:
    files, skipped, subdirectories = [], [], 0
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.is_dir():
            subdirectories += 1
        elif entry.is_file():
            files.append(entry.path)
        else:
            skipped.append(entry.path)
    _warn_skipped(skipped)
    if subdirectories:
        warnings.warn(f"corpus directory {directory!r}: {subdirectories} subdirector"
                      f"{'y' if subdirectories == 1 else 'ies'} not read; pass "
                      f"{os.path.join(directory, '**', '*')!r} to read the whole tree",
                      stacklevel=4)
    if not files:
        raise ValueError(f"corpus directory {directory!r} holds no regular file; "
                         "put the text files in it or pass another directory")
    return files


def _glob_files(pattern: str) -> list[str]:
    matches = sorted(glob.glob(pattern, recursive=True))
    files = [m for m in matches if os.path.isfile(m)]
    _warn_skipped([m for m in matches if not os.path.isfile(m) and not os.path.isdir(m)])
    if not files:
        raise FileNotFoundError(f"corpus pattern {pattern!r} matches no file; check the "
                                "pattern (quote it so the shell does not expand it)")
    return files


def _warn_skipped(paths: list[str]) -> None:
    """One warning naming the entries that are neither regular files nor directories."""
    if paths:
        kinds = [_kind(p) for p in paths]
        listed = ", ".join(f"{p} ({k})" for p, k in zip(paths, kinds))
        warnings.warn(f"skipped {len(paths)} corpus entr{'y' if len(paths) == 1 else 'ies'} "
                      f"that {'is' if len(paths) == 1 else 'are'} not a regular file: {listed}",
                      stacklevel=5)


def _kind(path: str) -> str:
    if os.path.islink(path) and not os.path.exists(path):
        return "broken symlink"
    mode = os.stat(path).st_mode
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"
