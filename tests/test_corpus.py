"""Corpus sources and encoding: files and token lists give the same stream, no token lost."""
import numpy as np
import pytest

import pyw2v
from pyw2v import _core, corpus, encoding
from pyw2v.corpus import (TextFileSource, TokenListSource, count_text, count_words, encode_block,
                          open_source)
from pyw2v.encoding import EncodedCorpus, concatenate
from pyw2v.vocab import Vocabulary


def _stream(source, vocab):
    chunks = list(EncodedCorpus(source, vocab).chunks())
    merged = concatenate(chunks)
    return [merged.token_ids[a:b].tolist()
            for a, b in zip(merged.sentence_starts[:-1], merged.sentence_starts[1:])]


SENTENCES = [["the", "cat", "sat"], ["on", "the", "mat"], ["rare"], ["the", "end", "cat"]]


def test_file_and_token_lists_give_the_same_stream(write_corpus):
    path = write_corpus(SENTENCES)
    vocab = Vocabulary.from_counts(count_words([sum(SENTENCES, [])]), min_count=2)
    from_file = _stream(open_source(path), vocab)
    from_lists = _stream(open_source(SENTENCES), vocab)
    assert from_file == from_lists
    the, cat = vocab.index["the"], vocab.index["cat"]
    assert from_file == [[the, cat], [the], [the, cat]]


def test_crlf_tabs_and_blank_lines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a\tb  c\r\n\r\n\n  \nb a\r\n")
    blocks = list(TextFileSource(path).blocks())
    assert [t for b in blocks for t in b.tokens] == ["a", "b", "c", "b", "a"]
    assert [n for b in blocks for n in b.sentence_lengths] == [3, 2]


def test_small_blocks_never_split_or_drop_a_token(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(300)]
    lines = [" ".join(rng.choice(words, size=rng.integers(1, 40))) for _ in range(400)]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    expected = count_words([" ".join(lines).split()])
    monkeypatch.setattr(corpus, "BLOCK_BYTES", 97)
    got = count_words(b.tokens for b in TextFileSource(path).blocks())
    assert got == expected


def test_a_very_long_line_is_kept_whole_in_segments(tmp_path):
    n = 3 * _core.MAX_SENTENCE_LENGTH + 17
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(f"w{i % 50}" for i in range(n)))   # no newline at all
    vocab = Vocabulary.from_counts(count_words(b.tokens for b in TextFileSource(path).blocks()), 1)
    (chunk,) = EncodedCorpus(TextFileSource(path), vocab).chunks()
    assert chunk.n_tokens == n
    lengths = np.diff(chunk.sentence_starts)
    assert lengths.max() == _core.MAX_SENTENCE_LENGTH and lengths.sum() == n
    assert [vocab.words[i] for i in chunk.token_ids[:3]] == ["w0", "w1", "w2"]


def test_encode_block_drops_unknown_words_and_empty_sentences():
    block = corpus.Block(["x", "a", "y", "z", "b", "a"], [2, 2, 2])
    chunk = encode_block(block, {"a": 0, "b": 1})
    assert chunk.token_ids.tolist() == [0, 1, 0]
    assert chunk.sentence_starts.tolist() == [0, 1, 3]


def test_one_shot_generator_is_refused():
    with pytest.raises(TypeError, match="one-shot"):
        open_source(s for s in SENTENCES)


def test_changing_corpus_between_passes_is_an_error(monkeypatch):
    class Changing:
        shrink = False

        def __iter__(self):
            return iter(SENTENCES[:1] if self.shrink else SENTENCES)

    monkeypatch.setattr(encoding, "CACHE_TOKENS", 0)   # re-read every pass
    vocab = Vocabulary.from_counts(count_words([sum(SENTENCES, [])]), min_count=1)
    sentences = Changing()
    encoded = EncodedCorpus(open_source(sentences), vocab)
    list(encoded.chunks())
    list(encoded.chunks())
    sentences.shrink = True
    with pytest.raises(ValueError, match="same sentences on every pass"):
        list(encoded.chunks())


@pytest.mark.parametrize("bad, message", [
    (42, "path to a text file or an iterable"),
    (b"bytes", "path to a text file or an iterable"),
])
def test_bad_corpus_types(bad, message):
    with pytest.raises(TypeError, match=message):
        open_source(bad)


def test_a_string_of_text_is_not_taken_for_a_path():
    with pytest.raises(TypeError, match="not a path to a file"):
        open_source("the cat sat on the mat")


