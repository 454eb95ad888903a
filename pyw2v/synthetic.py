"""Generated corpora with planted word families and analogies, for the demo and tests.

Every planted word is an (entity, role) pair: ``paris`` is (france, capital) and ``france``
is (france, country). A sentence about a planted word also holds a few words from its
entity's context set (``french``, ``seine``) and from its role's context set (``city``,
``mayor``), shuffled among filler words whose frequencies follow a Zipf law. A word's
contexts are therefore the union of an entity part and a role part, so its trained vector
lands near "entity + role", and ``paris - france + germany`` lands near ``berlin``.

Nothing is downloaded: the word tables below are the whole world of the corpus.
"""
from __future__ import annotations

import itertools
import os
from collections import Counter
from dataclasses import dataclass

import numpy as np

__all__ = ["SyntheticCorpus", "make_corpus"]


@dataclass(frozen=True)
class _Domain:
    """Planted words that share roles: each entity has one word per role."""

    roles: tuple[str, ...]  # family name of each role, e.g. ("countries", "capitals")
    role_contexts: tuple[tuple[str, ...], ...]  # words that co-occur with each role
    forms: tuple[tuple[str, ...], ...]  # forms[entity][role] is the planted word
    entity_contexts: tuple[tuple[str, ...], ...]  # words that co-occur with each entity
    sections: tuple[tuple[str, int, int], ...]  # (analogy section, role of a, role of b)


def _domain(roles: tuple[str, ...], role_contexts: tuple[str, ...], table: str,
            sections: tuple[tuple[str, int, int], ...]) -> _Domain:
    """Parse a table of ``form form ... | context context ...`` lines."""
    forms, contexts = [], []
    for line in table.strip().splitlines():
        words, _, ctx = line.partition("|")
        forms.append(tuple(words.split()))
        contexts.append(tuple(ctx.split()))
    return _Domain(
        tuple(roles),
        tuple(tuple(c.split()) for c in role_contexts),
        tuple(forms),
        tuple(contexts),
        tuple(sections),
    )


_GEOGRAPHY = _domain(
    roles=("countries", "capitals"),
    role_contexts=(
        "nation border government economy population export flag",
        "city downtown mayor streets metro suburbs skyline",
    ),
    table="""
        france paris | french seine eiffel
        germany berlin | german rhine bavaria
        italy rome | italian tiber colosseum
        spain madrid | spanish flamenco iberian
        japan tokyo | japanese fuji sushi
        china beijing | chinese yangtze mandarin
        russia moscow | russian kremlin volga
        egypt cairo | egyptian nile pyramids
        greece athens | greek acropolis aegean
        portugal lisbon | portuguese tagus fado
        norway oslo | norwegian fjord vikings
        poland warsaw | polish vistula pierogi
        austria vienna | austrian danube waltz
        turkey ankara | turkish anatolia bosphorus
        canada ottawa | canadian maple hockey
        australia canberra | australian kangaroo outback
        kenya nairobi | kenyan safari savanna
        peru lima | peruvian andes inca
        india delhi | indian ganges hindi
        cuba havana | cuban cigars caribbean
        ireland dublin | irish shamrock celtic
        thailand bangkok | thai siam elephants
        vietnam hanoi | vietnamese mekong pho
        iran tehran | iranian persian zagros
    """,
    sections=(("capital-country", 1, 0),),
)

_GENDER = _domain(
    roles=("male", "female"),
    role_contexts=(
        "he him his himself mr sir",
        "she her hers herself mrs madam",
    ),
    table="""
        king queen | throne crown reign
        prince princess | heir castle fairytale
        man woman | adult person grownup
        boy girl | child kid toy
        father mother | parent home raised
        son daughter | baby born newborn
        brother sister | sibling twin siblings
        husband wife | marriage spouse married
        uncle aunt | relatives cousin visit
        nephew niece | relative youngest inherit
        grandfather grandmother | grandchildren elderly retired
        actor actress | film stage movie
        waiter waitress | restaurant menu tips
        steward stewardess | flight airline cabin
        monk nun | monastery prayer abbey
        lord lady | estate manor noble
        groom bride | wedding ceremony veil
        hero heroine | story legend brave
        god goddess | temple divine worship
        emperor empress | empire imperial dynasty
    """,
    sections=(("gender", 0, 1),),
)

_VERBS = _domain(
    roles=("verbs", "verbs-past", "verbs-ing"),
    role_contexts=(
        "will can must should cannot might",
        "yesterday ago had once last previously",
        "is are currently while busy still",
    ),
    table="""
        walk walked walking | street path footsteps
        run ran running | race marathon sprint
        swim swam swimming | pool water lake
        write wrote writing | letter pen novel
        sing sang singing | song choir melody
        eat ate eating | food bread dinner
        drive drove driving | car road traffic
        fly flew flying | plane sky wings
        speak spoke speaking | speech audience microphone
        buy bought buying | shop money store
        teach taught teaching | lesson students classroom
        sleep slept sleeping | bed pillow dreams
        think thought thinking | idea mind puzzle
        build built building | bricks builders construction
        throw threw throwing | stone stones pitch
        catch caught catching | net fish grab
        drink drank drinking | juice cup coffee
        cook cooked cooking | kitchen recipe oven
        play played playing | game match team
        dance danced dancing | music rhythm ballet
        paint painted painting | canvas brush colors
        climb climbed climbing | mountain rope summit
    """,
    sections=(("past-tense", 0, 1), ("present-participle", 0, 2)),
)

