/*  ht_arena - memory that lives exactly as long as one request

    A bump allocator: allocations are never freed one by one; the worker
    resets the arena after each reply. Also usable as protobuf-c's allocator,
    which makes unpacking cheap and free_unpacked unnecessary.
*/
#ifndef HT_ARENA_H_INCLUDED
#define HT_ARENA_H_INCLUDED

#include <stdarg.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct _ht_arena_t ht_arena_t;

//  Caller owns the result; destroy with ht_arena_destroy.
ht_arena_t *ht_arena_new (void);
void ht_arena_destroy (ht_arena_t **self_p);

//  Returns `size` bytes aligned for any type; aborts on out-of-memory.
void *ht_arena_alloc (ht_arena_t *self, size_t size);

//  Copies of text, and formatted text, in the arena.
char *ht_arena_strdup (ht_arena_t *self, const char *text);
char *ht_arena_printf (ht_arena_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

//  Frees everything allocated since the last reset; keeps the first block.
void ht_arena_reset (ht_arena_t *self);

//  An allocator for protobuf-c that allocates from this arena.
ProtobufCAllocator *ht_arena_allocator (ht_arena_t *self);

#endif
