/* blob_s3_req: one S3 request over libcurl - URL, SigV4 signing by curl, streaming bodies,
 * bounded retries with backoff. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "blob/s3/blob_s3_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define S3_ERROR_BODY_MAX (64 * 1024)

int blob_s3_uri_encode(const char *s, int keep_slash, char *out, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    size_t len = strlen(out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        if (len + (keep ? 1 : 3) >= n)
            return -1;
        if (keep) {
            out[len++] = (char)c;
        } else {
            out[len++] = '%';
            out[len++] = hex[c >> 4];
            out[len++] = hex[c & 15];
        }
    }
    out[len] = '\0';
    return (int)len;
}

void s3_req_init(s3_req *r, const char *method, const char *bucket, const char *key,
                 const char *query) {
    memset(r, 0, sizeof(*r));
    r->method = method;
    r->bucket = bucket;
    r->key = key;
    r->query = query;
    r->in_fd = -1;
    r->out_fd = -1;
    buf_init(&r->body, S3_ERROR_BODY_MAX);
}

void s3_req_free(s3_req *r) {
    buf_free(&r->body);
}

/* scheme://[bucket.]host/prefix[/bucket][/key][?query] */
int s3_build_url(const s3_backend *s3, const s3_req *r, char *url, size_t n) {
    int w;
    if (r->bucket && s3->virtual_hosted)
        w = snprintf(url, n, "%s://%s.%s%s/", s3->scheme, r->bucket, s3->host, s3->prefix);
    else if (r->bucket)
        w = snprintf(url, n, "%s://%s%s/%s%s", s3->scheme, s3->host, s3->prefix, r->bucket,
                     r->key ? "/" : "");
    else
        w = snprintf(url, n, "%s://%s%s/", s3->scheme, s3->host, s3->prefix);
    if (w < 0 || (size_t)w >= n)
        return RC_ETOOBIG;
    if (r->key && blob_s3_uri_encode(r->key, 1, url, n) < 0)
        return RC_ETOOBIG;
    if (r->query && *r->query) {
        size_t len = strlen(url);
        if ((size_t)snprintf(url + len, n - len, "?%s", r->query) >= n - len)
            return RC_ETOOBIG;
    }
    return 0;
}

static size_t on_read(char *dst, size_t size, size_t nitems, void *user) {
    s3_req *r = user;
    size_t want = size * nitems;
    if (r->in_fd < 0) {
        size_t left = r->in_mem_len - r->in_pos;
        if (want > left)
            want = left;
        memcpy(dst, r->in_mem + r->in_pos, want);
        r->in_pos += want;
        return want;
    }
    size_t left = r->in_len - r->in_pos;
    if (want > left)
        want = left;
    if (want == 0)
        return 0;
    ssize_t got;
    do
        got = pread(r->in_fd, dst, want, r->in_off + (off_t)r->in_pos);
    while (got < 0 && errno == EINTR);
    if (got <= 0) /* the file shrank or failed under us: abort, do not send a short body */
        return CURL_READFUNC_ABORT;
    r->in_pos += (size_t)got;
    return (size_t)got;
}

static int on_seek(void *user, curl_off_t offset, int origin) {
    s3_req *r = user;
    size_t total = r->in_fd < 0 ? r->in_mem_len : r->in_len;
    if (origin != SEEK_SET || offset < 0 || (size_t)offset > total)
        return CURL_SEEKFUNC_CANTSEEK;
    r->in_pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
}

typedef struct write_ctx {
    s3_req *r;
    CURL *h;
} write_ctx;

static size_t on_write(char *data, size_t size, size_t nmemb, void *user) {
    write_ctx *w = user;
    s3_req *r = w->r;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
    if (r->out_fd >= 0 && status >= 200 && status < 300) {
        for (size_t done = 0; done < n;) {
            ssize_t put = write(r->out_fd, data + done, n - done);
            if (put < 0 && errno == EINTR)
                continue;
            if (put <= 0) {
                r->out_failed = 1;
                r->out_errno = put < 0 ? errno : ENOSPC;
                return 0; /* curl aborts with CURLE_WRITE_ERROR */
            }
            done += (size_t)put;
        }
        return n;
    }
    /* Error and XML bodies: keep the first S3_ERROR_BODY_MAX bytes, drop the rest. */
    if (r->body.len < S3_ERROR_BODY_MAX) {
        size_t room = S3_ERROR_BODY_MAX - r->body.len;
        if (buf_append(&r->body, data, n < room ? n : room) != 0)
            return 0;
    }
    return n;
}

