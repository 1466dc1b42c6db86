/* digest: SHA-256 and HMAC-SHA256 for the request path, and the EVP SHA-256 fetched once. */
#ifndef REELCUT_DIGEST_H
#define REELCUT_DIGEST_H

#include <openssl/evp.h>
#include <stddef.h>

#define DIGEST_SHA256_LEN 32

/* The SHA-256 implementation, fetched on first use and kept (OpenSSL 3's EVP_sha256() makes every
 * EVP_Digest* call fetch it again: ~1 us per hash on the request path). Never NULL: falls back to
 * EVP_sha256() if the fetch fails. For EVP_DigestInit_ex users; do not free it. */
const EVP_MD *digest_sha256_md(void);

/* SHA-256 of len bytes (data may be NULL when len is 0). Returns 0 or RC_EINTERNAL. */
int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);
/* SHA-256 of the concatenation of n parts (parts[i] may be NULL when lens[i] is 0). */
int digest_sha256_parts(const void *const *parts, const size_t *lens, size_t n,
                        unsigned char out[DIGEST_SHA256_LEN]);
/* HMAC-SHA256 (RFC 2104) of len bytes of data under a key of key_len bytes. Returns 0 or
 * RC_EINTERNAL. */
int digest_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       unsigned char out[DIGEST_SHA256_LEN]);

#endif
