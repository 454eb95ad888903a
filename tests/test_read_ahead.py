"""pyw2v.compressed.ReadAhead: a reader decompressing on a thread gives the same
bytes and the same errors as the reader itself, and leaves no thread behind."""
import gzip
import io
import threading

import pytest

from pyw2v import corpus as corpus_module
from pyw2v.compressed import CorruptFileError, ReadAhead, detect, open_text_bytes
from pyw2v.corpus import TextFileSource

TEXT = b"".join(b"line %d of some text\n" % i for i in range(5000))


class Failing(io.BytesIO):
    """Gives `good` bytes, then raises `error` (as a codec does at a broken byte)."""

    def __init__(self, good: bytes, error: BaseException):
        super().__init__(good)
        self.error = error

    def read(self, n: int = -1) -> bytes:
        data = super().read(n)
        if not data:
            raise self.error
        return data


def read_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pyw2v-read-ahead"]


@pytest.mark.parametrize("sizes", [[1000] * 200, [333, 4096, 1, 70000], [10 ** 6]])
def test_reads_are_those_of_the_reader(sizes):
    direct, ahead = io.BytesIO(TEXT), ReadAhead(io.BytesIO(TEXT), block_bytes=1000, depth=2)
    with ahead:
        for n in sizes + [10]:
            assert ahead.read(n) == direct.read(n)
    assert not read_threads()


def test_an_error_is_raised_as_it_was_at_the_read_that_reached_it():
    error = CorruptFileError("corpus file 'x.gz' is a truncated gzip archive")
    with ReadAhead(Failing(TEXT[:3000], error), block_bytes=1000) as ahead:
        assert ahead.read(2000) == TEXT[:2000]
        assert ahead.read(1000) == TEXT[2000:3000]
        for _ in range(2):   # and again at any later read, not a hang
            with pytest.raises(CorruptFileError) as raised:
                ahead.read(1000)
            assert raised.value is error
    assert not read_threads()


def test_a_generator_closed_early_stops_the_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "BLOCK_BYTES", 4096)
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(TEXT))
    blocks = TextFileSource(str(path)).byte_blocks()
    next(blocks)
    assert len(read_threads()) == 1
    blocks.close()
    assert not read_threads()


def test_a_truncated_archive_gives_the_message_of_the_plain_reader(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(TEXT * 20)[:-500])
    messages = []
    for wrap in (lambda reader: reader, lambda reader: ReadAhead(reader, 1 << 14)):
        with wrap(open_text_bytes(str(path), detect(str(path)))) as reader:
            with pytest.raises(CorruptFileError) as raised:
                while reader.read(1 << 14):
                    pass
        messages.append(str(raised.value))
    assert messages[0] == messages[1] and "truncated gzip archive" in messages[0]
