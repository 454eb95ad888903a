"""The `pyw2v` command line: `main(argv)` in this process (the `cli` fixture), and as
a user runs it, `python -m pyw2v ...` in a subprocess, where a real process matters
(the exit status of the interpreter, Ctrl-C)."""
import gzip
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import pyw2v
from pyw2v.synthetic import make_corpus

# Small and fast: 2,000 sentences (~24k tokens), tiny vectors, one thread (bit-reproducible).
TRAIN = ["--dim", "24", "--epochs", "15", "--min-count", "2", "--threads", "1", "--seed", "3"]
API = dict(dim=24, epochs=15, min_count=2, threads=1, seed=3)


def run(*args, cwd=None, timeout=120):
    """`python -m pyw2v args` in a subprocess."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore::RuntimeWarning"}
    return subprocess.run([sys.executable, "-m", "pyw2v", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def one_error_line(result, code=2):
    """The run failed with `code` and said why in exactly one line on stderr."""
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.match(r"pyw2v( \w+)?: error: ", lines[0]), lines[0]
    return lines[0]


def refused(cli, *args, code=2, cwd=None):
    """`pyw2v args` failed before any work: nothing on stdout, one error line on stderr."""
    result = cli(*args, cwd=cwd)
    assert result.stdout == "", result.stdout
    return one_error_line(result, code)


def scores(stdout):
    """(word, score) rows of a `similar` / `analogy` table."""
    return [(m.group(1), float(m.group(2)))
            for m in re.finditer(r"^\s+\d+\s+(\S+)\s+(-?\d+\.\d+)$", stdout, re.M)]


def is_text_vectors(path, dim):
    """True for word2vec's text format: after the header, lines of a word and `dim` numbers."""
    header, rest = path.read_bytes().split(b"\n", 1)
    try:
        lines = rest.decode("utf-8").splitlines()
        return all(len(line.split()) == dim + 1 and [float(x) for x in line.split()[1:]]
                   for line in lines) and len(lines) == int(header.split()[0])
    except (UnicodeDecodeError, ValueError):
        return False


