/* blob_s3: S3-compatible object storage (AWS S3, OSS, MinIO, Swift s3api) behind blob.h, over
 * libcurl with CURLOPT_AWS_SIGV4. */
#ifndef REELCUT_BLOB_S3_H
#define REELCUT_BLOB_S3_H

#include <stddef.h>

#include "blob/blob.h"
#include "blob/blob_net.h"

#define BLOB_S3_DEFAULT_PART_SIZE ((size_t)16 << 20)
/* AWS: "when your object size reaches 100 MB, you should consider using multipart uploads". */
#define BLOB_S3_DEFAULT_MULTIPART_THRESHOLD ((size_t)100 << 20)

/* Settings of one S3 endpoint; strings are copied by blob_s3_create. Zero values take defaults. */
typedef struct blob_s3_options {
    const char *endpoint;          /* http(s)://host[:port][/prefix], required */
    const char *region;            /* signing region; NULL/"" = us-east-1 */
    const char *access_key_id;     /* required */
    const char *secret_access_key; /* required; never logged nor put in errors */
    int virtual_hosted;            /* 1: http(s)://bucket.host/key; 0: http(s)://host/bucket/key */
    int insecure_tls;              /* 1 turns TLS peer and host verification off (default on) */
    const char *ca_file;           /* CA bundle for TLS; NULL = the system store */
    size_t part_size;              /* multipart part size; 0 = 16 MB (minimum 5 MB) */
    size_t multipart_threshold;    /* files larger than this go multipart; 0 = 100 MB */
    int upload_threads;            /* multipart parts in flight; 0 = 4 */
    int max_attempts;              /* tries per request on transient errors; 0 = 4 */
    int retry_base_ms;             /* first backoff, doubled per retry; 0 = 200 ms */
    int connect_timeout_s;         /* 0 = 10 s */
    int stall_timeout_s;           /* abort a transfer with no progress for this long; 0 = 30 s */
    /* BLOB_NET_ANY (0) for the operator's s3.endpoint; a job's OutputConfig.Endpoint gets
     * PUBLIC or NAMED (blob_net.h), and failures to get an answer then read the same whatever
     * the cause. */
    enum blob_net_reach reach;
} blob_s3_options;

/* Creates an S3 backend. Returns 0, RC_EINVAL (err names the missing or bad setting, as s3.KEY),
 * RC_ENOMEM. No request is made here. The caller frees it with blob_destroy(). */
int blob_s3_create(const blob_s3_options *opt, blob_backend **out, rc_error *err);

/* Creates a bucket on the server (tests and tools; the service never creates buckets).
 * Returns 0 (also when it already exists and is ours) or RC_EWRITE. */
int blob_s3_create_bucket(blob_backend *be, const char *bucket, rc_error *err);

/* Appends to out (capacity n) the URI-encoding of s per SigV4 (unreserved bytes kept, the rest as
 * %XX upper case; '/' kept when keep_slash). Returns the encoded length, or -1 if it does not fit.
 */
int blob_s3_uri_encode(const char *s, int keep_slash, char *out, size_t n);

#endif
