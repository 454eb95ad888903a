"""Hooks into training: ``train(..., callbacks=[...])``, and two ready-made callbacks.

A callback is any object with one or more of the methods ``on_train_begin``,
``on_epoch_begin``, ``on_epoch_end`` and ``on_train_end``, each called as
``hook(model, report)`` from the calling thread, never while the compiled loop
runs, so a hook may read, evaluate or save the model. ``report`` is a
:class:`pyw2v.Progress`: at ``on_epoch_end`` it holds that epoch's mean loss per
prediction (float64), the words done so far in the call, words/s, the learning
rate and the seconds elapsed; at the two ``begin`` hooks its loss is 0.0 (nothing
trained yet), and ``on_train_end`` gets the last epoch's report (the begin
report if no epoch ran).

A hook returns None or True to go on. Returning False, or raising
:class:`StopTraining`, ends training cleanly: from ``on_epoch_end`` after that
epoch, from ``on_train_begin``/``on_epoch_begin`` before the epoch starts. Every
callback still gets the hook that asked to stop, then ``on_train_end`` runs and
``train`` returns normally; ``loss_history`` holds the epochs done (the learning
rate decayed as planned for all of them, so it did not reach ``min_alpha``).
Any other exception propagates at once (``on_train_end`` is skipped), after the
compiled loop has stopped: the model is consistent, saveable and trainable.
"""
from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Iterable
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from pyw2v.params import ParameterTypeError, ParameterValueError

if TYPE_CHECKING:
    from pyw2v.progress import Progress

__all__ = ["Callback", "Checkpoint", "EarlyStopping", "HOOKS", "StopTraining"]

HOOKS = ("on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_end")


class StopTraining(Exception):
    """Raise from a callback hook to end training cleanly (see pyw2v.callbacks)."""


class Callback:
    """Base class with a no-op for every hook; override the ones you need.

    Subclassing is a convenience: any object with at least one hook method works.
    ``model`` is the pyw2v.Word2Vec being trained, typed Any because this module
    sits below pyw2v.model (a subclass may annotate it as Word2Vec).
    """

    def on_train_begin(self, model: Any, report: Progress) -> bool | None:
        return None

    def on_epoch_begin(self, model: Any, report: Progress) -> bool | None:
        return None

    def on_epoch_end(self, model: Any, report: Progress) -> bool | None:
        return None

    def on_train_end(self, model: Any, report: Progress) -> bool | None:
        return None


def as_callbacks(callbacks: Iterable[Any] | None) -> tuple[Any, ...]:
    """`callbacks` checked and frozen into a tuple (None gives ()).

    Raises ParameterTypeError (a TypeError, param "callbacks") for a
    non-iterable, a string, or an element with none of the hook methods.
    """
    if callbacks is None:
        return ()
    if isinstance(callbacks, (str, bytes)) or not isinstance(callbacks, Iterable):
        hint = " (wrap one callback in a list: callbacks=[cb])" \
            if any(callable(getattr(callbacks, h, None)) for h in HOOKS) else ""
        raise ParameterTypeError("callbacks", f" must be a list of callback objects, got "
                                 f"{type(callbacks).__name__}{hint}")
    callbacks = tuple(callbacks)
    for i, callback in enumerate(callbacks):
        if not any(callable(getattr(callback, h, None)) for h in HOOKS):
            raise ParameterTypeError(
                "callbacks", f"[{i}] ({type(callback).__name__}) has none of the methods "
                f"{', '.join(HOOKS)}; define one or subclass pyw2v.Callback")
    return callbacks


def run_hooks(callbacks: tuple[Any, ...], hook: str, model: Any, report: Progress) -> bool:
    """Call `hook` on every callback that has it; True when one asked to stop
    (returned False or raised StopTraining). Other exceptions propagate."""
    stop = False
    for callback in callbacks:
        method = getattr(callback, hook, None)
        if method is None:
            continue
        try:
            answer = method(model, report)
        except StopTraining:
            stop = True
            continue
        if isinstance(answer, (bool, np.bool_)):
            stop = stop or not answer
        elif answer is not None:
            raise TypeError(f"callback {type(callback).__name__}.{hook} returned {answer!r}; "
                            "a hook returns None or True (go on) or False (stop training)")
    return stop


