/*  ht_test - assertions for the unit tests, in libuv's ASSERT_EQ style

    A failing assertion prints where it failed, the expression, the value
    expected and the value that came, then exits non-zero so ctest reports
    the program as failed. No framework: each test program's main calls its
    tests with HT_TEST_RUN, and the first failure ends the program.

    Arguments are (actual, expected), and each is evaluated exactly once.
*/
#ifndef HT_TEST_H_INCLUDED
#define HT_TEST_H_INCLUDED

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Runs one test and says so; a test that fails never returns.
#define HT_TEST_RUN(test)                                                    \
    do {                                                                     \
        test ();                                                             \
        printf ("ok   %s\n", #test);                                         \
        fflush (stdout);                                                     \
    } while (0)

#define ASSERT_TRUE(expr)                                                    \
    do {                                                                     \
        if (!(expr))                                                         \
            ht_test__fail (__FILE__, __LINE__, __func__, "ASSERT_TRUE", #expr, \
                           "true", "false");                                 \
    } while (0)

#define ASSERT_FALSE(expr)                                                   \
    do {                                                                     \
        if (expr)                                                            \
            ht_test__fail (__FILE__, __LINE__, __func__, "ASSERT_FALSE", #expr, \
                           "false", "true");                                 \
    } while (0)

//  Integers of any type up to 64 bits, compared as long long.
#define ASSERT_INT_EQ(actual, expected)                                      \
    ht_test__int (__FILE__, __LINE__, __func__, "ASSERT_INT_EQ",             \
                  #actual " == " #expected, true,                            \
                  (long long) (actual), (long long) (expected))

#define ASSERT_INT_NE(actual, unexpected)                                    \
    ht_test__int (__FILE__, __LINE__, __func__, "ASSERT_INT_NE",             \
                  #actual " != " #unexpected, false,                         \
                  (long long) (actual), (long long) (unexpected))

#define ASSERT_PTR_EQ(actual, expected)                                      \
    do {                                                                     \
        const void *ht_test__a = (actual), *ht_test__e = (expected);         \
        if (ht_test__a != ht_test__e) {                                      \
            char ht_test__as [32], ht_test__es [32];                         \
            snprintf (ht_test__as, sizeof ht_test__as, "%p", ht_test__a);    \
            snprintf (ht_test__es, sizeof ht_test__es, "%p", ht_test__e);    \
            ht_test__fail (__FILE__, __LINE__, __func__, "ASSERT_PTR_EQ",    \
                           #actual " == " #expected, ht_test__es, ht_test__as); \
        }                                                                    \
    } while (0)

#define ASSERT_NOT_NULL(expr)                                                \
    do {                                                                     \
        if ((expr) == NULL)                                                  \
            ht_test__fail (__FILE__, __LINE__, __func__, "ASSERT_NOT_NULL",  \
                           #expr, "a pointer", "NULL");                      \
    } while (0)

//  Strings; NULL is a value of its own, equal only to NULL.
#define ASSERT_STR_EQ(actual, expected)                                      \
    ht_test__str_eq (__FILE__, __LINE__, __func__, #actual " == " #expected, \
                     (actual), (expected))

#define ASSERT_STR_CONTAINS(text, part)                                      \
    ht_test__str_contains (__FILE__, __LINE__, __func__,                     \
                           #text " contains " #part, (text), (part))

//  ---------------------------------------------------------------------------
//  What the macros call; not for the tests themselves.

//  Writes `text` quoted, with control and non-ASCII bytes escaped, so a
//  failure message shows exactly which bytes came.
static inline void
ht_test__print_str (const char *text)
{
    if (!text) {
        fputs ("NULL", stderr);
        return;
    }
    fputc ('"', stderr);
    for (const unsigned char *s = (const unsigned char *) text; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf (stderr, "\\%c", *s);
        else
        if (*s == '\n')
            fputs ("\\n", stderr);
        else
        if (*s < 0x20 || *s >= 0x7F)
            fprintf (stderr, "\\x%02x", *s);
        else
            fputc (*s, stderr);
    }
    fputc ('"', stderr);
}

static inline void
ht_test__header (const char *file, int line, const char *test,
                 const char *macro, const char *expression)
{
    fprintf (stderr, "%s:%d: in %s: %s (%s) failed\n", file, line, test, macro, expression);
}

static inline void __attribute__ ((noreturn))
ht_test__fail (const char *file, int line, const char *test, const char *macro,
               const char *expression, const char *expected, const char *actual)
{
    ht_test__header (file, line, test, macro, expression);
    fprintf (stderr, "    expected: %s\n    actual:   %s\n", expected, actual);
    exit (EXIT_FAILURE);
}

static inline void
ht_test__int (const char *file, int line, const char *test, const char *macro,
              const char *expression, bool equal, long long actual, long long expected)
{
    if ((actual == expected) == equal)
        return;
    ht_test__header (file, line, test, macro, expression);
    fprintf (stderr, "    expected: %s%lld\n    actual:   %lld\n",
             equal? "": "anything but ", expected, actual);
    exit (EXIT_FAILURE);
}

static inline void
ht_test__str_eq (const char *file, int line, const char *test, const char *expression,
                 const char *actual, const char *expected)
{
    if (actual == expected || (actual && expected && !strcmp (actual, expected)))
        return;
    ht_test__header (file, line, test, "ASSERT_STR_EQ", expression);
    fputs ("    expected: ", stderr);
    ht_test__print_str (expected);
    fputs ("\n    actual:   ", stderr);
    ht_test__print_str (actual);
    fputs ("\n", stderr);
    exit (EXIT_FAILURE);
}

static inline void
ht_test__str_contains (const char *file, int line, const char *test, const char *expression,
                       const char *text, const char *part)
{
    if (text && part && strstr (text, part))
        return;
    ht_test__header (file, line, test, "ASSERT_STR_CONTAINS", expression);
    fputs ("    expected: a string containing ", stderr);
    ht_test__print_str (part);
    fputs ("\n    actual:   ", stderr);
    ht_test__print_str (text);
    fputs ("\n", stderr);
    exit (EXIT_FAILURE);
}

#endif
