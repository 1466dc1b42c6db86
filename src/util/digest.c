/* (before any OpenSSL header: see below) */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "util/digest.h"

/* The hashes on the request path (every signature check, every nonce) use OpenSSL's SHA256_CTX
 * functions: a plain struct on the stack over the same assembly as the EVP interface, without
 * EVP's per-call context allocation and provider dispatch (an EVP HMAC-SHA256 of 300 bytes cost
 * ~1.1 us here, this one ~0.3 us). They are deprecated in OpenSSL 3 in favour of EVP but kept in
 * the 3.x series; EVP remains for the streaming users (digest_sha256_md). */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

#include "util/rc.h"

/* Written once under pthread_once, then only read. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_fetched;

static void fetch_sha256(void) {
    sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *digest_sha256_md(void) {
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_fetched ? sha256_fetched : EVP_sha256();
}

int digest_sha256_parts(const void *const *parts, const size_t *lens, size_t n,
                        unsigned char out[DIGEST_SHA256_LEN]) {
    SHA256_CTX c;
    int ok = SHA256_Init(&c) == 1;
    for (size_t i = 0; ok && i < n; i++)
        ok = SHA256_Update(&c, lens[i] ? parts[i] : "", lens[i]) == 1;
    ok = ok && SHA256_Final(out, &c) == 1;
    OPENSSL_cleanse(&c, sizeof(c));
    return ok ? 0 : RC_EINTERNAL;
}

int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]) {
    return digest_sha256_parts(&data, &len, 1, out);
}

int digest_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                       unsigned char out[DIGEST_SHA256_LEN]) {
    enum { BLOCK = 64 };
    unsigned char k[BLOCK], pad[BLOCK], inner[DIGEST_SHA256_LEN];
    memset(k, 0, sizeof(k));
    int rc = 0;
    if (key_len > BLOCK) /* RFC 2104: a key longer than the block is hashed first */
        rc = digest_sha256(key, key_len, k);
    else if (key_len)
        memcpy(k, key, key_len);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    const void *in_parts[] = {pad, data};
    size_t in_lens[] = {BLOCK, len};
    if (rc == 0)
        rc = digest_sha256_parts(in_parts, in_lens, 2, inner);
    for (int i = 0; i < BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    const void *out_parts[] = {pad, inner};
    size_t out_lens[] = {BLOCK, sizeof(inner)};
    if (rc == 0)
        rc = digest_sha256_parts(out_parts, out_lens, 2, out);
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(inner, sizeof(inner));
    return rc;
}
