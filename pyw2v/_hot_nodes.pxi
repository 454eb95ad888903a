# Hierarchical softmax's hot nodes when several threads train (docs/math.md §17).
# Included by _core.pyx before the steps that walk a path.
#
# Every path starts at the root, so Hogwild threads write the top of the tree at
# every window, and its rows' cache lines travel between the cores at each step:
# CBOW with hierarchical softmax ran 2.5x slower at 2 threads than at 1. Instead
# each thread reads and moves the n_hot heaviest nodes (Model.hot_first..) in a
# copy of its own, and every HOT_SYNC_WORDS words meets the shared rows under a
# lock: they gain its steps since the last meeting and it takes theirs. No step
# is lost; another thread's steps on those nodes reach a thread's copy within
# HOT_SYNC_WORDS of its words. One thread trains on the shared rows, as before.


cdef int _hot_scratch_init(Scratch *s, const Model *m) noexcept nogil:
    """Allocate the thread's copy of the hot rows (none without hot nodes).
    Returns 0, or -1 if an allocation failed."""
    cdef size_t floats = <size_t>m.n_hot * m.dim
    if m.n_hot == 0:
        return 0
    s.hot_rows = <float *> pyw2v_alloc_lines(floats * sizeof(float))
    s.hot_base = <float *> pyw2v_alloc_lines(floats * sizeof(float))
    s.hot_ids = <int32_t *> pyw2v_alloc_lines(<size_t>m.max_path * sizeof(int32_t))
    if s.hot_rows == NULL or s.hot_base == NULL or s.hot_ids == NULL:
        return -1
    return 0


cdef void _hot_load(const Model *m, Scratch *s, Schedule *run) noexcept nogil:
    """Start the thread's copy (and its base) from the shared hot rows."""
    cdef size_t size = <size_t>m.n_hot * m.dim * sizeof(float)
    cdef const float *shared = m.nodes + <int64_t>m.hot_first * m.dim
    pyw2v_spin_lock(&run.hot_lock)
    memcpy(s.hot_rows, shared, size)
    memcpy(s.hot_base, shared, size)
    pyw2v_spin_unlock(&run.hot_lock)


cdef void _hot_sync(const Model *m, Scratch *s, Schedule *run) noexcept nogil:
    """Add the thread's steps since its last sync to the shared hot rows and take
    every other thread's synced steps into its copy."""
    pyw2v_spin_lock(&run.hot_lock)
    pyw2v_hot_sync(m.nodes + <int64_t>m.hot_first * m.dim, s.hot_rows, s.hot_base,
                   <int64_t>m.n_hot * m.dim)
    pyw2v_spin_unlock(&run.hot_lock)


cdef inline int _hot_prefix(const Model *m, Scratch *s, const int32_t *path,
                            int length) noexcept nogil:
    """How many of the path's first nodes are hot (0 without hot nodes); their
    rows in the thread's copy go into s.hot_ids."""
    cdef int p = 0
    cdef int32_t first = m.hot_first
    if m.n_hot == 0:
        return 0
    while p < length and path[p] >= first:
        s.hot_ids[p] = path[p] - first
        p += 1
    return p
