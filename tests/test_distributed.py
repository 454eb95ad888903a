"""Distributed training on the serial backend (the oracle): the algorithm without Ray.

One worker must be single-process training at threads=1, bit for bit (in corpus
order, or on its sentences in the interleaved order, or with each epoch's slices
rotated); more
workers must learn; a lost worker and a stopped job must not change the result;
the merge and the fingerprints are checked by hand.
"""
import numpy as np
import pytest

import pyw2v
from pyw2v.distributed import SerialBackend, WorkerLost, train as dtrain
from pyw2v.distributed.checkpoint import latest_checkpoint
from pyw2v.distributed.driver import round_part
from pyw2v.distributed.rows import RowUpdate, fingerprints, merge_range, range_bounds
from pyw2v.corpus import EncodedChunk
from pyw2v.distributed.worker import Worker, interleave_halves
from pyw2v.encoding import concatenate
from pyw2v.model import Word2Vec
from pyw2v.params import TrainingParams
from pyw2v.synthetic import make_corpus

SMALL = dict(dim=16, epochs=2, min_count=2, window=3, negative=3, seed=7)
PIECE = 4096   # bytes: a small corpus still makes many pieces


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    make_corpus(n_sentences=1500, seed=3).write_text(path)
    return str(path)


def _same(a, b):
    for name in ("center_vectors", "outside_vectors", "node_vectors"):
        x, y = getattr(a, name), getattr(b, name)
        if x is None or y is None:
            assert x is None and y is None
            continue
        np.testing.assert_array_equal(x, y, err_msg=name)


# ---------------------------------------------------------------- one worker is threads=1

@pytest.mark.parametrize("keywords", [
    dict(),                                          # skip-gram NS, batch kernel (default)
    dict(kernel="pair"),
    dict(loss="hs", negative=0),                     # skip-gram HS on the batch kernel
    dict(model="cbow", kernel="window"),
    dict(model="cbow", loss="hs", negative=2),
], ids=["sg-ns-batch", "sg-ns-pair", "sg-hs", "cbow-window", "cbow-hs-ns"])
@pytest.mark.parametrize("sync_every", [1.0, 0.2])
def test_one_worker_is_single_process_training_bit_for_bit(corpus_file, keywords, sync_every):
    settings = {**SMALL, **keywords}
    single = pyw2v.train(corpus_file, threads=1, **settings)
    spread = dtrain(corpus_file, cluster="serial", workers=1, sync_every=sync_every,
                    piece_bytes=PIECE, interleave=False, rotate_epochs=False, **settings)
    assert spread.vocab == single.vocab
    _same(spread, single)
    np.testing.assert_allclose(spread.loss_history, single.loss_history, rtol=1e-9)


def test_an_interleaving_worker_trains_its_shard_in_interleave_halves_order(corpus_file,
                                                                            tmp_path):
    """One worker (interleave=True, the default) is single-process training on a file of
    the corpus's encoded sentences in interleave_halves' order (epochs not rotated)."""
    vocab = pyw2v.build_vocabulary(corpus_file, min_count=SMALL["min_count"])
    chunk = concatenate(list(pyw2v.encode(corpus_file, vocab).chunks()))
    order = interleave_halves(chunk)
    assert order.n_tokens == chunk.n_tokens
    reordered = tmp_path / "reordered.txt"
    starts = order.sentence_starts
    reordered.write_text("".join(
        " ".join(vocab.words[i] for i in order.token_ids[a:b]) + "\n"
        for a, b in zip(starts[:-1], starts[1:])))
    single = pyw2v.train(str(reordered), threads=1, **SMALL)
    spread = dtrain(corpus_file, cluster="serial", workers=1, sync_every=0.2,
                    piece_bytes=PIECE, rotate_epochs=False, **SMALL)
    assert spread.vocab == single.vocab
    _same(spread, single)
    in_order = dtrain(corpus_file, cluster="serial", workers=1, sync_every=0.2,
                      piece_bytes=PIECE, interleave=False, rotate_epochs=False, **SMALL)
    assert not np.array_equal(in_order.center_vectors, spread.center_vectors)