static size_t on_header(char *line, size_t size, size_t nitems, void *user) {
    s3_req *r = user;
    size_t n = size * nitems;
    if (n > 15 && !strncasecmp(line, "Content-Length:", 15))
        r->content_length = strtoll(line + 15, NULL, 10);
    s3_header_etag(line, n, r->etag, sizeof(r->etag));
    static const char tag_hdr[] = "x-amz-meta-reelcut-tag:";
    if (n > sizeof(tag_hdr) - 1 && !strncasecmp(line, tag_hdr, sizeof(tag_hdr) - 1)) {
        const char *v = line + sizeof(tag_hdr) - 1;
        size_t len = n - (sizeof(tag_hdr) - 1);
        while (len && (*v == ' ' || *v == '\t'))
            v++, len--;
        while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
            len--;
        if (len < sizeof(r->tag)) {
            memcpy(r->tag, v, len);
            r->tag[len] = '\0';
        }
    }
    return n;
}

int s3_header_etag(const char *line, size_t n, char *out, size_t size) {
    if (n <= 5 || strncasecmp(line, "ETag:", 5) != 0)
        return 0;
    const char *v = line + 5;
    while (*v == ' ' || *v == '\t')
        v++;
    size_t len = n - (size_t)(v - line);
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
        len--;
    if (len < size) {
        memcpy(out, v, len);
        out[len] = '\0';
    }
    return 1;
}

int s3_status_transient(long status) {
    return status >= 500 || status == 429 || status == 408;
}

int s3_cc_transient(CURLcode cc) {
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_COULDNT_RESOLVE_HOST:
        return 1;
    default:
        return 0;
    }
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void s3_backoff(const s3_backend *s3, int attempt) {
    int delay = s3->retry_base_ms << (attempt - 1 < 6 ? attempt - 1 : 6);
    delay += (int)(time_mono_ms() % (delay / 4 + 1)); /* jitter */
    sleep_ms(delay);
}

void s3_setup_common(s3_backend *s3, CURL *h, const char *url, struct curl_slist *hdrs,
                     char *errbuf) {
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s3->sigv4);
    curl_easy_setopt(h, CURLOPT_USERNAME, s3->access_key_id);
    curl_easy_setopt(h, CURLOPT_PASSWORD, s3->secret);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)s3->connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, s3->insecure_tls ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, s3->insecure_tls ? 0L : 2L);
    if (s3->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, s3->ca_file);
    blob_net_restrict(h, s3->reach);
}

/* Sets up h for one attempt of r. */
static int setup(s3_backend *s3, CURL *h, s3_req *r, const char *url, struct curl_slist *hdrs,
                 write_ctx *w) {
    s3_setup_common(s3, h, url, hdrs, r->curl_err);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)s3->stall_timeout_s);
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, w);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    int has_body = r->in_fd >= 0 || r->in_mem;
    size_t body_len = r->in_fd >= 0 ? r->in_len : r->in_mem_len;
    if (!strcmp(r->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(r->method, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(has_body ? body_len : 0));
    } else if (!strcmp(r->method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(has_body ? body_len : 0));
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (has_body || !strcmp(r->method, "PUT") || !strcmp(r->method, "POST")) {
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, r);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, r);
    }
    return 0;
}

