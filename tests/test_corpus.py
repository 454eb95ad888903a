"""Corpus sources and encoding: files and token lists give the same stream, no token lost."""
import numpy as np
import pytest

from pyw2v import _core, corpus
from pyw2v.corpus import EncodedCorpus, TextFileSource, encode_block, open_source
from pyw2v.vocab import Vocabulary, count_text, count_words


def _stream(source, vocab):
    chunks = list(EncodedCorpus(source, vocab.index).chunks())
    merged = corpus.concatenate(chunks)
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
    (chunk,) = EncodedCorpus(TextFileSource(path), vocab.index).chunks()
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

    monkeypatch.setattr(corpus, "CACHE_TOKENS", 0)   # re-read every pass
    vocab = Vocabulary.from_counts(count_words([sum(SENTENCES, [])]), min_count=1)
    sentences = Changing()
    encoded = EncodedCorpus(open_source(sentences), vocab.index)
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
    with pytest.raises(ValueError, match="is a directory"):
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
        counts = count_text(source.byte_blocks())
    with pytest.warns(UnicodeWarning):
        assert counts == count_words(b.tokens for b in source.blocks())
    assert "a\u00a0b" in counts and "caf\u00e9" in counts
    # b"caf\xe9" and b"\xff" are kept, decoded with a replacement character.
    assert "caf\ufffd" in counts and "\ufffd" in counts
    vocab = Vocabulary.from_counts(counts, min_count=3)
    with pytest.warns(UnicodeWarning):
        python = corpus.concatenate([encode_block(b, vocab.index) for b in source.blocks()])
    with pytest.warns(UnicodeWarning):
        compiled = corpus.concatenate(list(EncodedCorpus(source, vocab.index).chunks()))
    assert vocab.index["caf\ufffd"] in compiled.token_ids
    np.testing.assert_array_equal(compiled.token_ids, python.token_ids)
    np.testing.assert_array_equal(compiled.sentence_starts, python.sentence_starts)


def test_vocabulary_table_leaves_out_words_no_text_can_spell():
    table = corpus.vocabulary_table({"a": 0, "b c": 1, "\ud800": 2, "d": 3})
    assert sorted(table.items()[0]) == [b"a", b"d"]
    ids, starts = table.encode("a b c d\n\ud800".encode("utf-8", "surrogatepass"), 10)
    assert ids.tolist() == [0, 3] and starts.tolist() == [0, 2]
