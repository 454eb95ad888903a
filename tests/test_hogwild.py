"""Hogwild soundness: many threads on a tiny vocabulary, where row collisions are constant."""
import numpy as np
import pytest

import pyw2v
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
