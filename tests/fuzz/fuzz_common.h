/* fuzz_common: helpers shared by the libFuzzer targets of tests/fuzz (one header, no library). */
#ifndef REELCUT_FUZZ_COMMON_H
#define REELCUT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/rc.h"

#define FUZZ_FIELDS_MAX 16

/* An input cut at its NUL bytes into C strings: the parsers under test take C strings, so a NUL
 * can never reach them inside one, and the fuzzer's byte-level mutations move fields around
 * freely. Field i is NULL when the input has fewer fields or the field is empty (the parsers treat
 * NULL and "" alike, as absent). */
typedef struct fuzz_fields {
    char *copy;
    const char *f[FUZZ_FIELDS_MAX];
    size_t n;
} fuzz_fields;

static inline void fuzz_fields_split(const uint8_t *data, size_t size, fuzz_fields *out) {
    memset(out, 0, sizeof(*out));
    out->copy = malloc(size + 1);
    if (!out->copy)
        abort();
    memcpy(out->copy, data, size);
    out->copy[size] = '\0';
    char *p = out->copy, *end = out->copy + size;
    while (out->n < FUZZ_FIELDS_MAX) {
        out->f[out->n++] = *p ? p : NULL;
        p += strlen(p);
        if (p >= end)
            break;
        p++; /* past the NUL that ended the field */
    }
}

static inline void fuzz_fields_free(fuzz_fields *f) {
    free(f->copy);
    memset(f, 0, sizeof(*f));
}

/* A finding that is not a memory error: print it and abort, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Every failure reaches the user as an IMS error body: it needs a code and a message, and the rc
 * returned must be the one recorded. */
static inline void fuzz_check_failure(int rc, const rc_error *err) {
    FUZZ_CHECK(rc < 0);
    FUZZ_CHECK(err->rc == rc);
    FUZZ_CHECK(err->code[0] != '\0');
    FUZZ_CHECK(err->message[0] != '\0');
}

/* A success leaves err as it was (cleared): an error recorded on the way stands in for the message
 * of a later failure, since the first one recorded wins. */
static inline void fuzz_check_success(const rc_error *err) {
    FUZZ_CHECK(err->rc == 0 && err->code[0] == '\0' && err->message[0] == '\0');
}

#endif
