"""Encoded corpora: a source read as token ids of a vocabulary, once or every epoch.

`encode(corpus, vocab)` makes the first pass at once and returns an
EncodedCorpus that `train` takes, so a corpus is encoded once and trained on
many times (benchmarks time the compiled loop alone this way).

A corpus of up to CACHE_TOKENS in-vocabulary tokens is encoded once and kept in
memory (4 bytes a token); a larger one is re-read and re-encoded block by block
every pass. When the count is known in advance (train() has it from the
vocabulary) a larger corpus streams from its first pass; otherwise that pass
holds up to CACHE_TOKENS tokens before it knows.

A stream (standard input, a file object, lines of text) can be read only once,
so all its ids are kept: in memory up to CACHE_TOKENS, the rest in .npy files
(one pair a chunk) under a temporary directory in `tmp_dir` (default
tempfile.gettempdir()), removed by EncodedCorpus.close(), at the end of a
`with` block, or when the EncodedCorpus is garbage-collected. `encode_stream`
counts and encodes a stream in its one pass (corpus.OnePassEncoder).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator

import numpy as np

from pyw2v.corpus import (Corpus, CorpusSource, EncodedChunk, OnePassEncoder, StreamSource,
                          open_source)
from pyw2v.vocab import Vocabulary, check_vocabulary_options, vocabulary_from_counts

CACHE_TOKENS = 1 << 28


def concatenate(chunks: list[EncodedChunk]) -> EncodedChunk:
    """One chunk holding all of `chunks`, in order."""
    if not chunks:
        return EncodedChunk(np.zeros(0, np.uint32), np.zeros(1, np.int64))
    offsets = np.cumsum([0] + [c.n_tokens for c in chunks[:-1]])
    starts = [chunks[0].sentence_starts[:1]]
    starts += [c.sentence_starts[1:] + off for c, off in zip(chunks, offsets)]
    return EncodedChunk(np.concatenate([c.token_ids for c in chunks]),
                        np.concatenate(starts))



class ChunkStore:
    """Chunks kept for later passes: in memory up to `limit` tokens, then (with
    `tmp_dir` set, else refused) each further chunk as two .npy files in a
    directory made under tmp_dir, deleted by close() or when the store is collected."""

    def __init__(self, limit: int, tmp_dir: str | os.PathLike[str] | None = None):
        self.limit = limit
        self.tmp_dir = tmp_dir
        self.n_tokens = 0
        self._in_memory = 0   # tokens of self._memory
        self._memory: list[EncodedChunk] = []
        self._files: list[tuple[str, str]] = []
        self._directory: str | None = None
        self._cleanup: weakref.finalize[..., ChunkStore] | None = None

    @property
    def spilled(self) -> int:
        """Chunks held on disk."""
        return len(self._files)

    @property
    def directory(self) -> str | None:
        """The temporary directory holding the spilled chunks (None before any)."""
        return self._directory

    def append(self, chunk: EncodedChunk) -> bool:
        """Keep `chunk`; False (nothing kept) if it would pass `limit` with no tmp_dir."""
        if self._in_memory + chunk.n_tokens <= self.limit and not self._files:
            self._memory.append(chunk)
            self._in_memory += chunk.n_tokens
        elif self.tmp_dir is None:
            return False
        else:
            self._files.append(self._spill(chunk))
        self.n_tokens += chunk.n_tokens
        return True

    def _spill(self, chunk: EncodedChunk) -> tuple[str, str]:
        if self._directory is None:
            self._directory = tempfile.mkdtemp(prefix="pyw2v-ids-", dir=self.tmp_dir)
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._directory, True)
        stem = os.path.join(self._directory, f"{len(self._files):06d}")
        np.save(stem + "-ids.npy", chunk.token_ids)
        np.save(stem + "-starts.npy", chunk.sentence_starts)
        return stem + "-ids.npy", stem + "-starts.npy"

    def seal(self) -> None:
        """Join the chunks into one when all are in memory (as a cached file corpus's
        are; spilled ones keep their blocks, as a streamed file's), so a stream is
        trained in the chunks a file of its text would be."""
        if len(self._memory) > 1 and not self._files:
            self._memory = [concatenate(self._memory)]

    def __iter__(self) -> Iterator[EncodedChunk]:
        """Every chunk in order; a spilled one is loaded whole (one chunk at a time)."""
        yield from self._memory
        for ids, starts in self._files:
            yield EncodedChunk(np.load(ids), np.load(starts))

    def drain(self) -> Iterator[EncodedChunk]:
        """Every chunk in order, each dropped (its files deleted) once given."""
        while self._memory:
            chunk = self._memory.pop(0)
            self._in_memory -= chunk.n_tokens
            yield chunk
        while self._files:
            ids, starts = self._files.pop(0)
            chunk = EncodedChunk(np.load(ids), np.load(starts))
            os.remove(ids)
            os.remove(starts)
            yield chunk

    def close(self) -> None:
        """Drop the chunks and delete the spill directory."""
        self._memory, self._files, self._in_memory = [], [], 0
        if self._cleanup is not None:
            self._cleanup()


class EncodedCorpus:
    """Re-iterable stream of EncodedChunks: `source` encoded with `vocab`'s ids.

    The first pass counts tokens (`n_tokens`, None until then); if they fit in
    CACHE_TOKENS the chunks are kept, so later passes neither re-read nor
    re-encode. Every pass must yield the same number of tokens, or a ValueError
    says the source changed. `expected_tokens`, when the caller knows the count
    (the vocabulary's total), lets a corpus too large to cache stream from the
    first pass on, instead of holding CACHE_TOKENS tokens before giving up.
    A StreamSource is read once and all its ids kept (spilled to disk under
    `tmp_dir` beyond CACHE_TOKENS); close() or a `with` block deletes them.
    """

    def __init__(self, source: CorpusSource, vocab: Vocabulary,
                 expected_tokens: int | None = None,
                 tmp_dir: str | os.PathLike[str] | None = None):
        self.source = source
        self.vocab = vocab
        self.expected_tokens = expected_tokens
        self.tmp_dir = tmp_dir
        self.n_tokens: int | None = None
        self._cached: ChunkStore | None = None

    @classmethod
    def _of_store(cls, source: CorpusSource, vocab: Vocabulary,
                  store: ChunkStore) -> "EncodedCorpus":
        """An EncodedCorpus whose one pass is made and held in `store` (its first
        pass gives the store's chunks by block, as a file's first pass would)."""
        encoded = cls(source, vocab, tmp_dir=store.tmp_dir)
        encoded._cached, encoded.n_tokens = store, store.n_tokens
        return encoded

    def __repr__(self) -> str:
        cached = "streamed"
        if self._cached is not None:
            cached = f"cached, {self._cached.spilled} chunks on disk" if self._cached.spilled \
                else "cached"
        return (f"EncodedCorpus({type(self.source).__name__}, vocab={len(self.vocab)} words, "
                f"n_tokens={self.n_tokens}, {cached})")

    def __enter__(self) -> "EncodedCorpus":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the ids kept on disk (a stream's) and drop those in memory."""
        if self._cached is not None:
            self._cached.close()
            self._cached = None

    def chunks(self) -> Iterator[EncodedChunk]:
        """One pass over the corpus, chunk by chunk (from memory, or disk, once cached)."""
        if self._cached is not None:
            yield from self._cached
            self._cached.seal()   # after the first pass, as a file's first pass is by block
            return
        once = isinstance(self.source, StreamSource)
        if once and self.n_tokens is not None:
            raise ValueError("this EncodedCorpus of a stream was closed, and a stream can be "
                             "read only once; encode the stream again")
        too_large = self.expected_tokens is not None and self.expected_tokens > CACHE_TOKENS
        kept: ChunkStore | None = None if too_large and not once else ChunkStore(
            CACHE_TOKENS, (self.tmp_dir or tempfile.gettempdir()) if once else None)
        seen = 0
        for chunk in self.source.encode(self.vocab.index):
            seen += chunk.n_tokens
            if kept is not None and not kept.append(chunk):
                kept = None
            yield chunk
        if self.n_tokens is not None and seen != self.n_tokens:
            raise ValueError(
                f"the corpus yielded {seen} in-vocabulary tokens on this pass but "
                f"{self.n_tokens} before; it must give the same sentences on every pass")
        self.n_tokens = seen
        if kept is not None:
            kept.seal()
            self._cached = kept

    def tokens_per_pass(self) -> int:
        """In-vocabulary tokens of one pass, making a first pass if none was made yet."""
        if self.n_tokens is None:
            for _ in self.chunks():   # counts, and caches a corpus that fits
                pass
        assert self.n_tokens is not None
        return self.n_tokens


def encode_stream(source: StreamSource, *, min_count: int = 5,
                  max_vocab_size: int | None = None, max_final_vocab: int | None = None,
                  tmp_dir: str | os.PathLike[str] | None = None, join: bool = False) -> EncodedCorpus:
    """Count and encode a stream in its one pass; its vocabulary (as build_vocabulary
    would build it from the same text) is the result's `.vocab`.

    Its first pass gives the chunks by block, later ones joined (when in memory),
    as train() passes over a file whose token count it knows; join=True joins them
    at once, as when it does not (max_vocab_size), so vectors match the file's.

    The provisional ids are kept as an EncodedCorpus keeps a stream's ids (memory
    up to CACHE_TOKENS, then disk under tmp_dir), then rewritten in final ids one
    chunk at a time, each provisional chunk file deleted once rewritten.
    """
    check_vocabulary_options(min_count, max_vocab_size, max_final_vocab)
    tmp_dir = tmp_dir if tmp_dir is not None else tempfile.gettempdir()
    one_pass = OnePassEncoder(max_vocab_size, os.fspath(tmp_dir))
    provisional = ChunkStore(CACHE_TOKENS, tmp_dir)
    final = ChunkStore(CACHE_TOKENS, tmp_dir)
    try:
        for data in source.byte_blocks():
            provisional.append(one_pass.encode(data))
        vocab = vocabulary_from_counts(one_pass.counts(), min_count, max_final_vocab)
        final_ids = one_pass.final_ids(vocab.index)
        for chunk in provisional.drain():
            final.append(OnePassEncoder.finish(chunk, final_ids))
    except BaseException:
        final.close()
        raise
    finally:
        provisional.close()
    if join:
        final.seal()
    return EncodedCorpus._of_store(source, vocab, final)


def encode(corpus: Corpus, vocab: Vocabulary, *,
           tmp_dir: str | os.PathLike[str] | None = None) -> EncodedCorpus:
    """Encode `corpus` (a path, token lists or a stream) with `vocab`'s ids, to train on it
    many times.

    The first pass is made here (a corpus of up to CACHE_TOKENS in-vocabulary
    tokens is then held in memory; a stream's ids are all kept, beyond that in
    files under `tmp_dir`, deleted by close()), so `train` with the result starts
    at once. Pass it to `Word2Vec.train` of a model with this vocabulary, or to
    `pyw2v.train`, which then takes `vocab` as the model's vocabulary.
    """
    encoded = EncodedCorpus(open_source(corpus), vocab, tmp_dir=tmp_dir)
    encoded.tokens_per_pass()
    return encoded


def encoded_for(corpus: Corpus | EncodedCorpus, vocab: Vocabulary,
                expected_tokens: int | None = None,
                tmp_dir: str | os.PathLike[str] | None = None) -> EncodedCorpus:
    """`corpus` as an EncodedCorpus with `vocab`'s ids: encoded lazily if it is a path or
    token lists, passed through if it is already encoded with an equal vocabulary."""
    if not isinstance(corpus, EncodedCorpus):
        return EncodedCorpus(open_source(corpus), vocab, expected_tokens, tmp_dir)
    if corpus.vocab != vocab:
        raise ValueError(
            f"corpus was encoded with another vocabulary ({len(corpus.vocab)} words) than "
            f"the model's ({len(vocab)} words); encode it with the model's: "
            "pyw2v.encode(corpus, model.vocab), or pass the path or token lists")
    return corpus
