/* blob_s3_multipart: large uploads as S3 multipart uploads - parts read with pread straight from
 * the file by a few threads (each its own connection), completed in order, aborted on failure. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blob/s3/blob_s3_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define S3_MAX_PARTS 1000 /* Swift's default limit; AWS allows 10000 */
#define S3_GROW_PART_MAX ((size_t)64 << 20)

typedef struct mp_job {
    s3_backend *s3;
    const char *bucket, *key, *enc_id;
    int fd;
    size_t size, part, n_parts;
    char (*etags)[128];
    pthread_mutex_t lock;
    size_t next;  /* next part index to send */
    int rc;       /* first failure */
    rc_error err; /* its message */
} mp_job;

/* Copies the text of the first <tag>...</tag> in xml into out. */
static int xml_text(const char *xml, const char *tag, char *out, size_t n) {
    char open[64], close_[64];
    snprintf(open, sizeof(open), "<%s>", tag);
    snprintf(close_, sizeof(close_), "</%s>", tag);
    const char *s = xml ? strstr(xml, open) : NULL;
    const char *e = s ? strstr(s, close_) : NULL;
    if (!s || !e || (size_t)(e - s) - strlen(open) >= n)
        return -1;
    s += strlen(open);
    memcpy(out, s, (size_t)(e - s));
    out[e - s] = '\0';
    return 0;
}

static int send_part(mp_job *m, CURL *h, size_t i, rc_error *err) {
    char query[1700];
    snprintf(query, sizeof(query), "partNumber=%zu&uploadId=%s", i + 1, m->enc_id);
    s3_req r;
    s3_req_init(&r, "PUT", m->bucket, m->key, query);
    r.in_fd = m->fd;
    r.in_off = (off_t)(i * m->part);
    r.in_len = i + 1 < m->n_parts ? m->part : m->size - i * m->part;
    int64_t t0 = time_mono_ms();
    int rc = s3_perform(m->s3, h, &r);
    log_debug("s3: oss://%s/%s part %zu of %zu: %zu bytes in %lld ms (%d attempt%s)", m->bucket,
              m->key, i + 1, m->n_parts, r.in_len, (long long)(time_mono_ms() - t0), r.attempts,
              r.attempts == 1 ? "" : "s");
    if (rc == 0)
        rc = s3_result(&r, RC_EWRITE, "write", m->bucket, m->key, err);
    else
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", m->bucket, m->key,
                     rc_strerror(rc));
    if (!rc && !r.etag[0])
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: part %zu has no ETag",
                     m->bucket, m->key, i + 1);
    if (!rc)
        memcpy(m->etags[i], r.etag, sizeof(r.etag));
    s3_req_free(&r);
    return rc;
}

static void *part_worker(void *arg) {
    mp_job *m = arg;
    CURL *h = curl_easy_init();
    for (;;) {
        pthread_mutex_lock(&m->lock);
        size_t i = m->next++;
        int stop = m->rc != 0 || i >= m->n_parts || !h;
        if (!h && !m->rc)
            m->rc = RC_ENOMEM;
        pthread_mutex_unlock(&m->lock);
        if (stop)
            break;
        rc_error e = {0};
        int rc = send_part(m, h, i, &e);
        if (rc) {
            pthread_mutex_lock(&m->lock);
            if (!m->rc) {
                m->rc = rc;
                m->err = e;
            }
            pthread_mutex_unlock(&m->lock);
            break;
        }
    }
    curl_easy_cleanup(h);
    return NULL;
}

/* Sends every part with up to s3->upload_threads threads; returns the first failure. */
static int send_parts(mp_job *m, rc_error *err) {
    pthread_t threads[16];
    int n = m->s3->upload_threads < 16 ? m->s3->upload_threads : 16, started = 0;
    if ((size_t)n > m->n_parts)
        n = (int)m->n_parts;
    pthread_mutex_init(&m->lock, NULL);
    for (; started < n; started++)
        if (pthread_create(&threads[started], NULL, part_worker, m) != 0)
            break;
    if (started == 0)
        part_worker(m); /* no thread available: do it here */
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&m->lock);
    if (m->rc && m->err.message[0])
        return rc_fail(err, m->rc, m->err.code, "%s", m->err.message);
    return m->rc;
}

