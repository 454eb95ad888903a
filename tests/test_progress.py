"""Progress displays: the tqdm bar, the logging fallback, and how one is chosen."""
import io
import logging
import sys

import pytest

import pyw2v
from pyw2v.model import Progress
from pyw2v.progress import (LogProgress, ProgressBar, _clock, _eta, log_handler,
                            progress_display)
from pyw2v.synthetic import make_corpus

pytest.importorskip("tqdm")


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _report(epoch=1, words_done=50, total_words=200, alpha=0.02, loss=1.5, elapsed=2.0):
    return Progress(epoch=epoch, epochs=2, words_done=words_done, total_words=total_words,
                    alpha=alpha, loss=loss, elapsed=elapsed)


def _last_line(text):
    return text.replace("\r", "\n").strip().splitlines()[-1]


def test_bar_shows_epoch_percent_rate_lr_loss_and_eta():
    out = io.StringIO()
    with ProgressBar(file=out, mininterval=0) as bar:
        bar(_report(epoch=1, words_done=50))
        line = _last_line(out.getvalue())
        assert line.startswith("epoch 1/2:")
        assert " 25%" in line
        assert "50.0/200" in line
        assert "word/s" in line
        assert "lr 0.02000" in line and "loss 1.5000" in line
        assert "<" in line            # elapsed<remaining, tqdm's ETA
        bar(_report(epoch=2, words_done=200, alpha=0.0001, loss=1.25))
        assert bar._bar.n == 200
    line = _last_line(out.getvalue())
    assert line.startswith("epoch 2/2:")
    assert "100%" in line and "lr 0.00010" in line and "loss 1.2500" in line


def test_bar_grows_its_total_when_a_streamed_corpus_runs_past_it():
    out = io.StringIO()
    with ProgressBar(file=out, mininterval=0) as bar:
        bar(_report(words_done=250, total_words=200))
        assert (bar._bar.n, bar._bar.total) == (250, 250)


def test_bar_follows_a_real_training_call_to_the_end():
    corpus = make_corpus(n_sentences=500, seed=1).sentences
    out = io.StringIO()
    seen = []
    with ProgressBar(file=out, mininterval=0) as bar:
        def callback(report):
            seen.append(report)
            bar(report)
        pyw2v.train(corpus, dim=8, epochs=2, min_count=1, threads=1, progress=callback)
        assert bar._bar.n == seen[-1].words_done == seen[-1].total_words
    epochs = [r.epoch for r in seen]
    assert epochs == sorted(epochs) and epochs[-1] == 2
    line = _last_line(out.getvalue())
    assert line.startswith("epoch 2/2:") and "100%" in line
    assert f"loss {seen[-1].loss:.4f}" in line


def test_log_progress_lines_carry_the_numbers(caplog):
    caplog.set_level(logging.INFO, logger="pyw2v")
    log = LogProgress(interval=0.0)
    log(_report(words_done=50, total_words=200, elapsed=2.0))
    log(_report(words_done=200, total_words=200))     # the end: the trainer's summary says it
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert message == "epoch 1/2: 25.0%, 25 words/s, lr 0.020000, loss 1.5000, ETA 0:06"


def test_log_progress_waits_for_its_interval(caplog):
    caplog.set_level(logging.INFO, logger="pyw2v")
    log = LogProgress(interval=3600)
    for done in (10, 20, 30):
        log(_report(words_done=done))
    assert caplog.records == []


def test_eta_and_clock():
    assert _eta(_report(words_done=50, total_words=200, elapsed=2.0)) == pytest.approx(6.0)
    assert _eta(_report(words_done=0)) is None
    assert _clock(6) == "0:06"
    assert _clock(3725) == "1:02:05"


@pytest.mark.parametrize("arg", [None, False, "off"])
def test_display_off(arg):
    with progress_display(arg) as callback:
        assert callback is None


def test_display_passes_a_callable_through():
    def mine(report):
        pass

    with progress_display(mine) as callback:
        assert callback is mine


def test_auto_is_a_bar_on_a_terminal_and_log_lines_elsewhere():
    with progress_display(True, file=_Terminal()) as callback:
        assert isinstance(callback, ProgressBar)
    with progress_display("auto", file=io.StringIO()) as callback:
        assert isinstance(callback, LogProgress)
    with progress_display("bar", file=io.StringIO()) as callback:
        assert isinstance(callback, ProgressBar)
    with progress_display("log", file=_Terminal()) as callback:
        assert isinstance(callback, LogProgress)


def test_display_closes_the_bar_when_training_fails():
    out = _Terminal()
    with pytest.raises(RuntimeError):
        with progress_display("bar", file=out) as bar:
            bar(_report())
            raise RuntimeError("boom")
    assert bar._bar is None


def test_without_tqdm_the_bar_falls_back_to_log_lines(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with progress_display("bar", file=_Terminal()) as callback:
        assert isinstance(callback, LogProgress)


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match="progress must be one of"):
        with progress_display("fancy"):
            pass


def test_log_records_print_above_the_bar_and_the_handler_comes_back():
    out = io.StringIO()
    logger = logging.getLogger("pyw2v")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("LOG %(message)s"))
    saved_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with ProgressBar(file=out, mininterval=0) as bar, log_handler(bar):
            bar(_report())
            assert handler not in logger.handlers
            logger.info("epoch 1/2: done")
            bar(_report(words_done=100))
        assert handler in logger.handlers
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)
    lines = out.getvalue().replace("\r", "\n").splitlines()
    assert "LOG epoch 1/2: done" in lines
    assert _last_line(out.getvalue()).startswith("epoch 1/2:")
