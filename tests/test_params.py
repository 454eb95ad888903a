"""pyw2v.params: the rules, the errors' .param for every parameter, and the CLI's mapping."""
import dataclasses
import json
import math

import numpy as np
import pytest

import pyw2v
from pyw2v import params
from pyw2v._threads import effective_threads
from pyw2v.cli import _OPTION_NAMES, _params_error, main
from pyw2v.params import (Interval, Options, ParameterError, ParameterTypeError,
                          ParameterValueError, TrainingParams)
from pyw2v.progress import progress_display

# One bad value per TrainingParams field that has a rule, and the error it must raise.
BAD_FIELDS = [
    ("model", "glove", ValueError), ("kernel", "fast", ValueError), ("loss", "ns", ValueError),
    ("dim", 0, ValueError), ("dim", 10_001, ValueError), ("dim", 10.5, TypeError),
    ("window", 0, ValueError), ("window", "5", TypeError), ("negative", -1, ValueError),
    ("negative", 1_001, ValueError), ("sample", -1e-3, ValueError),
    ("sample", math.inf, ValueError), ("sample", "0", TypeError), ("min_count", 0, ValueError),
    ("min_count", True, TypeError), ("epochs", 0, ValueError), ("alpha", 0.0, ValueError),
    ("alpha", math.nan, ValueError), ("alpha", "fast", TypeError),
    ("min_alpha", -1e-4, ValueError), ("seed", -1, ValueError), ("seed", 2**64, ValueError),
    ("max_vocab_size", 0, ValueError), ("max_final_vocab", "10", TypeError),
    ("ns_exponent", math.nan, ValueError), ("ns_exponent", -math.inf, ValueError),
    ("ns_exponent", "0.75", TypeError), ("cbow_mean", 1, TypeError),
    ("shrink_windows", None, TypeError), ("batch_windows", -1, ValueError),
    ("batch_windows", 65, ValueError), ("batch_windows", 2.0, TypeError),
    ("buckets", 0, ValueError), ("buckets", 2**31, ValueError), ("buckets", 1e6, TypeError),
]


@pytest.mark.parametrize("name, value, kind", BAD_FIELDS)
def test_each_field_error_names_its_parameter(name, value, kind):
    with pytest.raises(ParameterError) as info:
        TrainingParams(**{name: value})
    error = info.value
    assert error.param == name and error.spelt_as is None
    assert isinstance(error, kind)
    assert str(error).startswith(name) and str(error) == name + error.detail


def _bad_hs():
    params.resolve_loss("negative", 1)


def _bad_threads():
    effective_threads(0)


def _bad_progress():
    with progress_display("loud"):
        pass


def _bad_training_calls():
    params.check({"training_calls": -1})


@pytest.mark.parametrize("name, call, kind", [
    ("hs", _bad_hs, TypeError), ("threads", _bad_threads, ValueError),
    ("progress", _bad_progress, ValueError), ("training_calls", _bad_training_calls, ValueError),
])
def test_errors_outside_training_params_name_their_parameter(name, call, kind):
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.param == name and isinstance(info.value, kind)


def test_every_rule_is_tested():
    tested = {name for name, _, _ in BAD_FIELDS} | {"hs", "threads", "progress", "training_calls"}
    assert tested == set(params.RULES)


@pytest.mark.parametrize("kwargs, param, says", [
    ({"model": "cbow", "kernel": "pair"}, "kernel", "kernel='pair' is skip-gram's kernel"),
    ({"model": "cbow", "kernel": "batch", "loss": "hs"}, "kernel",
     "use kernel='window' with loss='hs'"),
    ({"kernel": "window"}, "kernel", "kernel='window' is CBOW's kernel"),
    ({"kernel": "batch", "loss": "softmax"}, "kernel", "use kernel='pair' with loss='softmax'"),
    ({"negative": 0}, "negative", "negative must be >= 1 for negative sampling"),
    ({"alpha": 0.01, "min_alpha": 0.02}, "min_alpha", "min_alpha (0.02) must not exceed alpha"),
])
def test_rules_between_parameters_name_one(kwargs, param, says):
    with pytest.raises(ParameterValueError, match=r"^" + param) as info:
        TrainingParams(**kwargs)
    assert info.value.param == param and says in str(info.value)