def test_sentences_must_be_token_lists():
    with pytest.raises(TypeError, match="not a list of str tokens"):
        list(open_source(["the cat sat", "on the mat"]).blocks())
    with pytest.raises(TypeError, match="tokens must be str"):
        list(open_source([[1, 2, 3]]).blocks())


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        open_source(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="holds no regular file"):   # a directory is many files
        open_source(tmp_path)


def test_compiled_text_path_matches_the_python_blocks(tmp_path, monkeypatch):
    # ASCII whitespace of every kind, UTF-8 words, a non-breaking space inside a
    # word (not a separator), invalid UTF-8 (replaced), long lines cut by blocks.
    rng = np.random.default_rng(0)
    words = [b"cat", b"the", "caf\u00e9".encode(), "a\u00a0b".encode(), b"caf\xe9",
             b"\xff", "日本".encode(), b"x" * 40] + [b"w%d" % i for i in range(200)]
    seps = [b" ", b"\t", b"\n", b"\r\n", b"\x0b", b"\x0c", b"\n\n", b"   "]
    parts = []
    for _ in range(20_000):
        parts += [words[min(int(rng.zipf(1.5)), len(words)) - 1], seps[rng.integers(len(seps))]]
    path = tmp_path / "c.txt"
    path.write_bytes(b"".join(parts))
    monkeypatch.setattr(corpus, "BLOCK_BYTES", 1000)
    source = TextFileSource(path)
    with pytest.warns(UnicodeWarning, match="invalid UTF-8 byte sequences were replaced"):
        counts = source.count()
    with pytest.warns(UnicodeWarning):
        assert counts == count_words(b.tokens for b in source.blocks())
    assert "a\u00a0b" in counts and "caf\u00e9" in counts
    # b"caf\xe9" and b"\xff" are kept, decoded with a replacement character.
    assert "caf\ufffd" in counts and "\ufffd" in counts
    vocab = Vocabulary.from_counts(counts, min_count=3)
    with pytest.warns(UnicodeWarning):
        python = concatenate([encode_block(b, vocab.index) for b in source.blocks()])
    with pytest.warns(UnicodeWarning):
        compiled = concatenate(list(source.encode(vocab.index)))
    assert vocab.index["caf\ufffd"] in compiled.token_ids
    np.testing.assert_array_equal(compiled.token_ids, python.token_ids)
    np.testing.assert_array_equal(compiled.sentence_starts, python.sentence_starts)


def test_vocabulary_table_leaves_out_words_no_text_can_spell():
    table = corpus.vocabulary_table({"a": 0, "b c": 1, "\ud800": 2, "d": 3})
    assert sorted(table.items()[0]) == [b"a", b"d"]
    ids, starts = table.encode("a b c d\n\ud800".encode("utf-8", "surrogatepass"), 10)
    assert ids.tolist() == [0, 3] and starts.tolist() == [0, 2]


# ---------------------------------------------------------------- one source interface

def _random_corpus(tmp_path, n_lines=300, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(120)]
    sentences = [list(rng.choice(words, size=rng.integers(1, 30))) for _ in range(n_lines)]
    path = tmp_path / "c.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in sentences))
    return path, sentences


def test_both_sources_count_and_encode_alike(tmp_path, monkeypatch):
    """The CorpusSource protocol: a file and its token lists, read in many blocks, give
    the same counts and the same ids."""
    path, sentences = _random_corpus(tmp_path)
    monkeypatch.setattr(corpus, "BLOCK_BYTES", 500)
    monkeypatch.setattr(corpus, "BLOCK_TOKENS", 100)
    text, lists = open_source(path), open_source(sentences)
    assert isinstance(text, TextFileSource) and isinstance(lists, TokenListSource)
    counts = text.count()
    assert counts == lists.count() == count_words([sum(sentences, [])])
    assert len(list(text.byte_blocks())) > 5 and len(list(lists.blocks())) > 5
    for max_vocab_size in (40, 80):
        assert len(text.count(max_vocab_size)) <= max_vocab_size
        assert len(lists.count(max_vocab_size)) <= max_vocab_size
    vocab = Vocabulary.from_counts(counts, min_count=30)
    assert 0 < len(vocab) < len(counts)           # some words are out of the vocabulary
    from_text = concatenate(list(text.encode(vocab.index)))
    from_lists = concatenate(list(lists.encode(vocab.index)))
    np.testing.assert_array_equal(from_text.token_ids, from_lists.token_ids)
    assert from_text.n_tokens == vocab.total_words
    # Byte blocks this small cut lines (a cut only ends a window); whole lines give equal starts.
    monkeypatch.setattr(corpus, "BLOCK_BYTES", 1 << 20)
    from_text = concatenate(list(text.encode(vocab.index)))
    np.testing.assert_array_equal(from_text.token_ids, from_lists.token_ids)
    np.testing.assert_array_equal(from_text.sentence_starts, from_lists.sentence_starts)


