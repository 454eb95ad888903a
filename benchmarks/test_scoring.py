"""scoring.py asks every trainer the same questions, whatever its order of tied words."""
import numpy as np
import pytest

from pyw2v.vectors import WordVectors
from scoring import ANALOGY_WORDS, by_count, score

TIED = 20   # words of one count straddling the ANALOGY_WORDS cut


def _vectors(tie_order: str) -> WordVectors:
    """ANALOGY_WORDS + 10 words; the TIED words around the cut share count 13, listed in
    ``tie_order``: "first-seen" puts "tie-a" last (outside the cut, as a trainer ranking
    ties by first occurrence may), "word" puts it first. a : b :: c : tie-a is exact."""
    n = ANALOGY_WORDS + 10
    head = [f"w{i:05d}" for i in range(n - TIED)]
    tied = [f"tie-{chr(ord('b') + i)}" for i in range(TIED - 1)] + ["tie-a"]
    if tie_order == "word":
        tied = sorted(tied)
    words = ["a", "b", "c"] + head[3:] + tied
    counts = np.concatenate([np.arange(n - TIED, 0, -1) + 100, np.full(TIED, 13)])
    rows = np.tile(np.float32([0, 0, 0, 1]), (n, 1))
    rows += np.random.default_rng(0).normal(0, 0.01, rows.shape).astype(np.float32)
    planted = {"a": [1, 0, 0, 0], "b": [1, 1, 0, 0], "c": [0, 0, 1, 0], "tie-a": [0, 1, 1, 0]}
    for word, row in planted.items():
        rows[words.index(word)] = row
    return WordVectors(words, rows, counts)


@pytest.fixture
def eval_dir(tmp_path):
    (tmp_path / "questions-words.txt").write_text(": planted\na b c tie-a\n")
    (tmp_path / "wordsim353.tsv").write_text("a\tb\t5\nb\tc\t1\na\tc\t2\n")
    return tmp_path


def test_by_count_sorts_ties_by_word_and_moves_rows_with_their_words():
    first_seen = _vectors("first-seen")
    ranked = by_count(first_seen)
    assert ranked.index_to_key == by_count(_vectors("word")).index_to_key
    assert ranked.index_to_key[-TIED] == "tie-a"
    assert np.all(np.diff(ranked.counts) <= 0)
    for word in ("a", "tie-a", "tie-q", "w00007"):
        np.testing.assert_array_equal(ranked[word], first_seen[word])
        assert ranked.counts[ranked.get_index(word)] == first_seen.counts[first_seen.get_index(word)]


def test_score_is_the_same_for_both_orders_of_ties(eval_dir):
    first_seen = _vectors("first-seen")
    own = first_seen.evaluate_analogies(eval_dir / "questions-words.txt",
                                        restrict_vocab=ANALOGY_WORDS)
    assert own.overall.skipped == 1   # on its own order the question is outside the cut
    scores = score(first_seen, eval_dir)
    assert scores["analogy"] == 1.0
    assert scores == score(_vectors("word"), eval_dir)


def test_by_count_needs_counts():
    with pytest.raises(ValueError, match="counts"):
        by_count(WordVectors(["a", "b"], np.eye(2, dtype=np.float32)))
