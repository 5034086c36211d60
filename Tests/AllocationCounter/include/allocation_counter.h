// Counts the heap allocations made by the calling thread, for tests that prove a code path
// allocates nothing. Linked into the test executable, the functions below take the place of the
// C library's allocation entry points and forward to them.
#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

/// Allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) made so far by
/// the calling thread.
unsigned long allocations_on_this_thread(void);

/// 1 when allocations are counted (glibc, no sanitizer runtime), else 0.
int allocation_counting_works(void);

#endif