def test_text_source_encodes_with_the_index_it_is_given(tmp_path):
    """The compiled lookup table is reused per index, never for another one."""
    path, _ = _random_corpus(tmp_path, n_lines=20)
    source = TextFileSource(path)
    first = {"w1": 0, "w2": 1}
    second = {"w1": 1, "w2": 0}
    ids = [concatenate(list(source.encode(index))).token_ids for index in (first, second)]
    assert len(ids[0]) > 0 and ids[0].tolist() == [1 - i for i in ids[1].tolist()]
    again = concatenate(list(source.encode(first))).token_ids
    np.testing.assert_array_equal(again, ids[0])


def test_count_text_prunes_like_count_words_on_the_same_blocks():
    blocks = [b"a a b c\n", b"d e f a\n", b"g a b\n"]
    assert count_text(blocks, 3) == count_words((b.decode().split() for b in blocks), 3)


@pytest.mark.parametrize("as_path", [False, True])
def test_encode_round_trip(tmp_path, as_path):
    path, sentences = _random_corpus(tmp_path, n_lines=50)
    vocab = pyw2v.build_vocabulary(sentences, min_count=8)
    encoded = pyw2v.encode(path if as_path else sentences, vocab)
    assert isinstance(encoded, pyw2v.EncodedCorpus) and encoded.vocab is vocab
    assert encoded.n_tokens == vocab.total_words          # the first pass is already made
    (chunk,) = encoded.chunks()                            # small: one cached chunk
    decoded = [[vocab.words[i] for i in chunk.token_ids[a:b]]
               for a, b in zip(chunk.sentence_starts[:-1], chunk.sentence_starts[1:])]
    kept = [[w for w in s if w in vocab.index] for s in sentences]
    assert decoded == [s for s in kept if s]


def test_training_on_an_encoded_corpus_equals_training_on_the_text(tmp_path):
    path, sentences = _random_corpus(tmp_path, n_lines=80)
    kwargs = dict(dim=8, window=3, epochs=2, threads=1, seed=3, min_count=3)
    vocab = pyw2v.build_vocabulary(path, min_count=3)
    encoded = pyw2v.encode(path, vocab)
    direct = pyw2v.train(sentences, **kwargs)
    from_encoded = pyw2v.train(encoded, **kwargs)
    assert from_encoded.vocab is vocab
    np.testing.assert_array_equal(from_encoded.center_vectors, direct.center_vectors)
    again = pyw2v.Word2Vec(vocab, pyw2v.TrainingParams(dim=8, window=3, epochs=2, seed=3,
                                                       min_count=3)).train(encoded, threads=1)
    np.testing.assert_array_equal(again.center_vectors, direct.center_vectors)


def test_an_encoded_corpus_must_match_the_model_vocabulary():
    vocab = pyw2v.build_vocabulary(SENTENCES, min_count=1)
    encoded = pyw2v.encode(SENTENCES, vocab)
    params = pyw2v.TrainingParams(dim=4, min_count=1, sample=0, epochs=1)
    other = pyw2v.build_vocabulary(SENTENCES, min_count=2)
    with pytest.raises(ValueError, match=r"encoded with another vocabulary \(7 words\) than "
                                         r"the model's \(2 words\).*pyw2v.encode"):
        pyw2v.Word2Vec(other, params).train(encoded, threads=1)
    equal = Vocabulary(list(vocab.words), vocab.counts.copy())   # equal, not the same object
    pyw2v.Word2Vec(equal, params).train(encoded, threads=1)


@pytest.mark.parametrize("option, message", [
    (dict(max_final_vocab=3), "max_final_vocab shapes the vocabulary"),
    (dict(max_vocab_size=3), "max_vocab_size shapes the vocabulary"),
    (dict(min_count=2), "min_count=2, but .* words seen 1 times; pass min_count=1"),
])
def test_train_on_an_encoded_corpus_refuses_vocabulary_options(option, message):
    encoded = pyw2v.encode(SENTENCES, pyw2v.build_vocabulary(SENTENCES, min_count=1))
    with pytest.raises(ValueError, match=message):
        pyw2v.train(encoded, **{"min_count": 1, **option})
