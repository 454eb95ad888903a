"""The compiled trainer's learning-rate schedule (docs/math.md §13): at threads=1 it
does not depend on where chunks are cut, it continues from an outside word count
(Trainer.set_schedule) and its per-thread state moves to a fresh Trainer
(thread_states / restore_thread_states) without changing a bit.

kernel='cbow-batch' is left out of the chunk-cut tests: its lanes hold several
sentences at once and drain at each chunk's end, so a cut changes which windows
share a block, and with it the vectors (the schedule itself is the same).
"""
import math

import numpy as np
import pytest

import pyw2v
from pyw2v import _core
from pyw2v.synthetic import make_corpus

pytestmark = pytest.mark.usefixtures("simd_core")

CASES = {   # name: TrainingParams fields
    "skipgram-batch": dict(model="skipgram"),   # the default kernel: batch, negative sampling
    "skipgram-pair": dict(model="skipgram", kernel="pair"),
    "skipgram-batch-hs": dict(model="skipgram", kernel="batch", loss="hs", negative=0),
    "cbow-window": dict(model="cbow", kernel="window"),
}
ALPHA, MIN_ALPHA, EPOCHS = 0.05, 0.001, 2


@pytest.fixture(scope="module")
def corpus():
    """(sentences, token_ids, sentence_starts): ~34k tokens, a few refreshes per epoch."""
    sentences = make_corpus(n_sentences=2500, seed=4).sentences
    vocab = pyw2v.build_vocabulary(sentences, min_count=1)
    chunks = list(pyw2v.encode(sentences, vocab).chunks())
    tokens = np.concatenate([c.token_ids for c in chunks])
    lengths = np.concatenate([np.diff(c.sentence_starts) for c in chunks])
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return sentences, tokens, starts


def _model(sentences, case, **fields):
    params = pyw2v.TrainingParams(dim=8, window=3, sample=1e-3, min_count=1, seed=7,
                                  alpha=ALPHA, min_alpha=MIN_ALPHA, epochs=EPOCHS,
                                  **{**CASES[case], **fields})
    return pyw2v.Word2Vec(pyw2v.build_vocabulary(sentences, min_count=1), params)


def _trainer(model, total_words):
    return model.compiled_trainer(model.params, 1, total_words)


def _pieces(tokens, starts, cuts):
    """The chunks between sentence indices `cuts` (0 and the last index included)."""
    bounds = [0, *cuts, len(starts) - 1]
    for a, b in zip(bounds[:-1], bounds[1:]):
        yield tokens[starts[a]:starts[b]], (starts[a:b + 1] - starts[a]).astype(np.int64)


def _train(model, trainer, tokens, starts, cuts, between=None):
    for _ in range(EPOCHS):
        for piece in _pieces(tokens, starts, cuts):
            trainer.train_chunk(*piece)
            if between is not None:
                between(trainer)
    return model


def _assert_same_bits(a, b):
    np.testing.assert_array_equal(a.center_vectors, b.center_vectors)
    np.testing.assert_array_equal(a.outside_vectors, b.outside_vectors)
    if a.node_vectors is not None:
        np.testing.assert_array_equal(a.node_vectors, b.node_vectors)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("cuts", [[1, 700, 701, 1900], [1250], [333, 666, 999, 1332, 2000]])
def test_chunk_cuts_change_no_bit(corpus, case, cuts):
    sentences, tokens, starts = corpus
    total = EPOCHS * len(tokens)
    whole = _model(sentences, case)
    cut = _model(sentences, case)
    _assert_same_bits(whole, cut)
    _train(whole, _trainer(whole, total), tokens, starts, [])
    _train(cut, _trainer(cut, total), tokens, starts, cuts)
    _assert_same_bits(whole, cut)
    assert np.abs(whole.outside_vectors if whole.node_vectors is None
                  else whole.node_vectors).max() > 0.01   # training moved them


@pytest.mark.parametrize("case", CASES)
def test_set_schedule_with_the_words_done_changes_no_bit(corpus, case):
    sentences, tokens, starts = corpus
    total = EPOCHS * len(tokens)
    plain = _model(sentences, case)
    _train(plain, _trainer(plain, total), tokens, starts, [800, 1600])
    scheduled = _model(sentences, case)
    _train(scheduled, _trainer(scheduled, total), tokens, starts, [800, 1600],
           between=lambda t: t.set_schedule(t.words_done, 1.0))
    _assert_same_bits(plain, scheduled)


@pytest.mark.parametrize("case", CASES)
def test_restored_thread_states_continue_bit_for_bit(corpus, case):
    sentences, tokens, starts = corpus
    total = EPOCHS * len(tokens)
    one = _model(sentences, case)
    _train(one, _trainer(one, total), tokens, starts, [])
    split = _model(sentences, case)
    old = _trainer(split, total)
    head, tail = _pieces(tokens, starts, [1111])
    old.train_chunk(*head)
    split.training_calls += 1          # the fresh trainer draws other seeds ...
    new = _trainer(split, total)
    assert new.thread_states()[0][0] != old.thread_states()[0][0]
    new.restore_thread_states(old.thread_states())   # ... until it takes the old states
    new.set_schedule(old.words_done)
    assert new.thread_states() == old.thread_states() and new.alpha == old.alpha
    new.train_chunk(*tail)
    new.train_chunk(tokens, starts)    # the second epoch
    _assert_same_bits(one, split)


