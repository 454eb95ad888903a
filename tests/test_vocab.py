"""Vocabulary: counting, pruning, ordering, keep-probabilities, noise."""
import numpy as np
import pytest

import pyw2v
from pyw2v.corpus import count_words
from pyw2v.vocab import Vocabulary, build_vocabulary


def test_order_is_count_descending_then_word():
    counts = {"b": 3, "a": 3, "zz": 9, "c": 1, "d": 3}
    vocab = Vocabulary.from_counts(counts, min_count=1)
    assert vocab.words == ["zz", "a", "b", "d", "c"]
    np.testing.assert_array_equal(vocab.counts, [9, 3, 3, 3, 1])
    assert vocab.index["d"] == 3
    assert vocab.total_words == 19


def test_order_does_not_depend_on_input_order():
    words = [f"w{i % 37}" for i in range(1000)]
    forward = Vocabulary.from_counts(count_words([words]), min_count=1)
    backward = Vocabulary.from_counts(count_words([words[::-1]]), min_count=1)
    assert forward.words == backward.words


def test_min_count_and_max_final_vocab():
    counts = {"a": 10, "b": 5, "c": 4, "d": 5}
    assert Vocabulary.from_counts(counts, min_count=5).words == ["a", "b", "d"]
    assert Vocabulary.from_counts(counts, min_count=1, max_final_vocab=2).words == ["a", "b"]


def test_max_vocab_size_prunes_rare_words_while_counting():
    frequent = ["the"] * 50 + ["cat"] * 20
    rare = [f"rare{i}" for i in range(500)]
    blocks = [frequent + rare[i:i + 50] for i in range(0, 500, 50)]
    counts = count_words(blocks, max_vocab_size=100)
    assert len(counts) <= 100
    assert counts["the"] == 500 and counts["cat"] == 200
    unpruned = count_words(blocks)
    assert len(unpruned) == 502


def test_counts_across_blocks_add_up():
    counts = count_words([["a", "b"], ["a"], [], ["c", "a"]])
    assert counts == {"a": 3, "b": 1, "c": 1}


def test_vocabulary_rejects_duplicates_and_mismatched_counts():
    with pytest.raises(ValueError, match="unique"):
        Vocabulary(["a", "a"], np.array([1, 1]))
    with pytest.raises(ValueError, match="counts"):
        Vocabulary(["a", "b"], np.array([1]))


def test_noise_distribution_is_count_to_three_quarters():
    vocab = Vocabulary(["a", "b", "c"], np.array([16, 1, 1]))
    p = vocab.noise_distribution()
    np.testing.assert_allclose(p, np.array([8.0, 1, 1]) / 10)
    prob, alias = vocab.noise_alias_table()
    # Column mass adds back to the distribution: P(i) = (prob_i + sum_{j: alias_j = i} (1 - prob_j)) / n
    mass = prob.copy()
    np.add.at(mass, alias, 1.0 - prob)
    np.testing.assert_allclose(mass / len(prob), p)


# ---------------------------------------------------------------- build_vocabulary

SENTENCES = [["the", "cat", "sat"], ["the", "cat"], ["the", "dog", "sat"], ["a"]]


@pytest.mark.parametrize("as_path", [False, True])
def test_build_vocabulary_counts_and_filters(tmp_path, as_path):
    path = tmp_path / "c.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in SENTENCES))
    corpus = path if as_path else SENTENCES
    vocab = build_vocabulary(corpus, min_count=2)
    assert vocab.words == ["the", "cat", "sat"] and vocab.counts.tolist() == [3, 2, 2]
    assert build_vocabulary(corpus, min_count=1, max_final_vocab=2).words == ["the", "cat"]
    assert build_vocabulary(corpus, min_count=1) == pyw2v.build_vocabulary(SENTENCES, min_count=1)
    assert len(build_vocabulary(corpus, min_count=1)) == 5


def test_build_vocabulary_defaults_to_min_count_5():
    vocab = build_vocabulary([["x"] * 5 + ["y"] * 4])
    assert vocab.words == ["x"]


def test_build_vocabulary_max_vocab_size_prunes_while_counting():
    blocks = [["the"] * 50 + [f"rare{i}" for i in range(j, j + 50)] for j in range(0, 500, 50)]
    assert len(build_vocabulary(blocks, min_count=1)) == 501
    pruned = build_vocabulary(blocks, min_count=1, max_vocab_size=100)
    assert pruned.words == ["the"] and pruned.counts.tolist() == [500]


@pytest.mark.parametrize("corpus, kwargs, error, message", [
    ([[]], {}, ValueError, "the corpus is empty"),
    ([["a", "b", "a"]], {"min_count": 3}, ValueError,
     r"no word reaches min_count=3 \(the most frequent word occurs 2 times\)"),
    ([["a", 1]], {}, TypeError, r"token of type int \(1\); tokens must be str"),
    ([["a"]], {"min_count": 0}, ValueError, "min_count must be an int >= 1, got 0"),
    ([["a"]], {"max_vocab_size": -1}, ValueError, "max_vocab_size must be an int >= 1"),
    ([["a"]], {"max_final_vocab": 2.5}, ValueError, "max_final_vocab must be an int >= 1"),
])
def test_build_vocabulary_errors(corpus, kwargs, error, message):
    with pytest.raises(error, match=message):
        build_vocabulary(corpus, **kwargs)


def test_vocabularies_compare_by_words_and_counts():
    vocab = Vocabulary(["a", "b"], np.array([3, 1]))
    assert vocab == Vocabulary(["a", "b"], np.array([3, 1]))
    assert vocab != Vocabulary(["a", "b"], np.array([3, 2]))
    assert vocab != Vocabulary(["b", "a"], np.array([3, 1]))
    assert vocab != ["a", "b"]
