"""Character n-grams and their buckets, as fastText numbers them (pyw2v.subwords)."""
import random

import numpy as np
import pytest

from pyw2v import reference
from pyw2v.subword_vectors import SubwordVectors
from pyw2v.subwords import SubwordIndex, SubwordLayout, char_ngrams, ngram_buckets


def _textbook_fnv1a(data: bytes) -> int:
    h = 2166136261
    for byte in data:
        h = ((h ^ byte) * 16777619) % 2**32
    return h


def test_the_hash_is_fnv1a_on_ascii():
    for text in (b"", b"a", b"<wh", b"where>", b"0123456789"):
        assert reference.fasttext_hash(text) == _textbook_fnv1a(text)
    assert reference.fasttext_hash(b"a") == 0xE40C292C   # the published FNV-1a test vector


def test_the_hash_sign_extends_bytes_from_0x80():
    # fastText xors int8 bytes widened to 32 bits: 0xC3 acts as 0xFFFFFFC3.
    h = 2166136261
    for byte in "é".encode():
        h = ((h ^ (byte | 0xFFFFFF00)) * 16777619) % 2**32
    assert reference.fasttext_hash("é".encode()) == h != _textbook_fnv1a("é".encode())


def test_ngrams_of_where_are_the_papers_example():
    assert char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    grams = char_ngrams("where", 3, 6)
    assert len(grams) == 5 + 4 + 3 + 2 and "<where>" not in grams and "<wher" in grams


def test_ngrams_count_characters_not_bytes_and_skip_lone_markers():
    assert char_ngrams("日本", 1, 1) == ["日", "本"]
    assert char_ngrams("日本", 2, 2) == ["<日", "日本", "本>"]
    assert char_ngrams("a", 4, 6) == []      # "<a>" has only 3 characters


_ALPHABET = "abcxyz<>éüñ日本語\U0001F600-' "


@pytest.mark.parametrize("minn, maxn", [(1, 1), (1, 6), (2, 3), (3, 6), (5, 5)])
def test_compiled_buckets_equal_the_reference(minn, maxn):
    rng = random.Random(minn * 10 + maxn)
    words = ["".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 12)))
             for _ in range(300)] + ["", "a", "where"]
    index = SubwordIndex.build(words, minn, maxn, 1009)
    for i, word in enumerate(words):
        expected = reference.ngram_buckets(word, minn, maxn, 1009)
        assert index.of(i).tolist() == expected, word
        assert ngram_buckets(word, minn, maxn, 1009).tolist() == expected
        assert len(expected) == len(char_ngrams(word, minn, maxn))


def test_the_index_holds_every_words_buckets_flat():
    words = ["the", "cat", "a", "naïve"]
    index = SubwordIndex.build(words, 2, 4, 97)
    assert index.offsets[0] == 0 and index.offsets[-1] == len(index.bucket_ids)
    for i, word in enumerate(words):
        np.testing.assert_array_equal(index.of(i), ngram_buckets(word, 2, 4, 97))
    assert index.bucket_ids.dtype == np.int32 and (index.bucket_ids < 97).all()


@pytest.mark.parametrize("minn, maxn, buckets, match", [
    (0, 6, 10, "minn"), (3, 0, 10, "maxn"), (5, 3, 10, "minn .5. is larger"),
    (3, 6, 0, "buckets"), (3.0, 6, 10, "minn"), (3, 6, True, "buckets"),
    (3, 6, 2**31, "buckets"),
])
def test_bad_ranges_are_clear_errors(minn, maxn, buckets, match):
    with pytest.raises(ValueError, match=match):
        SubwordIndex.build(["word"], minn, maxn, buckets)


# ------------------------------------------------------------ SubwordVectors

def _vectors(bucket_rows=None, rows=11):
    rng = np.random.default_rng(0)
    return SubwordVectors(["walk", "walked", "talk"], rng.normal(size=(3, 4)),
                          rng.normal(size=(rows, 4)), minn=3, maxn=4, buckets=11,
                          bucket_rows=bucket_rows)


def test_an_unseen_word_is_the_mean_of_its_ngram_rows():
    wv = _vectors()
    expected = wv.ngram_vectors[ngram_buckets("walking", 3, 4, 11)].mean(axis=0)
    np.testing.assert_allclose(wv["walking"], expected, rtol=1e-6)
    np.testing.assert_array_equal(wv["walk"], wv.vectors[0])   # a known word keeps its row
    assert "walking" not in wv and wv["walk", "walking"].shape == (2, 4)


def test_unseen_words_take_part_in_queries():
    wv = _vectors()
    top = wv.most_similar("walking", topn=3)
    assert [w for w, _ in top] and len(top) == 3   # no row to exclude: all three words rank
    assert -1 <= wv.similarity("walking", "walk") <= 1
    norm = wv.get_vector("walking", norm=True)
    assert abs(np.linalg.norm(norm) - 1) < 1e-6


