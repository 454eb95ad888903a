"""Allowed values and argument rules, declared once.

Each parameter has one rule in `RULES` (an `Interval` or `Options`); `check`
applies it and raises a `ParameterError` that carries the parameter's name as
data (`.param`), so the command line can spell it as its option without reading
the message. `TrainingParams` validates itself with these rules, then with the
few rules that relate two parameters (kernel and model, loss and negative,
alpha and min_alpha).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from numbers import Integral, Real
from typing import Any, Union, cast

import numpy as np

MODELS = ("skipgram", "cbow")
#: "pair" and "batch" are skip-gram's kernels, "window" and "batch" CBOW's; "auto" picks one.
KERNELS = ("auto", "pair", "window", "batch")
LOSSES = ("negative", "hs", "softmax")
#: What ``progress=`` accepts as a string (see pyw2v.progress).
PROGRESS_MODES = ("auto", "bar", "log", "off")
ANALOGY_METHODS = ("3cosadd", "3cosmul")
#: loss="softmax" costs O(vocabulary x dim) per prediction; larger vocabularies are refused.
SOFTMAX_MAX_VOCAB = 10_000
DEFAULT_ALPHA = {"skipgram": 0.025, "cbow": 0.05}
MAX_SEED = 2**64 - 1
#: The most windows one batch step takes (its scratch grows with the number).
MAX_BATCH_WINDOWS = 64


class ParameterError(Exception):
    """A bad argument; `.param` names it. The message is the parameter's spelling
    (`.spelt_as`, default `.param`) followed by `.detail`, so a caller that spells
    the parameter differently (the command line's --min-count) can re-spell it."""

    def __init__(self, param: str, detail: str, *, spelt_as: str | None = None) -> None:
        self.param = param
        self.detail = detail
        self.spelt_as = spelt_as
        super().__init__(f"{spelt_as or param}{detail}")

    def spelt(self, spelling: str) -> ParameterError:
        """The same error with the parameter written as `spelling`."""
        return type(self)(self.param, self.detail, spelt_as=spelling)


class ParameterValueError(ParameterError, ValueError):
    """A value of the right type outside what the parameter allows."""


class ParameterTypeError(ParameterError, TypeError):
    """A value of the wrong type."""


@dataclass(frozen=True)
class Interval:
    """A number from `low` to `high` (inclusive; None: unbounded on that side).

    integer: ints only (bools refused), else any finite real number.
    open_low: `low` itself is refused. optional: None is allowed too;
    none_means, if given, says what None does in the error message.
    """

    low: float | None
    high: float | None = None
    integer: bool = True
    open_low: bool = False
    optional: bool = False
    none_means: str | None = None

    def check(self, name: str, value: object) -> None:
        if value is None and self.optional:
            return
        kind = Integral if self.integer else Real
        if isinstance(value, bool) or not isinstance(value, kind):
            expected = "an int" if self.integer else "a number"
            expected += " or None" if self.optional else ""
            raise ParameterTypeError(
                name, f" must be {expected}, got {type(value).__name__} ({value!r})")
        if not self._contains(cast(float, value)):   # a Real compares as a float does
            hint = f" (or None for {self.none_means})" if self.none_means else ""
            raise ParameterValueError(name, f" must be {self._describe()}{hint}, got {value}")

    def _contains(self, value: float) -> bool:
        if not self.integer and not math.isfinite(value):
            return False
        above = self.low is None or (value > self.low if self.open_low else value >= self.low)
        return above and (self.high is None or value <= self.high)

    def _describe(self) -> str:
        if self.low is None and self.high is None:
            return "a finite number"
        bound = f"{'>' if self.open_low else '>='} {self.low}" if self.high is None \
            else f"in {self.low}..{self.high}"
        return bound if self.integer else f"a finite number {bound}"


@dataclass(frozen=True)
class Options:
    """One of `values`; `also` names what else the parameter accepts, for the message."""

    values: tuple[str, ...]
    also: str = ""

    def check(self, name: str, value: object) -> None:
        if not isinstance(value, str) or value not in self.values:
            also = f", {self.also}" if self.also else ""
            raise ParameterValueError(name, f" must be one of {self.values}{also}, got {value!r}")


@dataclass(frozen=True)
class Flag:
    """True or False (NumPy's bool too)."""

    def check(self, name: str, value: object) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise ParameterTypeError(
                name, f" must be a bool, got {type(value).__name__} ({value!r})")


Rule = Union[Interval, Options, Flag]

RULES: dict[str, Rule] = {
    "model": Options(MODELS),
    "kernel": Options(KERNELS),
    "loss": Options(LOSSES),
    "hs": Flag(),
    "dim": Interval(1, 10_000),
    "window": Interval(1, 1_000),
    "negative": Interval(0, 1_000),
    "min_count": Interval(1),
    "epochs": Interval(1),
    "seed": Interval(0, MAX_SEED),
    "max_vocab_size": Interval(1, optional=True),
    "max_final_vocab": Interval(1, optional=True),
    "sample": Interval(0, integer=False),
    "alpha": Interval(0, integer=False, open_low=True, optional=True),
    "min_alpha": Interval(0, integer=False),
    "ns_exponent": Interval(None, integer=False),
    "cbow_mean": Flag(),
    "shrink_windows": Flag(),
    "batch_windows": Interval(0, MAX_BATCH_WINDOWS),
    "buckets": Interval(1, 2**31 - 1),
    "threads": Interval(1, optional=True, none_means="all usable cores"),
    "training_calls": Interval(0),
    "progress": Options(PROGRESS_MODES, also="True, False, None or a callable"),
}


def check(values: Mapping[str, Any]) -> None:
    """Check each named value against its rule in RULES; raise the first ParameterError."""
    for name, value in values.items():
        RULES[name].check(name, value)


#: Each model's own kernels (besides "auto"), in the order error messages offer them.
_MODEL_KERNELS = {"skipgram": ("batch", "pair"), "cbow": ("window", "batch")}
_MODEL_NAMES = {"skipgram": "skip-gram", "cbow": "CBOW"}


def resolve_kernel(model: str, kernel: str, loss: str) -> str:
    """The kernel `kernel` means for `model` and `loss`; "auto" becomes "batch" for
    skip-gram with negative sampling or hierarchical softmax and for CBOW with
    negative sampling, else skip-gram's "pair" (the full softmax) or CBOW's
    "window"."""
    own = _MODEL_KERNELS[model]
    if kernel not in own and kernel != "auto":
        owner = next(other for other, kernels in _MODEL_KERNELS.items() if kernel in kernels)
        offered = ", ".join(repr(k) for k in own)
        raise ParameterValueError(
            "kernel", f"={kernel!r} is {_MODEL_NAMES[owner]}'s kernel (model={owner!r}); for "
            f"model={model!r} use {offered} or 'auto'")
    if model == "cbow":
        if kernel == "batch" and loss != "negative":
            raise ParameterValueError(
                "kernel", f"='batch' for CBOW is negative-sampling only (loss='negative'); "
                f"use kernel='window' with loss={loss!r}")
        if kernel == "auto":
            return "batch" if loss == "negative" else "window"
        return kernel
    if kernel == "auto":
        # Hierarchical softmax as a batch: x2.4 (window 5) and x3.1 (window 10)
        # gensim's words/s, 40% fewer instructions than the pair kernel,
        # analogy and WS-353 above gensim's (README, "Benchmarks").
        return "pair" if loss == "softmax" else "batch"
    if kernel == "batch" and loss == "softmax":
        raise ParameterValueError(
            "kernel", "='batch' has negative sampling and hierarchical softmax only "
            "(loss='negative' or 'hs'); use kernel='pair' with loss='softmax' (or kernel='auto')")
    return kernel


#: Windows per step of the skip-gram batch kernel with negative sampling when
#: batch_windows=0: 4 is about twice one window's speed at equal quality
#: (README, "Benchmarks"); 8 and more lose analogy accuracy.
DEFAULT_BATCH_WINDOWS = 4
#: Windows per step of CBOW's batch kernel when batch_windows=0 (one per lane,
#: from different sentences): 4 is as accurate as the window kernel and about 1.4x
#: its speed; 8 loses about half an analogy point more (docs/math.md §15).
DEFAULT_CBOW_BATCH_WINDOWS = 4
#: The noise exponent when ns_exponent=None: word2vec.c's, and with subwords
#: fastText's, which on corpus-dev's syntactic analogies is worth about 2 points
#: to subword models (README, "Subwords").
DEFAULT_NS_EXPONENT = 0.75
DEFAULT_SUBWORD_NS_EXPONENT = 0.5
#: Windows per step of skip-gram's batch kernel with subwords when batch_windows=0:
#: sharing negatives costs subword models more (corpus-dev, syntactic analogies: 69.6%
#: at 1, 68.0% at 2, 65.5% at 4, fastText 70.1%), so quality comes first; 4 is
#: about twice as fast (README, "Subwords").
DEFAULT_SUBWORD_BATCH_WINDOWS = 1


def resolve_batch_windows(kernel: str, loss: str, batch_windows: int,
                          model: str = "skipgram", subwords: bool = False) -> int:
    """The windows per batch step `batch_windows` means for the resolved kernel,
    loss and model: 0 is DEFAULT_BATCH_WINDOWS for skip-gram's batch kernel
    (DEFAULT_SUBWORD_BATCH_WINDOWS with subwords) and DEFAULT_CBOW_BATCH_WINDOWS
    for CBOW's (negative sampling), 1 elsewhere; more than 1 needs a batch kernel."""
    multi = kernel == "batch" and loss == "negative"
    if batch_windows == 0:
        if not multi:
            return 1
        if model == "cbow":
            return DEFAULT_CBOW_BATCH_WINDOWS
        return DEFAULT_SUBWORD_BATCH_WINDOWS if subwords else DEFAULT_BATCH_WINDOWS
    if batch_windows > 1 and not multi:
        raise ParameterValueError(
            "batch_windows", f"={batch_windows} needs a batch kernel with negative "
            f"sampling (kernel='batch', loss='negative'); got kernel={kernel!r}, "
            f"loss={loss!r}: use batch_windows=1 or 0 (the kernel's default)")
    return batch_windows


@dataclass(frozen=True)
class TrainingParams:
    """Everything that shapes a model; validated on construction.

    alpha=None means the model's default (0.025 skip-gram, 0.05 CBOW).
    exact_sigmoid computes sigma with exp() instead of the lookup table.
    kernel: for skip-gram, "batch", one update per window with negatives
    (and, with loss="hs", the center's Huffman path) shared by the window's
    context rows (faster; see pyw2v._core; not for loss="softmax"),
    or "pair", one update per (center, outside) pair in which the center row
    predicts the outside word; for CBOW, "window", one update per window, or
    "batch", one update per block of batch_windows windows from different
    sentences sharing one set of negatives (negative sampling only; faster,
    at some quality cost: docs/math.md §15).
    "auto" (the default) becomes "batch" for skip-gram with negative sampling or
    hierarchical softmax and for CBOW with negative sampling, "pair" for
    skip-gram with the full softmax, and "window" for CBOW with other losses.
    loss: "negative", negative sampling with `negative` >= 1 draws; "hs",
    hierarchical softmax, plus negative sampling on the same input when
    negative > 0 (word2vec.c's -hs 1 -negative N; negative=0 for HS alone);
    "softmax", the full softmax over the vocabulary (at most SOFTMAX_MAX_VOCAB
    words; computed with exp() whatever exact_sigmoid says; negative is
    stored as 0, as no negatives are drawn).
    ns_exponent: the noise distribution is count ** ns_exponent (None, the
    default: 0.75, word2vec.c's, or with subwords 0.5, fastText's; 0 is uniform,
    negative values favour rare words; any finite number, as gensim).
    cbow_mean: CBOW's input is the mean of the context rows (word2vec.c's), else
    their sum. shrink_windows: each window's size is drawn
    from 1..window (word2vec.c's), else always the full window.
    batch_windows: how many windows one batch step takes (skip-gram: consecutive
    ones; CBOW: one from each of that many sentences); they share one set of
    negatives, so each gathered block of output rows serves more input rows
    (kernel="batch", negative sampling only; 1 is one window per step,
    word2vec.c's sampling; 0, the default, is DEFAULT_BATCH_WINDOWS for
    skip-gram's batch kernel (DEFAULT_SUBWORD_BATCH_WINDOWS, 1, with subwords),
    DEFAULT_CBOW_BATCH_WINDOWS for CBOW's and 1 for the others).
    subwords: (minn, maxn) makes each word's input vector the mean of its own row
    and the rows of its character n-grams of minn to maxn characters, hashed into
    `buckets` buckets as fastText hashes them (docs/math.md §16); None (the
    default) trains word rows alone. Negative sampling, on skip-gram's batch
    kernel (the default; each token's input composed once per sentence pass) or
    pair kernel (fastText's sampling, one step per window) or CBOW's batch kernel.
    Bad values raise ParameterValueError / ParameterTypeError (subclasses of
    ValueError / TypeError) naming the parameter in `.param`.
    """

    model: str = "skipgram"
    dim: int = 100
    window: int = 5
    negative: int = 5
    sample: float = 1e-3
    min_count: int = 5
    epochs: int = 5
    alpha: float | None = None
    min_alpha: float = 0.0001
    seed: int = 1
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    exact_sigmoid: bool = False
    kernel: str = "auto"
    loss: str = "negative"
    ns_exponent: float | None = None
    cbow_mean: bool = True
    shrink_windows: bool = True
    batch_windows: int = 0
    subwords: tuple[int, int] | None = None
    buckets: int = 2_000_000

    def __post_init__(self) -> None:
        if self.ns_exponent is None:
            object.__setattr__(self, "ns_exponent", DEFAULT_NS_EXPONENT if self.subwords is None
                               else DEFAULT_SUBWORD_NS_EXPONENT)
        check({f.name: getattr(self, f.name) for f in fields(self) if f.name in RULES})
        object.__setattr__(self, "subwords", check_subwords(self.subwords))
        object.__setattr__(self, "kernel", resolve_kernel(self.model, self.kernel, self.loss))
        if self.subwords is not None and (self.kernel == "window" or self.loss != "negative"):
            raise ParameterValueError(
                "subwords", f" train with negative sampling on skip-gram's pair or batch "
                f"kernel or CBOW's batch kernel (kernel='auto', 'pair' or 'batch', "
                f"loss='negative'); got model={self.model!r}, kernel={self.kernel!r}, "
                f"loss={self.loss!r}")
        resolve_batch_windows(self.kernel, self.loss, self.batch_windows, self.model)  # checked
        if self.loss == "negative" and self.negative == 0:
            raise ParameterValueError(
                "negative", " must be >= 1 for negative sampling (loss='negative'), got 0; for "
                "hierarchical softmax alone use loss='hs' (hs=True, -hs 1) with negative=0, "
                "or loss='softmax'")
        if self.loss == "softmax":
            object.__setattr__(self, "negative", 0)
        if self.alpha is None:
            object.__setattr__(self, "alpha", DEFAULT_ALPHA[self.model])
        if self.min_alpha > cast(float, self.alpha):   # set just above when None
            raise ParameterValueError(
                "min_alpha", f" ({self.min_alpha}) must not exceed alpha ({self.alpha})")

    @property
    def windows_per_step(self) -> int:
        """batch_windows resolved for the kernel (it stays 0 in the fields, so that a
        copy with another kernel takes that kernel's default)."""
        return resolve_batch_windows(self.kernel, self.loss, self.batch_windows, self.model,
                                     self.subwords is not None)

    @property
    def core_kernel(self) -> str:
        """The compiled core's name for the kernel (pyw2v._core.KERNELS): CBOW's
        batch kernel is "cbow-batch"."""
        return "cbow-batch" if self.model == "cbow" and self.kernel == "batch" else self.kernel


#: The longest n-gram subwords take, in characters (fastText has no limit; longer
#: n-grams than this are nearly always whole words, which have rows of their own).
MAX_NGRAM = 64


def check_subwords(subwords: object) -> tuple[int, int] | None:
    """subwords as (minn, maxn) with 1 <= minn <= maxn <= MAX_NGRAM, or None (off)."""
    if subwords is None:
        return None
    if not isinstance(subwords, (tuple, list)) or len(subwords) != 2:
        raise ParameterTypeError(
            "subwords", f" must be a pair (minn, maxn) of n-gram lengths, e.g. (3, 6), or "
            f"None, got {subwords!r}")
    pair: list[object] = list(subwords)
    for value in pair:
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ParameterTypeError(
                "subwords", f" must hold two ints (minn, maxn), got {subwords!r}")
    minn, maxn = (int(cast(Integral, v)) for v in pair)
    if not 1 <= minn <= maxn <= MAX_NGRAM:
        raise ParameterValueError(
            "subwords", f" must be (minn, maxn) with 1 <= minn <= maxn <= {MAX_NGRAM} "
            f"(fastText's default is (3, 6)), got ({minn}, {maxn})")
    return minn, maxn


def saved_params(saved: Mapping[str, Any]) -> TrainingParams:
    """TrainingParams from a saved model's metadata. Models saved before CBOW's
    kernel was named "window" record it as "pair"; they load as "window"."""
    saved = dict(saved)
    if saved.get("model") == "cbow" and saved.get("kernel") == "pair":
        saved["kernel"] = "window"
    if isinstance(saved.get("subwords"), list):   # JSON's spelling of the pair
        saved["subwords"] = tuple(saved["subwords"])
    return TrainingParams(**saved)


def resolve_loss(loss: str, hs: bool) -> str:
    """`loss`, with hs=True (word2vec.c's and gensim's spelling) meaning loss='hs'."""
    check({"hs": hs})
    if hs and loss == "softmax":
        raise ParameterValueError(
            "hs", "=True asks for hierarchical softmax but loss='softmax' asks for the full "
            "softmax; choose one")
    return "hs" if hs else loss


def check_loss_fits_vocabulary(params: TrainingParams, n_words: int) -> None:
    """Refuse a loss the vocabulary's size cannot serve (HS needs 2 words, softmax a few)."""
    if params.loss == "hs" and n_words < 2:
        raise ParameterValueError(
            "loss", f"='hs' (hierarchical softmax) needs at least 2 words in the vocabulary, "
            f"got {n_words}; lower min_count or use loss='negative'")
    if params.loss == "softmax" and n_words > SOFTMAX_MAX_VOCAB:
        raise ParameterValueError(
            "loss", f"='softmax' scores the whole vocabulary for every prediction and is "
            f"limited to {SOFTMAX_MAX_VOCAB:,} words, got {n_words:,}; pass max_final_vocab="
            f"{SOFTMAX_MAX_VOCAB} (or a higher min_count), or use loss='negative' or hs=True")
