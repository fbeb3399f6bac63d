#ifndef KEEL_ALLOCATION_COUNTER_H
#define KEEL_ALLOCATION_COUNTER_H

#include <stdint.h>

/// Heap allocations made by the whole process so far (malloc, calloc, realloc of nothing, and
/// the aligned forms), counted by the interposers of this module: a program that links it has
/// every allocation of every thread counted, Swift's runtime and SQLite's included.
uint64_t keel_allocation_count(void);

#endif
