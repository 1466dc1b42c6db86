/* digest: SHA-256 and HMAC-SHA256 for the request path (signatures, nonce keys, fingerprints). */
#ifndef REELCUT_DIGEST_H
#define REELCUT_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* A SHA-256 in progress: init, update as often as needed, final (which also wipes it). */
typedef struct digest_sha256_ctx {
    _Alignas(8) unsigned char state[112]; /* an OpenSSL SHA256_CTX (digest.c checks the size) */
    int ok;
} digest_sha256_ctx;

void digest_sha256_init(digest_sha256_ctx *c);
/* data may be NULL when len is 0. */
void digest_sha256_update(digest_sha256_ctx *c, const void *data, size_t len);
/* Returns 0 with out filled, or RC_EINTERNAL if any step failed. */
int digest_sha256_final(digest_sha256_ctx *c, unsigned char out[DIGEST_SHA256_LEN]);

/* SHA-256 of len bytes (data may be NULL when len is 0). Returns 0 or RC_EINTERNAL. */
int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);
/* HMAC-SHA256 (RFC 2104) of len bytes of data under a key of key_len bytes. Returns 0 or
 * RC_EINTERNAL. */
int digest_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       unsigned char out[DIGEST_SHA256_LEN]);

#endif