static void abort_upload(s3_backend *s3, CURL *h, const char *bucket, const char *key,
                         const char *enc_id) {
    char query[1700];
    snprintf(query, sizeof(query), "uploadId=%s", enc_id);
    s3_req r;
    s3_req_init(&r, "DELETE", bucket, key, query);
    int rc = s3_perform(s3, h, &r);
    if (rc || (r.status != 204 && r.status != 200 && r.status != 404))
        log_warn("s3: oss://%s/%s: cannot abort upload %s: HTTP %ld %.300s", bucket, key, enc_id,
                 r.status, r.body.data ? r.body.data : "");
    s3_req_free(&r);
}

static int complete(mp_job *m, CURL *h, rc_error *err) {
    buf xml;
    buf_init(&xml, 0);
    int rc = buf_puts(&xml, "<CompleteMultipartUpload>");
    for (size_t i = 0; i < m->n_parts && !rc; i++)
        rc = buf_printf(&xml, "<Part><PartNumber>%zu</PartNumber><ETag>%s</ETag></Part>", i + 1,
                        m->etags[i]);
    if (!rc)
        rc = buf_puts(&xml, "</CompleteMultipartUpload>");
    if (rc) {
        buf_free(&xml);
        return rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", m->bucket, m->key,
                       rc_strerror(rc));
    }
    char query[1700];
    snprintf(query, sizeof(query), "uploadId=%s", m->enc_id);
    s3_req r;
    s3_req_init(&r, "POST", m->bucket, m->key, query);
    r.in_mem = xml.data;
    r.in_mem_len = xml.len;
    rc = s3_perform(m->s3, h, &r);
    rc = rc ? rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", m->bucket, m->key,
                      rc_strerror(rc))
            : s3_result(&r, RC_EWRITE, "write", m->bucket, m->key, err);
    /* Completion may fail after a 200 status line: the error is then in the body. */
    if (!rc && r.body.data && strstr(r.body.data, "<Error>")) {
        char code[64];
        s3_error_code(&r, code, sizeof(code));
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: completing upload: %s",
                     m->bucket, m->key, code);
    }
    s3_req_free(&r);
    buf_free(&xml);
    return rc;
}

int s3_put_multipart(s3_backend *s3, const char *bucket, const char *key, int fd, size_t size,
                     const char *extra_header, rc_error *err) {
    char upload_id[512], enc_id[1536] = "";
    mp_job m = {.s3 = s3, .bucket = bucket, .key = key, .enc_id = enc_id, .fd = fd, .size = size};
    /* Parts of at least part_size, grown (up to S3_GROW_PART_MAX) until every thread has one:
     * servers charge a fixed cost per part (Swift: ~50-100 ms), which one round in parallel
     * hides. Then grown again if the file would need more than S3_MAX_PARTS parts. */
    size_t per_thread = (size + (size_t)s3->upload_threads - 1) / (size_t)s3->upload_threads;
    per_thread = (per_thread + ((size_t)1 << 20) - 1) & ~(((size_t)1 << 20) - 1);
    m.part = s3->part_size;
    if (per_thread > m.part)
        m.part = per_thread < S3_GROW_PART_MAX ? per_thread : S3_GROW_PART_MAX;
    if (m.part < s3->part_size)
        m.part = s3->part_size;
    if ((size + m.part - 1) / m.part > S3_MAX_PARTS)
        m.part = (size + S3_MAX_PARTS - 1) / S3_MAX_PARTS;
    m.n_parts = (size + m.part - 1) / m.part;
    CURL *h = curl_easy_init();
    m.etags = calloc(m.n_parts, sizeof(*m.etags));
    if (!h || !m.etags) {
        curl_easy_cleanup(h);
        free(m.etags);
        return rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: out of memory", bucket,
                       key);
    }
    s3_req r;
    s3_req_init(&r, "POST", bucket, key, "uploads=");
    r.extra_header = extra_header;
    int rc = s3_perform(s3, h, &r), started = 0;
    rc = rc ? rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: %s", bucket, key,
                      rc_strerror(rc))
            : s3_result(&r, RC_EWRITE, "write", bucket, key, err);
    if (rc)
        goto out;
    if (xml_text(r.body.data, "UploadId", upload_id, sizeof(upload_id)) != 0 ||
        blob_s3_uri_encode(upload_id, 0, enc_id, sizeof(enc_id)) < 0) {
        rc = rc_fail(err, RC_EWRITE, NULL, "cannot write oss://%s/%s: no UploadId in the answer",
                     bucket, key);
        goto out;
    }
    started = 1;
    int64_t t0 = time_mono_ms();
    rc = send_parts(&m, err);
    int64_t t1 = time_mono_ms();
    if (!rc)
        rc = complete(&m, h, err);
    log_debug("s3: oss://%s/%s: %zu parts of %zu bytes sent in %lld ms, completed in %lld ms",
              bucket, key, m.n_parts, m.part, (long long)(t1 - t0),
              (long long)(time_mono_ms() - t1));
