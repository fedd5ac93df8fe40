/*  ht_arena - memory that lives exactly as long as one request

    Under AddressSanitizer (build-san, the fuzz targets) every byte of a
    block that no allocation owns is poisoned, and each allocation is
    followed by a poisoned gap: reading or writing past the end of an
    arena allocation, or touching one after ht_arena_reset, is reported
    as it would be for malloc.
*/

#include "ht_arena.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined (__SANITIZE_ADDRESS__)
#   define S_ASAN 1
#elif defined (__has_feature)
#   if __has_feature (address_sanitizer)
#       define S_ASAN 1
#   endif
#endif
#ifdef S_ASAN
#   include <sanitizer/asan_interface.h>
#   define S_REDZONE 16         //  poisoned bytes after each allocation
#else
#   define ASAN_POISON_MEMORY_REGION(address, size)   ((void) (address), (void) (size))
#   define ASAN_UNPOISON_MEMORY_REGION(address, size) ((void) (address), (void) (size))
#   define S_REDZONE 0
#endif

#define S_BLOCK_SIZE (32 * 1024)
#define S_ALIGN 16

typedef struct _block_t {
    struct _block_t *next;
    size_t size, used;
    _Alignas (S_ALIGN) unsigned char data [];
} block_t;

struct _ht_arena_t {
    block_t *head;              //  block being filled; its `next` chain is older
    block_t *first;             //  kept across resets
    ProtobufCAllocator allocator;
};

static block_t *
s_block_new (size_t size)
{
    block_t *block = malloc (sizeof (block_t) + size);
    if (!block) {
        fprintf (stderr, "ht_arena: out of memory\n");
        abort ();
    }
    block->next = NULL;
    block->size = size;
    block->used = 0;
    ASAN_POISON_MEMORY_REGION (block->data, size);
    return block;
}

static void *
s_pb_alloc (void *data, size_t size)
{
    return ht_arena_alloc ((ht_arena_t *) data, size);
}

static void
s_pb_free (void *data, void *pointer)
{
    //  Freed all at once by ht_arena_reset.
}

ht_arena_t *
ht_arena_new (void)
{
    ht_arena_t *self = calloc (1, sizeof *self);
    assert (self);
    self->first = self->head = s_block_new (S_BLOCK_SIZE);
    self->allocator.alloc = s_pb_alloc;
    self->allocator.free = s_pb_free;
    self->allocator.allocator_data = self;
    return self;
}

void
ht_arena_destroy (ht_arena_t **self_p)
{
    if (*self_p) {
        ht_arena_reset (*self_p);
        free ((*self_p)->first);
        free (*self_p);
        *self_p = NULL;
    }
}

void *
ht_arena_alloc (ht_arena_t *self, size_t size)
{
    size_t asked = size;
    size = ((size + S_ALIGN - 1) & ~(size_t) (S_ALIGN - 1)) + S_REDZONE;
    if (size == 0)
        size = S_ALIGN;
    if (self->head->used + size > self->head->size) {
        block_t *block = s_block_new (size > S_BLOCK_SIZE? size: S_BLOCK_SIZE);
        block->next = self->head;
        self->head = block;
    }
    void *pointer = self->head->data + self->head->used;
    self->head->used += size;
    ASAN_UNPOISON_MEMORY_REGION (pointer, asked);
    return pointer;
}

char *
ht_arena_strdup (ht_arena_t *self, const char *text)
{
    size_t size = strlen (text) + 1;
    char *copy = ht_arena_alloc (self, size);
    memcpy (copy, text, size);
    return copy;
}

char *
ht_arena_printf (ht_arena_t *self, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    int size = vsnprintf (NULL, 0, format, args);
    va_end (args);
    char *text = ht_arena_alloc (self, (size_t) size + 1);
    va_start (args, format);
    vsnprintf (text, (size_t) size + 1, format, args);
    va_end (args);
    return text;
}

void
ht_arena_reset (ht_arena_t *self)
{
    while (self->head != self->first) {
        block_t *next = self->head->next;
        free (self->head);
        self->head = next;
    }
    self->first->used = 0;
    ASAN_POISON_MEMORY_REGION (self->first->data, self->first->size);
}

ProtobufCAllocator *
ht_arena_allocator (ht_arena_t *self)
{
    return &self->allocator;
}
