"""Invariants of the generated corpora; no training here (see the trainer's tests)."""
from collections import Counter

import numpy as np
import pytest

from pyw2v.synthetic import SyntheticCorpus, make_corpus


@pytest.fixture(scope="module")
def corpus() -> SyntheticCorpus:
    return make_corpus(3000, seed=7)


@pytest.fixture(scope="module")
def counts(corpus) -> Counter:
    return Counter(w for s in corpus.sentences for w in s)


def _planted(corpus):
    return {w for words in corpus.families.values() for w in words}


def _parse_questions_words(path):
    """Return (section, (a, b, c, d)) pairs from a questions-words file."""
    rows, section = [], None
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                section = line[1:].strip()
                continue
            words = tuple(line.split())
            assert len(words) == 4, line
            rows.append((section, words))
    return rows


def test_same_seed_same_corpus():
    assert make_corpus(500, seed=3) == make_corpus(500, seed=3)


def test_different_seed_different_sentences_same_vocabulary():
    a, b = make_corpus(3000, seed=1), make_corpus(3000, seed=2)
    assert a.sentences != b.sentences
    assert a.analogies == b.analogies
    assert a.families == b.families
    # The vocabulary is fixed by the tables, not by the seed: frequent words are shared.
    counts_a = Counter(w for s in a.sentences for w in s)
    counts_b = Counter(w for s in b.sentences for w in s)
    assert {w for w, _ in counts_a.most_common(200)} <= set(counts_b)


def test_n_sentences_is_honoured(corpus):
    assert len(corpus.sentences) == 3000
    assert len(make_corpus(1, seed=0).sentences) == 1


def test_default_corpus_size():
    default = make_corpus()
    assert len(default.sentences) == 20000
    assert 150_000 <= default.n_tokens() <= 500_000


def test_analogies_cover_several_sections(corpus):
    assert len(corpus.analogies) >= 100
    assert len(corpus.sections) == len(corpus.analogies)
    per_section = Counter(corpus.sections)
    assert {"capital-country", "gender"} <= set(per_section)
    assert min(per_section.values()) >= 20


def test_analogy_questions_are_well_formed(corpus):
    assert len(set(corpus.analogies)) == len(corpus.analogies)
    for a, b, c, d in corpus.analogies:
        assert len({a, b, c, d}) == 4


def test_analogies_follow_families(corpus):
    fam = corpus.families
    for section, (a, b, c, d) in zip(corpus.sections, corpus.analogies):
        if section == "capital-country":
            assert {a, c} <= set(fam["capitals"]) and {b, d} <= set(fam["countries"])
        elif section == "gender":
            assert {a, c} <= set(fam["male"]) and {b, d} <= set(fam["female"])
        # a:b and c:d are the same relation, so the pairs sit at the same positions.
        for words in fam.values():
            if a in words:
                assert c in words
            if b in words:
                assert d in words


def test_every_analogy_word_occurs(corpus, counts):
    words = {w for q in corpus.analogies for w in q}
    missing = sorted(w for w in words if counts[w] == 0)
    assert not missing
    # Enough occurrences to be kept by min_count=5 even in this small corpus.
    assert min(counts[w] for w in words) >= 5


def test_family_words_exist(corpus, counts):
    assert {"countries", "capitals", "male", "female"} <= set(corpus.families)
    for name, words in corpus.families.items():
        assert len(words) >= 10, name
        assert len(set(words)) == len(words), name
        assert all(counts[w] > 0 for w in words), name
    assert "paris" in corpus.families["capitals"]
    assert "queen" in corpus.families["female"]


def test_families_are_disjoint(corpus):
    every = [w for words in corpus.families.values() for w in words]
    assert len(every) == len(set(every))


def test_each_sentence_is_about_one_planted_word(corpus):
    planted = _planted(corpus)
    for sentence in corpus.sentences:
        assert sum(w in planted for w in sentence) == 1


def test_sentence_lengths_are_sane(corpus):
    lengths = np.array([len(s) for s in corpus.sentences])
    # planted word + 2 entity + 2 role context words + 4..10 filler words
    assert lengths.min() == 9
    assert lengths.max() == 15
    assert 10 < lengths.mean() < 14


def test_tokens_are_plain_words(corpus, counts):
    for word in counts:
        assert word and word == word.strip().lower() and " " not in word
        assert word.isascii() and word.isalpha()


def test_frequencies_are_skewed(counts):
    values = np.array(sorted(counts.values()))
    assert values[-1] >= 20 * np.median(values)
    # Function words lead, as in real text.
    assert counts.most_common(1)[0][0] == "the"


def test_zipf_exponent_zero_flattens_filler():
    flat = Counter(w for s in make_corpus(2000, seed=0, zipf_exponent=0.0).sentences for w in s)
    skewed = Counter(w for s in make_corpus(2000, seed=0, zipf_exponent=1.0).sentences for w in s)
    assert flat["the"] < skewed["the"] / 10


def test_write_text_round_trips(corpus, tmp_path):
    path = tmp_path / "corpus.txt"
    corpus.write_text(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line.split(" ") for line in lines] == corpus.sentences


def test_write_analogies_round_trips(corpus, tmp_path):
    path = tmp_path / "questions.txt"
    corpus.write_analogies(str(path))
    rows = _parse_questions_words(path)
    assert [q for _, q in rows] == corpus.analogies
    assert [s for s, _ in rows] == corpus.sections
    headers = [line for line in path.read_text().splitlines() if line.startswith(":")]
    assert headers == [f": {name}" for name in dict.fromkeys(corpus.sections)]


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"n_sentences": 0}, "n_sentences"),
        ({"n_sentences": 2.5}, "n_sentences"),
        ({"n_filler_words": 0}, "n_filler_words"),
        ({"n_filler_words": 10**7}, "n_filler_words"),
        ({"filler_per_sentence": (5, 2)}, "filler_per_sentence"),
        ({"filler_per_sentence": (1.5, 4)}, "filler_per_sentence"),
        ({"entity_context_per_sentence": -1}, "entity_context_per_sentence"),
        ({"role_context_per_sentence": -1}, "role_context_per_sentence"),
        ({"zipf_exponent": -0.5}, "zipf_exponent"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        make_corpus(**kwargs)
