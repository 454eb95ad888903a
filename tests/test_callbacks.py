"""Callbacks: hook order and reports, stopping, bad callbacks, exceptions that must stop the
compiled loop before they propagate, Checkpoint and EarlyStopping."""
import filecmp
import os
import threading

import numpy as np
import pytest

import pyw2v
from pyw2v import _core
from pyw2v.callbacks import Checkpoint, EarlyStopping

SMALL = dict(dim=16, epochs=4, threads=2, seed=3)


@pytest.fixture(scope="module")
def sentences(planted):
    return planted.sentences[:3000]


class Recorder(pyw2v.Callback):
    """Logs every hook with its report; `answers` scripts on_epoch_end's return values."""

    def __init__(self, answers=()):
        self.calls = []
        self.answers = list(answers)

    def _log(self, hook, model, report):
        self.calls.append((hook, report, len(model.loss_history)))

    def on_train_begin(self, model, report):
        self._log("train_begin", model, report)

    def on_epoch_begin(self, model, report):
        self._log("epoch_begin", model, report)

    def on_epoch_end(self, model, report):
        self._log("epoch_end", model, report)
        return self.answers.pop(0) if self.answers else None

    def on_train_end(self, model, report):
        self._log("train_end", model, report)

    def hooks(self):
        return [hook for hook, _, _ in self.calls]


def test_hooks_run_in_order_with_each_epochs_report(sentences):
    recorder = Recorder()
    model = pyw2v.train(sentences, callbacks=[recorder], **SMALL)
    assert recorder.hooks() == ["train_begin"] + ["epoch_begin", "epoch_end"] * 4 + ["train_end"]
    ends = [(report, done) for hook, report, done in recorder.calls if hook == "epoch_end"]
    assert [done for _, done in ends] == [1, 2, 3, 4]     # loss_history already has the epoch
    assert [r.loss for r, _ in ends] == list(model.loss_history)
    assert [r.epoch for r, _ in ends] == [1, 2, 3, 4] and ends[0][0].epochs == 4
    words = [r.words_done for r, _ in ends]
    assert words == [model.vocab.total_words * e for e in (1, 2, 3, 4)]
    assert all(isinstance(r, pyw2v.Progress) and r.words_per_second > 0 for r, _ in ends)
    # The rate is refreshed every PUBLISH_INTERVAL words a thread counts, not at chunk
    # ends, so at the end it lags min_alpha by under that many words per thread.
    alpha, min_alpha = model.params.alpha, model.params.min_alpha
    lag = (alpha - min_alpha) * SMALL["threads"] * _core.PUBLISH_INTERVAL / words[-1]
    assert min_alpha <= ends[-1][0].alpha <= min_alpha + lag
    begin = recorder.calls[0][1]
    assert begin.words_done == 0 and begin.loss == 0.0 and begin.epoch == 1
    assert recorder.calls[-1][1] is ends[-1][0]


def test_duck_typed_callbacks_and_model_train_take_them(sentences):
    seen = []

    class OnlyEpochEnd:
        def on_epoch_end(self, model, report):
            seen.append(report.epoch)

    model = pyw2v.train(sentences, callbacks=(OnlyEpochEnd(),), **SMALL)
    model.train(sentences, epochs=2, callbacks=[OnlyEpochEnd()], progress=True)
    assert seen == [1, 2, 3, 4, 1, 2] and len(model.loss_history) == 6
    lines = [" ".join(sentence) for sentence in sentences]
    pyw2v.train(pyw2v.LineStream(lines), callbacks=[OnlyEpochEnd()], **SMALL)   # read once
    assert seen[6:] == [1, 2, 3, 4]


@pytest.mark.parametrize("model_name", ["skipgram", "cbow"])
def test_one_thread_results_are_identical_with_and_without_callbacks(planted, model_name):
    kwargs = dict(model=model_name, dim=16, epochs=3, threads=1, seed=5)
    plain = pyw2v.train(planted.sentences, **kwargs)
    queried = []

    def query(model, report):
        queried.append(model.wv.most_similar(model.vocab.words[0], topn=3))

    hooked = pyw2v.train(planted.sentences, callbacks=[Recorder(), _Hooks(on_epoch_end=query)],
                         **kwargs)
    np.testing.assert_array_equal(plain.center_vectors, hooked.center_vectors)
    np.testing.assert_array_equal(plain.outside_vectors, hooked.outside_vectors)
    np.testing.assert_array_equal(plain.loss_history, hooked.loss_history)
    # The hook saw fresh norms each epoch: its last answer is the final model's.
    assert queried[-1] == plain.wv.most_similar(plain.vocab.words[0], topn=3)


