/* media_url: signed, expiring URLs for objects in local buckets (docs/ui.md), in the manner of OSS
 * signed URLs - GET /media/<bucket>/<key>?Expires=<unix s>&AccessKeyId=<id>&Signature=<hex> with
 * Signature = lowercase hex HMAC-SHA256(AccessKeySecret, "GET\n<bucket>\n<key>\n<Expires>"), the
 * key as its decoded bytes. Pure functions: no files, no keys file, no clock of their own. */
#ifndef REELCUT_MEDIA_URL_H
#define REELCUT_MEDIA_URL_H

#include <stdint.h>

#include "util/keys.h"
#include "util/rc.h"

#define API_MEDIA_PREFIX "/media/"
#define API_MEDIA_KEY_MAX 1024             /* bytes of a decoded object key */
#define API_MEDIA_MAX_LIFETIME (7 * 86400) /* an Expires further ahead than this is refused */
#define API_MEDIA_DEFAULT_LIFETIME 3600    /* GetMediaInfo without AuthTimeout */

/* One /media request, parsed. */
/* The bucket of job artefacts (no bucket can have this name): /media/~jobs/<JobId>/<name> serves
 * the artefact <name> of the job (store_artefact_get), to the job's owner's keys only. */
#define API_MEDIA_JOBS "~jobs"

typedef struct api_media_request {
    char bucket[64];
    char key[API_MEDIA_KEY_MAX + 1];
    char access_key_id[KEYS_ID_MAX + 1];
    char signature[65];
    int64_t expires;
} api_media_request;

/* Writes the signature of bucket/key until expires (Unix seconds) under secret: 64 lowercase hex
 * digits and a NUL. Returns 0 or RC_EINTERNAL. */
int api_media_sign(const char *secret, const char *bucket, const char *key, int64_t expires,
                   char out[65]);

/* Builds base + "/media/<bucket>/<key>?Expires=..&AccessKeyId=..&Signature=.." (base without a
 * trailing "/", e.g. "http://127.0.0.1:8080"; every key byte but A-Z a-z 0-9 - _ . ~ / is
 * percent-encoded). *out is malloc'd (the caller frees it). Returns 0, RC_EINVAL (a bucket name or
 * key the scheme cannot serve) or RC_ENOMEM. */
int api_media_url(const char *base, const char *access_key_id, const char *secret,
                  const char *bucket, const char *key, int64_t expires, char **out);

/* Parses the path (starting with API_MEDIA_PREFIX, still percent-encoded) and the raw query of a
 * request. Returns 0 with *out filled, or RC_EINVAL for anything the scheme refuses: a bucket name
 * that is not valid, an empty key, a key with an empty, "." or ".." name, an encoded "/" (%2F) or
 * NUL, a malformed escape, a missing, repeated or malformed Expires / AccessKeyId / Signature. */
int api_media_parse(const char *path, const char *raw_query, api_media_request *out);

/* Checks rq's signature under secret (constant time) and its expiry against now: 0 when the URL
 * is good, RC_EINVAL when the signature does not match, RC_ERANGE when it has expired or expires
 * more than API_MEDIA_MAX_LIFETIME after now. */
int api_media_check(const api_media_request *rq, const char *secret, int64_t now);

#endif
