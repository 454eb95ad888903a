"""TokenCounter (the compiled text scanner) against Python's bytes.split and Counter."""
import mmap
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
import pytest

from pyw2v._text import WHITESPACE, TokenCounter
from pyw2v.corpus import count_words

SEEDS = [0, 1, 2, 3, 4]
CORPUS_DEV = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                          "corpus-dev.txt")
SEPARATORS = [b" ", b" ", b" ", b"  ", b"\t", b"\n", b"\r\n", b"\x0b", b"\x0c", b"\n\n",
              b" \n ", b"\t\r\n", b" " * 70, b" " * 60 + b"\n" + b" " * 10]


def random_token(rng):
    """A token of 1 to 130 bytes (around the 8-byte inline limit and the 64-byte
    scanner blocks): ASCII, UTF-8 text, invalid UTF-8, NUL and non-whitespace
    control bytes."""
    kind = rng.integers(5)
    length = int(rng.choice([1, 2, 3, 5, 7, 8, 9, 12, 16, 17, 20, 63, 64, 65, 130]))
    if kind == 0:
        return bytes(rng.integers(ord("a"), ord("z") + 1, length).astype(np.uint8))
    if kind == 1:
        text = "".join(rng.choice(list("aé日ß€😀z"), max(1, length // 3)))
        return text.encode("utf-8")
    if kind == 2:       # any byte but whitespace: invalid UTF-8, NUL, \x1c-\x1f, 0x7f
        pool = np.array([b for b in range(256) if b not in WHITESPACE], dtype=np.uint8)
        return bytes(rng.choice(pool, length))
    if kind == 3:
        return b"\x00" * length
    return b"w%d" % rng.integers(1000)


@lru_cache(maxsize=None)
def random_text(seed, n_tokens=15_000, n_words=3_000):
    """Text from a random vocabulary, Zipf-like frequencies, random separators;
    starts and ends with whitespace or not."""
    rng = np.random.default_rng(seed)
    words = [random_token(rng) for _ in range(n_words)]
    picks = np.minimum(rng.zipf(1.3, n_tokens), n_words) - 1
    seps = rng.integers(len(SEPARATORS), size=n_tokens)
    parts = [b"\n"] if rng.integers(2) else []
    for word, sep in zip(picks, seps):
        parts.append(words[word])
        parts.append(SEPARATORS[sep])
    if rng.integers(2):
        parts.pop()
    return b"".join(parts)


def counted(*blocks):
    counter = TokenCounter()
    for block in blocks:
        counter.add(block)
    return counter


def as_dict(counter):
    tokens, counts = counter.items()
    assert counts.dtype == np.int64 and len(tokens) == len(counts) == len(counter)
    return dict(zip(tokens, counts.tolist()))


def n_lines_with_tokens(data):
    return sum(1 for line in data.split(b"\n") if line.split())


def cut_at_whitespace(data, rng, n_pieces):
    """Pieces of data, each ending at a whitespace byte (or at the end)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    spaces = np.flatnonzero(np.isin(codes, np.frombuffer(WHITESPACE, np.uint8))) + 1
    cuts = sorted(rng.choice(spaces, size=min(n_pieces - 1, len(spaces)), replace=False))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def encode_reference(data, index, max_sentence):
    """The rules of encode() in Python: index maps a token to its id (-1: drop)."""
    ids, starts = [], [0]
    for line in data.split(b"\n"):
        kept = [index[w] for w in line.split() if index.get(w, -1) >= 0]
        for a in range(0, len(kept), max_sentence):
            ids.extend(kept[a:a + max_sentence])
            starts.append(len(ids))
    return np.array(ids, dtype=np.uint32), np.array(starts, dtype=np.int64)


def random_ids(counter, rng, p_oov=0.3):
    tokens, _ = counter.items()
    ids = rng.permutation(len(tokens)).astype(np.int32)
    ids[rng.random(len(tokens)) < p_oov] = -1
    return tokens, ids


# ---------------------------------------------------------------- tokenizing and counting

def test_whitespace_is_the_set_bytes_split_uses():
    splits = {b for b in range(256) if len(bytes([97, b, 97]).split()) == 2}
    assert splits == set(WHITESPACE)
    for b in range(256):
        counter = counted(bytes([97, b, 97]))
        assert as_dict(counter) == Counter(bytes([97, b, 97]).split()), b


@pytest.mark.parametrize("seed", SEEDS)
def test_counts_match_counter_of_split(seed):
    data = random_text(seed)
    counter = counted(data)
    assert as_dict(counter) == Counter(data.split())
    assert counter.n_tokens == len(data.split())
    assert counter.n_sentences == n_lines_with_tokens(data)


@pytest.mark.parametrize("seed", SEEDS)
def test_counts_add_up_across_blocks(seed):
    data = random_text(seed)
    rng = np.random.default_rng(seed)
    counter = counted(*cut_at_whitespace(data, rng, 50))
    assert as_dict(counter) == Counter(data.split())
    assert counter.n_tokens == len(data.split())
    # A line cut between two blocks is still one sentence.
    assert counter.n_sentences == n_lines_with_tokens(data)


def test_the_same_text_twice_doubles_every_count():
    data = random_text(7)
    counter = counted(data, data)
    assert as_dict(counter) == {w: 2 * c for w, c in Counter(data.split()).items()}


def test_tokens_at_the_end_of_a_buffer_match_tokens_inside_one():
    # Short tokens at the very end are read byte by byte, elsewhere by one 8-byte load.
    counter = counted(b"abc", b"abc xyzxyzxyzxyz\n", b"\x00\xff", b"\x00\xff ab", b"ab")
    assert as_dict(counter) == {b"abc": 2, b"xyzxyzxyzxyz": 1, b"\x00\xff": 2, b"ab": 2}


def test_empty_and_whitespace_only_data():
    counter = counted(b"", b" \n\t\r\n\x0b\x0c" * 100, bytearray())
    assert len(counter) == 0 and counter.n_tokens == 0 and counter.n_sentences == 0
    assert counter.items()[0] == [] and counter.items()[1].shape == (0,)
    counter.set_ids(np.zeros(0, np.int32))
    for data in (b"", b"  \n\n  "):
        ids, starts = counter.encode(data, 5)
        assert ids.dtype == np.uint32 and ids.shape == (0,)
        assert starts.dtype == np.int64 and starts.tolist() == [0]


def test_bytes_like_inputs():
    data = random_text(3, n_tokens=2000)
    expected = Counter(data.split())
    array = np.frombuffer(data, dtype=np.uint8)
    for buffer in (data, bytearray(data), memoryview(data), array):
        assert as_dict(counted(buffer)) == expected
    with mmap.mmap(-1, len(data)) as mapped:
        mapped.write(data)
        assert as_dict(counted(mapped)) == expected
    with pytest.raises(TypeError):
        TokenCounter().add("a str is not bytes")


def test_growth_far_beyond_the_initial_table():
    words = [b"token%d" % i for i in range(100_000)] + [b"x" * 9 + b"%d" % i for i in range(20_000)]
    data = b" ".join(words) + b"\n" + b" ".join(words[::7])
    counter = counted(data)
    assert len(counter) == len(words)
    assert as_dict(counter) == Counter(data.split())
    # 32-byte slots at most 70% full, doubled: at most 32 / 0.35 bytes a token, plus text.
    assert counter.nbytes < len(words) * 32 / 0.35 + 2 * len(data)


def test_one_long_token_grows_the_arena():
    rng = np.random.default_rng(0)
    pool = np.array([b for b in range(256) if b not in WHITESPACE], dtype=np.uint8)
    long = bytes(rng.choice(pool, 3_000_001))
    counter = counted(long, b" " + long + b"\n", long[:-1] + b" a\n", long)
    assert as_dict(counter) == {long: 3, long[:-1]: 1, b"a": 1}
    assert counter.n_sentences == 3


def test_a_100_megabyte_token():
    # About 0.2 s: not marked slow, so the default run keeps it (it always ran).
    long = b"\x80" * 100_000_000
    counter = counted(long, b"a " + long)
    tokens, counts = counter.items()
    assert sorted(zip(counts.tolist(), map(len, tokens))) == [(1, 1), (2, 100_000_000)]


def test_crlf_and_other_whitespace_vanish():
    data = b"a b\r\nc\td\x0be\x0cf\r\n\r\n  g\n"
    counter = counted(data)
    assert as_dict(counter) == dict.fromkeys([b"a", b"b", b"c", b"d", b"e", b"f", b"g"], 1)
    assert counter.n_sentences == 3


def test_sentences_counted_across_blocks_and_long_whitespace():
    # Whitespace runs longer than the scanner's 64-byte blocks, newline in the middle.
    data = b"a" + b" " * 100 + b"b" + b" " * 100 + b"\n" + b" " * 100 + b"c\n\n\nd"
    assert counted(data).n_sentences == 3
    pieces = [b"a" + b" " * 100, b"b" + b" " * 100 + b"\n", b" " * 100 + b"c\n\n\n", b"d"]
    assert counted(*pieces).n_sentences == 3


# ---------------------------------------------------------------- pruning

@pytest.mark.parametrize("seed", SEEDS[:3])
def test_prune_drops_exactly_the_rare_tokens(seed):
    data = random_text(seed)
    expected = Counter(data.split())
    counter = counted(data)
    for min_count in (1, 2, 3, 10):
        dropped = counter.prune(min_count)
        kept = {w: c for w, c in expected.items() if c >= min_count}
        assert dropped == len(expected) - len(kept)
        assert as_dict(counter) == kept
        expected = Counter(kept)
    # The table still works: counting more adds to the survivors.
    more = random_text(seed + 100)
    counter.add(more)
    assert as_dict(counter) == expected + Counter(more.split())


def test_prune_everything_then_count_again():
    counter = counted(b"a bb " + b"c" * 50)
    assert counter.prune(2) == 3 and len(counter) == 0
    counter.add(b"c" * 50 + b" d")
    assert as_dict(counter) == {b"c" * 50: 1, b"d": 1}
    assert counter.n_tokens == 5


def test_prune_in_a_loop_is_count_words_with_max_vocab_size():
    rng = np.random.default_rng(0)
    blocks = cut_at_whitespace(random_text(11, n_tokens=30_000, n_words=5_000), rng, 12)
    for max_vocab_size in (50, 300, 2000):
        counter, prune_below = TokenCounter(), 1
        for block in blocks:
            counter.add(block)
            while len(counter) > max_vocab_size:
                counter.prune(prune_below + 1)
                prune_below += 1
        assert as_dict(counter) == count_words((b.split() for b in blocks), max_vocab_size)


# ---------------------------------------------------------------- encoding

@pytest.mark.parametrize("seed", SEEDS[:4])
@pytest.mark.parametrize("max_sentence", [1, 3, 10_000])
def test_encode_matches_python(seed, max_sentence):
    data = random_text(seed)
    rng = np.random.default_rng(seed)
    counter = counted(data)
    tokens, ids = random_ids(counter, rng)
    counter.set_ids(ids)
    got_ids, got_starts = counter.encode(data, max_sentence)
    want_ids, want_starts = encode_reference(data, dict(zip(tokens, ids.tolist())), max_sentence)
    assert got_ids.dtype == np.uint32 and got_starts.dtype == np.int64
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_array_equal(got_starts, want_starts)
    assert np.all(np.diff(got_starts) >= 1) and np.all(np.diff(got_starts) <= max_sentence)


def test_encode_cuts_long_sentences_without_losing_tokens():
    counter = counted(b"a b c")
    tokens, _ = counter.items()
    counter.set_ids([{b"a": 0, b"b": 1, b"c": -1}[t] for t in tokens])
    ids, starts = counter.encode(b"a b c a b c a\nc c\n\nb a b", 2)
    assert ids.tolist() == [0, 1, 0, 1, 0, 1, 0, 1]
    assert starts.tolist() == [0, 2, 4, 5, 7, 8]


def test_encode_drops_tokens_the_counter_never_saw():
    seen, unseen = random_text(1), random_text(2)
    rng = np.random.default_rng(1)
    counter = counted(seen)
    tokens, ids = random_ids(counter, rng, p_oov=0.0)
    counter.set_ids(ids)
    before = as_dict(counter)
    got_ids, got_starts = counter.encode(unseen, 100)
    want_ids, want_starts = encode_reference(unseen, dict(zip(tokens, ids.tolist())), 100)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_array_equal(got_starts, want_starts)
    assert as_dict(counter) == before        # encoding never adds to the table
    assert counter.n_tokens == len(seen.split())


def test_encode_blocks_in_parallel_threads():
    data = random_text(5, n_tokens=100_000)
    counter = counted(data)
    counter.set_ids(np.arange(len(counter), dtype=np.int32))
    blocks = cut_at_whitespace(data, np.random.default_rng(0), 40)
    alone = [counter.encode(block, 7) for block in blocks]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda block: counter.encode(block, 7), blocks))
    for (a_ids, a_starts), (b_ids, b_starts) in zip(alone, together):
        np.testing.assert_array_equal(a_ids, b_ids)
        np.testing.assert_array_equal(a_starts, b_starts)


def test_ids_survive_add_and_prune():
    counter = counted(b"a a a b b c")
    tokens, _ = counter.items()
    counter.set_ids([{b"a": 5, b"b": 6, b"c": 7}[t] for t in tokens])
    counter.add(b"d d d d")              # new token: out of vocabulary until set_ids
    assert counter.encode(b"a b c d", 10)[0].tolist() == [5, 6, 7]
    counter.prune(2)
    assert counter.encode(b"a b c d", 10)[0].tolist() == [5, 6]


def test_argument_errors():
    counter = counted(b"a b")
    with pytest.raises(RuntimeError, match="set_ids"):
        counter.encode(b"a", 10)
    with pytest.raises(ValueError, match="one id per token"):
        counter.set_ids(np.zeros(3, np.int32))
    with pytest.raises(ValueError, match="-1"):
        counter.set_ids(np.array([0, -2]))
    counter.set_ids(np.array([0, 1]))
    with pytest.raises(ValueError, match="max_sentence"):
        counter.encode(b"a", 0)


# ---------------------------------------------------------------- real text

@pytest.mark.skipif(not os.path.exists(CORPUS_DEV), reason="shared corpus-dev.txt absent")
def test_corpus_dev_head_matches_counter():
    with open(CORPUS_DEV, "rb") as fh:
        data = fh.read(2 << 20)
    data = data[: data.rfind(b"\n") + 1]
    counter = counted(data)
    assert as_dict(counter) == Counter(data.split())
    assert counter.n_sentences == n_lines_with_tokens(data)
    tokens, counts = counter.items()
    counter.set_ids(np.where(counts >= 5, np.arange(len(tokens)), -1))
    got_ids, got_starts = counter.encode(data, 1000)
    index = {t: i if c >= 5 else -1 for i, (t, c) in enumerate(zip(tokens, counts))}
    want_ids, want_starts = encode_reference(data, index, 1000)
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_array_equal(got_starts, want_starts)
