/* The negative control of the constant-time check (tests/ct/ct_leak.c). */
#ifndef GRIDSEAL_TESTS_CT_LEAK_H
#define GRIDSEAL_TESTS_CT_LEAK_H

#include <stddef.h>
#include <stdint.h>

/* 1 if a[0..n) == b[0..n), else 0; returns at the first difference. */
int ct_leaky_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