def test_only_stored_buckets_count_with_a_bucket_map():
    bucket_rows = np.full(11, -1)
    used = np.unique(ngram_buckets("walking", 3, 4, 11))[:2]
    bucket_rows[used] = [0, 1]
    wv = _vectors(bucket_rows, rows=2)
    ids = ngram_buckets("walking", 3, 4, 11)
    rows = bucket_rows[ids][bucket_rows[ids] >= 0]
    np.testing.assert_allclose(wv["walking"], wv.ngram_vectors[rows].mean(axis=0), rtol=1e-6)


def test_a_word_without_any_ngram_row_is_a_clear_key_error():
    wv = _vectors(np.full(11, -1), rows=1)
    with pytest.raises(KeyError, match="no character n-gram of 3 to 4"):
        wv["walking"]
    with pytest.raises(KeyError, match="'zq'"):
        wv["zq"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(ngram_vectors=np.zeros((11, 3))), "shape .rows, 4."),
    (dict(ngram_vectors=np.zeros((10, 4))), "10 rows but buckets is 11"),
    (dict(bucket_rows=np.zeros(10, int)), "bucket_rows must be 11"),
    (dict(bucket_rows=np.full(11, 11)), "from -1 to 10"),
])
def test_bad_parts_are_clear_errors(kwargs, match):
    parts = dict(index_to_key=["a"], vectors=np.zeros((1, 4)),
                 ngram_vectors=np.zeros((11, 4)), minn=3, maxn=4, buckets=11)
    with pytest.raises(ValueError, match=match):
        SubwordVectors(**{**parts, **kwargs})


# ------------------------------------------------------------ SubwordLayout

def test_the_layout_stores_only_the_buckets_words_hit():
    words = ["walk", "walked", "talk", "a"]
    layout = SubwordLayout.build(words, 3, 4, 1_000_003)
    hit = sorted({b for w in words for b in reference.ngram_buckets(w, 3, 4, 1_000_003)})
    assert layout.stored_buckets.tolist() == hit
    bucket_rows = layout.bucket_rows()
    for i, word in enumerate(words):
        parts = layout.parts(i).tolist()
        assert parts[0] == i
        expected = [len(words) + bucket_rows[b]
                    for b in reference.ngram_buckets(word, 3, 4, 1_000_003)]
        assert parts[1:] == expected and min(expected) >= len(words)
    assert (bucket_rows >= 0).sum() == len(hit)


# ------------------------------------------------------------ the reference's subword math

def test_the_subword_gradient_passes_finite_differences(gradcheck_tol):
    rng = np.random.default_rng(3)
    center = rng.normal(scale=0.3, size=(9, 5))   # 4 words + 5 n-gram rows
    outside = rng.normal(scale=0.3, size=(4, 5))
    parts = [1, 4, 6, 6, 8]                        # word 1, an n-gram counted twice

    def loss_of_center(flat):
        loss, grad, _ = reference.subword_skipgram(parts, 2, flat.reshape(9, 5), outside, [0, 3])
        return loss, grad.reshape(-1)

    def loss_of_outside(flat):
        loss, _, grad = reference.subword_skipgram(parts, 2, center, flat.reshape(4, 5), [0, 3])
        return loss, grad.reshape(-1)

    assert reference.gradcheck(loss_of_center, center.reshape(-1)) < gradcheck_tol
    assert reference.gradcheck(loss_of_outside, outside.reshape(-1)) < gradcheck_tol


def test_the_subword_step_moves_each_part_by_the_whole_input_gradient():
    rng = np.random.default_rng(4)
    center = rng.normal(scale=0.3, size=(9, 5))
    outside = rng.normal(scale=0.3, size=(4, 5))
    parts = [1, 4, 6, 6, 8]
    after_v, after_u = center.copy(), outside.copy()
    loss = reference.subword_pair_step(after_v, after_u, parts, 2, [0, 2, 3], 0.1)
    assert loss == pytest.approx(reference.subword_skipgram(parts, 2, center, outside,
                                                            [0, 3])[0])
    # len(parts) x the true step (the negative equal to the outside word is skipped)
    _, grad, grad_u = reference.subword_skipgram(parts, 2, center, outside, [0, 3])
    np.testing.assert_allclose(after_v, center - 0.1 * len(parts) * grad, atol=1e-12)
    np.testing.assert_allclose(after_u, outside - 0.1 * grad_u, atol=1e-12)


def test_a_word_without_parts_is_refused():
    with pytest.raises(ValueError, match="parts is empty"):
        reference.subword_input(np.zeros((3, 2)), [])