def test_a_worker_with_rotated_epochs_trains_each_epoch_from_its_rotated_start(corpus_file):
    """With rotate_epochs (the default) and 2 slices per epoch, one worker trains epoch 1
    as slice 1 then slice 0: one compiled trainer fed the sentences in that order (one
    thread is bit for bit the same however its corpus is cut into chunks)."""
    params = TrainingParams(**SMALL)
    assert params.epochs == 2
    spread = dtrain(corpus_file, cluster="serial", workers=1, sync_every=0.5,
                    piece_bytes=PIECE, interleave=False, **SMALL)
    vocab = pyw2v.build_vocabulary(corpus_file, min_count=SMALL["min_count"])
    chunk = concatenate(list(pyw2v.encode(corpus_file, vocab).chunks()))
    ids, starts = chunk.token_ids, np.asarray(chunk.sentence_starts)
    cut = int(np.searchsorted(starts, chunk.n_tokens // 2))   # the worker's slice bounds
    n = len(starts) - 1
    model = Word2Vec(vocab, params)
    trainer = model.compiled_trainer(params, 1, params.epochs * chunk.n_tokens)
    for a, b in [(0, cut), (cut, n), (cut, n), (0, cut)]:
        trainer.train_chunk(ids[starts[a]:starts[b]],
                            np.ascontiguousarray(starts[a:b + 1] - starts[a]))
    assert spread.vocab == vocab
    np.testing.assert_array_equal(spread.center_vectors, model.center_vectors)
    np.testing.assert_array_equal(spread.outside_vectors, model.outside_vectors)
    unrotated = dtrain(corpus_file, cluster="serial", workers=1, sync_every=0.5,
                       piece_bytes=PIECE, interleave=False, rotate_epochs=False, **SMALL)
    assert not np.array_equal(unrotated.center_vectors, spread.center_vectors)


@pytest.mark.parametrize("parts, epochs", [(1, 1), (5, 1), (50, 5), (4, 3), (3, 7)])
def test_each_epoch_trains_every_slice_once_from_its_rotated_start(parts, epochs):
    for epoch in range(epochs):
        order = [round_part(epoch * parts + k, parts, epochs, True) for k in range(parts)]
        assert sorted(order) == list(range(parts))
        assert order[0] == epoch * parts // epochs
        assert [round_part(epoch * parts + k, parts, epochs, False)
                for k in range(parts)] == list(range(parts))


def _chunk(lengths):
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return EncodedChunk(np.arange(starts[-1], dtype=np.uint32), starts)


def _sentences(chunk):
    s = chunk.sentence_starts
    return [chunk.token_ids[a:b].tolist() for a, b in zip(s[:-1], s[1:])]


@pytest.mark.parametrize("n", [1, 2, 5, 8, 9])
def test_interleave_halves_alternates_runs_of_the_halves(n):
    chunk = _chunk([1 + i % 3 for i in range(n)])
    sentences = _sentences(chunk)
    half = (n + 1) // 2
    expected = [i for first in range(0, half, 2)
                for i in [*range(first, min(first + 2, half)),
                          *range(half + first, min(half + first + 2, n))]]
    assert _sentences(interleave_halves(chunk, sentences=2)) == [sentences[i] for i in expected]


def test_interleave_halves_keeps_every_sentence_once():
    chunk = _chunk(np.random.default_rng(0).integers(1, 30, size=1001))
    mixed = interleave_halves(chunk)
    assert mixed.token_ids.dtype == np.uint32 and mixed.sentence_starts.dtype == np.int64
    assert sorted(map(tuple, _sentences(mixed))) == sorted(map(tuple, _sentences(chunk)))
    assert _sentences(mixed)[:21] == _sentences(chunk)[:20] + [_sentences(chunk)[501]]


# ---------------------------------------------------------------- several workers

def test_two_workers_learn_the_planted_structure(tmp_path, analogy_accuracy):
    planted = make_corpus(n_sentences=6000, seed=0)
    path = tmp_path / "planted.txt"
    planted.write_text(path)
    rounds = []
    model = dtrain(str(path), cluster="serial", workers=2, sync_every=0.25, piece_bytes=PIECE,
                   dim=32, epochs=5, rounds=rounds)
    assert model.vocab == pyw2v.build_vocabulary(str(path))
    assert len(rounds) == 5 * 4 and all(r.bytes_up > 0 and r.rows_synced > 0 for r in rounds)
    assert sum(r.words for r in rounds) == 5 * model.vocab.total_words
    assert analogy_accuracy(model, planted.analogies) > 0.75   # threads=2: 0.89


class _Keeping(SerialBackend):
    """Keeps its workers after the job, to look at their copies."""

    def shutdown(self):
        self.kept = self._workers
        super().shutdown()


def test_frequent_rows_sync_rare_rows_less_often_and_all_at_the_end(corpus_file):
    backend = _Keeping()
    rounds = []
    model = dtrain(corpus_file, cluster=backend, workers=2, sync_every=0.25, piece_bytes=PIECE,
                   frequent_rows=50, rare_sync_every=3, rounds=rounds, **SMALL)
    full = [r.rows_synced for r in rounds[2::3]]
    partial = [r.rows_synced for i, r in enumerate(rounds[:-1]) if (i + 1) % 3]
    assert max(partial) < min(full)
    # every worker's copy is the model again after the last (full) round
    for worker in backend.kept:
        np.testing.assert_array_equal(worker.model.center_vectors, model.center_vectors)
        np.testing.assert_array_equal(worker.model.outside_vectors, model.outside_vectors)


def test_mean_merge_differs_from_sum_and_stays_finite(corpus_file):
    summed = dtrain(corpus_file, cluster="serial", workers=2, sync_every=0.5, piece_bytes=PIECE,
                    **SMALL)
    mean = dtrain(corpus_file, cluster="serial", workers=2, sync_every=0.5, piece_bytes=PIECE,
                  merge="mean", **SMALL)
    assert not np.array_equal(mean.center_vectors, summed.center_vectors)
    assert np.isfinite(mean.center_vectors).all()


# ---------------------------------------------------------------- faults and resume

class _LoseOnce(Worker):
    """Worker 1 dies in its third round, once (a class flag survives the restart)."""

    lost = False

    def run_round(self, spec):
        if self.index == 1 and spec.round == 2 and not _LoseOnce.lost:
            _LoseOnce.lost = True
            super().run_round(spec)   # half the damage: its copy moved, then it died
            raise WorkerLost(self.index, "killed for the test")
        return super().run_round(spec)


class _LoseWhilePulled(Worker):
    lost = False

    def changes(self, lo, hi):
        if self.index == 0 and not _LoseWhilePulled.lost:
            _LoseWhilePulled.lost = True
            raise WorkerLost(self.index, "killed for the test")
        return super().changes(lo, hi)


@pytest.mark.parametrize("worker_class", [_LoseOnce, _LoseWhilePulled])
def test_a_lost_worker_is_restarted_and_its_round_rerun_to_the_same_model(corpus_file,
                                                                          worker_class):
    undisturbed = dtrain(corpus_file, cluster="serial", workers=2, sync_every=0.25,
                         piece_bytes=PIECE, **SMALL)
    worker_class.lost = False
    disturbed = dtrain(corpus_file, cluster=SerialBackend(worker_class), workers=2,
                       sync_every=0.25, piece_bytes=PIECE, **SMALL)
    assert worker_class.lost
    _same(disturbed, undisturbed)


class _Interrupt(Exception):
    pass


def test_a_stopped_job_resumes_from_its_last_checkpoint_to_the_same_model(corpus_file, tmp_path):
    settings = dict(cluster="serial", workers=2, sync_every=0.25, piece_bytes=PIECE, **SMALL)
    undisturbed = dtrain(corpus_file, **settings)
    folder = tmp_path / "checkpoints"

    def stop_in_round_6(report):
        if report.words_done > 5 * report.total_words // 8:
            raise _Interrupt
    with pytest.raises(_Interrupt):
        dtrain(corpus_file, checkpoint_dir=folder, checkpoint_every=2, progress=stop_in_round_6,
               **settings)
    model, state = latest_checkpoint(folder)
    assert state["rounds_done"] == 4
    resumed = dtrain(corpus_file, checkpoint_dir=folder, checkpoint_every=2, resume=True,
                     **settings)
    _same(resumed, undisturbed)
    np.testing.assert_allclose(resumed.loss_history, undisturbed.loss_history, rtol=1e-9)


def test_resume_refuses_a_checkpoint_of_another_job(corpus_file, tmp_path):
    folder = tmp_path / "checkpoints"
    dtrain(corpus_file, cluster="serial", workers=2, checkpoint_dir=folder, piece_bytes=PIECE,
           **SMALL)
    with pytest.raises(ValueError, match="other training parameters"):
        dtrain(corpus_file, cluster="serial", workers=2, checkpoint_dir=folder, resume=True,
               piece_bytes=PIECE, **{**SMALL, "dim": 8})
    with pytest.raises(ValueError, match="other shards"):
        dtrain(corpus_file, cluster="serial", workers=3, checkpoint_dir=folder, resume=True,
               piece_bytes=PIECE, **SMALL)
    with pytest.raises(ValueError, match="other settings"):
        dtrain(corpus_file, cluster="serial", workers=2, checkpoint_dir=folder, resume=True,
               piece_bytes=PIECE, interleave=False, **SMALL)
    with pytest.raises(ValueError, match="other settings"):
        dtrain(corpus_file, cluster="serial", workers=2, checkpoint_dir=folder, resume=True,
               piece_bytes=PIECE, rotate_epochs=False, **SMALL)


def test_a_new_job_leaves_an_earlier_jobs_checkpoints_alone(corpus_file, tmp_path):
    folder = tmp_path / "checkpoints"
    dtrain(corpus_file, cluster="serial", workers=2, checkpoint_dir=folder, piece_bytes=PIECE,
           **SMALL)
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(FileExistsError, match="resume=True"):
        dtrain(corpus_file, cluster="serial", workers=2, checkpoint_dir=folder,
               piece_bytes=PIECE, **SMALL)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_checkpoint_dir_that_is_a_file_is_refused(corpus_file, tmp_path):
    (tmp_path / "ckpt").write_text("mine")
    with pytest.raises(NotADirectoryError, match="checkpoint_dir"):
        dtrain(corpus_file, cluster="serial", checkpoint_dir=tmp_path / "ckpt", **SMALL)
    assert (tmp_path / "ckpt").read_text() == "mine"


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("keywords, error, match", [
    (dict(threads=2), TypeError, "threads_per_worker"),
    (dict(max_vocab_size=100), ValueError, "max_vocab_size"),
    (dict(sync_every=0), ValueError, "sync_every"),
    (dict(sync_every=2.0), ValueError, "sync_every"),
    (dict(workers=0), ValueError, "workers"),
    (dict(merge="median"), ValueError, "merge"),
    (dict(frequent_rows=0), ValueError, "frequent_rows"),
    (dict(interleave="yes"), TypeError, "interleave must be True or False"),
    (dict(rotate_epochs=1), TypeError, "rotate_epochs must be True or False"),
    (dict(resume=True), ValueError, "checkpoint_dir"),
    (dict(dim=0), ValueError, "dim"),
])
def test_bad_settings_are_clear_errors(corpus_file, keywords, error, match):
    with pytest.raises(error, match=match):
        dtrain(corpus_file, cluster="serial", **keywords)


def test_token_lists_are_refused(planted):
    with pytest.raises(TypeError, match="files every worker can read"):
        dtrain(planted.sentences[:10], cluster="serial")


def test_a_corpus_file_missing_on_a_worker_names_it(corpus_file, tmp_path):
    class _Gone(Worker):
        def count(self):
            raise FileNotFoundError(f"{corpus_file} is missing on this node")
    with pytest.raises(FileNotFoundError, match="corpus.txt"):
        dtrain(corpus_file, cluster=SerialBackend(_Gone), workers=2, **SMALL)


# ---------------------------------------------------------------- rows

def test_fingerprints_see_any_changed_value():
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((50, 33)).astype(np.float32)
    before = fingerprints(matrix)
    assert len(set(before.tolist())) == 50
    changed = matrix.copy()
    changed[7, 32] = np.nextafter(changed[7, 32], np.float32(np.inf))
    changed[20, 0] = -changed[20, 0]
    assert np.flatnonzero(fingerprints(changed) != before).tolist() == [7, 20]


def test_merge_range_mean_and_sum():
    base = np.arange(12, dtype=np.float32).reshape(6, 2)
    a = RowUpdate(np.array([1, 3], np.int64), np.array([[10, 10], [20, 20]], np.float32))
    b = RowUpdate(np.array([3, 4], np.int64), np.array([[30, 30], [1, 1]], np.float32))
    mean = merge_range(base, 0, 6, [a, b], "mean")
    assert mean.rows.tolist() == [1, 3, 4]
    np.testing.assert_array_equal(mean.values, [[10, 10], [25, 25], [1, 1]])
    summed = merge_range(base, 2, 6, [a, b], "sum")   # row 3 old 6,7: +14,+13 and +24,+23
    assert summed.rows.tolist() == [3, 4]
    np.testing.assert_array_equal(summed.values, [[44, 43], [1, 1]])
    one = merge_range(base, 0, 6, [a], "mean")
    assert one.values.tobytes() == a.values.tobytes()


def test_range_bounds_cover_every_row_once():
    bounds = range_bounds(100_003, 300, budget_bytes=1 << 20)
    assert bounds[0][0] == 0 and bounds[-1][1] == 100_003
    assert all(b[1] == c[0] for b, c in zip(bounds, bounds[1:]))
    assert max(hi - lo for lo, hi in bounds) * 300 * 4 <= 1 << 20
