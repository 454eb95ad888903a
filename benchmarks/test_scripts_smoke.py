"""Smoke runs of the benchmark scripts on a tiny generated corpus (the real runs are manual)."""
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import callgrind
from bound import expected_work, flop_per_token
from pyw2v.synthetic import make_corpus

SCRIPT = Path(__file__).with_name("compare.py")
PROFILE = Path(__file__).with_name("kernel_profile.py")
EVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval"


@pytest.mark.skipif(not EVAL.is_dir(), reason="needs ../shared/data/eval")
def test_compare_prints_every_trainer_and_the_ratios(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus), "--epochs", "1",
                          "--dim", "8", "--markdown"], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert "pyw2v" in out and "| trainer | words/s |" in out
    assert "arithmetic bound: sgemm " in out and " FLOP per word (3 x d x 2 per output row" in out
    assert "Arithmetic bound (sgemm " in out and "% of it" in out
    trainers = [line for line in out.splitlines() if line.startswith("| ") and "words/s" not in line]
    assert trainers[0].startswith("| pyw2v") and trainers[0].split("|")[3].strip() == "1.00"
    for name in ("gensim", "fastText"):
        ran = any(row.startswith(f"| {name}") for row in trainers)
        assert ran or f"{name.lower()} is not installed" in out
        assert not ran or f"pyw2v / {name}" in out


def _enumerated_work(ids, starts, keep, paths, window):
    """expected_work's figures by enumerating every keep pattern and window draw."""
    totals = np.zeros(4)   # pairs, windows, pair paths, window paths
    for mask in itertools.product([False, True], repeat=len(ids)):
        chance = np.prod([keep[t] if m else 1 - keep[t] for t, m in zip(ids, mask)])
        for lo, hi in zip(starts[:-1], starts[1:]):
            kept = [ids[i] for i in range(lo, hi) if mask[i]]
            for pos, center in enumerate(kept):
                for span in range(1, window + 1):
                    context = [kept[j] for j in range(max(0, pos - span),
                                                      min(len(kept), pos + span + 1)) if j != pos]
                    totals += chance / window * np.array([
                        len(context), bool(context), sum(paths[w] for w in context),
                        bool(context) * paths[center]])
    return totals


def test_expected_work_is_the_exact_expectation():
    ids = np.array([0, 1, 2, 1, 3, 4, 0, 2, 4], np.uint32)
    starts = np.array([0, 6, 7, 9], np.int64)
    keep = np.array([1.0, 0.3, 0.7, 1.0, 0.5])
    paths = np.array([1, 2, 3, 4, 5])
    work = expected_work(ids, starts, keep, 3, paths)
    exact = _enumerated_work(ids, starts, keep, paths, 3)
    assert np.allclose([work.pairs, work.windows, work.pair_path, work.window_path], exact)
    assert work.kept == pytest.approx(keep[ids].sum())
    assert flop_per_token(work, "skipgram", 10, 5, False) == pytest.approx(
        work.pairs * 6 * 3 * 10 * 2 / 9)
    assert flop_per_token(work, "cbow", 10, 0, True) == pytest.approx(
        (work.window_path * 3 * 10 * 2 + work.pairs * 2 * 10) / 9)


@pytest.mark.skipif(not EVAL.is_dir(), reason="needs ../shared/data/eval")
def test_compare_hs_runs_hierarchical_softmax_alone(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus), "--epochs", "1",
                          "--dim", "8", "--hs"], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert "kernel auto, batch windows 0), dim 8, window 5, negative 0, hs 1," in out
    assert "mean Huffman path " in out and "per path node" in out
    assert "pyw2v / gensim" in out or "gensim is not installed" in out


@pytest.mark.skipif(not EVAL.is_dir(), reason="needs ../shared/data/eval")
def test_compare_no_bound_skips_the_sgemm_measurement(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus), "--epochs", "1",
                          "--dim", "8", "--model", "cbow", "--no-bound", "--no-gensim",
                          "--no-fasttext", "--markdown"], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert "| pyw2v" in out and "arithmetic bound" not in out.lower()


@pytest.mark.skipif(not EVAL.is_dir(), reason="needs ../shared/data/eval")
def test_compare_repeats_train_with_successive_seeds(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(SCRIPT), "--corpus", str(corpus), "--epochs", "1",
                          "--dim", "8", "--seed", "5", "--repeats", "2", "--no-bound",
                          "--no-gensim", "--no-fasttext"], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    runs = [line.split(":")[0].split()[-1] for line in out.splitlines() if ", seed " in line]
    assert runs == ["5", "6"] and "2 run(s) each (seeds 5 to 6), medians" in out


