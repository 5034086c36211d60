#include "allocation_counter.h"

#include <errno.h>
#include <stddef.h>

// Sanitizer runtimes bring their own allocator entry points: count nothing there (the
// steady-state test then checks buffer identities only).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NN_COUNTER_DISABLED 1
#endif
#endif

#if defined(NN_COUNTER_DISABLED) || !defined(__GLIBC__)
unsigned long allocations_on_this_thread(void) { return 0; }
int allocation_counting_works(void) { return 0; }
#else
int allocation_counting_works(void) { return 1; }

// glibc's own allocator, under the names it exports for exactly this use.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

// Initial-exec TLS: reading it never calls into the allocator (this file is linked into the
// test executable).
static __thread unsigned long allocations __attribute__((tls_model("initial-exec")));

unsigned long allocations_on_this_thread(void) { return allocations; }

void *malloc(size_t size) {
    allocations++;
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    allocations++;
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    allocations++;
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    allocations++;
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    allocations++;
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    allocations++;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}
#endif