@pytest.fixture(scope="module")
def data(tmp_path_factory, cli):
    root = tmp_path_factory.mktemp("cli")
    corpus = make_corpus(n_sentences=2000, seed=0)
    corpus.write_text(root / "corpus.txt")
    corpus.write_analogies(root / "questions.txt")
    (root / "pairs.tsv").write_text(
        "# word1\tword2\tscore\n"
        "paris\tfrance\t9.0\nking\tqueen\t8.5\nwalk\twalked\t8.0\nparis\twalked\t1.0\n"
        "queen\trun\t0.5\nberlin\tgermany\t9.2\nunknownword\tking\t3.0\n")
    result = cli("train", "corpus.txt", "-o", "vectors.bin", *TRAIN, cwd=root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def api_vectors(data):
    return pyw2v.train(str(data / "corpus.txt"), **API).wv


# ---------------------------------------------------------------------- train


def test_train_writes_the_vectors_the_api_trains(data, api_vectors):
    wv = pyw2v.load_word2vec(data / "vectors.bin", binary=True)
    assert wv.index_to_key == api_vectors.index_to_key
    np.testing.assert_array_equal(wv.vectors, api_vectors.vectors)   # one thread: bit-identical


def test_train_reports_progress_and_a_summary(tmp_path, data, cli):
    pytest.importorskip("tqdm")
    result = cli("train", data / "corpus.txt", "-o", tmp_path / "v.bin", *TRAIN[:2],
                 "--epochs", "2", "--min-count", "2", "--progress", "bar", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert re.search(r"trained skipgram on .*corpus\.txt: 1,239 words x 24 dims, 2 epochs",
                     result.stdout)
    bar = result.stderr.replace("\r", "\n")
    assert "epoch 2/2: 100%" in bar and "word/s" in bar and "lr 0.0" in bar and "loss " in bar
    assert re.search(r"epoch 1/2: loss \d\.\d{4}, alpha", result.stderr)   # the logged summary


def test_quiet_prints_nothing(tmp_path, data, cli):
    result = cli("train", data / "corpus.txt", "-o", "v.txt", "--quiet", "--epochs", "1",
                 "--dim", "4", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "v.txt").read_text().splitlines()[0].split()[1] == "4"


@pytest.mark.parametrize("name, flags, binary", [
    ("v.txt", [], False), ("v.bin", [], True), ("v.vec.gz", [], False),
    ("v.txt", ["--binary"], True), ("v.bin", ["--text"], False),
    ("v.bin", ["-binary", "0"], False),
])
def test_output_format_follows_the_name_unless_told(tmp_path, data, name, flags, binary, cli):
    result = cli("train", data / "corpus.txt", "-o", name, "-q", "--epochs", "1", "--dim", "3",
                 *flags, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = tmp_path / name
    if name.endswith(".gz"):
        path = tmp_path / "v.vec"
        path.write_bytes(gzip.decompress((tmp_path / name).read_bytes()))
    assert is_text_vectors(path, dim=3) != binary
    assert pyw2v.load_word2vec(path, binary=binary).vectors.shape == (845, 3)   # min-count 5


def test_word2vec_c_command_line_writes_a_file_gensim_loads(tmp_path, data, cli, gensim_kv):
    result = cli("-train", data / "corpus.txt", "-output", "vec.bin", "-size", "20",
                 "-window", "8", "-negative", "25", "-hs", "0", "-sample", "1e-4",
                 "-threads", "2", "-binary", "1", "-iter", "2", "-cbow", "1", "-min-count", "2",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "trained cbow" in result.stdout
    kv = gensim_kv.load_word2vec_format(str(tmp_path / "vec.bin"), binary=True)
    ours = pyw2v.load_word2vec(tmp_path / "vec.bin")
    assert (len(kv), kv.vector_size) == (1239, 20)
    assert kv.index_to_key == ours.index_to_key
    np.testing.assert_array_equal(kv.vectors, ours.vectors)


def test_word2vec_c_flags_mean_the_long_options(tmp_path, data, cli):
    short = cli("train", "-train", data / "corpus.txt", "-output", "a.bin", "-size", "12",
                "-window", "3", "-negative", "2", "-sample", "0", "-iter", "2", "-min-count", "3",
                "-alpha", "0.03", "-threads", "1", "-cbow", "1", "-binary", "1", "-debug", "0",
                cwd=tmp_path)
    long = cli("train", data / "corpus.txt", "--output", "b.bin", "--dim", "12", "--window", "3",
               "--negative", "2", "--sample", "0", "--epochs", "2", "--min-count", "3",
               "--alpha", "0.03", "--threads", "1", "--model", "cbow", "--binary", "--quiet",
               cwd=tmp_path)
    assert short.returncode == long.returncode == 0, short.stderr + long.stderr
    assert short.stdout == short.stderr == ""          # -debug 0 is --quiet
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()


def test_hs_1_negative_0_trains_hierarchical_softmax_as_the_api(tmp_path, data, cli):
    result = cli("-train", data / "corpus.txt", "-output", "v.bin", "-hs", "1", "-negative",
                 "0", *TRAIN, "--save-model", "m", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = pyw2v.train(str(data / "corpus.txt"), **API, hs=True, negative=0)
    np.testing.assert_array_equal(pyw2v.load_word2vec(tmp_path / "v.bin").vectors,
                                  expected.wv.vectors)
    saved = pyw2v.load_model(tmp_path / "m")
    assert (saved.params.loss, saved.params.negative) == ("hs", 0)
    np.testing.assert_array_equal(saved.node_vectors, expected.node_vectors)


def test_loss_softmax_trains_the_full_softmax(tmp_path, data, cli):
    result = cli("train", data / "corpus.txt", "--save-model", "m", "--loss", "softmax",
                 "--max-final-vocab", "150", "--epochs", "1", "--dim", "8", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    saved = pyw2v.load_model(tmp_path / "m")
    assert (saved.params.loss, len(saved.vocab)) == ("softmax", 150)
    assert saved.loss_history[0] < np.log(150)


@pytest.mark.parametrize("flags, says", [
    (["-hs", "1", "--loss", "softmax"], "-hs 1 asks for hierarchical softmax and --loss "
                                        "softmax for the full softmax; give one"),
    (["-negative", "0"], "--negative (-negative) must be >= 1 for negative sampling"),
    (["--loss", "softmax", "--kernel", "batch"], "use kernel='pair' with loss='softmax'"),
    (["--loss", "ns"], "argument --loss: invalid choice: 'ns'"),
])
def test_conflicting_loss_options_are_refused(data, tmp_path, flags, says, cli):
    line = refused(cli, "train", data / "corpus.txt", "-o", tmp_path / "v.bin", *flags)
    assert says in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option, value, says", [
    ("--dim", "0", "--dim (-size) must be in 1..10000, got 0"),
    ("-size", "x", "argument --dim/-size: invalid int value: 'x'"),
    ("--window", "0", "--window (-window) must be in 1..1000, got 0"),
    ("--sample", "-1", "--sample (-sample) must be a finite number >= 0, got -1.0"),
    ("--alpha", "0", "--alpha (-alpha) must be a finite number > 0, got 0.0"),
    ("--threads", "0", "--threads (-threads) must be >= 1"),
    ("-cbow", "2", "argument -cbow: expected 0 or 1, got '2'"),
    ("-binary", "yes", "argument -binary: expected 0 or 1, got 'yes'"),
    ("--model", "glove", "argument --model: invalid choice: 'glove'"),
])
def test_bad_option_values_are_usage_errors(tmp_path, data, option, value, says, cli):
    line = refused(cli, "train", data / "corpus.txt", "-o", tmp_path / "v.bin", option,
                      value)
    assert says in line
    assert list(tmp_path.iterdir()) == []


def test_a_bad_value_as_a_subprocess(tmp_path, data):
    line = one_error_line(run("-train", data / "corpus.txt", "-output", "v.bin", "-size", "-5",
                              cwd=tmp_path))
    assert line == "pyw2v train: error: --dim (-size) must be in 1..10000, got -5"
    assert list(tmp_path.iterdir()) == []


def test_missing_corpus(tmp_path, cli):
    line = one_error_line(cli("train", "nothere.txt", "-o", "v.bin", cwd=tmp_path))
    assert line == "pyw2v train: error: corpus nothere.txt does not exist"


@pytest.mark.parametrize("text", ["", "\n  \n\t\n"])
def test_empty_corpus(tmp_path, text, cli):
    (tmp_path / "empty.txt").write_text(text)
    line = one_error_line(cli("train", "empty.txt", "-o", "v.bin", cwd=tmp_path), code=1)
    assert line == "pyw2v train: error: empty.txt: the corpus is empty: it has no tokens"
    assert not (tmp_path / "v.bin").exists()


def test_no_word_reaches_min_count(tmp_path, cli):
    (tmp_path / "c.txt").write_text("a b c\n")
    line = one_error_line(cli("train", "c.txt", "-o", "v.bin", cwd=tmp_path), code=1)
    assert "no word reaches min_count=5" in line


@pytest.mark.parametrize("args, says", [
    (["corpus.txt"], "no output given"),
    (["-o", "v.bin"], "no corpus given"),
    (["corpus.txt", "-train", "other.txt", "-o", "v.bin"], "two corpora given"),
    (["corpus.txt", "-o", "corpus.txt", "--overwrite"], "is also the corpus"),
    (["corpus.txt", "-o", "nodir/v.bin"], "directory"),
    (["corpus.txt", "-o", "v.bin", "-classes", "x"], "-classes is not supported"),
])
def test_train_usage_errors(data, args, says, cli):
    before = sorted(data.iterdir())
    assert says in refused(cli, "train", *args, cwd=data)
    assert sorted(data.iterdir()) == before


def test_existing_output_is_kept_unless_overwrite(tmp_path, data, cli):
    target = tmp_path / "v.bin"
    target.write_text("precious")
    line = one_error_line(cli("train", data / "corpus.txt", "-o", "v.bin", "-q", cwd=tmp_path))
    assert line == ("pyw2v train: error: vectors file v.bin already exists; pass --overwrite "
                    "to replace it, or choose another name")
    assert target.read_text() == "precious"
    result = cli("train", data / "corpus.txt", "-o", "v.bin", "-q", "--overwrite",
                 "--epochs", "1", "--dim", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert pyw2v.load_word2vec(target).dim == 5


def test_save_vocab_writes_word_count_lines(tmp_path, data, api_vectors, cli):
    result = cli("train", data / "corpus.txt", "-o", "v.bin", "-save-vocab", "vocab.txt", "-q",
                 "--epochs", "1", "--dim", "2", "--min-count", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in (tmp_path / "vocab.txt").read_text().splitlines()]
    assert [w for w, _ in rows] == api_vectors.index_to_key
    counts = [int(c) for _, c in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1] >= 2


def test_save_model_keeps_a_model_the_query_commands_read(tmp_path, data, cli):
    result = cli("train", data / "corpus.txt", "-o", "v.bin", "--save-model", "model", "-q",
                 "--epochs", "2", "--dim", "6", "--min-count", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    model = pyw2v.load_model(tmp_path / "model")
    np.testing.assert_array_equal(model.wv.vectors, pyw2v.load_word2vec(tmp_path / "v.bin").vectors)
    from_dir = cli("similar", "model", "paris", "--topn", "3", cwd=tmp_path)
    from_file = cli("similar", "v.bin", "paris", "--topn", "3", cwd=tmp_path)
    assert from_dir.returncode == 0, from_dir.stderr
    assert from_dir.stdout == from_file.stdout
    again = one_error_line(cli("train", data / "corpus.txt", "--save-model", "model",
                               cwd=tmp_path))
    assert "model directory model already exists" in again


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path):
    if sys.platform == "win32":
        pytest.skip("SIGINT to a child process is a POSIX thing")
    make_corpus(n_sentences=20000, seed=0).write_text(tmp_path / "big.txt")
    # A child inherits an ignored SIGINT (a background job of a script, nohup) and Python
    # then installs no handler for it; a user's Ctrl-C is what this test is about.
    proc = subprocess.Popen(
        [sys.executable, "-m", "pyw2v", "train", "big.txt", "-o", "v.bin", "--epochs", "500",
         "--dim", "16", "--threads", "1", "--progress", "log"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in proc.stderr:           # training has started once the vocabulary is logged
            if "vocabulary:" in line:
                break
        time.sleep(0.7)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert stderr.strip().splitlines()[-1] == "pyw2v train: interrupted; no output written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.txt"]


# ---------------------------------------------------------------------- distributed train


def test_cluster_serial_writes_the_outputs_of_single_process_training(tmp_path, data,
                                                                      api_vectors, cli):
    result = cli("train", data / "corpus.txt", "-o", "v.txt", "-save-vocab", "vocab.txt",
                 "--save-model", "model", "--cluster", "serial", "--workers", "2", *TRAIN,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "trained skipgram on " in result.stdout and "(2 workers, serial): 1,239 words" \
        in result.stdout
    assert is_text_vectors(tmp_path / "v.txt", dim=24)
    vectors = pyw2v.load_word2vec(tmp_path / "v.txt")
    assert vectors.index_to_key == api_vectors.index_to_key   # the vocabulary: the corpus's
    assert not np.array_equal(vectors.vectors, api_vectors.vectors)   # two workers, merged
    model = pyw2v.load_model(tmp_path / "model")
    np.testing.assert_allclose(model.wv.vectors, vectors.vectors, atol=1e-5)   # text: rounded
    assert len(model.loss_history) == 15
    words = [line.split()[0] for line in (tmp_path / "vocab.txt").read_text().splitlines()]
    assert words == api_vectors.index_to_key


def test_one_serial_worker_with_one_thread_trains_the_single_process_vectors(tmp_path, data,
                                                                             cli):
    result = cli("train", data / "corpus.txt", "-o", "v.bin", "--cluster", "serial",
                 "--workers", "1", "-threads", "1", "--no-interleave", "--no-rotate-epochs",
                 *TRAIN, "-q",
                 cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (tmp_path / "v.bin").read_bytes() == (data / "vectors.bin").read_bytes()


def test_a_resumed_job_ends_with_its_checkpoint_s_model(tmp_path, data, cli):
    first = cli("train", data / "corpus.txt", "-o", "a.bin", "--cluster", "serial",
                "--checkpoint-dir", "ck", "--checkpoint-every", "4", "--sync-every", "0.5",
                *TRAIN, "--epochs", "3", "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = refused(cli, "train", data / "corpus.txt", "-o", "b.bin", "--cluster", "serial",
                    "--checkpoint-dir", "ck", *TRAIN, cwd=tmp_path)
    assert "--checkpoint-dir ck holds an earlier job's checkpoints; pass --resume" in again
    resumed = cli("train", data / "corpus.txt", "-o", "b.bin", "--cluster", "serial",
                  "--checkpoint-dir", "ck", "--resume", "--sync-every", "0.5", *TRAIN,
                  "--epochs", "3", "--progress", "off", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "round " not in resumed.stderr   # the last checkpoint is the end: no round to run
    assert (tmp_path / "a.bin").read_bytes() == (tmp_path / "b.bin").read_bytes()


@pytest.mark.parametrize("args, says", [
    (["--workers", "2"], "--workers is an option of distributed training; it needs --cluster"),
    (["--resume"], "--resume is an option of distributed training; it needs --cluster"),
    (["--no-interleave"], "--[no-]interleave is an option of distributed training"),
    (["--rotate-epochs"], "--[no-]rotate-epochs is an option of distributed training"),
    (["--merge", "mean"], "--merge is an option of distributed training"),
    (["--checkpoint-dir", "ck"], "--checkpoint-dir is an option of distributed training"),
    (["--address", "127.0.0.1:9"], "--address is an option of distributed training"),
    (["--cluster", "serial", "--address", "127.0.0.1:9"],
     "--address is a Ray cluster's address; it needs --cluster ray, not --cluster serial"),
    (["--cluster", "serial", "-read-vocab", "vocab.txt"],
     "--read-vocab does not work with --cluster: the workers count the corpus themselves"),
    (["--cluster", "serial", "--pretrained", "vectors.bin"],
     "--pretrained does not work with --cluster"),
    (["--cluster", "serial", "--max-vocab-size", "100"],
     "--max-vocab-size does not work with --cluster"),
    (["--cluster", "serial", "--tmp-dir", "."], "--tmp-dir does not work with --cluster"),
    (["--cluster", "serial", "--resume"], "--resume continues the job in --checkpoint-dir DIR"),
    (["--cluster", "serial", "--checkpoint-dir", "corpus.txt"],
     "--checkpoint-dir corpus.txt is a file"),
    (["--cluster", "serial", "--sync-every", "0"],
     "argument --sync-every: expected a fraction of an epoch in (0, 1], got 0.0"),
    (["--cluster", "serial", "--workers", "0"], "argument --workers: expected a positive"),
    (["--cluster", "serial", "--merge", "max"], "argument --merge: invalid choice: 'max'"),
    (["--cluster", "serial", "-threads", "0"], "--threads (-threads) must be >= 1"),
    (["--cluster", "dask"], "argument --cluster: invalid choice: 'dask'"),
    (["--cluster", "ray", "--address", "127.0.0.1:9"],
     "--address: no Ray cluster answers at '127.0.0.1:9'"),
])
def test_distributed_usage_errors(data, args, says, cli):
    before = sorted(data.iterdir())
    assert says in refused(cli, "train", "corpus.txt", "-o", "d.bin", *args, cwd=data)
    assert sorted(data.iterdir()) == before


def test_cluster_refuses_standard_input(tmp_path, cli):
    line = refused(cli, "train", "-", "-o", "v.bin", "--cluster", "serial", cwd=tmp_path)
    assert "--cluster needs corpus files every worker can read, not '-'" in line


def test_too_many_workers_for_the_corpus_is_one_error_line(tmp_path, data, cli):
    line = refused(cli, "train", data / "corpus.txt", "-o", "v.bin", "--cluster", "serial",
                   "--workers", "9", code=1, cwd=tmp_path)
    assert "use fewer workers" in line
    assert list(tmp_path.iterdir()) == []


def test_train_help_has_a_distributed_training_group(cli):
    out = cli("train", "--help").stdout
    group = out.split("distributed training:", 1)[1].split("\noutput:", 1)[0]
    for flag in ("--cluster {ray,serial}", "--address ADDR", "--workers N", "--sync-every F",
                 "--merge {sum,mean}", "--frequent-rows N", "--rare-sync-every K",
                 "--interleave, --no-interleave", "--rotate-epochs, --no-rotate-epochs",
                 "--checkpoint-dir DIR",
                 "--checkpoint-every K", "--resume"):
        assert flag in group
    assert "with --cluster, threads per" in out


def test_cluster_ray_starts_a_local_ray_and_trains_the_serial_backend_s_model(tmp_path, data):
    """A real process, as a user runs it; Ray's workers are the serial backend's, so with
    one thread each the vectors are the same."""
    pytest.importorskip("ray", reason="Ray is not installed (pip install '.[test]')")
    result = run("train", data / "corpus.txt", "-o", "ray.bin", "--cluster", "ray",
                 "--workers", "2", "--sync-every", "0.5", *TRAIN, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(2 workers, ray)" in result.stdout
    serial = run("train", data / "corpus.txt", "-o", "serial.bin", "--cluster", "serial",
                 "--workers", "2", "--sync-every", "0.5", *TRAIN, "-q", cwd=tmp_path)
    assert serial.returncode == 0, serial.stderr
    assert (tmp_path / "ray.bin").read_bytes() == (tmp_path / "serial.bin").read_bytes()


# ---------------------------------------------------------------------- queries


def test_similar_prints_the_api_neighbours(data, api_vectors, cli):
    result = cli("similar", "vectors.bin", "paris", "king", "--topn", "4", cwd=data)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == ["nearest to paris:", "nearest to king:"]
    for block, word in zip(blocks, ["paris", "king"]):
        rows = scores(block)
        expected = api_vectors.most_similar(word, topn=4)
        assert [w for w, _ in rows] == [w for w, _ in expected]
        np.testing.assert_allclose([s for _, s in rows], [s for _, s in expected], atol=6e-5)
    # what the corpus planted: paris shares contexts with other capitals and with france
    planted = set(make_corpus(n_sentences=1).families["capitals"]) | {
        "france", "seine", "eiffel", "french"}
    paris = [w for w, _ in api_vectors.most_similar("paris", topn=4)]
    assert len(planted & set(paris)) >= 3, paris


def test_similar_limit_reads_only_the_most_frequent_words(data, api_vectors, cli):
    result = cli("similar", "vectors.bin", "the", "--limit", "20", "-n", "30", cwd=data)
    assert result.returncode == 0, result.stderr
    assert [w for w, _ in scores(result.stdout)] == \
        [w for w, _ in api_vectors.most_similar("the", topn=19, restrict_vocab=20)]


def test_similar_unknown_word(data, cli):
    line = one_error_line(cli("similar", "vectors.bin", "paris", "qwertyuiop", cwd=data), code=1)
    assert line == "pyw2v similar: error: not in the vocabulary (1,239 words): qwertyuiop"


def test_similar_missing_and_corrupt_vectors(tmp_path, cli):
    line = one_error_line(cli("similar", "nothere.bin", "paris", cwd=tmp_path))
    assert line == "pyw2v similar: error: vectors file nothere.bin does not exist"
    (tmp_path / "bad.bin").write_bytes(b"3 4\nabc \x00\x00")
    line = one_error_line(cli("similar", "bad.bin", "paris", cwd=tmp_path), code=1)
    assert "bad.bin" in line


def test_similar_bad_topn(data, cli):
    line = one_error_line(cli("similar", "vectors.bin", "paris", "--topn", "0", cwd=data))
    assert "expected a positive integer, got 0" in line


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_analogy_prints_the_api_answers(data, api_vectors, method, cli):
    result = cli("analogy", "vectors.bin", "paris", "france", "berlin", "--method", method,
                 cwd=data)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"paris : france :: berlin : ?   ({method})"
    rows = scores(result.stdout)
    expected = api_vectors.analogy("paris", "france", "berlin", topn=5, method=method)
    assert [w for w, _ in rows] == [w for w, _ in expected]
    np.testing.assert_allclose([s for _, s in rows], [s for _, s in expected], atol=6e-5)


def test_analogy_unknown_word_and_bad_method(data, cli):
    line = one_error_line(cli("analogy", "vectors.bin", "paris", "nowhere", "berlin", cwd=data),
                          code=1)
    assert line.endswith("not in the vocabulary (1,239 words): nowhere")
    line = one_error_line(cli("analogy", "vectors.bin", "a", "b", "c", "--method", "x",
                              cwd=data))
    assert "invalid choice: 'x'" in line


def test_eval_prints_a_table_with_the_api_numbers(data, api_vectors, cli):
    result = cli("eval", "vectors.bin", "--analogies", "questions.txt", "--pairs", "pairs.tsv",
                 cwd=data)
    assert result.returncode == 0, result.stderr
    analogies = api_vectors.evaluate_analogies(data / "questions.txt")
    pairs = api_vectors.evaluate_word_pairs(data / "pairs.tsv")
    rows = {m.group(1): tuple(int(x) for x in m.group(2, 3, 4)) for m in re.finditer(
        r"^  (\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\.\d%$", result.stdout, re.M)}
    assert rows == {**{s.name: (s.correct, s.total, s.skipped) for s in analogies.sections},
                    "total": (analogies.correct, analogies.total, analogies.skipped)}
    assert analogies.total == 1856 and analogies.accuracy > 0.5
    line = next(l for l in result.stdout.splitlines() if l.strip().startswith("pairs.tsv"))
    n_pairs, n_oov, pearson, spearman = line.split()[1:]
    assert (int(n_pairs), int(n_oov)) == (pairs.n_pairs, pairs.n_oov) == (6, 1)
    assert float(pearson) == pytest.approx(pairs.pearson, abs=6e-5)
    assert float(spearman) == pytest.approx(pairs.spearman, abs=6e-5)


def test_eval_usage_errors(data, cli):
    line = one_error_line(cli("eval", "vectors.bin", cwd=data))
    assert "nothing to evaluate" in line
    line = one_error_line(cli("eval", "vectors.bin", "--pairs", "nothere.tsv", cwd=data))
    assert line == "pyw2v eval: error: evaluation file nothere.tsv does not exist"


def test_eval_bad_file_contents(data, tmp_path, cli):
    (tmp_path / "q.txt").write_text("no header line here\n")
    line = one_error_line(cli("eval", data / "vectors.bin", "--analogies", "q.txt",
                              cwd=tmp_path), code=1)
    assert "before the first ': section' header" in line


# ---------------------------------------------------------------------- plot


def test_plot_writes_a_png(data, tmp_path, cli):
    pytest.importorskip("matplotlib")
    result = cli("plot", data / "vectors.bin", "france", "paris", "italy", "rome", "--pairs",
                 "-o", "plot.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wrote plot.png (4 words)"
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    line = one_error_line(cli("plot", data / "vectors.bin", "france", "paris", "-o", "plot.png",
                              cwd=tmp_path))
    assert line == ("pyw2v plot: error: plot file plot.png already exists; pass --overwrite "
                    "to replace it, or choose another name")


def test_plot_failures(data, tmp_path, cli):
    pytest.importorskip("matplotlib")
    line = one_error_line(cli("plot", data / "vectors.bin", "france", "atlantis", "-o", "p.png",
                              cwd=tmp_path), code=1)
    assert line.endswith("not in the vocabulary (1,239 words): atlantis")
    line = one_error_line(cli("plot", data / "vectors.bin", "france", "paris", "-o", "p.xyz",
                              cwd=tmp_path))
    assert "cannot tell the image format" in line
    line = one_error_line(cli("plot", data / "vectors.bin", "france", "paris", cwd=tmp_path))
    assert "-o/--output" in line
    assert list(tmp_path.iterdir()) == []


def test_plot_without_matplotlib_prints_the_install_hint(data, tmp_path, cli,
                                                         without_matplotlib):
    result = cli("plot", data / "vectors.bin", "france", "paris", "-o", "p.png", cwd=tmp_path)
    line = one_error_line(result, code=1)
    assert line == ('pyw2v plot: error: plotting needs matplotlib: pip install matplotlib '
                    '(or pip install "pyw2v[plot]")')
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- demo


def test_demo_prints_sensible_neighbours_and_solves_the_analogies(tmp_path, cli):
    result = cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    neighbours = dict(re.findall(r"^\s+(\w+): (.*)$", out, re.M))
    assert {"france", "king", "walk"} <= set(neighbours)
    france = set(re.findall(r"(\w+) \(", neighbours["france"]))
    assert {"paris", "french", "seine", "eiffel"} & france
    assert {"queen", "throne", "crown", "reign"} & set(re.findall(r"(\w+) \(", neighbours["king"]))
    assert "paris : france :: berlin : germany  [ok]" in out
    solved, total = map(int, re.search(r"^(\d+) of (\d+) planted analogies solved", out,
                                       re.M).groups())
    assert total == 1856 and solved / total > 0.9
    assert list(tmp_path.iterdir()) == []            # no --plot, no file


def test_demo_plot(tmp_path, cli):
    pytest.importorskip("matplotlib")
    result = cli("demo", "--sentences", "3000", "--epochs", "2", "--dim", "16", "--plot",
                 "demo.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote demo.png" in result.stdout
    assert (tmp_path / "demo.png").read_bytes()[:4] == b"\x89PNG"
    line = one_error_line(cli("demo", "--plot", "demo.png", cwd=tmp_path))
    assert "plot file demo.png already exists; pass --overwrite" in line


def test_demo_plot_without_matplotlib_still_runs_and_hints(tmp_path, cli, without_matplotlib):
    result = cli("demo", "--sentences", "3000", "--epochs", "2", "--dim", "16", "--plot",
                 "demo.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "planted analogies solved" in result.stdout
    assert "no plot written: plotting needs matplotlib: pip install matplotlib" in result.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- help, top level


def test_help_as_a_subprocess():
    result = run("--help")
    assert result.returncode == 0
    for command in ("train", "similar", "analogy", "eval", "plot", "demo"):
        assert command in result.stdout
    assert "Exit codes" in result.stdout


@pytest.mark.parametrize("command", ["train", "similar", "analogy", "eval", "plot", "demo"])
def test_help_of_every_command(command, cli):
    result = cli(command, "--help")
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith(f"usage: pyw2v {command}")


def test_train_help_lists_the_word2vec_c_flags(cli):
    result = cli("train", "--help")
    assert result.returncode == 0
    out = result.stdout
    for flag in ("-train", "-size", "-window", "-negative", "-hs", "-sample", "-threads", "-iter",
                 "-min-count", "-alpha", "-cbow", "-binary", "-output"):
        assert f"{flag} " in out or f"{flag}," in out or f"{flag}\n" in out


def test_no_command_prints_usage_and_fails(cli):
    result = cli()
    assert result.returncode == 2
    assert result.stderr.startswith("usage: pyw2v")


def test_unknown_command_and_option(cli):
    line = one_error_line(cli("frobnicate"))
    assert "invalid choice: 'frobnicate'" in line
    line = one_error_line(cli("similar", "v.bin", "x", "--bogus"))
    assert "unrecognized arguments: --bogus" in line


def test_train_batch_kernel_matches_the_api(tmp_path, data, cli):
    result = cli("train", data / "corpus.txt", "-o", tmp_path / "b.bin", *TRAIN, "--kernel",
                 "batch")
    assert result.returncode == 0, result.stderr
    expected = pyw2v.train(str(data / "corpus.txt"), **API, kernel="batch").wv
    np.testing.assert_array_equal(pyw2v.load_word2vec(tmp_path / "b.bin").vectors,
                                  expected.vectors)


def test_train_batch_kernel_is_negative_sampling_only(data, tmp_path, cli):
    line = refused(cli, "train", data / "corpus.txt", "-o", tmp_path / "v.bin",
                   "--model", "cbow", "--kernel", "batch", "--loss", "hs", "--negative", "0")
    assert "kernel='batch'" in line


def test_read_vocab_trains_with_the_file_s_words_and_counts(tmp_path, data, cli):
    built = pyw2v.build_vocabulary(str(data / "corpus.txt"), min_count=2)
    words, counts = built.words[:-5], built.counts[:-5] * 3   # counts differ from the corpus's
    pyw2v.Vocabulary(words, counts).save(tmp_path / "vocab.txt")
    for flag in ("-read-vocab", "--read-vocab"):
        result = cli("train", data / "corpus.txt", "-o", f"v{flag}.bin", flag, "vocab.txt",
                     "-save-vocab", f"saved{flag}.txt", *TRAIN, "-q", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / f"saved{flag}.txt").read_bytes() == \
            (tmp_path / "vocab.txt").read_bytes()
        vectors = pyw2v.load_word2vec(tmp_path / f"v{flag}.bin")
        expected = pyw2v.train(str(data / "corpus.txt"), vocab=tmp_path / "vocab.txt", **API)
        assert vectors.index_to_key == words
        np.testing.assert_array_equal(vectors.vectors, expected.wv.vectors)


@pytest.mark.parametrize("content, says", [
    (b"the 5\nof\n", "vocab.txt: line 2: expected `word count`, found 1 fields"),
    (b"the 5\nthe 3\n", "vocab.txt: line 2: 'the' is also on line 1"),
    (b"the 5\nof -2\n", "vocab.txt: line 2: 'of' has count -2"),
    (b"the 5\nof x\n", "vocab.txt: line 2: the count of 'of' is b'x', not an integer"),
    (b"", "vocab.txt: holds no word"),
])
def test_bad_read_vocab_file_is_one_error_line_and_writes_nothing(tmp_path, data, cli,
                                                                   content, says):
    (tmp_path / "vocab.txt").write_bytes(content)
    line = refused(cli, "train", data / "corpus.txt", "-o", "v.bin", "-read-vocab", "vocab.txt",
                   "-save-vocab", "out.txt", "-q", code=1, cwd=tmp_path)
    assert says in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vocab.txt"]


@pytest.mark.parametrize("args, says", [
    (["-read-vocab", "missing.txt"], "vocabulary file missing.txt does not exist"),
    (["-read-vocab", "vocab.txt", "--max-vocab-size", "100"], "--max-vocab-size bounds counting"),
    (["-read-vocab", "vocab.txt", "-save-vocab", "vocab.txt", "--overwrite"],
     "is also the vocabulary read"),
])
def test_read_vocab_usage_errors(tmp_path, data, cli, args, says):
    (tmp_path / "vocab.txt").write_bytes(b"paris 50\nfrance 40\n")
    line = refused(cli, "train", data / "corpus.txt", "-o", "v.bin", *args, cwd=tmp_path)
    assert says in line
    assert (tmp_path / "vocab.txt").read_bytes() == b"paris 50\nfrance 40\n"
    assert not (tmp_path / "v.bin").exists()


def test_warnings_are_one_line_each_and_shown_once(cli, tmp_path):
    """A directory with a FIFO is counted and encoded: its warning shows once, without
    a source line of pyw2v's."""
    import os

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("the cat sat on the mat\n" * 50)
    os.mkfifo(corpus / "pipe")
    done = cli("train", str(corpus), "-o", str(tmp_path / "v.txt"), "--min-count", "1",
               "--epochs", "1", "--dim", "8", "-q")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert warnings == ["pyw2v: warning: skipped 1 corpus entry that is not a regular file: "
                        f"{corpus / 'pipe'} (FIFO)"], done.stderr
