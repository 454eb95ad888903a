"""pyw2v: fast word2vec training with a Cython/OpenMP core and a NumPy reference."""
from pyw2v import _core
from pyw2v._version import __version__
from pyw2v.callbacks import Callback, StopTraining
from pyw2v.corpus import LineStream
from pyw2v.encoding import EncodedCorpus, encode
from pyw2v.evaluation import AnalogyResult, WordPairsResult
from pyw2v.fasttext_format import load_fasttext
from pyw2v.formats import FormatError
from pyw2v.model import Word2Vec, load_model, train
from pyw2v.params import ParameterError, TrainingParams
from pyw2v.phrases import Phrases
from pyw2v.progress import Progress
from pyw2v.subword_vectors import SubwordVectors
from pyw2v.vectors import WordVectors, load_word2vec
from pyw2v.vocab import Vocabulary, build_vocabulary


def openmp_enabled() -> bool:
    """True when the compiled core was built with OpenMP (multi-threaded training)."""
    return _core.openmp_enabled()


def simd_level() -> str:
    """The instruction-set path the compiled core runs: "avx512", "avx2" or "baseline".

    Chosen at import as the best this CPU runs; PYW2V_SIMD forces a lower one."""
    return _core.SIMD_PATH


def simd_levels() -> tuple[str, ...]:
    """The paths this machine can run (CPU, OS and this install), lowest first."""
    return _core.runnable_paths()


if not openmp_enabled():
    import warnings

    warnings.warn("pyw2v was built without OpenMP: training runs on one thread",
                  RuntimeWarning, stacklevel=2)

__all__ = ["AnalogyResult", "Callback", "EncodedCorpus", "FormatError", "LineStream",
           "ParameterError", "Phrases", "Progress", "StopTraining", "SubwordVectors",
           "TrainingParams", "Vocabulary", "WordPairsResult", "WordVectors", "Word2Vec",
           "__version__", "build_vocabulary", "encode", "load_fasttext", "load_model",
           "load_word2vec", "openmp_enabled", "simd_level", "simd_levels", "train"]
