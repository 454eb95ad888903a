"""Sharding a file corpus (pyw2v.distributed.shards): the shards together are the corpus,
each a fair sample, their counts merge to the single-node vocabulary."""
from __future__ import annotations

import gzip
import json
import os
from collections import Counter

import numpy as np
import pytest

import pyw2v
from pyw2v import corpus as corpus_module
from pyw2v.corpus import open_source
from pyw2v.distributed import shards as shards_module
from pyw2v.distributed.shards import (Piece, Shard, ShardSource, merge_counts, plan_shards,
                                      shard_vocabulary)
from pyw2v.synthetic import make_corpus


@pytest.fixture
def text_file(tmp_path):
    """A synthetic corpus of 2000 lines (about 90 KB) as a plain file."""
    path = tmp_path / "synthetic.txt"
    make_corpus(n_sentences=2000, seed=1).write_text(path)
    return str(path)


@pytest.fixture
def file_list(tmp_path, text_file, write_corpus):
    """Several files: one without a trailing newline, an empty one, two synthetic."""
    other = tmp_path / "other.txt"
    make_corpus(n_sentences=500, seed=2).write_text(other)
    return [text_file, write_corpus("tail words\nno newline at the end", "open.txt"),
            write_corpus(b"", "empty.txt"), str(other)]


def sentences(chunks):
    """The sentences of encoded chunks, in order, as tuples of ids."""
    out = []
    for chunk in chunks:
        ids = chunk.token_ids.tolist()
        starts = chunk.sentence_starts.tolist()
        out.extend(tuple(ids[a:b]) for a, b in zip(starts, starts[1:]))
    return out


def token_sentences(source):
    """The sentences of a source, as tuples of str tokens (a Counter: a multiset)."""
    return Counter(tuple(block.tokens[a - n:a]) for block in source.blocks()
                   for a, n in zip(np.cumsum(block.sentence_lengths), block.sentence_lengths))


@pytest.mark.parametrize("which", ["one file", "list of files"])
def test_one_worker_reads_the_corpus_exactly(which, text_file, file_list, monkeypatch):
    corpus = text_file if which == "one file" else file_list
    # Small blocks, so lines straddling a block's end are cut: alike in both readings.
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 8192)
    monkeypatch.setattr(shards_module, "BLOCK_BYTES", 8192)
    vocab = pyw2v.build_vocabulary(corpus, min_count=1)
    [shard] = plan_shards(corpus, 1, piece_bytes=3000)
    assert len(shard.pieces) > 25
    expected = list(pyw2v.encode(corpus, vocab).chunks())
    got = list(ShardSource(shard).encode(vocab.index))
    assert len(got) > 5   # several blocks
    assert sentences(got) == sentences(expected)
    assert np.array_equal(np.concatenate([c.token_ids for c in got]),
                          np.concatenate([c.token_ids for c in expected]))


def test_pieces_tile_each_file_and_end_after_a_newline(file_list):
    shards = plan_shards(file_list, 3, piece_bytes=1000)
    pieces = sorted((p for s in shards for p in s.pieces), key=lambda p: (file_list.index(p.path),
                                                                          p.start))
    for path in file_list:
        data = open(path, "rb").read()
        mine = [p for p in pieces if p.path == path]
        assert mine[0].start == 0 and mine[-1].end is None
        assert [p.end for p in mine[:-1]] == [p.start for p in mine[1:]]
        assert all(data[p.end - 1:p.end] == b"\n" and p.end - p.start >= 1000 for p in mine[:-1])
    assert sum(s.bytes for s in shards) == sum(os.path.getsize(p) for p in file_list)


def test_a_long_line_makes_a_longer_piece(write_corpus):
    path = write_corpus("short\n" + "x " * 5000 + "\nend\n")
    pieces = plan_shards(path, 1, piece_bytes=100)[0].pieces
    assert pieces == (Piece(path, 0, 10007), Piece(path, 10007, None))


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_shards_together_are_the_corpus(workers, file_list):
    shards = plan_shards(file_list, workers, piece_bytes=2000)
    assert [s.index for s in shards] == list(range(workers))
    sources = [ShardSource(s) for s in shards]
    assert sum((token_sentences(s) for s in sources), Counter()) == token_sentences(
        open_source(file_list))
    counts = [s.count() for s in sources]
    assert merge_counts(counts) == open_source(file_list).count()
    for min_count, max_final_vocab in [(1, None), (5, None), (2, 50)]:
        assert shard_vocabulary(counts, min_count, max_final_vocab) == pyw2v.build_vocabulary(
            file_list, min_count=min_count, max_final_vocab=max_final_vocab)


