/* blob_s3_int: the S3 backend's internals shared by blob_s3.c and blob_s3_req.c (one request
 * with retries over a reused curl handle). Not a public interface. */
#ifndef REELCUT_BLOB_S3_INT_H
#define REELCUT_BLOB_S3_INT_H

#include <curl/curl.h>
#include <sys/types.h>

#include "blob/s3/blob_s3.h"
#include "util/buf.h"

typedef struct s3_backend {
    blob_backend base;
    char *scheme; /* "http" or "https" */
    char *host;   /* host[:port] */
    char *prefix; /* path prefix of the endpoint without trailing '/', may be "" */
    char *region;
    char *access_key_id;
    char *secret;
    char sigv4[160]; /* "aws:amz:REGION:s3" */
    int virtual_hosted;
    int insecure_tls;
    char *ca_file;
    size_t part_size, multipart_threshold;
    int max_attempts, retry_base_ms, connect_timeout_s, stall_timeout_s;
    int upload_threads;
    enum blob_net_reach reach;
} s3_backend;

/* One HTTP exchange. Inputs are set by the caller; the rest is filled by s3_perform. */
typedef struct s3_req {
    const char *method; /* GET HEAD PUT POST DELETE */
    const char *bucket; /* NULL for the service itself */
    const char *key;    /* NULL for the bucket itself */
    const char *query;  /* canonical query (sorted, encoded, "k=v&k2="), or NULL */
    int in_fd;          /* request body read from in_fd [in_off, in_off + in_len); -1 = none */
    off_t in_off;
    size_t in_len;
    const char *in_mem; /* or from memory (when in_fd < 0) */
    size_t in_mem_len;
    int out_fd; /* 2xx response body written to out_fd (truncated per attempt); -1 = none */
    const char *extra_header; /* one more request header line ("If-Match: ..."), or NULL */
    /* Results */
    long status; /* 0 when no HTTP response */
    CURLcode cc;
    int attempts;
    char etag[128];
    char tag[72];           /* x-amz-meta-reelcut-tag of the response (blob_put_file_tagged) */
    int64_t content_length; /* Content-Length of the response, -1 if none */
    buf body;               /* non-download response body (capped), NUL-terminated */
    char curl_err[CURL_ERROR_SIZE];
    /* Progress of the current attempt (private) */
    size_t in_pos;
    int out_failed;
    int out_errno; /* why writing to out_fd failed */
} s3_req;

/* Prepares r for a request (zeroes it, no body in or out). s3_req_free releases its buffers. */
void s3_req_init(s3_req *r, const char *method, const char *bucket, const char *key,
                 const char *query);
void s3_req_free(s3_req *r);

/* Runs r on curl handle h (reused for keep-alive), retrying transient failures (connection
 * errors, timeouts, resets, HTTP 5xx and 429) up to max_attempts with exponential backoff.
 * Returns 0 when an HTTP response arrived (any status: see r->status), RC_ENOMEM or RC_ETOOBIG
 * when the URL cannot be built, or RC_EREAD when the last attempt got no response (r->cc). */
int s3_perform(s3_backend *s3, CURL *h, s3_req *r);

/* Builds scheme://[bucket.]host/prefix[/bucket][/key][?query] for r into url. 0 or RC_ETOOBIG. */
int s3_build_url(const s3_backend *s3, const s3_req *r, char *url, size_t n);

/* Resets h and sets what every request shares: url, SigV4 credentials, headers (hdrs, kept by the
 * caller until the transfer ends), error buffer, connect timeout, TLS settings, the address rule
 * (blob_net_restrict with s3->reach). */
void s3_setup_common(s3_backend *s3, CURL *h, const char *url, struct curl_slist *hdrs,
                     char *errbuf);

/* Opens bucket/key as a blob_reader (blob_s3_reader.c). */
int s3_open_reader(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                   blob_reader **out, rc_error *err);

/* Whether a curl result is worth a retry (connection errors, timeouts, resets). */
int s3_cc_transient(CURLcode cc);

/* Sleeps the backoff before retry number `attempt` (1 = first retry). */
void s3_backoff(const s3_backend *s3, int attempt);

/* The <Code> of an S3 XML error body, or "" (copied into out). */
void s3_error_code(const s3_req *r, char *out, size_t n);

/* Turns a finished request into 0 or an error naming oss://bucket[/key], never the secret:
 * RC_ENOENT for a missing bucket or object, rc_io (RC_EREAD/RC_EWRITE) for the rest. verb is
 * what failed ("read", "write", "delete", "check"). */
int s3_result(const s3_req *r, int rc_io, const char *verb, const char *bucket, const char *key,
              rc_error *err);

/* Uploads fd (size bytes) as a multipart upload with s3->upload_threads parts in flight; any
 * failure aborts the upload so no object or parts are left. Returns 0, RC_ENOENT, RC_EWRITE. */
int s3_put_multipart(s3_backend *s3, const char *bucket, const char *key, int fd, size_t size,
                     const char *extra_header, rc_error *err);
/* Aborts the incomplete multipart uploads of exactly bucket/key. */
int s3_abort_uploads(blob_backend *be, const char *bucket, const char *key, rc_error *err);

/* Whether an HTTP status is worth a retry. */
int s3_status_transient(long status);

/* If the header line (n bytes) is "ETag: v", copies v (trimmed) into out (size bytes; left as is
 * when v does not fit) and returns 1; else 0. */
int s3_header_etag(const char *line, size_t n, char *out, size_t size);

#endif