class _Hooks:
    """A callback made of the functions given, e.g. _Hooks(on_epoch_end=f)."""

    def __init__(self, **hooks):
        self.__dict__.update(hooks)


@pytest.mark.parametrize("answer", [False, np.False_])
def test_returning_false_stops_after_that_epoch(sentences, answer):
    recorder, other = Recorder([None, True, answer]), Recorder()
    model = pyw2v.train(sentences, callbacks=[recorder, other], **SMALL)
    assert len(model.loss_history) == 3
    assert recorder.hooks()[-2:] == ["epoch_end", "train_end"]
    assert other.hooks() == recorder.hooks()       # the other callback saw every hook too


@pytest.mark.parametrize("hook, epochs_done", [
    ("on_train_begin", 0), ("on_epoch_begin", 2), ("on_epoch_end", 3), ("on_train_end", 4)])
def test_stop_training_from_any_hook_ends_cleanly(sentences, hook, epochs_done):
    calls = []

    def stop(model, report):
        calls.append(report)
        if hook == "on_train_begin" or report.epoch == 3 or hook == "on_train_end":
            raise pyw2v.StopTraining

    recorder = Recorder()
    params = pyw2v.TrainingParams(**{k: v for k, v in SMALL.items() if k != "threads"})
    model = pyw2v.Word2Vec(pyw2v.build_vocabulary(sentences), params)
    before = model.center_vectors.copy()
    assert model.train(sentences, threads=2, callbacks=[_Hooks(**{hook: stop}), recorder]) \
        is model
    assert len(model.loss_history) == epochs_done
    assert recorder.hooks()[-1] == "train_end"
    assert np.array_equal(before, model.center_vectors) == (epochs_done == 0)


@pytest.mark.parametrize("garbage", [0, 1, "stop", [], 0.0])
def test_a_hook_returning_garbage_is_a_type_error_naming_it(sentences, garbage):
    class Sloppy(pyw2v.Callback):
        def on_epoch_end(self, model, report):
            return garbage

    model = pyw2v.Word2Vec(pyw2v.build_vocabulary(sentences), pyw2v.TrainingParams(dim=8))
    with pytest.raises(TypeError, match=r"callback Sloppy\.on_epoch_end returned"):
        model.train(sentences, epochs=3, threads=2, callbacks=[Sloppy()])
    assert len(model.loss_history) == 1


class _Silent:
    pass


@pytest.mark.parametrize("callbacks, message", [
    (5, "callbacks must be a list of callback objects, got int$"),
    ("on_epoch_end", "got str"),
    (pyw2v.Callback(), r"wrap one callback in a list: callbacks=\[cb\]"),
    ([pyw2v.Callback(), _Silent()], r"callbacks\[1\] \(_Silent\) has none of the methods"),
    ([lambda model, report: None], r"callbacks\[0\] \(function\) has none"),
])
def test_bad_callbacks_are_refused_before_any_work(tmp_path, callbacks, message):
    missing = tmp_path / "no-such-corpus.txt"     # never opened: the check comes first
    with pytest.raises(TypeError, match=message) as info:
        pyw2v.train(str(missing), callbacks=callbacks)
    assert info.value.param == "callbacks"


def _saved_files_equal(a, b):
    names = sorted(os.listdir(a))
    assert names == sorted(os.listdir(b)) and "center_vectors.npy" in names
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors


@pytest.mark.parametrize("error", [RuntimeError, SystemExit, StopIteration])
def test_an_exception_from_progress_stops_the_loop_before_it_propagates(planted, tmp_path,
                                                                         error):
    model = pyw2v.train(planted.sentences, dim=16, epochs=1, threads=2)
    calls = []

    def fail(progress):
        calls.append(progress)
        raise error("display broke")

    with pytest.raises(error, match="display broke"):
        model.train(planted.sentences * 20, epochs=5, progress=fail, report_every=0.01)
    assert not [t for t in threading.enumerate() if t.name == "pyw2v-train"]
    assert len(calls) == 1 and calls[0].words_done < calls[0].total_words
    # Nothing writes the matrices any more: two saves, some time apart, are byte-identical.
    model.save(tmp_path / "a")
    threading.Event().wait(0.3)
    model.save(tmp_path / "b")
    assert _saved_files_equal(tmp_path / "a", tmp_path / "b")
    assert np.isfinite(model.center_vectors).all() and len(model.loss_history) == 1
    model.train(planted.sentences, epochs=1, threads=2)
    assert len(model.loss_history) == 2
    assert pyw2v.load_model(tmp_path / "a").loss_history.tolist() == model.loss_history[:1].tolist()


