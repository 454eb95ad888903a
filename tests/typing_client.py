"""A user's code against pyw2v's public API, checked by mypy --strict (tests/test_typing.py).

Never run: it states, with assert_type, the types a user sees, so a public
signature that loses its types (an Any, a wrong overload) fails the check.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import numpy as np
from numpy.typing import NDArray

import pyw2v
from pyw2v import export
from pyw2v.callbacks import Checkpoint, EarlyStopping

if TYPE_CHECKING:
    from typing_extensions import assert_type


class LossLog(pyw2v.Callback):
    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_epoch_end(self, model: pyw2v.Word2Vec, report: pyw2v.Progress) -> bool | None:
        self.losses.append(report.loss)
        return report.epoch < 10


def train_and_save(sentences: list[list[str]], path: str) -> pyw2v.Word2Vec:
    vocab = pyw2v.build_vocabulary(sentences, min_count=1)
    assert_type(vocab.counts, NDArray[np.int64])
    encoded = pyw2v.encode(sentences, vocab)
    model = pyw2v.train(encoded, dim=20, epochs=2, threads=1, seed=3, loss="hs",
                        callbacks=[LossLog(), Checkpoint(path, every=1, keep=1),
                                   EarlyStopping(lambda m: m.wv.similarity("a", "b"))])
    assert_type(model, pyw2v.Word2Vec)
    assert_type(model.center_vectors, NDArray[np.float32])
    assert_type(model.loss_history, NDArray[np.float64])
    assert_type(model.lock_factors, Optional[NDArray[np.float32]])
    model.lock_factors = [1.0] * len(model.vocab)
    model.train(sentences, epochs=1, progress=lambda p: print(p.fraction))
    added: int = model.update_vocab(sentences, min_count=1)
    print(added)
    model.save(path, overwrite=True)
    return pyw2v.load_model(path, mmap=True)


def query(wv: pyw2v.WordVectors) -> float:
    assert_type(wv["king"], NDArray[np.float32])
    assert_type(wv.vectors, NDArray[np.float32])
    assert_type(wv.most_similar("king"), list[tuple[str, float]])
    assert_type(wv.most_similar(["king", ("woman", 2.0)], ["man"], topn=3),
                list[tuple[str, float]])
    assert_type(wv.most_similar("king", topn=None), NDArray[np.float32])
    assert_type(wv.analogy("man", "king", "woman"), str)
    assert_type(wv.analogy("man", "king", "woman", topn=5), list[tuple[str, float]])
    assert_type(wv.most_similar_to_vectors(wv.vectors[:2]), list[list[tuple[str, float]]])
    result = wv.evaluate_analogies("questions-words.txt", method="3cosmul")
    pairs = wv.evaluate_word_pairs("wordsim353.tsv")
    return result.accuracy + pairs.spearman + wv.similarity("king", wv["queen"])


def gensim_names(wv: pyw2v.WordVectors) -> None:
    assert_type(wv.get_vector("king", norm=True), NDArray[np.float32])
    assert_type(wv.get_mean_vector(["king", wv["queen"]]), NDArray[np.float32])
    assert_type(wv.n_similarity(["king"], ["queen"]), float)
    assert_type(wv.doesnt_match(["king", "queen", "car"]), str)
    assert_type(wv.closer_than("king", "queen"), list[str])
    assert_type(wv.rank("king", "queen"), int)
    assert_type(wv.distances("king", ["queen"]), NDArray[np.float32])
    wv.add_vectors(["new"], np.zeros((1, wv.vector_size), dtype=np.float32))
    wv["other"] = np.ones(wv.vector_size)
    score, sections = wv.evaluate_word_analogies("questions-words.txt")
    print(score + 1.0, [s["section"] for s in sections])
    pearson, spearman, oov = wv.evaluate_word_pairs("wordsim353.tsv")
    print(pearson, spearman, oov)
    loaded = pyw2v.WordVectors.load_word2vec_format("vectors.bin", binary=True)
    assert_type(loaded, pyw2v.WordVectors)


def files_and_phrases(wv: pyw2v.WordVectors) -> list[str]:
    wv.save_word2vec("vectors.bin", overwrite=True)
    back = pyw2v.load_word2vec("vectors.bin", limit=10)
    phrases = pyw2v.Phrases([["new", "york"]], min_count=1, threshold=0.1, passes=2)
    joined: list[str] = phrases.transform(["i", "love", "new", "york"])
    phrases.save("phrases.json", overwrite=True)
    print(joined, pyw2v.Phrases.load("phrases.json").phrases)
    assert_type(export.load_npy("npy-dir", mmap=True), pyw2v.WordVectors)
    return export.export(back, "out", "tsv", limit=100, overwrite=True)
