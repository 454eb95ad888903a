"""Showing training progress: a tqdm bar, or log lines where tqdm or a terminal is missing.

Both are callbacks for ``train(..., progress=...)``: the trainer calls them with
a :class:`Progress` snapshot about twice a second from the calling thread
(never from the compiled loop, which only bumps per-thread counters), so the
cost of a display is paid between two polls and never slows the workers.

:func:`progress_display` picks one ("auto": a bar on a terminal, log lines
otherwise) and closes it when training ends, however it ends.
"""
from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Union

from pyw2v.params import check

__all__ = ["LogProgress", "Progress", "ProgressBar", "log_handler", "progress_display",
           "tqdm_available"]

logger = logging.getLogger("pyw2v")


@dataclass(frozen=True)
class Progress:
    """A snapshot of training, handed to progress callbacks."""

    epoch: int               # 1-based, within this training call
    epochs: int
    words_done: int          # in-vocabulary tokens processed in this call
    total_words: int         # words_done when the call ends
    alpha: float             # current learning rate
    loss: float              # mean loss per prediction so far in this epoch
    elapsed: float           # seconds since the call started

    @property
    def fraction(self) -> float:
        return self.words_done / self.total_words if self.total_words else 1.0

    @property
    def words_per_second(self) -> float:
        return self.words_done / self.elapsed if self.elapsed > 0 else 0.0


#: What ``progress=`` accepts: a callback, True/"auto"/"bar"/"log", or None/False/"off".
ProgressArg = Union[bool, str, Callable[[Progress], None], None]


def tqdm_available() -> bool:
    """True when tqdm can be imported."""
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _eta(report: Progress) -> float | None:
    """Seconds left at the mean speed of this call so far, or None before any word is done."""
    if report.words_done <= 0 or report.elapsed <= 0:
        return None
    return max(0.0, report.total_words - report.words_done) / report.words_per_second


class ProgressBar:
    """A tqdm bar over all words of a training call.

    Shows the epoch, percent done, words/s, ETA, the current learning rate and
    the running loss (mean loss per prediction so far in this epoch). Call it
    with each :class:`~pyw2v.Progress`; call :meth:`close` (or use it as a
    context manager) when training ends.  ``leave=False`` erases the bar when
    it closes.  Raises ImportError if tqdm is not installed.
    """

    def __init__(self, *, file: IO[str] | None = None, leave: bool = True,
                 mininterval: float = 0.25) -> None:
        import tqdm   # here, so importing pyw2v never needs tqdm

        self._tqdm = tqdm.tqdm
        self._file = file
        self._leave = leave
        self._mininterval = mininterval
        self._bar: Any = None   # the tqdm bar (untyped) from the first report on
        self._epoch = 0

    def __call__(self, report: Progress) -> None:
        total = max(report.total_words, report.words_done)
        if self._bar is None:
            self._epoch = report.epoch
            self._bar = self._tqdm(
                total=total, desc=f"epoch {report.epoch}/{report.epochs}", unit="word",
                unit_scale=True, dynamic_ncols=True,
                file=self._file if self._file is not None else sys.stderr,
                leave=self._leave, mininterval=self._mininterval, smoothing=0.1)
        bar = self._bar
        if total != bar.total:   # a streamed corpus learns its size as it goes
            bar.total = total
        if report.epoch != self._epoch:
            self._epoch = report.epoch
            bar.set_description_str(f"epoch {report.epoch}/{report.epochs}", refresh=False)
        bar.set_postfix_str(f"lr {report.alpha:.5f}, loss {report.loss:.4f}", refresh=False)
        bar.update(report.words_done - bar.n)

    def write(self, message: str) -> None:
        """Print a line above the bar without tearing it."""
        stream = self._file if self._file is not None else sys.stderr
        if self._bar is None:
            print(message, file=stream)
        else:
            self._tqdm.write(message, file=stream)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LogProgress:
    """Progress as INFO lines on the ``pyw2v`` logger, at most one every ``interval`` seconds.

    The fallback where there is no tqdm or no terminal (a log file, CI): each
    line gives epoch, percent, words/s, learning rate, running loss and ETA.
    The trainer logs its own summary at the end of every epoch.
    """

    def __init__(self, interval: float = 10.0, log: logging.Logger | None = None) -> None:
        self.interval = interval
        self._log = log or logger
        self._next = time.monotonic() + interval

    def __call__(self, report: Progress) -> None:
        now = time.monotonic()
        if now < self._next or report.words_done >= report.total_words:
            return
        self._next = now + self.interval
        eta = _eta(report)
        self._log.info("epoch %d/%d: %.1f%%, %.0f words/s, lr %.6f, loss %.4f, ETA %s",
                       report.epoch, report.epochs, 100 * report.fraction,
                       report.words_per_second, report.alpha, report.loss,
                       "?" if eta is None else _clock(eta))

    def close(self) -> None:
        pass


def _choose(mode: str, stream: IO[str]) -> str:
    check({"progress": mode})
    if mode == "auto":
        is_tty = getattr(stream, "isatty", lambda: False)()
        mode = "bar" if is_tty else "log"
    if mode == "bar" and not tqdm_available():
        logger.info("tqdm is not installed (pip install tqdm): showing progress as log lines")
        mode = "log"
    return mode


@contextlib.contextmanager
def progress_display(progress: ProgressArg = "auto", *, file: IO[str] | None = None,
                     leave: bool = True, log_interval: float = 10.0
                     ) -> Iterator[Callable[[Progress], None] | None]:
    """Yield the callback that ``progress`` asks for, closed when the block exits.

    progress: a callable is used as given; None, False or "off" give None (no
    display); True or "auto" give a bar when ``file`` (default stderr) is a
    terminal and log lines otherwise; "bar" forces the bar (falling back to log
    lines if tqdm is missing); "log" gives :class:`LogProgress`.
    """
    if progress is None or progress is False:
        yield None
        return
    if callable(progress):
        yield progress
        return
    stream = file if file is not None else sys.stderr
    mode = _choose("auto" if progress is True else progress, stream)
    if mode == "off":
        yield None
    elif mode == "log":
        yield LogProgress(log_interval)
    else:
        with ProgressBar(file=stream, leave=leave) as bar, log_handler(bar):
            yield bar


class _BarSafeHandler(logging.Handler):
    """Writes log records through the bar, so a log line never splits it."""

    def __init__(self, bar: ProgressBar) -> None:
        super().__init__()
        self.bar = bar

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.bar.write(self.format(record))
        except Exception:   # logging must never break training
            self.handleError(record)


@contextlib.contextmanager
def log_handler(bar: ProgressBar) -> Iterator[None]:
    """While the block runs, stream handlers of the ``pyw2v`` logger print above ``bar``.

    Handlers writing to the bar's stream (stderr by default) are swapped for one
    that calls ``tqdm.write``; others (files) are left alone.
    """
    target = bar._file if bar._file is not None else sys.stderr
    swapped = [h for h in logger.handlers
               if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
               and getattr(h, "stream", None) is target]
    replacements = []
    for handler in swapped:
        safe = _BarSafeHandler(bar)
        safe.setLevel(handler.level)
        safe.setFormatter(handler.formatter)
        for f in handler.filters:
            safe.addFilter(f)
        logger.removeHandler(handler)
        logger.addHandler(safe)
        replacements.append(safe)
    try:
        yield
    finally:
        for safe, handler in zip(replacements, swapped):
            logger.removeHandler(safe)
            logger.addHandler(handler)
