"""The 2-D projection (NumPy) and the labelled plot (matplotlib, optional)."""
import numpy as np
import pytest

from pyw2v.plot import INSTALL_HINT, MatplotlibMissing, plot_words, project_2d
from pyw2v.vectors import WordVectors


def _plane_points(n=12, dim=10, seed=0):
    """n points on a random 2-D plane through a random offset in `dim` dimensions."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(dim, 2)))
    plane = rng.normal(size=(n, 2)) * [3.0, 1.0]
    return plane @ basis.T + rng.normal(size=dim), plane


def _distances(x):
    return np.linalg.norm(x[:, None, :] - x[None, :, :], axis=-1)


def test_projection_of_points_on_a_plane_keeps_their_distances():
    x, _ = _plane_points()
    coords = project_2d(x)
    assert coords.shape == (12, 2) and coords.dtype == np.float64
    np.testing.assert_allclose(_distances(coords), _distances(x), atol=1e-10)


def test_projection_is_pca_with_fixed_signs():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 6)) * [5, 3, 1, 0.5, 0.2, 0.1]
    coords = project_2d(x)
    centred = x - x.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(centred.T))
    top = eigenvectors[:, ::-1][:, :2]
    for k in range(2):
        axis = top[:, k] * np.sign(top[np.abs(top[:, k]).argmax(), k])
        np.testing.assert_allclose(coords[:, k], centred @ axis, atol=1e-9)
    np.testing.assert_allclose(coords.mean(axis=0), 0, atol=1e-12)
    assert coords[:, 0].var() >= coords[:, 1].var()
    np.testing.assert_array_equal(project_2d(x), project_2d(x.copy()))


def test_projection_of_degenerate_inputs():
    np.testing.assert_allclose(project_2d(np.array([[1.0, 0.0], [3.0, 0.0]])),
                               [[-1.0, 0.0], [1.0, 0.0]], atol=1e-12)
    coords = project_2d(np.array([[1.0], [2.0], [4.0]]))
    assert coords.shape == (3, 2)
    np.testing.assert_allclose(coords[:, 1], 0)
    np.testing.assert_allclose(coords[:, 0], [-4 / 3, -1 / 3, 5 / 3])


@pytest.mark.parametrize("bad", [np.zeros(4), np.zeros((0, 3)), np.array([[1.0, np.nan]] * 2)])
def test_projection_refuses_bad_input(bad):
    with pytest.raises(ValueError):
        project_2d(bad)


@pytest.fixture
def vectors():
    x, _ = _plane_points(n=6, dim=8)
    return WordVectors(["france", "paris", "italy", "rome", "spain", "madrid"], x)


def test_plot_writes_a_png_with_the_projected_words(tmp_path, vectors):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    words = ["france", "paris", "italy", "rome"]
    coords = plot_words(vectors, words, path, pairs=True, title="capitals")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_allclose(coords, project_2d(vectors[words]))
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]   # no temporary left


def test_plot_format_follows_the_extension(tmp_path, vectors):
    pytest.importorskip("matplotlib")
    plot_words(vectors, ["paris", "rome", "madrid"], tmp_path / "plot.svg")
    assert b"<svg" in (tmp_path / "plot.svg").read_bytes()[:1000]
    with pytest.raises(ValueError, match="extension"):
        plot_words(vectors, ["paris", "rome"], tmp_path / "plot.xyz")
    assert not (tmp_path / "plot.xyz").exists()


def test_plot_keeps_an_existing_file_unless_told(tmp_path, vectors):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    path.write_bytes(b"mine")
    with pytest.raises(FileExistsError, match="plot.png"):
        plot_words(vectors, ["paris", "rome"], path)
    assert path.read_bytes() == b"mine"
    plot_words(vectors, ["paris", "rome"], path, overwrite=True)
    assert path.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("words, error, match", [
    (["paris", "berlin", "oslo"], KeyError, "berlin, oslo"),
    (["paris"], ValueError, "at least two"),
    (["paris", "rome", "paris"], ValueError, "more than once: paris"),
    (["paris", "rome", "madrid"], ValueError, "even number"),
])
def test_plot_refuses_bad_word_lists(tmp_path, vectors, words, error, match):
    pairs = match == "even number"
    with pytest.raises(error, match=match):
        plot_words(vectors, words, tmp_path / "plot.png", pairs=pairs)
    assert not (tmp_path / "plot.png").exists()


def test_without_matplotlib_the_error_says_how_to_install_it(tmp_path, vectors,
                                                             without_matplotlib):
    with pytest.raises(MatplotlibMissing) as info:
        plot_words(vectors, ["paris", "rome"], tmp_path / "plot.png")
    assert isinstance(info.value, ImportError)
    assert str(info.value) == INSTALL_HINT
    assert "pip install matplotlib" in INSTALL_HINT and "pyw2v[plot]" in INSTALL_HINT
    assert not (tmp_path / "plot.png").exists()
