"""Vocabulary files (word2vec.c's -save-vocab format): Vocabulary.save/load, every bad
input, and training with a fixed vocabulary (pyw2v.train(vocab=...))."""
import gzip

import numpy as np
import pytest

import pyw2v
from pyw2v import FormatError, Vocabulary
from pyw2v.synthetic import make_corpus

TRAIN = dict(dim=12, epochs=3, threads=1, seed=5)


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("vocab_files") / "corpus.txt"
    make_corpus(n_sentences=600, seed=2).write_text(path)
    return str(path)


def vocab_of(pairs):
    return Vocabulary([w for w, _ in pairs], np.array([c for _, c in pairs], dtype=np.int64))


# ------------------------------------------------------------------ save / load


def test_round_trip_gives_an_equal_vocabulary(tmp_path, corpus_path):
    vocab = pyw2v.build_vocabulary(corpus_path, min_count=2)
    vocab.save(tmp_path / "v.txt")
    assert Vocabulary.load(tmp_path / "v.txt") == vocab
    vocab.save(tmp_path / "v.txt.gz")
    assert gzip.decompress((tmp_path / "v.txt.gz").read_bytes()) == \
        (tmp_path / "v.txt").read_bytes()
    assert Vocabulary.load(tmp_path / "v.txt.gz") == vocab


