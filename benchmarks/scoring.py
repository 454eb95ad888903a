"""How the side-by-side scripts score vectors (compare.py, compare_subwords.py): one
rule for every trainer, so a difference in scores is a difference in vectors.

questions-words is asked of the 30,000 most frequent words only. Trainers rank words
of equal count differently (pyw2v by the word; gensim 4.4 puts the word first seen
last first; fastText as its sort leaves them). On corpus-dev the 30,000th word's
count, 13, is shared by 1,290 words, so each trainer's own order asks another set of
questions (9,953 under pyw2v's order, 9,866 under gensim's); moving gensim's rows to
pyw2v's order lowered its analogy score by 0.08 to 0.19 points (median 0.17) on nine
CBOW models. So every trainer's rows are put in one order first: by descending count,
ties by the word.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pyw2v.vectors import WordVectors

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ANALOGY_WORDS = 30000


def by_count(vectors: WordVectors) -> WordVectors:
    """``vectors``' rows by descending count, ties by the word (pyw2v's vocabulary order)."""
    if vectors.counts is None:
        raise ValueError("scoring needs the words' corpus counts to rank them")
    words = list(vectors.index_to_key)
    counts = vectors.counts
    order = sorted(range(len(words)), key=lambda i: (-counts[i], words[i]))
    return WordVectors([words[i] for i in order], vectors.vectors[order], counts[order])


def score(vectors: WordVectors, eval_dir: Path = DATA / "eval") -> dict[str, float]:
    """Analogy accuracy overall and on the syntactic sections (questions-words, 3CosAdd,
    gensim's counting rules) and WordSim-353 Spearman, from ``eval_dir``'s files; NaN
    where a file is missing or none of its words are known."""
    ranked = by_count(vectors)
    scores = dict(analogy=float("nan"), syntactic=float("nan"), spearman=float("nan"))
    try:
        analogies = ranked.evaluate_analogies(eval_dir / "questions-words.txt",
                                              restrict_vocab=ANALOGY_WORDS)
        scores.update(analogy=analogies.accuracy, syntactic=analogies.syntactic.accuracy)
    except (ValueError, OSError) as error:
        print(f"  analogies not scored: {error}")
    try:
        scores["spearman"] = ranked.evaluate_word_pairs(eval_dir / "wordsim353.tsv").spearman
    except (ValueError, OSError) as error:
        print(f"  word pairs not scored: {error}")
    return scores
