/* buf: a growable byte buffer with a hard cap, for anything built from outside input. */
#ifndef REELCUT_BUF_H
#define REELCUT_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* always NUL-terminated when not NULL */
    size_t len;
    size_t cap; /* bytes allocated */
    size_t max; /* hard limit on len; appends past it fail with RC_ETOOBIG */
} buf;

/* Initialises an empty buffer that may grow to max bytes (0 = 64 MiB). */
void buf_init(buf *b, size_t max);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void buf_free(buf *b);
void buf_reset(buf *b);

/* Append n bytes / a C string / formatted text. Return 0, RC_ETOOBIG past max, RC_ENOMEM. On
 * failure the buffer is unchanged. */
int buf_append(buf *b, const void *data, size_t n);
int buf_puts(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap);

/* Room for one more item in a growable array of count items of elem bytes in storage for *cap:
 * items itself while there is room, else the storage doubled (first items when it has none),
 * *cap updated. NULL when out of memory (items and *cap unchanged, still the caller's). */
void *buf_array_room(void *items, size_t *cap, size_t count, size_t elem, size_t first);

/* Hands the NUL-terminated storage to the caller (free() it) and leaves b empty. Never NULL
 * unless out of memory. */
char *buf_detach(buf *b);

#endif