def test_save_writes_word_count_lines_in_order_as_utf8(tmp_path):
    vocab = vocab_of([("naïve", 9), ("東京", 4), ("b", 2)])
    vocab.save(tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_bytes() == "naïve 9\n東京 4\nb 2\n".encode()


def test_save_keeps_an_existing_file_unless_overwrite(tmp_path):
    target = tmp_path / "v.txt"
    target.write_text("precious")
    with pytest.raises(FileExistsError):
        vocab_of([("a", 2)]).save(target)
    assert target.read_text() == "precious"
    vocab_of([("a", 2)]).save(target, overwrite=True)
    assert target.read_text() == "a 2\n"


@pytest.mark.parametrize("word", ["", "two words", "tab\there", "lone\udc80surrogate"])
def test_save_refuses_a_word_the_format_cannot_hold(tmp_path, word):
    with pytest.raises(ValueError, match=r"words\[1\].*replace it"):
        vocab_of([("ok", 3), (word, 2)]).save(tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()


def test_reads_a_file_as_word2vec_c_writes_it(tmp_path):
    # word2vec.c puts its sentence marker first, counts sorted, ties in its own order.
    (tmp_path / "w2v.txt").write_bytes(b"</s> 1200\nthe 310\nof 120\nzeta 7\nalpha 7\n")
    vocab = Vocabulary.load(tmp_path / "w2v.txt")
    assert vocab.words == ["the", "of", "zeta", "alpha"]   # </s> dropped, file order kept
    assert vocab.counts.tolist() == [310, 120, 7, 7]
    assert vocab.counts.dtype == np.int64


def test_sentence_marker_elsewhere_is_an_ordinary_word(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"the 9\n</s> 3\n")
    assert Vocabulary.load(tmp_path / "v.txt").words == ["the", "</s>"]


def test_an_unsorted_file_is_sorted_by_count_then_word(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"b 2\nc 5\na 2\nd 9\n")
    vocab = Vocabulary.load(tmp_path / "v.txt")
    assert vocab.words == ["d", "c", "a", "b"]
    assert vocab.counts.tolist() == [9, 5, 2, 2]


def test_crlf_line_ends_and_no_final_newline_are_read(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"a 3\r\nb 2")
    assert Vocabulary.load(tmp_path / "v.txt") == vocab_of([("a", 3), ("b", 2)])


@pytest.mark.parametrize("content, says", [
    (b"the 5\nof\n", "line 2: expected `word count`, found 1 fields"),
    (b"the 5\nnew york 3\n", "line 2: expected `word count`, found 3 fields"),
    (b"the 5\n\nof 3\n", "line 2: expected `word count`, found 0 fields"),
    (b"the 5\nof 3\nthe 2\n", "line 3: 'the' is also on line 1; keep one line per word"),
    (b"the 5\nof -3\n", "line 2: 'of' has count -3; counts must be >= 1"),
    (b"the 5\nof 0\n", "line 2: 'of' has count 0; counts must be >= 1"),
    (b"the 5\nof 2.5\n", "line 2: the count of 'of' is b'2.5', not an integer"),
    (b"the 5\nof many\n", "line 2: the count of 'of' is b'many', not an integer"),
    (b"the 5\nof 99999999999999999999\n", "line 2: the count of 'of' (99999999999999999999) "
                                          "is above"),
    (b"the 5\n\xff\xfe 3\n", "line 2: the word b'\\xff\\xfe' is not valid UTF-8"),
    (b"", "holds no word"),
    (b"</s> 10\n", "holds no word"),
])
def test_bad_file_is_one_clear_error_naming_file_and_line(tmp_path, content, says):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(FormatError) as info:
        Vocabulary.load(path)
    assert str(info.value).startswith(f"{path}: ")
    assert says in str(info.value)


def test_truncated_gzip_is_a_format_error(tmp_path):
    data = gzip.compress(b"".join(b"w%d %d\n" % (i, 1000 - i) for i in range(500)))
    (tmp_path / "v.txt.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match="corrupt or truncated gzip"):
        Vocabulary.load(tmp_path / "v.txt.gz")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        Vocabulary.load(tmp_path / "nope.txt")


# ------------------------------------------------------------------ training with vocab=


def test_fixed_vocabulary_trains_as_the_built_one(tmp_path, corpus_path):
    built = pyw2v.train(corpus_path, min_count=2, **TRAIN)
    built.vocab.save(tmp_path / "v.txt")
    from_file = pyw2v.train(corpus_path, min_count=2, vocab=tmp_path / "v.txt", **TRAIN)
    from_object = pyw2v.train(corpus_path, min_count=2, vocab=built.vocab, **TRAIN)
    for model in (from_file, from_object):
        assert model.vocab == built.vocab
        np.testing.assert_array_equal(model.center_vectors, built.center_vectors)
        np.testing.assert_array_equal(model.outside_vectors, built.outside_vectors)
    other_seed = pyw2v.train(corpus_path, min_count=2, vocab=built.vocab,
                             **{**TRAIN, "seed": 6})
    assert not np.array_equal(other_seed.center_vectors, built.center_vectors)


def test_the_corpus_cannot_change_a_fixed_vocabulary(tmp_path, write_corpus):
    path = write_corpus([["alpha", "beta", "unseen", "gamma"]] * 30 + [["beta", "x"]] * 40)
    vocab = vocab_of([("gamma", 50), ("alpha", 40), ("beta", 30), ("never", 3)])
    model = pyw2v.train(path, vocab=vocab, min_count=1, sample=0, **TRAIN)
    assert model.vocab is vocab                  # words and counts from vocab, not the corpus
    assert model.wv.index_to_key == ["gamma", "alpha", "beta", "never"]
    before = pyw2v.Word2Vec(vocab, model.params).center_vectors
    assert np.array_equal(model.center_vectors[3], before[3])   # "never" is never a center


def test_min_count_and_max_final_vocab_filter_a_fixed_vocabulary(write_corpus):
    path = write_corpus([["a", "b", "c", "d"]] * 20)
    vocab = vocab_of([("a", 40), ("b", 30), ("c", 30), ("d", 2)])
    kept = pyw2v.train(path, vocab=vocab, min_count=3, sample=0, **TRAIN).vocab
    assert kept.words == ["a", "b", "c"] and kept.counts.tolist() == [40, 30, 30]
    kept = pyw2v.train(path, vocab=vocab, min_count=1, max_final_vocab=2, sample=0,
                       **TRAIN).vocab
    assert kept.words == ["a", "b"]
    with pytest.raises(ValueError, match=r"no word of vocab reaches min_count=50 .*count 40"):
        pyw2v.train(path, vocab=vocab, min_count=50, **TRAIN)


def test_fixed_vocabulary_refuses_conflicting_arguments(tmp_path, corpus_path):
    vocab = pyw2v.build_vocabulary(corpus_path, min_count=2)
    with pytest.raises(ValueError, match="max_vocab_size .* leave max_vocab_size out"):
        pyw2v.train(corpus_path, vocab=vocab, min_count=2, max_vocab_size=1000, **TRAIN)
    with pytest.raises(ValueError, match="vocab= and an EncodedCorpus"):
        pyw2v.train(pyw2v.encode(corpus_path, vocab), vocab=vocab, min_count=2, **TRAIN)
    with pytest.raises(TypeError, match="vocab must be a pyw2v.Vocabulary"):
        pyw2v.train(corpus_path, vocab=["the", "of"], **TRAIN)
    (tmp_path / "bad.txt").write_bytes(b"the 3 4\n")
    with pytest.raises(FormatError, match="bad.txt: line 1"):
        pyw2v.train(corpus_path, vocab=tmp_path / "bad.txt", **TRAIN)


def test_a_corpus_without_a_word_of_the_vocabulary_is_refused(write_corpus):
    path = write_corpus([["x", "y"]] * 10)
    with pytest.raises(ValueError, match="no word of the model's vocabulary"):
        pyw2v.train(path, vocab=vocab_of([("a", 5), ("b", 5)]), min_count=1, **TRAIN)
