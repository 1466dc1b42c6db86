/* (before any OpenSSL header: see below) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "util/digest.h"

/* The hashes on the request path (every signature check, every nonce) use OpenSSL's SHA256_CTX
 * functions: a plain struct on the stack over the same assembly as the EVP interface, without
 * EVP's per-call context allocation and provider dispatch (an EVP HMAC-SHA256 of 300 bytes cost
 * ~1.1 us here, this one ~0.4 us). They are deprecated in OpenSSL 3 in favour of EVP but kept in
 * the 3.x series. */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

#include "util/rc.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((digest_sha256_ctx *)0)->state),
               "digest_sha256_ctx holds a SHA256_CTX");
_Static_assert(_Alignof(SHA256_CTX) <= 8, "and is aligned for it");

void digest_sha256_init(digest_sha256_ctx *c) {
    c->ok = SHA256_Init((SHA256_CTX *)c->state) == 1;
}

void digest_sha256_update(digest_sha256_ctx *c, const void *data, size_t len) {
    if (c->ok && len)
        c->ok = SHA256_Update((SHA256_CTX *)c->state, data, len) == 1;
}

int digest_sha256_final(digest_sha256_ctx *c, unsigned char out[DIGEST_SHA256_LEN]) {
    int ok = c->ok && SHA256_Final(out, (SHA256_CTX *)c->state) == 1;
    OPENSSL_cleanse(c, sizeof(*c));
    return ok ? 0 : RC_EINTERNAL;
}

int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]) {
    digest_sha256_ctx c;
    digest_sha256_init(&c);
    digest_sha256_update(&c, data, len);
    return digest_sha256_final(&c, out);
}

/* SHA-256 of a key block XORed with pad, then data. */
static int padded_hash(const unsigned char k[64], unsigned char pad, const void *data, size_t len,
                       unsigned char out[DIGEST_SHA256_LEN]) {
    unsigned char block[64];
    for (int i = 0; i < 64; i++)
        block[i] = k[i] ^ pad;
    digest_sha256_ctx c;
    digest_sha256_init(&c);
    digest_sha256_update(&c, block, sizeof(block));
    digest_sha256_update(&c, data, len);
    OPENSSL_cleanse(block, sizeof(block));
    return digest_sha256_final(&c, out);
}

int digest_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       unsigned char out[DIGEST_SHA256_LEN]) {
    unsigned char k[64], inner[DIGEST_SHA256_LEN];
    memset(k, 0, sizeof(k));
    int rc = 0;
    if (key_len > sizeof(k)) /* RFC 2104: a key longer than the block is hashed first */
        rc = digest_sha256(key, key_len, k);
    else if (key_len)
        memcpy(k, key, key_len);
    if (rc == 0)
        rc = padded_hash(k, 0x36, data, len, inner);
    if (rc == 0)
        rc = padded_hash(k, 0x5c, inner, sizeof(inner), out);
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(inner, sizeof(inner));
    return rc;
}
