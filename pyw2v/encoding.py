"""Encoded corpora: a source read as token ids of a vocabulary, once or every epoch.

`encode(corpus, vocab)` makes the first pass at once and returns an
EncodedCorpus that `train` takes, so a corpus is encoded once and trained on
many times (benchmarks time the compiled loop alone this way).

A corpus of up to CACHE_TOKENS in-vocabulary tokens is encoded once and kept in
memory (4 bytes a token); a larger one is re-read and re-encoded block by block
every pass. When the count is known in advance (train() has it from the
vocabulary) a larger corpus streams from its first pass; otherwise that pass
holds up to CACHE_TOKENS tokens before it knows.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from pyw2v.corpus import Corpus, CorpusSource, EncodedChunk, open_source
from pyw2v.vocab import Vocabulary

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


class EncodedCorpus:
    """Re-iterable stream of EncodedChunks: `source` encoded with `vocab`'s ids.

    The first pass counts tokens (`n_tokens`, None until then); if they fit in
    CACHE_TOKENS the chunks are kept, so later passes neither re-read nor
    re-encode. Every pass must yield the same number of tokens, or a ValueError
    says the source changed. `expected_tokens`, when the caller knows the count
    (the vocabulary's total), lets a corpus too large to cache stream from the
    first pass on, instead of holding CACHE_TOKENS tokens before giving up.
    """

    def __init__(self, source: CorpusSource, vocab: Vocabulary,
                 expected_tokens: int | None = None):
        self.source = source
        self.vocab = vocab
        self.expected_tokens = expected_tokens
        self.n_tokens: int | None = None
        self._cached: list[EncodedChunk] | None = None

    def __repr__(self) -> str:
        cached = "cached" if self._cached is not None else "streamed"
        return (f"EncodedCorpus({type(self.source).__name__}, vocab={len(self.vocab)} words, "
                f"n_tokens={self.n_tokens}, {cached})")

    def chunks(self) -> Iterator[EncodedChunk]:
        """One pass over the corpus, chunk by chunk (from memory once cached)."""
        if self._cached is not None:
            yield from self._cached
            return
        too_large = self.expected_tokens is not None and self.expected_tokens > CACHE_TOKENS
        kept: list[EncodedChunk] | None = None if too_large else []
        seen = 0
        for chunk in self.source.encode(self.vocab.index):
            seen += chunk.n_tokens
            if kept is not None:
                kept.append(chunk)
                if seen > CACHE_TOKENS:
                    kept = None
            yield chunk
        if self.n_tokens is not None and seen != self.n_tokens:
            raise ValueError(
                f"the corpus yielded {seen} in-vocabulary tokens on this pass but "
                f"{self.n_tokens} before; it must give the same sentences on every pass")
        self.n_tokens = seen
        if kept is not None:
            self._cached = [concatenate(kept)]

    def tokens_per_pass(self) -> int:
        """In-vocabulary tokens of one pass, making a first pass if none was made yet."""
        if self.n_tokens is None:
            for _ in self.chunks():   # counts, and caches a corpus that fits
                pass
        assert self.n_tokens is not None
        return self.n_tokens


def encode(corpus: Corpus, vocab: Vocabulary) -> EncodedCorpus:
    """Encode `corpus` (a path or token lists) with `vocab`'s ids, to train on it many times.

    The first pass is made here (a corpus of up to CACHE_TOKENS in-vocabulary
    tokens is then held in memory), so `train` with the result starts at once.
    Pass it to `Word2Vec.train` of a model with this vocabulary, or to
    `pyw2v.train`, which then takes `vocab` as the model's vocabulary.
    """
    encoded = EncodedCorpus(open_source(corpus), vocab)
    encoded.tokens_per_pass()
    return encoded


def encoded_for(corpus: Corpus | EncodedCorpus, vocab: Vocabulary,
                expected_tokens: int | None = None) -> EncodedCorpus:
    """`corpus` as an EncodedCorpus with `vocab`'s ids: encoded lazily if it is a path or
    token lists, passed through if it is already encoded with an equal vocabulary."""
    if not isinstance(corpus, EncodedCorpus):
        return EncodedCorpus(open_source(corpus), vocab, expected_tokens)
    if corpus.vocab != vocab:
        raise ValueError(
            f"corpus was encoded with another vocabulary ({len(corpus.vocab)} words) than "
            f"the model's ({len(vocab)} words); encode it with the model's: "
            "pyw2v.encode(corpus, model.vocab), or pass the path or token lists")
    return corpus
