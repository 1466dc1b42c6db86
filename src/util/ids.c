#include "util/ids.h"

#include <limits.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/rc.h"

int ids_random_bytes(void *buf, size_t n) {
    /* OpenSSL's DRBG (per thread, seeded and reseeded from the kernel): a RequestId, JobId or key
     * costs no system call. glibc 2.36's arc4random_buf is a getrandom() call each time (one per
     * request in strace of the API benchmark); it stays as the fallback. */
    if (n > INT_MAX || RAND_bytes(buf, (int)n) != 1)
        arc4random_buf(buf, n);
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