def test_kernel_profile_trains_one_epoch_of_every_kernel(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(PROFILE), "--corpus", str(corpus), "--dim", "8",
                          "--window", "3"], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    names = [line.split(":")[0] for line in out.splitlines()]
    assert {"skipgram-ns-batch", "skipgram-ns-pair", "skipgram-hs-pair", "cbow-ns-window",
            "cbow-ns-batch", "cbow-hs-window"} <= set(names)
    assert all(" tokens, vocabulary " in line and "dim 8, window 3, " in line
               for line in out.splitlines())
    steps = {line.split(":")[0]: line.rsplit(", ", 1)[1] for line in out.splitlines()}
    assert steps["skipgram-ns-batch"] == "4 window(s) per step"
    assert steps["skipgram-ns-pair"] == "1 window(s) per step"


@pytest.mark.skipif(not callgrind.available(), reason="needs valgrind")
def test_kernel_profile_callgrind_prints_instructions_per_word(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=100, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(PROFILE), "--corpus", str(corpus), "--dim", "8",
                          "--kernels", "skipgram-ns-batch", "--callgrind", "--markdown"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.startswith("skipgram-ns-batch: ") and " instructions per trained word (" in out
    row = out.splitlines()[-1].split("|")
    assert row[1].strip() == "skipgram-ns-batch" and int(row[2].replace(",", "")) > 100


def test_gz_directory_checks_vocabulary_and_vectors_and_prints_the_ratio(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("gz_directory.py")),
                          "--corpus", str(corpus), "--files", "4", "--min-count", "2",
                          "--check-dim", "8", "--dim", "8", "--epochs", "1"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "in 4 .gz files" in out and "identical: True" in out
    assert "max abs difference 0.0" in out and "ratio " in out


@pytest.mark.parametrize("flags", [[], ["--no-read-ahead"]])
def test_sources_speed_prints_a_row_per_form(tmp_path, flags):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("sources_speed.py")),
                          "--corpus", str(corpus), "--files", "3", "--block-mb", "1", *flags],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert f"read-ahead {'off' if flags else 'on'}" in out
    rows = [line.split("|")[1].strip() for line in out.splitlines() if line.startswith("| ")]
    assert rows[1:5] == ["plain", "gz", "bz2", "xz"] and rows[-1] == "dir of 3"