_DOMAINS = (_GEOGRAPHY, _GENDER, _VERBS)

# Frequent filler, most frequent first; any that is also a table word is skipped.
_FUNCTION_WORDS = """
    the of and a to in that it for on with as at by this from or an be not but was
    they we you all one which there their been so were would about out up what more when
    who then them some into than its only other time also after first two over new like
    these any very most through just where because here such even many those made
    well each much same again own both around every few down off since under
""".split()

_SYLLABLES = "ba be bo da de di do fa fe fi ga go ka ke ko la le li lo lu ma me mi mo na ne " \
    "no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi zo".split()


@dataclass(frozen=True)
class SyntheticCorpus:
    """A generated corpus and the analogies planted in it.

    Attributes
    ----------
    sentences : list[list[str]]
        Tokenised sentences.
    analogies : list[tuple[str, str, str, str]]
        Questions ``(a, b, c, d)`` read "a is to b as c is to d"; ``d`` is the answer.
    sections : list[str]
        The analogy section of each question, parallel to ``analogies``.
    families : dict[str, list[str]]
        Named groups of planted words (``"capitals"``, ``"female"``, ``"verbs-past"``, ...)
        for neighbour checks and plots.
    """

    sentences: list[list[str]]
    analogies: list[tuple[str, str, str, str]]
    sections: list[str]
    families: dict[str, list[str]]

    def n_tokens(self) -> int:
        """Total number of tokens in all sentences."""
        return sum(len(s) for s in self.sentences)

    def write_text(self, path: str | os.PathLike[str]) -> None:
        """Write one sentence per line, tokens separated by single spaces (UTF-8)."""
        with open(path, "w", encoding="utf-8") as fh:
            for sentence in self.sentences:
                fh.write(" ".join(sentence))
                fh.write("\n")

    def write_analogies(self, path: str | os.PathLike[str]) -> None:
        """Write the analogies in the questions-words format.

        Each section starts with a ``: name`` line, followed by ``a b c d`` lines.
        """
        with open(path, "w", encoding="utf-8") as fh:
            current = None
            for section, question in zip(self.sections, self.analogies):
                if section != current:
                    fh.write(f": {section}\n")
                    current = section
                fh.write(" ".join(question))
                fh.write("\n")


def _filler_words(n: int, taken: set[str]) -> list[str]:
    """``n`` filler words: real function words first, then pronounceable made-up words.

    The list depends only on ``n`` and ``taken``, never on the corpus seed, so corpora drawn
    with different seeds share their vocabulary.
    """
    words = [w for w in dict.fromkeys(_FUNCTION_WORDS) if w not in taken]
    made_up = ["".join(p) for k in (2, 3) for p in itertools.product(_SYLLABLES, repeat=k)]
    # A fixed shuffle so the frequent made-up words do not all start with "baba".
    order = np.random.default_rng(20240601).permutation(len(made_up))
    for i in order:
        if len(words) >= n:
            break
        if made_up[i] not in taken:
            words.append(made_up[i])
    if len(words) < n:
        raise ValueError(f"n_filler_words={n} is more than the {len(words)} available; "
                         "pass a smaller value")
    return words[:n]


