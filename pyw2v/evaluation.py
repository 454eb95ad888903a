"""Evaluation of word vectors: analogy accuracy and correlation with human similarity scores.

:func:`evaluate_analogies` reads a questions-words file (``: section`` headers,
then lines ``a b c d`` meaning a : b :: c : d) and :func:`evaluate_word_pairs`
a WordSim-353 style file (``word1<TAB>word2<TAB>score``).  Both reproduce
gensim 4.4's ``evaluate_word_analogies`` and ``evaluate_word_pairs`` counting
rules, so on the same vectors they report the same accuracy and the same
correlations (each function lists its rules).

The evaluators take any object with ``index_to_key``, ``vectors`` and
``norms`` (:class:`KeyedMatrix`; :class:`pyw2v.WordVectors` is one), so this
module never imports vectors.py; ``WordVectors.evaluate_analogies`` and
``WordVectors.evaluate_word_pairs`` delegate here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, Union

import numpy as np
from numpy.typing import NDArray

from ._cosine import (
    COSMUL_EPS,
    batch_size,
    check_method,
    check_restrict,
    fits_budget,
    safe_norms,
    unit_rows,
)

__all__ = [
    "AnalogyResult",
    "Correlation",
    "KeyedMatrix",
    "SectionScore",
    "WordPairsResult",
    "analogy_sections",
    "evaluate_analogies",
    "evaluate_word_pairs",
]

#: A file path, or the lines of a file already read (str, newlines optional).
PathOrLines = Union[str, "os.PathLike[str]", Iterable[str]]

# gensim's evaluate_word_analogies looks at this many candidates per question.
_EVAL_CANDIDATES = 5


class KeyedMatrix(Protocol):
    """What the evaluators read from a set of word vectors."""

    @property
    def index_to_key(self) -> Sequence[str]:
        """The words, in row order (most frequent first, unless the vocabulary was grown)."""

    @property
    def vectors(self) -> NDArray[np.float32]:
        """float32 matrix (n, dim), one row per word."""

    @property
    def norms(self) -> NDArray[np.float32]:
        """float32 (n,): Euclidean length of each row."""


# ---------------------------------------------------------------------- results


@dataclass(frozen=True)
class SectionScore:
    """Analogy counts for one section (or a group of sections)."""

    name: str
    correct: int
    #: questions answered (all four words in the vocabulary)
    total: int
    #: questions skipped because a word was outside the vocabulary
    skipped: int

    @property
    def accuracy(self) -> float:
        """correct / total, or 0.0 when no question was answered (as gensim)."""
        return self.correct / self.total if self.total else 0.0

    @classmethod
    def combine(cls, name: str, parts: Iterable[SectionScore]) -> SectionScore:
        """One score summing the counts of ``parts``."""
        parts = list(parts)
        return cls(
            name,
            sum(p.correct for p in parts),
            sum(p.total for p in parts),
            sum(p.skipped for p in parts),
        )

    def __str__(self) -> str:
        return f"{self.name}: {100 * self.accuracy:.1f}% ({self.correct}/{self.total})"


@dataclass(frozen=True)
class AnalogyResult:
    """Result of :func:`evaluate_analogies`."""

    sections: tuple[SectionScore, ...]
    semantic: SectionScore
    syntactic: SectionScore
    overall: SectionScore
    #: lines ignored because they were not four words
    n_invalid: int
    method: str
    restrict_vocab: int
    case_insensitive: bool

    @property
    def accuracy(self) -> float:
        """Overall accuracy over answered questions (gensim's score)."""
        return self.overall.accuracy

    @property
    def correct(self) -> int:
        return self.overall.correct

    @property
    def total(self) -> int:
        return self.overall.total

    @property
    def skipped(self) -> int:
        return self.overall.skipped

    @property
    def oov_ratio(self) -> float:
        """Fraction of questions skipped as out of vocabulary (gensim logs it in percent)."""
        asked = self.overall.total + self.overall.skipped
        return self.overall.skipped / asked if asked else 0.0

    def summary(self) -> str:
        """Human-readable report, one line per section then the totals."""
        lines = [str(s) for s in self.sections]
        lines += [str(self.semantic), str(self.syntactic), str(self.overall)]
        lines.append(
            f"skipped (out of vocabulary): {self.skipped} of {self.total + self.skipped} "
            f"({100 * self.oov_ratio:.1f}%); method {self.method}, "
            f"restrict_vocab {self.restrict_vocab}"
        )
        return "\n".join(lines)


class Correlation(NamedTuple):
    """A correlation and its two-sided p-value, indexed and named as SciPy's results are."""

    statistic: float
    #: NaN when SciPy is not installed
    pvalue: float

    @property
    def correlation(self) -> float:
        """SciPy's older name for ``statistic`` (``spearmanr(...).correlation``)."""
        return self.statistic


@dataclass(frozen=True)
class WordPairsResult:
    """Result of :func:`evaluate_word_pairs`.

    It also unpacks as gensim's ``(pearson, spearman, oov_percent)``, the
    correlations as :class:`Correlation` (value, p-value) pairs, so
    ``pearson, spearman, oov = wv.evaluate_word_pairs(path)`` runs unchanged.
    """

    pearson: float
    spearman: float
    #: pairs correlated (both words in the vocabulary, plus the out-of-vocabulary
    #: pairs scored 0 when ``dummy4unknown``)
    n_pairs: int
    #: pairs with a word outside the vocabulary
    n_oov: int
    #: non-comment lines ignored as malformed
    n_invalid: int
    dummy4unknown: bool = False

    @property
    def oov_ratio(self) -> float:
        """Fraction of pairs with a word outside the vocabulary (gensim returns it in percent)."""
        asked = self.n_pairs if self.dummy4unknown else self.n_pairs + self.n_oov
        return self.n_oov / asked

    def summary(self) -> str:
        return (
            f"Pearson {self.pearson:.4f}, Spearman {self.spearman:.4f}, "
            f"{self.n_pairs} pairs, {self.n_oov} out of vocabulary ({100 * self.oov_ratio:.1f}%)"
        )

    def _gensim_tuple(self) -> tuple[Correlation, Correlation, float]:
        return (
            Correlation(self.pearson, _correlation_p_value(self.pearson, self.n_pairs)),
            Correlation(self.spearman, _correlation_p_value(self.spearman, self.n_pairs)),
            100 * self.oov_ratio,
        )

    def __iter__(self) -> Iterator[Correlation | float]:
        return iter(self._gensim_tuple())

    def __getitem__(self, index: int) -> Correlation | float:
        return self._gensim_tuple()[index]

    def __len__(self) -> int:
        return 3


def _correlation_p_value(r: float, n: int) -> float:
    """Two-sided p-value of a correlation ``r`` over ``n`` pairs (Student's t, n - 2 dof).

    This is the p-value SciPy's ``pearsonr`` and ``spearmanr`` report; it needs
    SciPy's incomplete beta function, so without SciPy it is NaN.
    """
    try:
        from scipy.special import betainc
    except ImportError:
        return float("nan")
    dof = n - 2
    if dof < 1 or not np.isfinite(r):
        return float("nan")
    if abs(r) >= 1.0:
        return 0.0
    # P(|T| >= |t|) with t^2 = dof r^2 / (1 - r^2) is I_x(dof / 2, 1 / 2) at x = 1 - r^2.
    return float(betainc(dof / 2.0, 0.5, 1.0 - r * r))


# ---------------------------------------------------------------------- analogies


def evaluate_analogies(
    vectors: KeyedMatrix,
    path_or_lines: PathOrLines,
    restrict_vocab: int | None = 30000,
    case_insensitive: bool = True,
    method: str = "3cosadd",
) -> AnalogyResult:
    """Accuracy of ``vectors`` on analogy questions in the questions-words format.

    ``path_or_lines`` is a UTF-8 file or its lines: ``: section`` header lines
    followed by lines of four words ``a b c d`` meaning a : b :: c : d.
    Counting follows gensim 4.4's ``evaluate_word_analogies``, itself modelled
    on word2vec.c's ``compute-accuracy``:

    - only the first ``restrict_vocab`` words (None: all) are used, both as
      the vocabulary questions may use and as candidate answers (30000 by
      default, as in compute-accuracy and published results; gensim's
      default is 300000);
    - with ``case_insensitive`` words are compared upper-cased, and a word
      spelt several ways takes the vector of its first (most frequent) row;
    - a question with any word outside that vocabulary is skipped: it counts
      in ``skipped`` and ``oov_ratio`` but not in the accuracy;
    - lines that are not four words are ignored and counted in ``n_invalid``;
    - the answer is the best candidate other than a, b, c; as in gensim,
      the five best are scanned and other spellings of a, b or c are passed
      over when case folding.

    Sections whose name starts with ``gram`` are syntactic, all others
    semantic; in questions-words.txt that makes the first five semantic.

    ``method`` is "3cosadd" (gensim's method) or "3cosmul" (see
    :meth:`pyw2v.WordVectors.analogy`).  Questions are scored in batches, one
    matrix product per batch.
    """
    method = check_method(method)
    stop = check_restrict(restrict_vocab, len(vectors.index_to_key))
    vocab = _eval_vocab(vectors.index_to_key, stop, case_insensitive)
    parsed = _read_questions(*_lines_of(path_or_lines))
    asked = _ask(parsed, vocab, case_insensitive)
    correct = _answer_analogies(vectors, asked, stop, case_insensitive, method)
    sections = asked.score_sections(parsed.names, correct)
    syntactic = [s for s in sections if s.name.lower().startswith("gram")]
    semantic = [s for s in sections if not s.name.lower().startswith("gram")]
    return AnalogyResult(
        sections=sections,
        semantic=SectionScore.combine("semantic", semantic),
        syntactic=SectionScore.combine("syntactic", syntactic),
        overall=SectionScore.combine("total", sections),
        n_invalid=parsed.n_invalid,
        method=method,
        restrict_vocab=stop,
        case_insensitive=case_insensitive,
    )


def analogy_sections(
    vectors: KeyedMatrix,
    path_or_lines: PathOrLines,
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> tuple[float, list[dict[str, Any]]]:
    """gensim's ``evaluate_word_analogies`` result: ``(accuracy, sections)``.

    Scores with :func:`evaluate_analogies`' rules (3CosAdd); ``sections`` is
    one dict per section, ``{"section": name, "correct": [(a, b, c, d), ...],
    "incorrect": [...]}`` with the words upper-cased when case folding, then
    a ``"Total accuracy"`` dict of all questions.  With ``dummy4unknown`` a
    question with an out-of-vocabulary word counts as incorrect instead of
    being skipped.  The accuracy is correct / (correct + incorrect), 0.0 if
    no question counted.
    """
    stop = check_restrict(restrict_vocab, len(vectors.index_to_key))
    vocab = _eval_vocab(vectors.index_to_key, stop, case_insensitive)
    parsed = _read_questions(*_lines_of(path_or_lines))
    asked = _ask(parsed, vocab, case_insensitive)
    correct = _answer_analogies(vectors, asked, stop, case_insensitive, "3cosadd")
    outcome = dict(zip(asked.positions.tolist(), correct.tolist()))
    sections: list[dict[str, Any]] = [{"section": n, "correct": [], "incorrect": []} for n in parsed.names]
    for position, (section, words) in enumerate(parsed.questions):
        right = outcome.get(position)
        if right is None and not dummy4unknown:
            continue
        quad = tuple(w.upper() for w in words) if case_insensitive else tuple(words)
        sections[section]["correct" if right else "incorrect"].append(quad)
    total = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    counted = len(total["correct"]) + len(total["incorrect"])
    return (len(total["correct"]) / counted if counted else 0.0), sections + [total]


def _eval_vocab(keys: Sequence[str], stop: int, case_insensitive: bool) -> dict[str, int]:
    """Word (upper-cased if case-insensitive) -> row, over the first ``stop`` rows.

    With case folding the first (most frequent) spelling wins, as in gensim.
    """
    keys = keys[:stop]
    if not case_insensitive:
        return {k: i for i, k in enumerate(keys)}
    vocab: dict[str, int] = {}
    for i, k in enumerate(keys):
        vocab.setdefault(k.upper(), i)
    return vocab


def _lines_of(path_or_lines: PathOrLines) -> tuple[Iterable[str], str]:
    """(lines, name for error messages) of a path or of lines already read."""
    if isinstance(path_or_lines, (str, bytes, os.PathLike)):
        path = os.fspath(path_or_lines)
        return _utf8_lines(path), str(path)
    return path_or_lines, "analogy lines"


def _utf8_lines(path: str | bytes) -> Iterator[str]:
    """The lines of ``path``; an invalid UTF-8 line is an error naming its number."""
    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"{path!s}: line {line_no} is not valid UTF-8 ({exc.reason})"
                ) from None


@dataclass(frozen=True)
class _QuestionFile:
    """A questions-words file as read, before any word is looked up."""

    names: list[str]
    #: (section index, the question's four words) in file order
    questions: list[tuple[int, list[str]]]
    #: non-blank lines that were not four words
    n_invalid: int


def _read_questions(lines: Iterable[str], source: str) -> _QuestionFile:
    """Parse questions-words lines; ``source`` names the input in errors."""
    names: list[str] = []
    questions: list[tuple[int, list[str]]] = []
    n_invalid = 0
    for line_no, line in enumerate(lines, start=1):
        if line.startswith(": "):
            names.append(line.lstrip(": ").strip())
            continue
        words = line.split()
        if not words:
            continue
        if not names:
            raise ValueError(
                f"{source}: line {line_no} comes before the first ': section' header; "
                "expected the questions-words format"
            )
        if len(words) != 4:
            n_invalid += 1
            continue
        questions.append((len(names) - 1, words))
    if not questions:
        raise ValueError(
            f"{source}: no analogy questions found; expected ': section' headers followed by "
            "lines of four words"
        )
    return _QuestionFile(names, questions, n_invalid)


@dataclass(frozen=True)
class _Asked:
    """The questions with all four words in the vocabulary, as rows, and the skip counts."""

    #: (m,) section index of each question
    section_of: NDArray[np.intp]
    #: (m, 3) intp rows of a, b, c
    abc: NDArray[np.intp]
    #: the m expected answers d (upper-cased if case-insensitive)
    expected: list[str]
    #: per section, questions skipped as out of vocabulary
    skipped: list[int]
    #: (m,) position of each asked question in the file's question list
    positions: NDArray[np.intp]

    def score_sections(self, names: list[str], correct: NDArray[np.bool_]
                       ) -> tuple[SectionScore, ...]:
        """One :class:`SectionScore` per section, from the per-question ``correct`` flags."""
        right = np.bincount(
            self.section_of, weights=correct.astype(np.float64), minlength=len(names)
        ).astype(int)
        asked = np.bincount(self.section_of, minlength=len(names))
        return tuple(
            SectionScore(name, int(right[s]), int(asked[s]), self.skipped[s])
            for s, name in enumerate(names)
        )


def _ask(parsed: _QuestionFile, vocab: dict[str, int], case_insensitive: bool) -> _Asked:
    """Look the questions' words up in ``vocab``; a question with an unknown word is skipped."""
    skipped = [0] * len(parsed.names)
    section_of: list[int] = []
    rows: list[tuple[int, int, int]] = []
    expected: list[str] = []
    positions: list[int] = []
    for position, (section, words) in enumerate(parsed.questions):
        if case_insensitive:
            words = [w.upper() for w in words]
        ids = [vocab.get(w) for w in words]
        if None in ids:
            skipped[section] += 1
            continue
        section_of.append(section)
        rows.append((ids[0], ids[1], ids[2]))  # type: ignore[arg-type]
        expected.append(words[3])
        positions.append(position)
    return _Asked(
        section_of=np.array(section_of, dtype=np.intp),
        abc=np.array(rows, dtype=np.intp).reshape(-1, 3),
        expected=expected,
        skipped=skipped,
        positions=np.array(positions, dtype=np.intp),
    )


def _answer_analogies(
    vectors: KeyedMatrix, asked: _Asked, stop: int, case_insensitive: bool, method: str
) -> NDArray[np.bool_]:
    """Whether each asked question is answered with its expected word, bool (m,)."""
    correct = np.zeros(len(asked.abc), dtype=bool)
    keys = vectors.index_to_key
    fold: Callable[[str], str] = str.upper if case_insensitive else (lambda s: s)
    for start, ids, scores in _analogy_scores(vectors, asked.abc, stop, method):
        best = scores.argmax(axis=1).tolist()
        for r, abc in enumerate(ids.tolist()):
            predicted = _prediction(scores[r], best[r], abc, keys, fold, stop)
            correct[start + r] = predicted == asked.expected[start + r]
    return correct


def _analogy_scores(
    vectors: KeyedMatrix, abc: NDArray[np.intp], stop: int, method: str
) -> Iterator[tuple[int, NDArray[np.intp], NDArray[np.float32]]]:
    """Per batch of questions: (first question, ids (k, 3), scores (k, stop) float32).

    a, b and c score -inf.  The scores live in one buffer reused by every batch.
    """
    matrix = vectors.vectors
    divisors = safe_norms(vectors.norms)
    batch = batch_size(stop, per_row=4 if method == "3cosmul" else 1)
    buffer = np.empty((min(batch, len(abc)), stop), dtype=np.float32)
    shifted_all = distinct_all = None
    if method == "3cosmul":
        # Analogy files reuse few words (905 in questions-words.txt): when
        # they fit the budget, compute each word's cosines once for all.
        distinct_all = np.unique(abc)
        if fits_budget(distinct_all.size, stop):
            shifted_all = _shifted_cosines(matrix, divisors, distinct_all, stop)
    for start in range(0, len(abc), batch):
        ids = abc[start : start + batch]
        count = len(ids)
        scores = buffer[:count]
        if method == "3cosadd":
            _cosadd_scores(matrix, divisors, ids, out=scores)
        else:
            if shifted_all is not None and distinct_all is not None:   # set together
                shifted, where = shifted_all, np.searchsorted(distinct_all, ids)
            else:
                # Each distinct word's cosines are computed once per batch.
                distinct, where = np.unique(ids, return_inverse=True)
                where = where.reshape(count, 3)
                shifted = _shifted_cosines(matrix, divisors, distinct, stop)
            np.multiply(shifted[where[:, 1]], shifted[where[:, 2]], out=scores)
            scores /= shifted[where[:, 0]] + np.float32(COSMUL_EPS)
        rows = np.arange(count)
        for column in range(3):
            scores[rows, ids[:, column]] = -np.inf
        yield start, ids, scores


def _cosadd_scores(
    matrix: NDArray[np.float32], divisors: NDArray[np.float32], ids: NDArray[np.intp],
    out: NDArray[np.float32],
) -> None:
    """Into ``out`` (k, stop): cos(d, b - a + c) of each of the first ``stop`` rows d."""
    stop = out.shape[1]
    flat = ids.ravel()
    units = (matrix[flat] / divisors[flat, None]).reshape(len(ids), 3, -1)
    queries = unit_rows(units[:, 1] + units[:, 2] - units[:, 0])
    np.matmul(queries, matrix[:stop].T, out=out)
    out /= divisors[:stop]


def _shifted_cosines(
    matrix: NDArray[np.float32], divisors: NDArray[np.float32], rows: NDArray[np.intp], stop: int
) -> NDArray[np.floating[Any]]:
    """(cos + 1) / 2 of each word in ``rows`` with each of the first ``stop`` rows (float32)."""
    units = matrix[rows] / divisors[rows, None]
    shifted: NDArray[np.floating[Any]] = (units @ matrix[:stop].T) / divisors[:stop]
    shifted += 1
    shifted /= 2
    return shifted


def _prediction(
    row: NDArray[np.float32],
    best: int,
    abc: Sequence[int],
    keys: Sequence[str],
    fold: Callable[[str], str],
    stop: int,
) -> str | None:
    """The folded answer for one question's scores, or None when no candidate is left.

    When case folding makes the best word another spelling of a, b or c, the
    five best are scanned for one that is not, as gensim does.
    """
    available = stop - len(set(abc))
    if available == 0:
        return None
    ignore = {fold(keys[i]) for i in abc}
    predicted = fold(keys[best])
    if predicted in ignore:
        k = min(_EVAL_CANDIDATES, available)
        top = np.argpartition(-row, k - 1)[:k]
        top = top[np.lexsort((top, -row[top]))]
        for index in top.tolist():
            predicted = fold(keys[index])
            if predicted not in ignore:
                break
    return predicted


# ---------------------------------------------------------------------- word pairs


def evaluate_word_pairs(
    vectors: KeyedMatrix,
    path: str | os.PathLike[str],
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    delimiter: str = "\t",
    *,
    dummy4unknown: bool = False,
    encoding: str = "utf-8",
) -> WordPairsResult:
    """Correlation of cosine similarities with human scores (WordSim-353 layout).

    Each line is ``word1<delimiter>word2<delimiter>score``; lines starting
    with ``#`` are comments.  As in gensim 4.4's ``evaluate_word_pairs``:
    fields are not stripped, lines without exactly three fields or with a
    non-numeric score are ignored (counted in ``n_invalid``), a pair with a
    word outside the first ``restrict_vocab`` words is skipped (counted in
    ``n_oov``), and case folding upper-cases words and takes the first
    spelling's vector.  Spearman uses average ranks for ties.  With
    ``dummy4unknown`` an out-of-vocabulary pair is correlated with model
    similarity 0 instead of being skipped (gensim's option).
    """
    stop = check_restrict(restrict_vocab, len(vectors.index_to_key))
    vocab = _eval_vocab(vectors.index_to_key, stop, case_insensitive)
    path = os.fspath(path)
    with open(path, encoding=encoding) as fh:
        pairs, n_invalid = _read_pairs(fh, delimiter)
    left: list[int] = []
    right: list[int] = []
    gold: list[float] = []
    dummies: list[int] = []  # positions in gold of pairs scored 0
    for a, b, score in pairs:
        if case_insensitive:
            a, b = a.upper(), b.upper()
        if a in vocab and b in vocab:
            left.append(vocab[a])
            right.append(vocab[b])
            gold.append(score)
        elif dummy4unknown:
            dummies.append(len(gold))
            left.append(0)
            right.append(0)
            gold.append(score)
    n_oov = len(pairs) - len(gold) + len(dummies)
    if not gold:
        raise ValueError(
            f"{path}: no word pair with both words in the vocabulary "
            f"({n_oov} out of vocabulary, {n_invalid} malformed lines)"
        )
    if len(gold) < 2:
        raise ValueError(f"{path}: only one word pair in the vocabulary; correlations need two")
    sims = _pair_cosines(vectors, left, right)
    sims[dummies] = 0.0
    gold_arr = np.asarray(gold, dtype=np.float64)
    return WordPairsResult(
        pearson=_pearson(gold_arr, sims),
        spearman=_pearson(_average_ranks(gold_arr), _average_ranks(sims)),
        n_pairs=len(gold),
        n_oov=n_oov,
        n_invalid=n_invalid,
        dummy4unknown=dummy4unknown,
    )


def _read_pairs(lines: Iterable[str], delimiter: str) -> tuple[list[tuple[str, str, float]], int]:
    """(word1, word2, score) of each well-formed line, and the number of malformed lines."""
    pairs: list[tuple[str, str, float]] = []
    n_invalid = 0
    for line in lines:
        if line.startswith("#"):
            continue
        fields = line.split(delimiter)
        if len(fields) != 3:
            if line.strip():
                n_invalid += 1
            continue
        try:
            score = float(fields[2])
        except ValueError:
            n_invalid += 1
            continue
        pairs.append((fields[0], fields[1], score))
    return pairs, n_invalid


def _pair_cosines(vectors: KeyedMatrix, left: list[int], right: list[int]
                  ) -> NDArray[np.float64]:
    """Cosine of rows ``left[i]`` and ``right[i]``, float64 (m,)."""
    divisors = safe_norms(vectors.norms)
    va = vectors.vectors[left].astype(np.float64)
    vb = vectors.vectors[right].astype(np.float64)
    cosines: NDArray[np.float64] = np.einsum("ij,ij->i", va, vb) / (
        divisors[left].astype(np.float64) * divisors[right])
    return cosines


def _pearson(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Pearson correlation of two float64 vectors; NaN if either is constant."""
    dx = x - x.mean()
    dy = y - y.mean()
    denominator = np.sqrt(np.dot(dx, dx) * np.dot(dy, dy))
    if denominator == 0:
        return float("nan")
    return float(np.clip(np.dot(dx, dy) / denominator, -1.0, 1.0))


def _average_ranks(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """1-based ranks of ``x``, tied values sharing the mean of their ranks."""
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    # Start of each run of equal values, plus the end.
    edges = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
    mean_rank = (edges[:-1] + edges[1:] + 1) / 2.0
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, np.diff(edges))
    return ranks
