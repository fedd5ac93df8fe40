/*  test_arena - the per-request bump allocator

    Overlaps between allocations are found by filling every allocation with
    a pattern of its own and checking all patterns afterwards; build with
    HETAO_SANITIZE=ON to have AddressSanitizer check the bounds as well.
*/

#include "ht_test.h"
#include "ht_arena.h"
#include "hetao/v1/envelope.pb-c.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_MANY 100000

//  Size of allocation i: 1 to 61 bytes, varied so blocks end mid-allocation.
static size_t
s_size_of (size_t i)
{
    return 1 + (i * 7) % 61;
}

static void
s_fill (unsigned char *data, size_t size, size_t seed)
{
    for (size_t i = 0; i < size; i++)
        data [i] = (unsigned char) (seed * 31 + i);
}

static bool
s_intact (const unsigned char *data, size_t size, size_t seed)
{
    for (size_t i = 0; i < size; i++)
        if (data [i] != (unsigned char) (seed * 31 + i))
            return false;
    return true;
}

//  Makes S_MANY small allocations, fills them, and checks none overwrote another.
static void
s_many_small (ht_arena_t *arena)
{
    unsigned char **pointers = malloc (S_MANY * sizeof *pointers);
    ASSERT_NOT_NULL (pointers);
    for (size_t i = 0; i < S_MANY; i++) {
        pointers [i] = ht_arena_alloc (arena, s_size_of (i));
        ASSERT_NOT_NULL (pointers [i]);
        s_fill (pointers [i], s_size_of (i), i);
    }
    for (size_t i = 0; i < S_MANY; i++) {
        if (!s_intact (pointers [i], s_size_of (i), i))
            fprintf (stderr, "allocation %zu was overwritten\n", i);
        ASSERT_TRUE (s_intact (pointers [i], s_size_of (i), i));
    }
    free (pointers);
}

//  ---------------------------------------------------------------------------

static void
test_every_allocation_is_16_byte_aligned (void)
{
    ht_arena_t *arena = ht_arena_new ();
    for (size_t size = 0; size < 100; size++) {
        void *pointer = ht_arena_alloc (arena, size);
        ASSERT_INT_EQ ((uintptr_t) pointer % 16, 0);
    }
    //  Also the first allocation in a fresh block, and after a large one.
    ASSERT_INT_EQ ((uintptr_t) ht_arena_alloc (arena, 1 << 20) % 16, 0);
    ASSERT_INT_EQ ((uintptr_t) ht_arena_alloc (arena, 3) % 16, 0);
    ASSERT_INT_EQ ((uintptr_t) ht_arena_strdup (arena, "abc") % 16, 0);
    ASSERT_INT_EQ ((uintptr_t) ht_arena_printf (arena, "%d", 7) % 16, 0);
    ht_arena_destroy (&arena);
}

static void
test_zero_size_allocations_are_distinct (void)
{
    ht_arena_t *arena = ht_arena_new ();
    void *a = ht_arena_alloc (arena, 0);
    void *b = ht_arena_alloc (arena, 0);
    ASSERT_NOT_NULL (a);
    ASSERT_NOT_NULL (b);
    ASSERT_TRUE (a != b);
    ht_arena_destroy (&arena);
}

static void
test_many_small_allocations_never_overlap (void)
{
    ht_arena_t *arena = ht_arena_new ();
    s_many_small (arena);
    ht_arena_destroy (&arena);
}

static void
test_allocation_larger_than_a_block_is_whole (void)
{
    ht_arena_t *arena = ht_arena_new ();
    unsigned char *before = ht_arena_alloc (arena, 40);
    s_fill (before, 40, 1);
    size_t large_size = 1 << 20;
    unsigned char *large = ht_arena_alloc (arena, large_size);
    s_fill (large, large_size, 2);
    unsigned char *after = ht_arena_alloc (arena, 40);
    s_fill (after, 40, 3);
    ASSERT_TRUE (s_intact (before, 40, 1));
    ASSERT_TRUE (s_intact (large, large_size, 2));
    ASSERT_TRUE (s_intact (after, 40, 3));
    ht_arena_destroy (&arena);
}

static void
test_strdup_copies_text (void)
{
    ht_arena_t *arena = ht_arena_new ();
    char original [] = "\xe6\xb2\xb3\xe5\xa5\x97 Hetao";
    char *copy = ht_arena_strdup (arena, original);
    ASSERT_TRUE (copy != original);
    ASSERT_STR_EQ (copy, original);
    original [0] = 'X';
    ASSERT_STR_EQ (copy, "\xe6\xb2\xb3\xe5\xa5\x97 Hetao");
    ASSERT_STR_EQ (ht_arena_strdup (arena, ""), "");
    ht_arena_destroy (&arena);
}

//  Allocations are rounded up to 16 bytes, so only a copy whose terminator
//  falls on a boundary shows a size off by one: try every length around them.
static void
test_strdup_copy_keeps_its_terminator (void)
{
    ht_arena_t *arena = ht_arena_new ();
    char text [50];
    char *copies [sizeof text];
    for (size_t length = 0; length < sizeof text; length++) {
        memset (text, 'a' + (int) (length % 26), length);
        text [length] = 0;
        copies [length] = ht_arena_strdup (arena, text);
        unsigned char *next = ht_arena_alloc (arena, 16);
        memset (next, 0xff, 16);
    }
    for (size_t length = 0; length < sizeof text; length++) {
        ASSERT_INT_EQ (strlen (copies [length]), length);
        char letter [2] = { (char) ('a' + length % 26), 0 };
        ASSERT_INT_EQ (strspn (copies [length], letter), length);
    }
    ht_arena_destroy (&arena);
}