@pytest.mark.parametrize("hook, epochs_done, trained", [
    ("on_train_begin", 0, False), ("on_epoch_begin", 1, True), ("on_epoch_end", 2, True),
    ("on_train_end", 3, True)])
def test_an_exception_from_a_hook_propagates_and_leaves_a_trainable_model(
        sentences, tmp_path, hook, epochs_done, trained):
    def fail(model, report):
        if hook in ("on_train_begin", "on_train_end") or report.epoch == 2:
            raise ValueError(f"{hook} failed")

    recorder = Recorder()
    model = pyw2v.Word2Vec(pyw2v.build_vocabulary(sentences), pyw2v.TrainingParams(dim=8))
    before = model.center_vectors.copy()
    with pytest.raises(ValueError, match=f"{hook} failed"):
        model.train(sentences, epochs=3, threads=2, callbacks=[_Hooks(**{hook: fail}), recorder])
    assert "train_end" not in recorder.hooks()     # skipped: the exception propagated
    assert len(model.loss_history) == epochs_done
    assert (not np.array_equal(before, model.center_vectors)) == trained
    model.save(tmp_path / "a")
    model.save(tmp_path / "b")
    assert _saved_files_equal(tmp_path / "a", tmp_path / "b")
    model.train(sentences, epochs=1, threads=2)
    assert len(model.loss_history) == epochs_done + 1


# ---------------------------------------------------------------- Checkpoint