def _planted_words() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Every planted word with its entity contexts and role contexts."""
    planted = []
    for domain in _DOMAINS:
        for forms, entity_ctx in zip(domain.forms, domain.entity_contexts):
            for role, word in enumerate(forms):
                planted.append((word, entity_ctx, domain.role_contexts[role]))
    return planted


def _check_tables() -> set[str]:
    """Return all words of the tables, failing if any word has two jobs."""
    seen: list[str] = []
    for domain in _DOMAINS:
        for forms in domain.forms:
            if len(forms) != len(domain.roles):
                raise AssertionError(f"{forms} needs one word per role {domain.roles}")
            seen.extend(forms)
        for ctx in domain.entity_contexts + domain.role_contexts:
            seen.extend(ctx)
    duplicates = sorted(w for w, n in Counter(seen).items() if n > 1)
    if duplicates:
        raise AssertionError(f"words used twice in the synthetic tables: {duplicates}")
    return set(seen)


def make_corpus(
    n_sentences: int = 20000,
    seed: int = 0,
    *,
    n_filler_words: int = 1000,
    filler_per_sentence: tuple[int, int] = (4, 10),
    entity_context_per_sentence: int = 2,
    role_context_per_sentence: int = 2,
    zipf_exponent: float = 1.0,
) -> SyntheticCorpus:
    """Generate a corpus with planted analogies (capital-country, gender, verb tenses).

    Each sentence is about one planted word, chosen uniformly. It holds that word,
    ``entity_context_per_sentence`` words drawn from the word's entity context (e.g.
    ``seine`` for both ``paris`` and ``france``), ``role_context_per_sentence`` words from
    its role context (e.g. ``mayor`` for every capital), and a uniform number of filler
    words in ``filler_per_sentence`` (inclusive) drawn with probability proportional to
    ``rank ** -zipf_exponent``, all in random order.

    The same ``seed`` always gives the same corpus (``numpy.random.default_rng(seed)``).
    The defaults give about 240k tokens, which skip-gram learns in a few seconds.
    """
    _check_corpus_args(n_sentences, n_filler_words, filler_per_sentence,
                       entity_context_per_sentence, role_context_per_sentence, zipf_exponent)
    sentences = _draw_sentences(
        np.random.default_rng(seed), n_sentences, int(n_filler_words), filler_per_sentence,
        entity_context_per_sentence, role_context_per_sentence, float(zipf_exponent),
    )
    analogies, sections, families = _planted_analogies()
    return SyntheticCorpus(sentences, analogies, sections, families)


def _check_corpus_args(n_sentences: int, n_filler_words: int,
                       filler_per_sentence: tuple[int, int], entity_context_per_sentence: int,
                       role_context_per_sentence: int, zipf_exponent: float) -> None:
    """Refuse ``make_corpus`` arguments that cannot describe a corpus, naming the argument."""
    if not isinstance(n_sentences, (int, np.integer)) or n_sentences < 1:
        raise ValueError(f"n_sentences={n_sentences!r} must be a positive integer")
    if not isinstance(n_filler_words, (int, np.integer)) or n_filler_words < 1:
        raise ValueError(f"n_filler_words={n_filler_words!r} must be a positive integer")
    low, high = filler_per_sentence
    if not (isinstance(low, (int, np.integer)) and isinstance(high, (int, np.integer))
            and 0 <= low <= high):
        raise ValueError(f"filler_per_sentence={filler_per_sentence!r} must be (low, high) "
                         "with 0 <= low <= high")
    for name, value in (("entity_context_per_sentence", entity_context_per_sentence),
                        ("role_context_per_sentence", role_context_per_sentence)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name}={value!r} must be a non-negative integer")
    if not zipf_exponent >= 0:
        raise ValueError(f"zipf_exponent={zipf_exponent!r} must be >= 0 (0 is uniform)")


def _draw_sentences(rng: np.random.Generator, n_sentences: int, n_filler_words: int,
                    filler_per_sentence: tuple[int, int], n_entity_ctx: int, n_role_ctx: int,
                    zipf_exponent: float) -> list[list[str]]:
    """The sentences of ``make_corpus``: all random draws in bulk, then one cheap assembly loop.

    The order of the draws is part of the corpus a seed gives; keep it.
    """
    low, high = filler_per_sentence
    planted = _planted_words()
    filler = _filler_words(n_filler_words, _check_tables())
    ranks = np.arange(1, len(filler) + 1, dtype=np.float64)
    filler_cdf = np.cumsum(ranks ** -zipf_exponent)
    filler_cdf /= filler_cdf[-1]

    topic = rng.integers(len(planted), size=n_sentences)
    n_filler = rng.integers(low, high + 1, size=n_sentences)
    filler_ids = np.searchsorted(filler_cdf, rng.random(n_filler.sum()), side="right")
    filler_ids = np.minimum(filler_ids, len(filler) - 1)  # guard float round-off at 1.0
    n_ctx = n_entity_ctx + n_role_ctx
    ctx_draws = rng.random((n_sentences, n_ctx))
    shuffle_keys = rng.random(n_filler.sum() + n_sentences * (1 + n_ctx))

    sentences = []
    f_at = 0
    k_at = 0
    for i in range(n_sentences):
        word, entity_ctx, role_ctx = planted[topic[i]]
        draws = ctx_draws[i]
        sentence = [word]
        sentence += [entity_ctx[int(u * len(entity_ctx))] for u in draws[:n_entity_ctx]]
        sentence += [role_ctx[int(u * len(role_ctx))] for u in draws[n_entity_ctx:]]
        sentence += [filler[j] for j in filler_ids[f_at:f_at + n_filler[i]]]
        f_at += n_filler[i]
        order = np.argsort(shuffle_keys[k_at:k_at + len(sentence)], kind="stable")
        k_at += len(sentence)
        sentences.append([sentence[j] for j in order])
    return sentences


def _planted_analogies() -> tuple[list[tuple[str, str, str, str]], list[str],
                                  dict[str, list[str]]]:
    """(analogies, their sections, families): fixed by the tables, whatever the seed."""
    analogies, sections = [], []
    families: dict[str, list[str]] = {}
    for domain in _DOMAINS:
        for role, family in enumerate(domain.roles):
            families[family] = [forms[role] for forms in domain.forms]
        for section, role_a, role_b in domain.sections:
            for first, second in itertools.permutations(domain.forms, 2):
                analogies.append((first[role_a], first[role_b], second[role_a], second[role_b]))
                sections.append(section)
    return analogies, sections, families
