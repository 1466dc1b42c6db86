#include "util/digest.h"

#include <pthread.h>

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

int digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]) {
    unsigned int n = 0;
    if (EVP_Digest(len ? data : "", len, out, &n, digest_sha256_md(), NULL) != 1 ||
        n != DIGEST_SHA256_LEN)
        return RC_EINTERNAL;
    return 0;
}