def test_loss_rules_name_their_parameter():
    with pytest.raises(ParameterValueError, match="choose one") as info:
        params.resolve_loss("softmax", True)
    assert info.value.param == "hs"
    for loss, n_words in (("hs", 1), ("softmax", params.SOFTMAX_MAX_VOCAB + 1)):
        with pytest.raises(ParameterValueError) as info:
            params.check_loss_fits_vocabulary(TrainingParams(loss=loss, negative=0), n_words)
        assert info.value.param == "loss"


@pytest.mark.parametrize("model, kernel, loss, resolved", [
    ("skipgram", "auto", "negative", "batch"), ("skipgram", "auto", "hs", "batch"),
    ("skipgram", "auto", "softmax", "pair"), ("skipgram", "pair", "negative", "pair"),
    ("skipgram", "batch", "negative", "batch"), ("skipgram", "batch", "hs", "batch"),
    ("cbow", "auto", "negative", "batch"),
    ("cbow", "auto", "hs", "window"), ("cbow", "window", "softmax", "window"),
])
def test_kernel_resolution(model, kernel, loss, resolved):
    assert TrainingParams(model=model, kernel=kernel, loss=loss, negative=2).kernel == resolved


@pytest.mark.parametrize("model, kernel, resolved", [
    ("skipgram", "auto", "batch"), ("skipgram", "pair", "pair"), ("cbow", "auto", "batch")])
def test_kernel_resolution_with_subwords(model, kernel, resolved):
    assert TrainingParams(model=model, kernel=kernel, subwords=(3, 6)).kernel == resolved


def test_defaults_resolve_from_the_tables():
    assert TrainingParams().alpha == params.DEFAULT_ALPHA["skipgram"]
    assert TrainingParams(model="cbow").alpha == params.DEFAULT_ALPHA["cbow"]
    assert TrainingParams(loss="softmax").negative == 0


def test_interval_rule():
    ints = Interval(1, 10)
    for good in (1, 10, np.int64(5)):
        ints.check("n", good)
    for bad, kind in ((0, ParameterValueError), (11, ParameterValueError),
                      (True, ParameterTypeError), (5.0, ParameterTypeError),
                      (None, ParameterTypeError)):
        with pytest.raises(kind):
            ints.check("n", bad)
    with pytest.raises(ParameterValueError, match=r"^n must be in 1\.\.10, got 11$"):
        ints.check("n", 11)
    Interval(1, optional=True).check("n", None)
    with pytest.raises(ParameterValueError, match=r"^n must be >= 1 \(or None for all\), got 0$"):
        Interval(1, optional=True, none_means="all").check("n", 0)
    reals = Interval(0, integer=False, open_low=True)
    for good in (1e-9, 3, np.float32(0.5)):
        reals.check("x", good)
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(ParameterValueError, match=r"^x must be a finite number > 0, got"):
            reals.check("x", bad)


def test_options_rule():
    rule = Options(("a", "b"), also="True")
    rule.check("o", "a")
    for bad in ("c", ["a"], None, 1):
        with pytest.raises(ParameterValueError, match=r"^o must be one of \('a', 'b'\), True, "):
            rule.check("o", bad)


def test_errors_are_value_and_type_errors_and_can_be_respelt():
    error = ParameterValueError("dim", " must be in 1..10000, got 0")
    assert isinstance(error, ValueError) and not isinstance(error, TypeError)
    assert isinstance(ParameterTypeError("dim", " ..."), TypeError)
    spelt = error.spelt("--dim (-size)")
    assert type(spelt) is ParameterValueError and spelt.param == "dim"
    assert spelt.spelt_as == "--dim (-size)"
    assert str(spelt) == "--dim (-size) must be in 1..10000, got 0"


def test_public_names_still_import():
    from pyw2v.model import Progress, TrainingParams as FromModel   # noqa: F401

    assert pyw2v.TrainingParams is FromModel is TrainingParams
    assert pyw2v.Progress is Progress is pyw2v.progress.Progress
    assert pyw2v.ParameterError is ParameterError


