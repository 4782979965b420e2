/* A minimal test harness in the manner of libuv's: each test is a function
 * listed in test-list.h; the runner runs one test per process, ctest runs
 * them all with a timeout each. A failed assertion prints where and what,
 * and exits non-zero. */
#ifndef PT_TEST_H
#define PT_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_IMPL(name) int test_##name(void)

/* Every test's prototype, from the list. */
#define TEST_ENTRY(name) TEST_IMPL(name);
#include "test-list.h"
#undef TEST_ENTRY

#define ASSERT(cond)                                                                         \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond);     \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

#define ASSERT_EQ_INT(a, b)                                                                  \
    do {                                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                                  \
        if (a_ != b_) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__,    \
                    #a, #b, a_, b_);                                                         \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

#define ASSERT_NEAR(a, b, eps)                                                               \
    do {                                                                                     \
        double a_ = (a), b_ = (b);                                                           \
        if (!(fabs(a_ - b_) <= (eps))) {                                                     \
            fprintf(stderr, "%s:%d: %s ≈ %s failed: %.12g vs %.12g\n", __FILE__, __LINE__,   \
                    #a, #b, a_, b_);                                                         \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                                     \
    do {                                                                                     \
        const char *h_ = (hay), *n_ = (needle);                                              \
        if (!h_ || !strstr(h_, n_)) {                                                        \
            fprintf(stderr, "%s:%d: \"%s\" not found in:\n%s\n", __FILE__, __LINE__, n_,     \
                    h_ ? h_ : "(null)");                                                     \
            exit(1);                                                                         \
        }                                                                                    \
    } while (0)

/* A scratch directory for this test process, removed by the runner. */
const char *test_tmpdir(void);

#endif
