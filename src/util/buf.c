#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/rc.h"

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

void buf_init(buf *b, size_t max) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : BUF_DEFAULT_MAX;
}

void buf_free(buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(buf *b) {
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int buf_reserve(buf *b, size_t extra) {
    if (extra > b->max || b->len > b->max - extra)
        return RC_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap;
    if (!cap) /* 512: most texts here (requests, replies) fit at once; less if max is less */
        cap = b->max < 511 ? b->max + 1 : 512;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return RC_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_append(buf *b, const void *data, size_t n) {
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(buf *b, const char *s) {
    return buf_append(b, s, strlen(s));
}

int buf_vprintf(buf *b, const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return RC_EINVAL;
    int rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_detach(buf *b) {
    if (!b->data && buf_reserve(b, 0))
        return NULL;
    char *p = b->data;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

void *buf_array_room(void *items, size_t *cap, size_t count, size_t elem, size_t first) {
    if (count < *cap)
        return items;
    size_t n = *cap ? *cap * 2 : first;
    if (n < *cap || n > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(items, n * elem);
    if (p)
        *cap = n;
    return p;
}
