"""Hogwild soundness: many threads on a tiny vocabulary, where row collisions are constant."""
import numpy as np
import pytest

import pyw2v
from pyw2v import _core
from pyw2v._threads import usable_cores


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_many_threads_on_a_tiny_vocabulary_stay_finite_and_learn(model):
    rng = np.random.default_rng(0)
    # Four words, each followed by a fixed successor: plenty of signal, constant collisions.
    successor = {"a": "b", "b": "c", "c": "d", "d": "a"}
    sentences = []
    for _ in range(3000):
        word = "abcd"[rng.integers(4)]
        sentence = []
        for _ in range(20):
            sentence.append(word)
            word = successor[word]
        sentences.append(sentence)
    threads = max(8, 2 * usable_cores())
    result = pyw2v.train(sentences, model=model, dim=16, window=1, negative=3, sample=0,
                         min_count=1, epochs=4, threads=threads, seed=9)
    assert np.isfinite(result.center_vectors).all() and np.isfinite(result.outside_vectors).all()
    losses = result.loss_history
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    # It learned the structure: a word's outside vector scores its true neighbours highest.
    index = result.vocab.index
    v, u = result.center_vectors, result.outside_vectors
    for word, after in successor.items():
        before = next(w for w, s in successor.items() if s == word)
        scores = u @ v[index[word]]
        neighbours = {result.vocab.words[i] for i in np.argsort(scores)[-2:]}
        assert neighbours == {after, before}


# ---------------------------------------------------------------- sharing a chunk's sentences

CLAIM = 64   # _core.pyx's CLAIM_SENTENCES


def test_a_thread_claims_its_own_share_front_first():
    assert _core.claim_runs([0, 150, 300], [0, 0, 0, 1]) == [
        (0, 0, 64), (0, 64, 128), (0, 128, 150), (1, 150, 214)]


def test_a_thread_done_with_its_share_takes_the_end_of_the_largest_one():
    runs = _core.claim_runs([0, 10, 400, 600], [0, 0, 0, 0, 2])
    # thread 0's 10 sentences, then 64 from the end of thread 1's 390, again from the
    # new end of the largest share (still thread 1's: 326 left against thread 2's 200)
    assert runs == [(0, 0, 10), (0, 336, 400), (0, 272, 336), (0, 208, 272), (2, 400, 464)]


def test_a_share_of_at_most_one_claim_is_left_to_its_thread():
    """An idle thread never takes the last run of another's share, so a short chunk is
    trained by the threads it was split for, each with its own random stream."""
    assert _core.claim_runs([0, 0, 64], [0, 0, 1, 1]) == [(1, 0, 64)]
    assert _core.claim_runs([0, 0, 65], [0, 1, 0]) == [(0, 1, 65), (1, 0, 1)]


@pytest.mark.parametrize("seed", range(5))
def test_claims_cover_every_sentence_once_in_any_order(seed):
    rng = np.random.default_rng(seed)
    threads = int(rng.integers(1, 6))
    bounds = np.concatenate([[0], np.cumsum(rng.integers(0, 400, threads))])
    seen = np.zeros(bounds[-1], int)
    order = rng.integers(0, threads, 10 * (bounds[-1] // CLAIM + threads))
    for _, first, last in _core.claim_runs(bounds, order.tolist()):
        assert 0 < last - first <= CLAIM
        seen[first:last] += 1
    assert (seen == 1).all()


def test_one_thread_claims_its_share_in_order():
    runs = _core.claim_runs([0, 1000], [0] * 20)
    assert [r[1] for r in runs] == list(range(0, 1000, CLAIM))
    assert runs[-1][2] == 1000


def test_claim_runs_refuses_bad_input():
    with pytest.raises(ValueError, match="non-decreasing"):
        _core.claim_runs([5, 0], [0])
    with pytest.raises(ValueError, match="not a thread"):
        _core.claim_runs([0, 5], [1])


@pytest.mark.parametrize("model, loss", [("skipgram", "negative"), ("skipgram", "hs"),
                                         ("cbow", "negative"), ("cbow", "hs")])
def test_threads_sharing_a_chunk_train_every_sentence_once(model, loss):
    """Without subsampling and window shrinking every kept word's window is fixed, so the
    words and predictions counted over 3 threads (claiming runs of each other's shares,
    except in CBOW's lanes) are exactly one thread's."""
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(50)]
    sentences = [list(rng.choice(words, int(rng.integers(2, 40)))) for _ in range(3000)]
    sentences += [["w0", "w1"] * 20] * 1000      # a cheap stretch at the end: shares differ
    counts = []
    for threads in (1, 3):
        model_ = pyw2v.Word2Vec(pyw2v.build_vocabulary(sentences, min_count=1),
                                pyw2v.TrainingParams(model=model, loss=loss, dim=8, window=3,
                                                     negative=2 if loss == "negative" else 0,
                                                     sample=0, shrink_windows=False,
                                                     epochs=1, seed=3))
        trainer = model_.compiled_trainer(model_.params, threads, 10 ** 6)
        for chunk in pyw2v.encode(sentences, model_.vocab).chunks():
            trainer.train_chunk(chunk.token_ids, chunk.sentence_starts)
        counts.append((trainer.words_done, trainer.predictions))
    assert counts[0] == counts[1]