def test_callback_overhead_prints_pairs_and_the_median_ratio(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    script = str(Path(__file__).with_name("callback_overhead.py"))
    out = subprocess.run([sys.executable, script, "--corpus", str(corpus), "--repeats", "2",
                          "--epochs", "2", "--dim", "8", "--min-count", "2"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "2 epochs, dim 8, 2 threads" in out and "pair 2: none " in out
    assert "median callback/none time ratio over 2 pairs: " in out
    assert "hook dispatch alone: " in out and " 6 hooks per run = " in out
    missing = subprocess.run([sys.executable, script, "--corpus", str(tmp_path / "absent.txt")],
                             capture_output=True, text=True, timeout=120, check=True).stdout
    assert missing.startswith("skipped: no corpus at ")


def test_scaling_prints_default_kernels_with_paired_speedups(tmp_path):
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=300, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("scaling.py")),
                          "--corpus", str(corpus), "--repeats", "2", "--dim", "8"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "2 repeats; medians; speedup = median of per-repeat ratios to 1 thread(s)" in out
    rows = [line.split() for line in out.splitlines()[2:]]
    assert [(row[0], row[2]) for row in rows] == [
        (name, threads) for name in ("skipgram-ns", "cbow-ns", "skipgram-hs", "cbow-hs")
        for threads in ("1", "2")]
    assert all(row[1].startswith("(") and row[1].endswith(")") for row in rows)   # the kernel
    assert all(row[4] == "1.00" for row in rows[::2])


GROWTH = Path(__file__).with_name("cost_growth.py")


def test_cost_growth_varies_one_factor_at_a_time(tmp_path):
    out = subprocess.run([sys.executable, str(GROWTH), "--tokens", "20000", "--base", "1000", "8",
                          "2", "--vocab", "300", "1000", "--dims", "8", "16", "--windows", "2",
                          "--repeats", "1", "--markdown"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert "skipgram, negative 5, sample 0.001, 20,000 Zipf tokens, 2 threads" in out
    rows = [line.split("|")[1:4] for line in out.splitlines() if line.startswith("| ")]
    assert [[cell.strip() for cell in row] for row in rows[1:]] == [
        ["1,000", "8", "2"], ["300", "8", "2"], ["1,000", "16", "2"]]
    assert rows[0][0].strip() == "vocabulary" and "words/s" in out and "pairs/word" in out


def test_zipf_corpus_ranks_words_by_count_and_cuts_sentences():
    from cost_growth import SENTENCE, zipf_corpus

    encoded = zipf_corpus(500, 1000, seed=1)
    chunk = next(encoded.chunks())
    assert encoded.n_tokens == 1000 and len(encoded.vocab) == 500
    assert np.all(np.diff(encoded.vocab.counts) <= 0) and encoded.vocab.counts.min() >= 1
    drawn = np.bincount(chunk.token_ids, minlength=500)
    assert np.array_equal(np.maximum(drawn, 1), encoded.vocab.counts)
    assert np.all(np.diff(chunk.sentence_starts)[:-1] == SENTENCE)


@pytest.mark.skipif(not callgrind.available(), reason="needs valgrind")
def test_cost_growth_callgrind_prints_instructions_and_misses_per_word():
    out = subprocess.run([sys.executable, str(GROWTH), "--tokens", "5000", "--base", "500", "8",
                          "2", "--vocab", "500", "--dims", "8", "--windows", "2", "--repeats", "1",
                          "--callgrind", "--callgrind-tokens", "5000", "--markdown"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert "callgrind: 5,000 tokens, 1 thread, 2nd epoch" in out
    header, _, row = [line for line in out.splitlines() if line.startswith("|")]
    assert "instructions/word" in header and "LL misses/word" in header
    assert int(row.split("|")[-3].replace(",", "")) > 100   # instructions per word


@pytest.mark.skipif(not EVAL.is_dir(), reason="needs ../shared/data/eval")
def test_distributed_prints_single_and_ray_rows(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install '.[test]')")
    corpus = tmp_path / "tiny.txt"
    make_corpus(n_sentences=2000, seed=0).write_text(corpus)
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("distributed.py")),
                          "--corpus", str(corpus), "--epochs", "1", "--dim", "8", "--seeds", "1",
                          "--sync-every", "0.5", "--interleave", "on", "off", "--markdown",
                          "--single-repeats", "2"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert sum(line.startswith("seed 1 single ") for line in out.splitlines()) == 2
    rows = [line.split("|") for line in out.splitlines()
            if line.startswith("|") and "---" not in line]
    assert "|".join(rows[0]).startswith("|configuration|words/s|vs single|")
    assert [row[1] for row in rows[1:]] == [
        "threads", "sync_every=0.5 sum interleave on rotate on",
        "sync_every=0.5 sum interleave off rotate on"]
    rounds = rows[0].index("rounds")
    assert rows[2][rounds] == rows[3][rounds] == "2"
    assert rows[1][rows[0].index("diff")] == "+0.00"   # the single process against itself


@pytest.mark.skipif(not EVAL.is_dir(), reason="needs ../shared/data/eval")
def test_compare_subwords_holds_words_out_and_scores_their_unseen_vectors(tmp_path):
    rng = np.random.default_rng(0)
    stems = ["walk", "talk", "jump", "climb", "paint", "shout", "point", "crawl"]
    forms = [s + e for s in stems for e in ("", "s", "ed", "ing")] + ["the", "a", "dog", "cat"]
    corpus = tmp_path / "inflected.txt"
    corpus.write_text("\n".join(" ".join(rng.choice(forms, 12)) for _ in range(400)) + "\n")
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("compare_subwords.py")),
                          "--corpus", str(corpus), "--epochs", "1", "--dim", "8",
                          "--buckets", "10000", "--held-out", "5", "--fasttext", "",
                          "--no-gensim", "--markdown", "--repeats", "2"], capture_output=True,
                         text=True, timeout=300, check=True).stdout
    held = out.split("held out 5 words, e.g. ")[1].split("\n")[0].split(", ")
    (speeds,) = [line for line in out.splitlines() if " words/s: " in line]
    runs = speeds.split("words/s: ")[1].split(" (median")[0].split(", ")
    assert len(runs) == 2 and all(float(w.replace(",", "")) > 0 for w in runs)
    assert len(held) == 5 and all(w in forms and w not in stems for w in held)
    (row,) = [line for line in out.splitlines() if line.startswith("| pyw2v")]
    agreement = float(row.split("|")[7])
    assert 0.0 <= agreement <= 1.0
    assert ("(pyw2v kernel auto, batch windows 0, noise exponent default), subwords 3-6, "
            "10,000 buckets, dim 8") in out