out:
    if (rc && started)
        abort_upload(s3, h, bucket, key, enc_id);
    s3_req_free(&r);
    free(m.etags);
    curl_easy_cleanup(h);
    return rc;
}

/* Lists the bucket's incomplete uploads under the key (ListMultipartUploads, prefix = key) and
 * aborts those of exactly that key. One page (1000 uploads) is plenty for one key. */
int s3_abort_uploads(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    char enc_key[3 * 1024 + 1] = "", query[3 * 1024 + 64];
    if (!blob_bucket_name_valid(bucket) || blob_s3_uri_encode(key, 0, enc_key, sizeof(enc_key)) < 0)
        return rc_fail(err, RC_EINVAL, NULL, "invalid object oss://%s/%s", bucket, key);
    snprintf(query, sizeof(query), "prefix=%s&uploads=", enc_key);
    CURL *h = curl_easy_init();
    if (!h)
        return RC_ENOMEM;
    s3_req r;
    s3_req_init(&r, "GET", bucket, NULL, query);
    int rc = s3_perform(s3, h, &r);
    rc = rc ? rc_fail(err, RC_EWRITE, NULL, "cannot list the uploads of oss://%s/%s: %s", bucket,
                      key, rc_strerror(rc))
            : s3_result(&r, RC_EWRITE, "list the uploads of", bucket, key, err);
    int aborted = 0;
    for (const char *p = rc ? NULL : r.body.data; p && (p = strstr(p, "<Upload>"));) {
        const char *end = strstr(p, "</Upload>");
        if (!end)
            break;
        char k[1024], id[512], enc_id[1536] = "";
        size_t n = (size_t)(end - p);
        char *one = strndup(p, n);
        p = end;
        if (!one)
            break;
        /* The listing escapes XML: a key with & < > ' " shows as entities and never matches;
         * such an upload is left to the bucket's lifecycle rule. */
        if (xml_text(one, "Key", k, sizeof(k)) == 0 && strcmp(k, key) == 0 &&
            xml_text(one, "UploadId", id, sizeof(id)) == 0 &&
            blob_s3_uri_encode(id, 0, enc_id, sizeof(enc_id)) >= 0) {
            abort_upload(s3, h, bucket, key, enc_id);
            log_debug("s3: oss://%s/%s: aborted upload %s", bucket, key, id);
            aborted++;
        }
        free(one);
    }
    if (aborted)
        log_info("s3: oss://%s/%s: aborted %d incomplete upload(s) of an earlier attempt", bucket,
                 key, aborted);
    s3_req_free(&r);
    curl_easy_cleanup(h);
    return rc;
}
