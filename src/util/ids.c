#include "util/ids.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/rc.h"

/* Random bytes come from the kernel (getrandom) 4 KiB at a time into a per-thread pool, so a
 * RequestId or JobId is no system call of its own: glibc 2.36's arc4random_buf is one getrandom()
 * per call, and OpenSSL's RAND_bytes a getpid() per call (its fork check). Bytes handed out are
 * wiped from the pool; a fork empties the child's pool (the child must not repeat the parent's
 * bytes). */
#define IDS_POOL_BYTES 4096

typedef struct random_pool {
    unsigned char bytes[IDS_POOL_BYTES];
    size_t pos; /* bytes[pos..] are unused */
    unsigned generation;
} random_pool;

static _Thread_local random_pool pool = {.pos = IDS_POOL_BYTES};

static atomic_uint fork_generation = 1;
static pthread_once_t fork_hook = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void) {
    atomic_fetch_add(&fork_generation, 1);
}

static void install_fork_hook(void) {
    pthread_atfork(NULL, NULL, after_fork_in_child);
}

/* Fills buf from the kernel; arc4random_buf (which cannot fail) if getrandom does. */
static void kernel_random(unsigned char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            arc4random_buf(buf + got, n - got);
            return;
        }
        got += (size_t)r;
    }
}

int ids_random_bytes(void *buf, size_t n) {
    pthread_once(&fork_hook, install_fork_hook);
    if (n > IDS_POOL_BYTES / 4) {
        kernel_random(buf, n);
        return 0;
    }
    unsigned gen = atomic_load(&fork_generation);
    if (pool.generation != gen || IDS_POOL_BYTES - pool.pos < n) {
        kernel_random(pool.bytes, IDS_POOL_BYTES);
        pool.pos = 0;
        pool.generation = gen;
    }
    memcpy(buf, pool.bytes + pool.pos, n);
    explicit_bzero(pool.bytes + pool.pos, n);
    pool.pos += n;
    return 0;
}

int ids_hex_value(unsigned char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void ids_to_hex(const unsigned char *in, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int ids_hex128(char out[IDS_HEX_LEN + 1]) {
    unsigned char raw[16];
    int rc = ids_random_bytes(raw, sizeof(raw));
    if (rc)
        return rc;
    ids_to_hex(raw, sizeof(raw), out);
    return 0;
}

int ids_hex128_ordered(int64_t unix_ms, char out[IDS_HEX_LEN + 1]) {
    unsigned char raw[16];
    ids_random_bytes(raw + 6, 10);
    uint64_t t = unix_ms > 0 ? (uint64_t)unix_ms : 0;
    for (int i = 5; i >= 0; i--) { /* 48 bits of milliseconds, big-endian: ids sort by time */
        raw[i] = (unsigned char)(t & 0xff);
        t >>= 8;
    }
    ids_to_hex(raw, sizeof(raw), out);
    return 0;
}

int ids_uuid(char out[IDS_UUID_LEN + 1]) {
    unsigned char r[16];
    int rc = ids_random_bytes(r, sizeof(r));
    if (rc)
        return rc;
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    /* 8-4-4-4-12 upper-case hex, formatted by hand: one per request, and snprintf is slow here */
    static const char digits[] = "0123456789ABCDEF";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = digits[r[i] >> 4];
        *o++ = digits[r[i] & 15];
    }
    *o = '\0';
    return 0;
}
