"""A 2-D picture of chosen words: PCA of their vectors, one labelled point a word.

The projection (:func:`project_2d`) is NumPy only.  Drawing needs matplotlib,
an optional extra (``pip install "pyw2v[plot]"``); it is imported when a plot
is drawn, and its absence raises :class:`MatplotlibMissing` with that hint.
The figure is drawn on matplotlib's Agg canvas without pyplot, so plotting
neither needs a display nor touches pyplot's global figures.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pyw2v import formats
from pyw2v.vectors import WordVectors

if TYPE_CHECKING:   # matplotlib is optional: imported by require_matplotlib when used
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

__all__ = ["INSTALL_HINT", "MatplotlibMissing", "image_format", "matplotlib_available",
           "plot_words", "project_2d", "require_matplotlib"]

INSTALL_HINT = ('plotting needs matplotlib: pip install matplotlib '
                '(or pip install "pyw2v[plot]")')

# Colours of the first and second word of each pair (matplotlib's tab10 blue and red).
_PAIR_COLOURS = ("#1f77b4", "#d62728")


class MatplotlibMissing(ImportError):
    """matplotlib is not installed; the message says how to install it."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


def project_2d(vectors: ArrayLike) -> NDArray[np.float64]:
    """Coordinates (n, 2), float64, of the rows of ``vectors`` (n, dim) on their top 2 PCs.

    Rows are centred and projected on the two leading right singular vectors
    (principal components).  Each axis's sign is fixed so that its largest
    loading is positive, which makes the picture reproducible.  With fewer
    than two directions of variance the missing axes are 0.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"vectors must have shape (n>=1, dim), got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("vectors contain NaN or infinity")
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axes = vt[:2]
    signs = np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])
    coords: NDArray[np.float64] = x @ (axes * np.where(signs == 0, 1.0, signs)[:, None]).T
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
    return coords


def require_matplotlib() -> tuple[type[Figure], type[FigureCanvasAgg]]:
    """matplotlib's Figure class and Agg canvas class; MatplotlibMissing if not installed."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise MatplotlibMissing() from None
    return Figure, FigureCanvasAgg


def matplotlib_available() -> bool:
    """True when matplotlib is installed (checked without importing it)."""
    if "matplotlib" in sys.modules:
        return sys.modules["matplotlib"] is not None
    return importlib.util.find_spec("matplotlib") is not None


def image_format(path: formats.PathLike) -> str:
    """The image format matplotlib writes for ``path``'s extension ("png", "svg", "pdf", ...).

    ValueError if matplotlib cannot write it; MatplotlibMissing without matplotlib.
    """
    _, canvas_class = require_matplotlib()
    path = os.fspath(path)
    name = path[:-3] if path.endswith(".gz") else path
    ext = os.path.splitext(name)[1].lstrip(".").lower()
    supported = canvas_class.get_supported_filetypes()
    if ext not in supported:
        choices = ", ".join(f".{e}" for e in sorted(supported))
        raise ValueError(f"cannot tell the image format of {path!r} from its extension; "
                         f"use one of {choices}")
    return ext


def plot_words(vectors: WordVectors, words: Sequence[str], path: formats.PathLike, *,
               pairs: bool = False, title: str | None = None, overwrite: bool = False,
               size: tuple[float, float] = (8.0, 6.0), dpi: int = 120) -> NDArray[np.float64]:
    """Draw ``words`` at their 2-D PCA coordinates, labelled, into an image file.

    The format follows the extension of ``path`` (.png, .svg, .pdf, ...).  With
    ``pairs=True`` the words are read as pairs (a1 b1 a2 b2 ...): an arrow
    joins each a to its b and the two sides get two colours, as in the classic
    country-capital picture.  The file is written atomically and an existing
    one is kept unless ``overwrite=True``.

    Returns the coordinates (len(words), 2), float64.  Raises KeyError for a
    word not in ``vectors``, ValueError for bad arguments and
    :class:`MatplotlibMissing` (an ImportError) without matplotlib.
    """
    words = list(words)
    path = os.fspath(path)
    if len(words) < 2:
        raise ValueError(f"plot needs at least two words, got {len(words)}")
    if len(set(words)) != len(words):
        twice = sorted({w for w in words if words.count(w) > 1})
        raise ValueError(f"words appear more than once: {', '.join(twice)}")
    if pairs and len(words) % 2:
        raise ValueError(f"pairs needs an even number of words (a1 b1 a2 b2 ...), "
                         f"got {len(words)}")
    missing = [w for w in words if w not in vectors]
    if missing:
        raise KeyError(f"not in the vocabulary: {', '.join(missing)}")
    figure_class, canvas_class = require_matplotlib()
    fmt = image_format(path)
    if not overwrite and os.path.lexists(path):   # before drawing; atomic_write checks again
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it, "
                              "or choose another path")

    coords = project_2d(vectors[words])
    figure = figure_class(figsize=size, dpi=dpi)
    canvas_class(figure)
    ax = figure.add_subplot()
    colours = [_PAIR_COLOURS[i % 2] if pairs else _PAIR_COLOURS[0] for i in range(len(words))]
    ax.scatter(coords[:, 0], coords[:, 1], c=colours, s=24, zorder=3)
    if pairs:
        for a, b in zip(coords[0::2], coords[1::2]):
            ax.annotate("", xy=b, xytext=a, zorder=2,
                        arrowprops={"arrowstyle": "->", "color": "0.6", "lw": 0.8})
    for word, (x, y), colour in zip(words, coords, colours):
        ax.annotate(word, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=9,
                    color=colour, zorder=4)
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.margins(0.12)
    ax.grid(True, color="0.92", zorder=0)
    if title:
        ax.set_title(title)
    figure.tight_layout()
    with formats.atomic_write(path, overwrite=overwrite) as fh:
        figure.savefig(fh, format=fmt)
    return coords
