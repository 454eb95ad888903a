"""The compiled core with subwords (docs/math.md §16) against pyw2v.reference."""
import numpy as np
import pytest

from pyw2v import _core, reference
from pyw2v.subwords import SubwordLayout

WORDS = ["walk", "walked", "walking", "talk", "talked", "a", "the", "running", "run",
         "naïve", "日本", "caf\u00e9"]


def _layout(minn=3, maxn=5, buckets=997):
    layout = SubwordLayout.build(WORDS, minn, maxn, buckets)
    return layout, (layout.part_offsets, layout.part_rows)


def _block(rng, n_kept, count, window, n_words):
    kept = rng.integers(0, n_words, n_kept).astype(np.int32)
    first = int(rng.integers(0, n_kept - count + 1))
    spans, pairs = [], []
    for pos in range(first, first + count):
        win = int(rng.integers(1, window + 1))
        lo, hi = max(0, pos - win), min(n_kept, pos + win + 1)
        spans.append((lo, hi))
        pairs += [(int(kept[j]), int(kept[pos])) for j in range(lo, hi) if j != pos]
    return kept, first, np.array(spans, np.int32), pairs


@pytest.mark.parametrize("dim", [5, 16, 100])
@pytest.mark.parametrize("count", [1, 3, 4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_subword_block_step_matches_its_twin(dim, count, seed, random_matrices):
    rng = np.random.default_rng(seed * 100 + dim + count)
    layout, subwords = _layout()
    n_words, n_rows = len(WORDS), len(WORDS) + len(layout.stored_buckets)
    kept, first, spans, pairs = _block(rng, 12, count, 4, n_words)
    center, outside = random_matrices(rng, (n_rows, dim), (n_words, dim))
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    before = center.copy()
    negatives = np.concatenate([kept[first:first + 1], rng.integers(0, n_words, 4)])
    loss = _core.skipgram_block_update(center, outside, kept, first, spans,
                                       negatives.astype(np.int32), 0.1, exact=True,
                                       subwords=subwords)
    ref_loss = reference.skipgram_block_step(ref_center, ref_outside, pairs,
                                             negatives.tolist(), 0.1, subwords=subwords)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    moved = np.flatnonzero((center != before).any(axis=1))
    assert moved.max() >= n_words   # n-gram rows were trained, not only word rows


def test_without_ngrams_each_word_is_its_own_part(random_matrices):
    rng = np.random.default_rng(7)
    kept, first, spans, _ = _block(rng, 10, 2, 3, 12)
    center, outside = random_matrices(rng, (12, 8), (12, 8))
    plain_center, plain_outside = center.copy(), outside.copy()
    own = (np.arange(13, dtype=np.int64), np.arange(12, dtype=np.int32))
    negatives = np.array([1, 5, 9], np.int32)
    loss = _core.skipgram_block_update(center, outside, kept, first, spans, negatives, 0.1,
                                       subwords=own)
    plain = _core.skipgram_block_update(plain_center, plain_outside, kept, first, spans,
                                        negatives, 0.1)
    assert loss == pytest.approx(plain, rel=1e-6)
    np.testing.assert_allclose(center, plain_center, atol=1e-6)
    np.testing.assert_allclose(outside, plain_outside, atol=1e-6)


@pytest.mark.parametrize("subwords, error, match", [
    ((np.zeros(12, np.int64), np.zeros(0, np.int32)), ValueError, "shape .13,."),
    ((np.arange(13, dtype=np.int64) * 0, np.zeros(0, np.int32)), ValueError, "at least one"),
    ((np.arange(13, dtype=np.int64), np.full(12, 99, np.int32)), ValueError, "rows of center"),
    ((np.arange(13, dtype=np.int64),), TypeError, "pair"),
])
def test_bad_parts_are_refused_before_any_write(subwords, error, match, random_matrices):
    center, outside = random_matrices(0, (20, 4), (12, 4))
    before = center.copy()
    with pytest.raises(error, match=match):
        _core.skipgram_block_update(center, outside, np.arange(8, dtype=np.int32), 1,
                                    np.array([[0, 3]], np.int32), np.array([1, 2], np.int32),
                                    0.1, subwords=subwords)
    np.testing.assert_array_equal(center, before)


def test_subwords_with_hs_or_lock_factors_are_refused(random_matrices):
    center, outside = random_matrices(0, (20, 4), (12, 4))
    own = (np.arange(13, dtype=np.int64), np.arange(12, dtype=np.int32))
    with pytest.raises(ValueError, match="negative sampling alone"):
        _core.skipgram_block_update(center, outside, np.arange(8, dtype=np.int32), 1,
                                    np.array([[0, 3]], np.int32), np.array([1, 2], np.int32),
                                    0.1, subwords=own, lock_factors=np.ones(12, np.float32))


@pytest.mark.parametrize("dim", [5, 16, 100])
@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize("cbow_mean", [True, False])
def test_the_cbow_subword_block_step_matches_its_twin(dim, count, cbow_mean, random_matrices):
    rng = np.random.default_rng(dim + 10 * count + cbow_mean)
    layout, subwords = _layout()
    n_words, n_rows = len(WORDS), len(WORDS) + len(layout.stored_buckets)
    contexts = [rng.integers(0, n_words, int(rng.integers(1, 7))).tolist() for _ in range(count)]
    centers = rng.integers(0, n_words, count).tolist()
    center, outside = random_matrices(rng, (n_rows, dim), (n_words, dim))
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    before = center.copy()
    negatives = np.concatenate([[centers[0]], rng.integers(0, n_words, 4)]).astype(np.int32)
    loss = _core.cbow_batch_update(center, outside, contexts, centers, negatives, 0.1,
                                   exact=True, cbow_mean=cbow_mean, subwords=subwords)
    ref_loss = reference.cbow_batch_step(ref_center, ref_outside, list(zip(contexts, centers)),
                                         negatives.tolist(), 0.1, cbow_mean=cbow_mean,
                                         subwords=subwords)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert np.flatnonzero((center != before).any(axis=1)).max() >= n_words


def test_cbow_without_ngrams_each_word_is_its_own_part(random_matrices):
    center, outside = random_matrices(3, (12, 8), (12, 8))
    plain_center, plain_outside = center.copy(), outside.copy()
    own = (np.arange(13, dtype=np.int64), np.arange(12, dtype=np.int32))
    args = ([[0, 4, 4, 7], [2]], [3, 11], np.array([1, 5, 9], np.int32), 0.1)
    loss = _core.cbow_batch_update(center, outside, *args, subwords=own)
    plain = _core.cbow_batch_update(plain_center, plain_outside, *args)
    assert loss == pytest.approx(plain, rel=1e-6)
    np.testing.assert_allclose(center, plain_center, atol=1e-6)
    np.testing.assert_allclose(outside, plain_outside, atol=1e-6)


def test_cbow_subwords_check_their_ids_and_refuse_lock_factors(random_matrices):
    center, outside = random_matrices(0, (20, 4), (12, 4))
    own = (np.arange(13, dtype=np.int64), np.arange(12, dtype=np.int32))
    negatives = np.array([1, 2], np.int32)
    before = center.copy()
    with pytest.raises(IndexError, match="context=12"):   # an n-gram row is not a word
        _core.cbow_batch_update(center, outside, [[12]], [0], negatives, 0.1, subwords=own)
    with pytest.raises(ValueError, match="without lock factors"):
        _core.cbow_batch_update(center, outside, [[1]], [0], negatives, 0.1, subwords=own,
                                lock_factors=np.ones(12, np.float32))
    np.testing.assert_array_equal(center, before)


def _window(rng, n_pairs, n_words, k=4):
    outsides = rng.integers(0, n_words, n_pairs).astype(np.int32)
    negatives = rng.integers(0, n_words, (n_pairs, k)).astype(np.int32)
    negatives[0, 0] = outsides[0]           # a draw equal to its positive is skipped
    return outsides, negatives


@pytest.mark.parametrize("dim", [5, 16, 100])
@pytest.mark.parametrize("n_pairs", [1, 2, 6])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_subword_window_step_matches_its_twin(dim, n_pairs, seed, random_matrices):
    rng = np.random.default_rng(seed * 100 + dim + n_pairs)
    layout, subwords = _layout()
    n_words, n_rows = len(WORDS), len(WORDS) + len(layout.stored_buckets)
    center, outside = random_matrices(rng, (n_rows, dim), (n_words, dim))
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    before = center.copy()
    word = int(rng.integers(0, n_words))
    outsides, negatives = _window(rng, n_pairs, n_words)
    loss = _core.skipgram_window_update(center, outside, word, outsides, negatives, 0.1,
                                        subwords=subwords)
    parts = layout.part_rows[layout.part_offsets[word]:layout.part_offsets[word + 1]]
    ref_loss = reference.subword_window_step(ref_center, ref_outside, parts, outsides.tolist(),
                                             negatives, 0.1)
    np.testing.assert_allclose(center, ref_center, atol=1e-5, rtol=0)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-5, rtol=0)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    moved = np.flatnonzero((center != before).any(axis=1))
    assert set(moved) == set(parts.tolist())      # the center's parts, and only they


def test_a_one_pair_window_is_the_pair_step(random_matrices):
    """One pair (distinct negatives): the window step is subword_pair_step's one
    simultaneous step, and with each word its own only part, skipgram_pair_update."""
    rng = np.random.default_rng(5)
    layout, subwords = _layout()
    n_words, n_rows = len(WORDS), len(WORDS) + len(layout.stored_buckets)
    center, outside = random_matrices(rng, (n_rows, 16), (n_words, 16))
    word = WORDS.index("walking")
    parts = layout.part_rows[layout.part_offsets[word]:layout.part_offsets[word + 1]]
    outsides = np.array([2], np.int32)
    negatives = np.array([[0, 2, 5, 7]], np.int32)       # 2 is the positive: skipped
    pair_center, pair_outside = center.astype(np.float64), outside.astype(np.float64)
    loss = _core.skipgram_window_update(center, outside, word, outsides, negatives, 0.1,
                                        subwords=subwords)
    pair = reference.subword_pair_step(pair_center, pair_outside, parts, 2, [0, 2, 5, 7], 0.1)
    assert loss == pytest.approx(pair, rel=1e-5)
    np.testing.assert_allclose(center, pair_center, atol=1e-5)
    np.testing.assert_allclose(outside, pair_outside, atol=1e-5)

    own = (np.arange(13, dtype=np.int64), np.arange(12, dtype=np.int32))
    center, outside = random_matrices(rng, (12, 16), (12, 16))
    plain_center, plain_outside = center.copy(), outside.copy()
    loss = _core.skipgram_window_update(center, outside, 3, outsides, negatives, 0.1,
                                        subwords=own)
    plain = _core.skipgram_pair_update(plain_center, plain_outside, 3, 2, negatives[0], 0.1)
    assert loss == pytest.approx(plain, rel=1e-6)
    np.testing.assert_allclose(center, plain_center, atol=1e-6)
    np.testing.assert_allclose(outside, plain_outside, atol=1e-6)


def test_a_window_step_moves_the_center_once_and_each_listed_row_as_often(random_matrices):
    """A row drawn twice (as two pairs' outside word, or twice as a negative) moves
    twice; the center's parts move once, by the window's summed step."""
    rng = np.random.default_rng(9)
    layout, subwords = _layout()
    n_words, n_rows = len(WORDS), len(WORDS) + len(layout.stored_buckets)
    center, outside = random_matrices(rng, (n_rows, 8), (n_words, 8))
    word = WORDS.index("walking")
    outsides = np.array([4, 4, 6], np.int32)
    negatives = np.array([[1, 1], [9, 10], [1, 4]], np.int32)
    ref_center, ref_outside = center.astype(np.float64), outside.astype(np.float64)
    center_before, outside_before = center.copy(), outside.copy()
    parts = layout.part_rows[layout.part_offsets[word]:layout.part_offsets[word + 1]]
    loss = _core.skipgram_window_update(center, outside, word, outsides, negatives, 0.1,
                                        subwords=subwords)
    ref = reference.subword_window_step(ref_center, ref_outside, parts, outsides.tolist(),
                                        negatives, 0.1)
    assert loss == pytest.approx(ref, rel=1e-5)
    np.testing.assert_allclose(center, ref_center, atol=1e-6)
    np.testing.assert_allclose(outside, ref_outside, atol=1e-6)
    listed = [1, 4, 6, 9, 10]
    assert (outside[listed] != outside_before[listed]).all(axis=1).all()
    untouched = np.setdiff1d(np.arange(n_words), listed)
    np.testing.assert_array_equal(outside[untouched], outside_before[untouched])
    moved = np.flatnonzero((center != center_before).any(axis=1))
    assert set(moved) == set(parts.tolist())


@pytest.mark.parametrize("outsides, negatives, error, match", [
    (np.zeros(0, np.int32), np.zeros((0, 2), np.int32), ValueError, "must not be empty"),
    (np.array([1, 2], np.int32), np.zeros((3, 2), np.int32), ValueError,
     "shape .len.outsides., K."),
    (np.array([1], np.int32), np.zeros((1, 0), np.int32), ValueError, "K >= 1"),
    (np.array([12], np.int32), np.zeros((1, 2), np.int32), IndexError, "outsides.0.=12"),
    (np.array([1], np.int32), np.full((1, 2), -1, np.int32), IndexError, "negatives.0.=-1"),
])
def test_bad_windows_are_refused_before_any_write(outsides, negatives, error, match,
                                                  random_matrices):
    layout, subwords = _layout()
    center, outside = random_matrices(0, (len(WORDS) + len(layout.stored_buckets), 4),
                                      (len(WORDS), 4))
    before, outside_before = center.copy(), outside.copy()
    with pytest.raises(error, match=match):
        _core.skipgram_window_update(center, outside, 1, outsides, negatives, 0.1,
                                     subwords=subwords)
    with pytest.raises(IndexError, match="center=12"):
        _core.skipgram_window_update(center, outside, len(WORDS), np.array([1], np.int32),
                                     np.zeros((1, 2), np.int32), 0.1, subwords=subwords)
    np.testing.assert_array_equal(center, before)
    np.testing.assert_array_equal(outside, outside_before)
