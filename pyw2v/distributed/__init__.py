"""Training beyond one process: a corpus sharded over workers that train in rounds
from a common model, their row changes merged by the driver (see docs/distributed.md).

The algorithm runs on any backend with the same small protocol; an in-process
serial backend is the test oracle, Ray the engine for real clusters (the
optional extra ``pyw2v[ray]``).
"""