def test_a_cbow_model_saved_with_kernel_pair_still_loads(tmp_path):
    """Models saved before CBOW's kernel was named 'window' recorded it as 'pair'."""
    vocab = pyw2v.Vocabulary(["a", "b", "c"], np.array([3, 2, 1]))
    pyw2v.Word2Vec(vocab, TrainingParams(model="cbow", kernel="window", dim=4)).save(
        tmp_path / "m")
    meta_path = tmp_path / "m" / "model.json"
    meta = json.loads(meta_path.read_text())
    assert meta["params"]["kernel"] == "window"
    meta["params"]["kernel"] = "pair"
    meta_path.write_text(json.dumps(meta))
    assert pyw2v.load_model(tmp_path / "m").params.kernel == "window"


# ---------------------------------------------------------------------- the CLI's mapping

BAD_OPTIONS = {"dim": "0", "window": "0", "negative": "-1", "sample": "-1", "min_count": "0",
               "epochs": "0", "alpha": "0", "min_alpha": "-1", "seed": "-1", "threads": "0",
               "max_vocab_size": "0", "max_final_vocab": "0", "batch_windows": "-1"}


@pytest.mark.parametrize("name", sorted(BAD_OPTIONS))
def test_cli_spells_each_parameter_as_its_option(name, capsys, tmp_path):
    option = _OPTION_NAMES[name].split()[0]
    args = ["train", "corpus.txt", "-o", str(tmp_path / "v.bin"), option, BAD_OPTIONS[name]]
    assert main(args) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"pyw2v train: error: {_OPTION_NAMES[name]} must ")


def test_cli_maps_by_param_not_by_message():
    # A message that does not start with the name still gets the option's spelling...
    assert str(_params_error(ParameterValueError("epochs", ": odd"))) == "--epochs (-iter): odd"
    # ...and a parameter without an option keeps its own name.
    assert str(_params_error(ParameterValueError("kernel", "='x' no"))) == "kernel='x' no"


def test_every_option_name_is_a_rule():
    # subwords is a pair, checked by params.check_subwords rather than one rule
    assert set(_OPTION_NAMES) - {"subwords"} <= set(params.RULES)


def test_batch_windows_limit_is_the_cores():
    from pyw2v import _core
    assert params.MAX_BATCH_WINDOWS == _core.BATCH_WINDOWS_LIMIT


def test_batch_windows_resolves_per_kernel():
    """0 is the batch kernel's default with negative sampling and 1 elsewhere; more than
    one window per step is refused where no kernel takes it."""
    assert params.TrainingParams().windows_per_step == params.DEFAULT_BATCH_WINDOWS
    assert params.TrainingParams(batch_windows=3).windows_per_step == 3
    assert params.TrainingParams(kernel="pair").windows_per_step == 1
    assert params.TrainingParams(model="cbow").windows_per_step == \
        params.DEFAULT_CBOW_BATCH_WINDOWS
    assert params.TrainingParams(model="cbow", kernel="window").windows_per_step == 1
    assert params.TrainingParams(loss="hs", negative=0).windows_per_step == 1
    assert params.TrainingParams(subwords=(3, 6)).windows_per_step == \
        params.DEFAULT_SUBWORD_BATCH_WINDOWS == 1
    assert params.TrainingParams(subwords=(3, 6), batch_windows=4).windows_per_step == 4
    assert params.TrainingParams(model="cbow", subwords=(3, 6)).windows_per_step == \
        params.DEFAULT_CBOW_BATCH_WINDOWS
    # The field keeps 0, so a copy with another kernel takes that kernel's default.
    default = params.TrainingParams()
    assert default.batch_windows == 0
    assert dataclasses.replace(default, kernel="pair").windows_per_step == 1
    with pytest.raises(params.ParameterValueError, match="batch_windows=2 needs a batch kernel"):
        params.TrainingParams(model="cbow", kernel="window", batch_windows=2)
    with pytest.raises(params.ParameterValueError, match="kernel='pair'"):
        params.TrainingParams(kernel="pair", batch_windows=4)
