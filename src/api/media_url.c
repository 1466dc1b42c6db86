/* media_url: sign, build, parse and check the signed /media URLs of local buckets. */
#include "api/media_url.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/blob.h"
#include "blob/blob_fs_walk.h"
#include "util/buf.h"
#include "util/digest.h"

static const char HEX[] = "0123456789abcdef";

/* The string to sign: "GET\n<bucket>\n<key>\n<expires>". Returns 0 or RC_ENOMEM/RC_ETOOBIG. */
static int string_to_sign(const char *bucket, const char *key, int64_t expires, buf *b) {
    buf_init(b, 4096);
    return buf_printf(b, "GET\n%s\n%s\n%" PRId64, bucket, key, expires);
}

int api_media_sign(const char *secret, const char *bucket, const char *key, int64_t expires,
                   char out[65]) {
    buf sts;
    unsigned char mac[DIGEST_SHA256_LEN];
    int rc = string_to_sign(bucket, key, expires, &sts);
    if (rc == 0)
        rc = digest_hmac_sha256(secret, strlen(secret), sts.data, sts.len, mac);
    buf_free(&sts);
    if (rc)
        return RC_EINTERNAL;
    for (int i = 0; i < DIGEST_SHA256_LEN; i++) {
        out[2 * i] = HEX[mac[i] >> 4];
        out[2 * i + 1] = HEX[mac[i] & 15];
    }
    out[64] = '\0';
    return 0;
}

static int unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

/* Appends s percent-encoded (RFC 3986), keeping "/" when keep_slash. */
static int append_encoded(buf *b, const char *s, int keep_slash) {
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
        if (unreserved(*p) || (keep_slash && *p == '/'))
            rc = buf_append(b, (const char *)p, 1);
        else
            rc = buf_printf(b, "%%%02X", *p);
    }
    return rc;
}

int api_media_url(const char *base, const char *access_key_id, const char *secret,
                  const char *bucket, const char *key, int64_t expires, char **out) {
    *out = NULL;
    if (!blob_bucket_name_valid(bucket) || !blob_walk_path_valid(key) ||
        strlen(key) > API_MEDIA_KEY_MAX)
        return RC_EINVAL;
    char sig[65];
    if (api_media_sign(secret, bucket, key, expires, sig))
        return RC_EINTERNAL;
    buf b;
    buf_init(&b, 16384);
    int rc = buf_printf(&b, "%s" API_MEDIA_PREFIX "%s/", base, bucket);
    if (rc == 0)
        rc = append_encoded(&b, key, 1);
    if (rc == 0)
        rc = buf_printf(&b, "?Expires=%" PRId64 "&AccessKeyId=", expires);
    if (rc == 0)
        rc = append_encoded(&b, access_key_id, 0);
    if (rc == 0)
        rc = buf_printf(&b, "&Signature=%s", sig);
    if (rc) {
        buf_free(&b);
        return RC_ENOMEM;
    }
    *out = buf_detach(&b);
    buf_free(&b);
    return *out ? 0 : RC_ENOMEM;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes len bytes of s into out (cap bytes with the NUL). A path keeps "+" (plus_space 0); a
 * query value turns it into a space. An encoded "/" is refused in a path (it would name the same
 * object as a plain "/" under a second spelling), an encoded NUL anywhere. Returns 0 or
 * RC_EINVAL. */
static int decode(const char *s, size_t len, int plus_space, int path, char *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= len)
                return RC_EINVAL;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return RC_EINVAL;
            c = hi * 16 + lo;
            i += 2;
            if (c == 0 || (path && c == '/'))
                return RC_EINVAL;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (n + 1 >= cap)
            return RC_EINVAL;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return 0;
}

/* Reads one query value into out; repeated names are refused. */
static int take(const char *v, size_t vlen, char *out, size_t cap, int *seen) {
    if (*seen)
        return RC_EINVAL;
    *seen = 1;
    return decode(v, vlen, 1, 0, out, cap);
}

static int parse_query(const char *q, api_media_request *out) {
    int seen_exp = 0, seen_id = 0, seen_sig = 0;
    char expires[24] = "";
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        size_t nlen = eq ? (size_t)(eq - q) : len;
        const char *v = eq ? eq + 1 : q + len;
        size_t vlen = (size_t)(q + len - v);
        int rc = 0;
        if (nlen == 7 && !memcmp(q, "Expires", 7))
            rc = take(v, vlen, expires, sizeof(expires), &seen_exp);
        else if (nlen == 11 && !memcmp(q, "AccessKeyId", 11))
            rc = take(v, vlen, out->access_key_id, sizeof(out->access_key_id), &seen_id);
        else if (nlen == 9 && !memcmp(q, "Signature", 9))
            rc = take(v, vlen, out->signature, sizeof(out->signature), &seen_sig);
        if (rc)
            return rc;
        q = amp ? amp + 1 : q + len;
    }
    if (!seen_exp || !seen_id || !seen_sig || !out->access_key_id[0])
        return RC_EINVAL;
    if (strlen(out->signature) != 64 || strspn(out->signature, HEX) != 64)
        return RC_EINVAL;
    size_t elen = strlen(expires);
    if (elen == 0 || elen > 18 || strspn(expires, "0123456789") != elen)
        return RC_EINVAL;
    out->expires = (int64_t)strtoll(expires, NULL, 10);
    return 0;
}

int api_media_parse(const char *path, const char *raw_query, api_media_request *out) {
    memset(out, 0, sizeof(*out));
    size_t plen = strlen(API_MEDIA_PREFIX);
    if (strncmp(path, API_MEDIA_PREFIX, plen) != 0)
        return RC_EINVAL;
    const char *rest = path + plen;
    const char *slash = strchr(rest, '/');
    if (!slash)
        return RC_EINVAL;
    if (decode(rest, (size_t)(slash - rest), 0, 1, out->bucket, sizeof(out->bucket)) ||
        (!blob_bucket_name_valid(out->bucket) && strcmp(out->bucket, API_MEDIA_JOBS) != 0))
        return RC_EINVAL;
    if (decode(slash + 1, strlen(slash + 1), 0, 1, out->key, sizeof(out->key)) ||
        !blob_walk_path_valid(out->key))
        return RC_EINVAL;
    return parse_query(raw_query, out);
}

int api_media_check(const api_media_request *rq, const char *secret, int64_t now) {
    char want[65];
    if (api_media_sign(secret, rq->bucket, rq->key, rq->expires, want))
        return RC_EINVAL;
    if (CRYPTO_memcmp(want, rq->signature, 64) != 0)
        return RC_EINVAL;
    if (rq->expires < now || rq->expires - now > API_MEDIA_MAX_LIFETIME)
        return RC_ERANGE;
    return 0;
}