def test_pieces_are_dealt_round_robin(text_file):
    [whole] = plan_shards(text_file, 1, piece_bytes=1000)
    shards = plan_shards(text_file, 3, piece_bytes=1000)
    assert [s.pieces for s in shards] == [whole.pieces[w::3] for w in range(3)]


def test_shards_are_fair_samples(tmp_path):
    path = tmp_path / "big.txt"
    make_corpus(n_sentences=8000, seed=3).write_text(path)
    total = sum(open_source(str(path)).count().values())
    for workers in (2, 3, 4):
        tokens = [sum(ShardSource(s).count().values())
                  for s in plan_shards(str(path), workers, piece_bytes=2000)]
        assert sum(tokens) == total
        assert max(abs(t - total / workers) for t in tokens) < 0.03 * total / workers


def test_a_compressed_file_is_one_piece(tmp_path, file_list):
    archive = tmp_path / "packed.txt.gz"
    with gzip.open(archive, "wb") as out:
        out.write(open(file_list[0], "rb").read())
    corpus = [file_list[3], str(archive), file_list[1]]
    shards = plan_shards(corpus, 2, piece_bytes=1500)
    assert [p for s in shards for p in s.pieces if p.path == str(archive)] == [
        Piece(str(archive), 0, None)]
    counts = [ShardSource(s).count() for s in shards]
    assert merge_counts(counts) == open_source(corpus).count()
    assert shard_vocabulary(counts, 3) == pyw2v.build_vocabulary(corpus, min_count=3)


def test_a_shard_round_trips_through_json(file_list):
    for shard in plan_shards(file_list, 3, piece_bytes=1000):
        assert Shard.from_json(json.loads(json.dumps(shard.to_json()))) == shard
    with pytest.raises(ValueError, match="not a shard manifest"):
        Shard.from_json({"index": 0})


@pytest.mark.parametrize("workers", [0, -1, 1.0, True, "2"])
def test_workers_must_be_a_positive_int(text_file, workers):
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        plan_shards(text_file, workers)


def test_errors_match_single_node_ones(tmp_path, text_file):
    missing = str(tmp_path / "missing.txt")
    for corpus in (missing, [text_file, missing], str(tmp_path / "*.gz")):
        with pytest.raises(Exception) as single:
            open_source(corpus)
        with pytest.raises(type(single.value)) as sharded:
            plan_shards(corpus, 2)
        assert str(sharded.value) == str(single.value)
    with pytest.raises(ValueError, match="empty list of files"):
        plan_shards([], 2)


@pytest.mark.parametrize("corpus", [[["the", "cat"], ["a", "dog"]], "-",
                                    pyw2v.LineStream(["the cat"]), iter(["the cat\n"])])
def test_token_lists_and_streams_are_refused(corpus):
    with pytest.raises(TypeError, match="distributed training needs corpus files every worker"):
        plan_shards(corpus, 2)


def test_too_few_pieces_for_the_workers(text_file):
    with pytest.raises(ValueError, match="makes 1 pieces for workers=2"):
        plan_shards(text_file, 2, piece_bytes=1 << 30)


def test_the_default_piece_size_gives_a_small_corpus_pieces_for_every_worker(tmp_path):
    path = tmp_path / "small.txt"
    path.write_bytes(b"the cat sat on the mat\n" * 20_000)     # 460 kB
    shards = plan_shards(str(path), 3)
    assert [len(s.pieces) for s in shards] == [3, 3, 2]      # 64 KiB pieces at least: 8


def test_a_file_gone_after_planning(tmp_path, file_list):
    shards = plan_shards(file_list, 2, piece_bytes=2000)
    source = ShardSource(shards[0])
    os.remove(file_list[3])
    for make in (lambda: ShardSource(shards[0]), lambda: source.count()):
        with pytest.raises(FileNotFoundError, match=r"other\.txt.*every worker must see"):
            make()


def test_a_file_shrunk_after_planning(text_file):
    shards = plan_shards(text_file, 2, piece_bytes=2000)
    with open(text_file, "r+b") as fh:
        fh.truncate(100)
    with pytest.raises(ValueError, match="changed since the shards were planned"):
        ShardSource(shards[1])