class Checkpoint(Callback):
    """Save the whole model (Word2Vec.save, atomic) every `every` epochs.

    path: a pattern with ``{epoch}``, e.g. ``"ckpt/model-{epoch:03d}"``, or a
    directory, in which checkpoints are named ``epoch-{epoch}``. ``epoch`` counts
    every epoch the model has trained, over all train() calls (its
    ``len(loss_history)``), so a resumed run never reuses a name.
    keep: how many of this callback's newest checkpoints to keep (older ones
    it wrote are deleted); None keeps all.
    overwrite: a path this run would write that already exists when training
    starts is an error (FileExistsError, raised before any epoch) unless True.
    ``saved`` lists the paths written, oldest first.
    """

    def __init__(self, path: str | os.PathLike[str], *, every: int = 1, keep: int | None = None,
                 overwrite: bool = False) -> None:
        path = os.fspath(path)
        for name, value in (("every", every), ("keep", keep)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ParameterTypeError(name, f" must be an int, got {type(value).__name__}")
            if value is not None and value < 1:
                raise ParameterValueError(name, f" must be >= 1, got {value}")
        self.pattern = path if "{" in path else os.path.join(path, "epoch-{epoch}")
        self.every = every
        self.keep = keep
        self.overwrite = overwrite
        self.saved: list[str] = []

    def path_for(self, epoch: int) -> str:
        """Where the checkpoint after the model's `epoch`-th epoch goes."""
        return self.pattern.format(epoch=epoch)

    def on_train_begin(self, model: Any, report: Progress) -> None:
        done = len(model.loss_history)
        planned = range(done + 1, done + report.epochs + 1)
        taken = [p for p in map(self.path_for, (e for e in planned if e % self.every == 0))
                 if os.path.lexists(p)]
        if taken and not self.overwrite:
            raise FileExistsError(f"Checkpoint would replace {taken[0]}, which exists; choose "
                                  "another path or pass Checkpoint(..., overwrite=True)")

    def on_epoch_end(self, model: Any, report: Progress) -> None:
        epoch = len(model.loss_history)
        if epoch % self.every:
            return
        path = self.path_for(epoch)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        model.save(path, overwrite=True)   # on_train_begin refused paths that existed before
        if path in self.saved:
            self.saved.remove(path)
        self.saved.append(path)
        while self.keep is not None and len(self.saved) > self.keep:
            shutil.rmtree(self.saved.pop(0), ignore_errors=True)


class EarlyStopping(Callback):
    """Stop when a held-out score has not improved for `patience` epochs in a row.

    score: called as ``score(model)`` after every epoch, returns a number
    (e.g. analogy accuracy on held-out questions, or minus a held-out loss with
    mode="min" on the loss itself). An improvement beats the best score so far
    by more than `min_delta`; NaN is never one. mode: "max" or "min".
    restore_best: keep a copy of the matrices at the best epoch (the model's
    size again in memory) and copy it back, in place, when training ends;
    loss_history still lists every epoch trained. ``scores`` holds each epoch's
    score, ``best`` and ``best_epoch`` (1-based, within the call) the best.
    """

    score: Callable[[Any], float]
    patience: int
    min_delta: float
    mode: str
    restore_best: bool

    def __init__(self, score: Callable[[Any], float], *, patience: int = 2,
                 min_delta: float = 0.0, mode: str = "max", restore_best: bool = False) -> None:
        if not callable(score):
            raise ParameterTypeError("score", f" must be a callable model -> float, got "
                                     f"{type(score).__name__}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ParameterValueError("patience", f" must be an int >= 1, got {patience!r}")
        if not (isinstance(min_delta, Real) and math.isfinite(min_delta)
                and min_delta >= 0):
            raise ParameterValueError("min_delta", f" must be a finite number >= 0, got "
                                      f"{min_delta!r}")
        if mode not in ("max", "min"):
            raise ParameterValueError("mode", f" must be 'max' or 'min', got {mode!r}")
        self.score, self.patience, self.min_delta = score, patience, float(min_delta)
        self.mode, self.restore_best = mode, restore_best
        self._reset()

    def on_train_begin(self, model: Any, report: Progress) -> None:
        self._reset()

    def _reset(self) -> None:
        """Forget earlier calls: each train() call is judged on its own epochs."""
        self.scores: list[float] = []
        self.best = math.nan
        self.best_epoch = 0
        self._best_arrays: list[NDArray[np.float32]] | None = None

    def on_epoch_end(self, model: Any, report: Progress) -> bool:
        value = float(self.score(model))
        self.scores.append(value)
        sign = 1.0 if self.mode == "max" else -1.0
        if math.isnan(self.best) and not math.isnan(value) \
                or sign * (value - self.best) > self.min_delta:
            self.best, self.best_epoch = value, len(self.scores)
            if self.restore_best:
                self._best_arrays = [m.copy() for m in _matrices(model)]
        return len(self.scores) - self.best_epoch < self.patience

    def on_train_end(self, model: Any, report: Progress) -> None:
        if self._best_arrays is not None:
            for target, saved in zip(_matrices(model), self._best_arrays):
                np.copyto(target, saved)
            self._best_arrays = None


def _matrices(model: Any) -> list[NDArray[np.float32]]:
    """The arrays training changes: V, U and (with loss="hs") the inner-node rows."""
    arrays = [model.center_vectors, model.outside_vectors]
    return arrays + ([model.node_vectors] if model.node_vectors is not None else [])