def _refresh_points(lengths, unrefreshed=0):
    """Words counted at each alpha refresh of one thread, and those left unrefreshed."""
    counted, points = 0, []
    for length in lengths:
        counted += int(length)
        unrefreshed += int(length)
        if unrefreshed >= _core.PUBLISH_INTERVAL:
            points.append(counted)
            unrefreshed = 0
    return points, unrefreshed


@pytest.mark.parametrize("words_before, scale", [(0, 1.0), (12345, 1.0), (50000, 3.5)])
def test_learning_rate_follows_the_schedule_formula(corpus, words_before, scale):
    sentences, tokens, starts = corpus
    total = 5.0 * len(tokens)
    model = _model(sentences, "skipgram-pair")
    trainer = _trainer(model, total)
    head, tail = _pieces(tokens, starts, [500])
    trainer.train_chunk(*head)            # fewer than PUBLISH_INTERVAL words: no refresh
    assert len(head[0]) < _core.PUBLISH_INTERVAL
    assert trainer.alpha == ALPHA and trainer.thread_states()[0][1:] == (ALPHA, len(head[0]))
    trainer.set_schedule(words_before, scale)
    assert trainer.alpha == ALPHA         # set_schedule refreshes nothing either
    trainer.train_chunk(*tail)
    points, left = _refresh_points(np.diff(tail[1]), unrefreshed=len(head[0]))
    assert points, "the chunk should refresh alpha"
    done = words_before + scale * (len(head[0]) + points[-1] - len(head[0]))
    expected = max(ALPHA - (ALPHA - MIN_ALPHA) * (done / total), MIN_ALPHA)
    # Up to rounding: the SIMD builds may fuse a multiply and an add.
    assert trainer.alpha == pytest.approx(expected, rel=1e-14, abs=0)
    assert trainer.thread_states()[0][1:] == (trainer.alpha, left)
    assert trainer.words_done == len(tokens)


def test_a_schedule_past_its_total_floors_at_min_alpha(corpus):
    sentences, tokens, starts = corpus
    model = _model(sentences, "skipgram-pair")
    trainer = _trainer(model, float(len(tokens)))
    trainer.set_schedule(10 * len(tokens))
    trainer.train_chunk(tokens, starts)
    assert trainer.alpha == MIN_ALPHA


def test_thread_states_has_one_entry_per_thread(corpus):
    sentences, tokens, starts = corpus
    model = _model(sentences, "skipgram-batch")
    trainer = model.compiled_trainer(model.params, 3, float(len(tokens)))
    states = trainer.thread_states()
    assert len(states) == 3 and len({rng for rng, _, _ in states}) == 3
    assert all(alpha == ALPHA and unrefreshed == 0 for _, alpha, unrefreshed in states)
    trainer.train_chunk(tokens, starts)
    assert sum(u for _, _, u in trainer.thread_states()) < 3 * _core.PUBLISH_INTERVAL
    with pytest.raises(ValueError, match=r"states has 1 entries, expected one per thread \(3\)"):
        trainer.restore_thread_states(states[:1])
    trainer.restore_thread_states(states)
    assert trainer.thread_states() == states


@pytest.mark.parametrize("args, error, message", [
    ((-1,), ValueError, r"words_before must be in 0\.\.2\*\*53 - 1, got -1"),
    ((2 ** 53,), ValueError, "words_before must be in"),
    ((1.5,), TypeError, "words_before must be an int, got float"),
    ((True,), TypeError, "words_before must be an int, got bool"),
    ((0, 0.0), ValueError, "scale must be a finite number > 0, got 0.0"),
    ((0, -2.0), ValueError, "scale must be a finite number > 0"),
    ((0, math.inf), ValueError, "scale must be a finite number > 0, got inf"),
    ((0, math.nan), ValueError, "scale must be a finite number > 0, got nan"),
    ((0, "1"), TypeError, "scale must be a number, got str"),
])
def test_set_schedule_refuses_bad_arguments(corpus, args, error, message):
    model = _model(corpus[0], "skipgram-pair")
    trainer = _trainer(model, 1000.0)
    with pytest.raises(error, match=message):
        trainer.set_schedule(*args)


@pytest.mark.parametrize("states, message", [
    ([], r"states has 0 entries, expected one per thread \(1\)"),
    ([(1, 0.1, 0), (2, 0.1, 0)], r"states has 2 entries"),
    (5, "states must be a list of"),
    ([(1, 0.1)], r"states\[0\] must be \(rng, alpha, unrefreshed\)"),
    ([(-1, 0.1, 0)], r"states\[0\]: rng must be an int in 0\.\.2\*\*64 - 1, got -1"),
    ([(2 ** 64, 0.1, 0)], "rng must be an int"),
    ([(1.0, 0.1, 0)], "rng must be an int"),
    ([(1, math.nan, 0)], r"alpha must be a finite number >= 0, got nan"),
    ([(1, -0.1, 0)], r"alpha must be a finite number >= 0"),
    ([(1, 0.1, -1)], rf"unrefreshed must be an int in 0\.\.{_core.PUBLISH_INTERVAL - 1}, got -1"),
    ([(1, 0.1, _core.PUBLISH_INTERVAL)], "unrefreshed must be an int in"),
])
def test_restore_thread_states_refuses_bad_states(corpus, states, message):
    model = _model(corpus[0], "skipgram-pair")
    trainer = _trainer(model, 1000.0)
    before = trainer.thread_states()
    with pytest.raises(ValueError, match=message):
        trainer.restore_thread_states(states)
    assert trainer.thread_states() == before