static void
test_printf_formats_text_of_any_length (void)
{
    ht_arena_t *arena = ht_arena_new ();
    ASSERT_STR_EQ (ht_arena_printf (arena, "%s.%s #%d", "registry", "GetOrganization", 42),
                   "registry.GetOrganization #42");
    ASSERT_STR_EQ (ht_arena_printf (arena, "%s", ""), "");
    //  Longer than a block, so the result needs a block of its own.
    size_t length = 100000;
    char *long_text = malloc (length + 1);
    ASSERT_NOT_NULL (long_text);
    memset (long_text, 'a', length);
    long_text [length] = 0;
    char *formatted = ht_arena_printf (arena, "<%s>", long_text);
    ASSERT_INT_EQ (strlen (formatted), length + 2);
    ASSERT_INT_EQ (formatted [0], '<');
    ASSERT_INT_EQ (formatted [length + 1], '>');
    ASSERT_INT_EQ (strspn (formatted + 1, "a"), length);
    free (long_text);
    ht_arena_destroy (&arena);
}

static void
test_reset_reuses_the_first_block (void)
{
    ht_arena_t *arena = ht_arena_new ();
    void *first = ht_arena_alloc (arena, 64);
    s_many_small (arena);
    ht_arena_alloc (arena, 1 << 20);
    ht_arena_reset (arena);
    ASSERT_PTR_EQ (ht_arena_alloc (arena, 64), first);
    ht_arena_destroy (&arena);
}

static void
test_arena_works_after_reset (void)
{
    ht_arena_t *arena = ht_arena_new ();
    for (int request = 0; request < 5; request++) {
        s_many_small (arena);
        char expected [32];
        snprintf (expected, sizeof expected, "request %d", request);
        ASSERT_STR_EQ (ht_arena_printf (arena, "request %d", request), expected);
        ht_arena_reset (arena);
    }
    ht_arena_destroy (&arena);
}

static void
test_destroy_nulls_pointer_and_is_idempotent (void)
{
    ht_arena_t *arena = ht_arena_new ();
    ht_arena_alloc (arena, 1 << 20);
    ht_arena_destroy (&arena);
    ASSERT_TRUE (arena == NULL);
    ht_arena_destroy (&arena);
    ASSERT_TRUE (arena == NULL);
}

//  A packed Request, as a client sends it.
static size_t
s_packed_request (uint8_t *buffer, size_t size)
{
    Hetao__V1__Request request = HETAO__V1__REQUEST__INIT;
    request.request_id = "r-1";
    request.method = "registry.GetOrganization";
    request.idempotency_key = "\xe6\xb2\xb3-key";
    request.has_payload = true;
    request.payload.data = (uint8_t *) "\x0a\x03" "abc";
    request.payload.len = 5;
    size_t length = hetao__v1__request__get_packed_size (&request);
    ASSERT_TRUE (length <= size);
    return hetao__v1__request__pack (&request, buffer);
}

static void
test_protobuf_unpacks_into_the_arena (void)
{
    uint8_t packed [256];
    size_t length = s_packed_request (packed, sizeof packed);
    ht_arena_t *arena = ht_arena_new ();
    for (int round = 0; round < 3; round++) {
        Hetao__V1__Request *request =
            hetao__v1__request__unpack (ht_arena_allocator (arena), length, packed);
        ASSERT_NOT_NULL (request);
        ASSERT_STR_EQ (request->request_id, "r-1");
        ASSERT_STR_EQ (request->method, "registry.GetOrganization");
        ASSERT_STR_EQ (request->idempotency_key, "\xe6\xb2\xb3-key");
        ASSERT_TRUE (request->has_payload);
        ASSERT_INT_EQ (request->payload.len, 5);
        ASSERT_TRUE (memcmp (request->payload.data, "\x0a\x03" "abc", 5) == 0);
        //  No free_unpacked: the reset frees the request with everything else.
        ht_arena_reset (arena);
    }
    ht_arena_destroy (&arena);
}

static void
test_protobuf_failed_unpack_with_arena_returns_null (void)
{
    uint8_t packed [256];
    size_t length = s_packed_request (packed, sizeof packed);
    ht_arena_t *arena = ht_arena_new ();
    //  Cut in the middle of the method string: the decoder gives up halfway.
    ASSERT_TRUE (hetao__v1__request__unpack (ht_arena_allocator (arena), 10, packed) == NULL);
    const uint8_t garbage [] = { 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f };
    ASSERT_TRUE (hetao__v1__request__unpack (ht_arena_allocator (arena),
                                             sizeof garbage, garbage) == NULL);
    //  The arena is still usable.
    ASSERT_NOT_NULL (hetao__v1__request__unpack (ht_arena_allocator (arena), length, packed));
    ht_arena_destroy (&arena);
}

int
main (void)
{
    HT_TEST_RUN (test_every_allocation_is_16_byte_aligned);
    HT_TEST_RUN (test_zero_size_allocations_are_distinct);
    HT_TEST_RUN (test_many_small_allocations_never_overlap);
    HT_TEST_RUN (test_allocation_larger_than_a_block_is_whole);
    HT_TEST_RUN (test_strdup_copies_text);
    HT_TEST_RUN (test_strdup_copy_keeps_its_terminator);
    HT_TEST_RUN (test_printf_formats_text_of_any_length);
    HT_TEST_RUN (test_reset_reuses_the_first_block);
    HT_TEST_RUN (test_arena_works_after_reset);
    HT_TEST_RUN (test_destroy_nulls_pointer_and_is_idempotent);
    HT_TEST_RUN (test_protobuf_unpacks_into_the_arena);
    HT_TEST_RUN (test_protobuf_failed_unpack_with_arena_returns_null);
    return 0;
}