int s3_perform(s3_backend *s3, CURL *h, s3_req *r) {
    char url[4096];
    int rc = s3_build_url(s3, r, url, sizeof(url));
    if (rc)
        return rc;
    struct curl_slist *hdrs = NULL, *tmp;
    /* curl 7.88 signs what we send but does not hash a streamed body: declare it unsigned
     * (TLS protects it in transit; S3 checks Content-Length). */
    tmp = curl_slist_append(hdrs, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (tmp)
        hdrs = tmp;
    if (tmp && !strcmp(r->method, "POST"))
        tmp = curl_slist_append(hdrs, "Content-Type: application/xml");
    if (tmp && r->extra_header)
        tmp = curl_slist_append(hdrs, r->extra_header);
    if (!tmp) {
        curl_slist_free_all(hdrs);
        return RC_ENOMEM;
    }
    hdrs = tmp;
    write_ctx w = {r, h};
    int max = s3->max_attempts > 0 ? s3->max_attempts : 1;
    for (r->attempts = 1;; r->attempts++) {
        r->in_pos = 0;
        r->out_failed = 0;
        r->status = 0;
        r->etag[0] = '\0';
        r->content_length = -1;
        r->curl_err[0] = '\0';
        buf_reset(&r->body);
        if (r->out_fd >= 0 && (ftruncate(r->out_fd, 0) != 0 || lseek(r->out_fd, 0, SEEK_SET) < 0)) {
            r->cc = CURLE_WRITE_ERROR;
            break;
        }
        setup(s3, h, r, url, hdrs, &w);
        r->cc = curl_easy_perform(h);
        if (r->cc == CURLE_OK)
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
        int again = r->cc == CURLE_OK ? s3_status_transient(r->status) : s3_cc_transient(r->cc);
        if (!again || r->attempts >= max)
            break;
        if (r->cc == CURLE_OK)
            log_msg(LOG_WARN, "s3: %s oss://%s%s%s: HTTP %ld, retrying (attempt %d of %d)",
                    r->method, r->bucket ? r->bucket : "", r->key ? "/" : "", r->key ? r->key : "",
                    r->status, r->attempts + 1, max);
        else
            log_msg(LOG_WARN, "s3: %s oss://%s%s%s: %s, retrying (attempt %d of %d)", r->method,
                    r->bucket ? r->bucket : "", r->key ? "/" : "", r->key ? r->key : "",
                    r->curl_err[0] ? r->curl_err : curl_easy_strerror(r->cc), r->attempts + 1, max);
        s3_backoff(s3, r->attempts);
    }
    curl_slist_free_all(hdrs);
    if (r->cc != CURLE_OK && s3->reach != BLOB_NET_ANY) /* a job's endpoint: one neutral text */
        snprintf(r->curl_err, sizeof(r->curl_err),
                 "the endpoint could not be reached or the transfer failed");
    return r->cc == CURLE_OK ? 0 : RC_EREAD;
}

void s3_error_code(const s3_req *r, char *out, size_t n) {
    out[0] = '\0';
    const char *s = r->body.data ? strstr(r->body.data, "<Code>") : NULL;
    if (!s)
        return;
    s += 6;
    const char *e = strstr(s, "</Code>");
    if (!e)
        return;
    size_t len = (size_t)(e - s);
    if (len >= n)
        len = n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
}

/* Turns a finished request into 0 or an error naming oss://bucket[/key]; never the secret.
 * verb is "read", "write", "delete" or "check"; rc_io is the rc for storage failures. */
int s3_result(const s3_req *r, int rc_io, const char *verb, const char *bucket, const char *key,
              rc_error *err) {
    char code[64];
    const char *sep = key ? "/" : "";
    const char *k = key ? key : "";
    if (r->cc != CURLE_OK)
        return rc_fail(err, rc_io, NULL, "cannot %s oss://%s%s%s: %s (%d attempt%s)", verb, bucket,
                       sep, k, r->curl_err[0] ? r->curl_err : curl_easy_strerror(r->cc),
                       r->attempts, r->attempts == 1 ? "" : "s");
    if (r->status >= 200 && r->status < 300)
        return 0;
    s3_error_code(r, code, sizeof(code));
    if (r->status == 404 && (!key || !strcmp(code, "NoSuchBucket")))
        return rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist (oss://%s%s%s)", bucket,
                       bucket, sep, k);
    if (r->status == 404)
        return rc_fail(err, RC_ENOENT, NULL, "object oss://%s/%s does not exist", bucket, k);
    if (r->status == 403 || r->status == 401)
        return rc_fail(err, rc_io, NULL,
                       "cannot %s oss://%s%s%s: access denied (%s); check s3.access_key_id and "
                       "s3.secret_access_key",
                       verb, bucket, sep, k, code[0] ? code : "HTTP 403");
    return rc_fail(err, rc_io, NULL, "cannot %s oss://%s%s%s: HTTP %ld %s(%d attempt%s)", verb,
                   bucket, sep, k, r->status, code[0] ? code : "", r->attempts,
                   r->attempts == 1 ? "" : "s");
}
