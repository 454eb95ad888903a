"""Distributed training on a real local Ray cluster (2 CPUs, a small object store).

Ray runs the same Worker as the serial backend, so with one thread per worker
its model must be the serial backend's, bit for bit, also when a worker process
is killed in the middle of a round. Then the errors a cluster user meets.
"""
import os
import signal

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install '.[test]')")

from ray import cloudpickle  # noqa: E402  (Ray ships its own)

from pyw2v.distributed import train as dtrain  # noqa: E402
from pyw2v.distributed.ray_backend import RayBackend  # noqa: E402
from pyw2v.distributed.worker import Worker  # noqa: E402
from pyw2v.synthetic import make_corpus  # noqa: E402

SETTINGS = dict(workers=2, sync_every=0.25, piece_bytes=4096, dim=16, epochs=2, min_count=2,
                window=3, negative=3, seed=7)


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, object_store_memory=80 << 20, include_dashboard=False,
             log_to_driver=False)
    cloudpickle.register_pickle_by_value(__import__(__name__))
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    make_corpus(n_sentences=1500, seed=3).write_text(path)
    return str(path)


@pytest.fixture(scope="module")
def serial_model(corpus_file):
    return dtrain(corpus_file, cluster="serial", **SETTINGS)


def _same(a, b):
    np.testing.assert_array_equal(a.center_vectors, b.center_vectors)
    np.testing.assert_array_equal(a.outside_vectors, b.outside_vectors)


def test_ray_workers_give_the_serial_backends_model(cluster, corpus_file, serial_model):
    rounds = []
    model = dtrain(corpus_file, cluster="ray", rounds=rounds, **SETTINGS)
    _same(model, serial_model)
    assert len(rounds) == 8 and all(r.bytes_down > 0 for r in rounds)
    assert ray.is_initialized()   # the job used the running Ray and left it running


class _DiesOnce(Worker):
    """Kills its own process in the middle of round 3, once (a marker file remembers)."""

    def run_round(self, spec):
        marker = os.path.join(self.work_dir, "died")
        if self.index == 1 and spec.round == 3 and not os.path.exists(marker):
            open(marker, "w").close()
            super().run_round(spec)          # its copy has moved: the restart must not see it
            os.kill(os.getpid(), signal.SIGKILL)
        return super().run_round(spec)


def test_a_killed_worker_restarts_and_the_model_is_the_undisturbed_one(cluster, corpus_file,
                                                                      serial_model, tmp_path):
    backend = RayBackend(threads_per_worker=1)
    backend.actor_class = ray.remote(num_cpus=1, max_restarts=2, max_task_retries=0)(_DiesOnce)
    model = dtrain(corpus_file, cluster=backend, work_dir=str(tmp_path), **SETTINGS)
    assert os.path.exists(tmp_path / "died")
    _same(model, serial_model)


def test_stop_and_resume_on_ray(cluster, corpus_file, serial_model, tmp_path):
    class Stop(Exception):
        pass

    def stop_after_half(report):
        if report.words_done >= report.total_words // 2:
            raise Stop
    with pytest.raises(Stop):
        dtrain(corpus_file, cluster="ray", checkpoint_dir=tmp_path, checkpoint_every=1,
               progress=stop_after_half, **SETTINGS)
    model = dtrain(corpus_file, cluster="ray", checkpoint_dir=tmp_path, resume=True, **SETTINGS)
    _same(model, serial_model)


def test_a_worker_that_cannot_import_pyw2v_is_one_clear_error(cluster, corpus_file):
    backend = RayBackend(runtime_env={"env_vars": {"PYW2V_SIMD": "no-such-path"}})
    with pytest.raises(RuntimeError, match="could not start.*pyw2v"):
        dtrain(corpus_file, cluster=backend, **SETTINGS)


def test_a_corpus_missing_on_a_worker_names_the_file(cluster, tmp_path):
    path = tmp_path / "corpus.txt"
    make_corpus(n_sentences=300, seed=1).write_text(path)
    backend = RayBackend()

    class Vanishing(RayBackend):
        def start(self, shards, work_dir):
            os.remove(path)             # planned on the driver, gone before workers read it
            super().start(shards, work_dir)
    backend.__class__ = Vanishing
    with pytest.raises(FileNotFoundError, match="corpus.txt"):
        dtrain(str(path), cluster=backend, **{**SETTINGS, "piece_bytes": 1024})


def test_a_wrong_address_is_a_quick_clear_error(corpus_file):
    with pytest.raises(ValueError, match="no Ray cluster answers at '127.0.0.1:9'"):
        dtrain(corpus_file, cluster="127.0.0.1:9", **SETTINGS)