def test_checkpoint_saves_every_n_epochs_and_resumed_runs_continue_the_numbering(
        sentences, tmp_path):
    checkpoint = Checkpoint(tmp_path / "ckpt", every=2)
    model = pyw2v.train(sentences, callbacks=[checkpoint], **{**SMALL, "epochs": 5})
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["epoch-2", "epoch-4"]
    saved = pyw2v.load_model(tmp_path / "ckpt" / "epoch-4")
    assert saved.loss_history.tolist() == model.loss_history[:4].tolist()
    model.train(sentences, epochs=3, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["epoch-2", "epoch-4", "epoch-6",
                                                     "epoch-8"]
    last = pyw2v.load_model(tmp_path / "ckpt" / "epoch-8")
    np.testing.assert_array_equal(last.center_vectors, model.center_vectors)
    assert checkpoint.saved[-1] == str(tmp_path / "ckpt" / "epoch-8")


def test_checkpoint_pattern_and_keep(sentences, tmp_path):
    checkpoint = Checkpoint(str(tmp_path / "run" / "m{epoch:03d}"), keep=2)
    pyw2v.train(sentences, callbacks=[checkpoint], **SMALL)
    assert sorted(os.listdir(tmp_path / "run")) == ["m003", "m004"]
    assert checkpoint.saved == [str(tmp_path / "run" / "m003"), str(tmp_path / "run" / "m004")]


def test_checkpoint_pattern_may_name_a_directory_per_epoch(sentences, tmp_path):
    checkpoint = Checkpoint(str(tmp_path / "e{epoch}" / "model"), every=2)
    pyw2v.train(sentences, callbacks=[checkpoint], **SMALL)
    assert sorted(os.listdir(tmp_path)) == ["e2", "e4"]
    assert len(pyw2v.load_model(tmp_path / "e4" / "model").loss_history) == 4


def test_checkpoint_never_replaces_an_existing_path_without_overwrite(sentences, tmp_path):
    (tmp_path / "ckpt" / "epoch-3").mkdir(parents=True)
    (tmp_path / "ckpt" / "epoch-3" / "keep.txt").write_text("mine")
    model = pyw2v.Word2Vec(pyw2v.build_vocabulary(sentences), pyw2v.TrainingParams(dim=8))
    with pytest.raises(FileExistsError, match=r"epoch-3, which exists.*overwrite=True"):
        model.train(sentences, epochs=4, threads=2, callbacks=[Checkpoint(tmp_path / "ckpt")])
    assert len(model.loss_history) == 0                      # refused before any epoch
    assert (tmp_path / "ckpt" / "epoch-3" / "keep.txt").read_text() == "mine"
    model.train(sentences, epochs=2, threads=2, callbacks=[Checkpoint(tmp_path / "ckpt")])
    assert sorted(os.listdir(tmp_path / "ckpt")) == ["epoch-1", "epoch-2", "epoch-3"]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(every=0), ValueError, "every must be >= 1"),
    (dict(every=1.5), TypeError, "every must be an int"),
    (dict(keep=0), ValueError, "keep must be >= 1"),
])
def test_checkpoint_bad_arguments(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        Checkpoint(tmp_path, **kwargs)


# ---------------------------------------------------------------- EarlyStopping


def _scripted(scores):
    values = iter(scores)
    return lambda model: next(values)


@pytest.mark.parametrize("scores, mode, min_delta, epochs_done, best_epoch", [
    ([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], "max", 0.0, 6, 6),     # always improving: all epochs
    ([0.1, 0.3, 0.2, 0.25, 0.9, 1.0], "max", 0.0, 4, 2),    # two epochs without: stop
    ([0.1, 0.3, 0.31, 0.32, 0.9, 1.0], "max", 0.05, 4, 2),  # too small to count
    ([5.0, 4.0, 4.5, 3.0, 3.5, 3.6], "min", 0.0, 6, 4),
    ([float("nan"), float("nan"), 1.0, 2.0, 3.0, 4.0], "max", 0.0, 2, 0),
])
def test_early_stopping(sentences, scores, mode, min_delta, epochs_done, best_epoch):
    stopper = EarlyStopping(_scripted(scores), patience=2, mode=mode, min_delta=min_delta)
    model = pyw2v.train(sentences, callbacks=[stopper], **{**SMALL, "epochs": 6})
    assert len(model.loss_history) == epochs_done
    assert stopper.scores == pytest.approx(scores[:epochs_done], nan_ok=True)
    assert stopper.best_epoch == best_epoch


def test_early_stopping_can_restore_the_best_vectors(sentences):
    snapshots = []

    def keep(model, report):
        snapshots.append(model.center_vectors.copy())

    stopper = EarlyStopping(_scripted([0.5, 0.9, 0.7, 0.6]), patience=2, restore_best=True)
    model = pyw2v.train(sentences, callbacks=[_Hooks(on_epoch_end=keep), stopper], **SMALL)
    assert len(model.loss_history) == 4 and stopper.best_epoch == 2
    np.testing.assert_array_equal(model.center_vectors, snapshots[1])
    assert not np.array_equal(snapshots[1], snapshots[3])
    # The cached norms follow the restored vectors.
    word = model.vocab.words[0]
    fresh = pyw2v.WordVectors(model.vocab.words, snapshots[1].copy(), model.vocab.counts)
    assert model.wv.most_similar(word, topn=3) == fresh.most_similar(word, topn=3)


@pytest.mark.parametrize("kwargs, message", [
    (dict(score=3.0), "score must be a callable"),
    (dict(patience=0), "patience must be an int >= 1"),
    (dict(min_delta=-1), "min_delta must be a finite number >= 0"),
    (dict(min_delta=float("nan")), "min_delta must be"),
    (dict(mode="up"), "mode must be 'max' or 'min'"),
])
def test_early_stopping_bad_arguments(kwargs, message):
    kwargs = {"score": lambda model: 0.0, **kwargs}
    with pytest.raises((TypeError, ValueError), match=message):
        EarlyStopping(**kwargs)


def test_a_hook_that_replaces_the_models_arrays_is_an_error(sentences, tmp_path):
    """update_vocab inside a hook would leave the trainer on the old matrices."""
    more = tmp_path / "more.txt"
    more.write_text("zzz yyy zzz yyy zzz yyy\n" * 10)

    class Grow(pyw2v.Callback):
        def on_epoch_end(self, model, report):
            model.update_vocab(str(more), min_count=1)

    with pytest.raises(RuntimeError, match="on_epoch_end replaced the model's arrays"):
        pyw2v.train(sentences, min_count=1, epochs=2, threads=1, callbacks=[Grow()])
