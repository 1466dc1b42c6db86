/* blob_s3_reader: random access to an S3 object without downloading it first - ranged GETs
 * streamed through a read-ahead window (one open-ended GET kept open while reads go forward; a seek
 * outside the window starts a new one), resumed at the offset after transient errors, pinned to the
 * ETag seen at open (If-Match). What was fetched is kept in a sparse temp file, so a second pass
 * (exports after analysis) reads it from disk, not the network. Falls back by itself to a
 * temp-file download when the server ignores Range or when seeks cost more than a download. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob/s3/blob_s3_int.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Memory per open reader: a highlight job keeps up to 30 inputs open, so 4 MB each at most. */
#define RD_WINDOW ((size_t)4 << 20)       /* buffer: read-ahead plus what is kept behind */
#define RD_WHOLE ((int64_t)4 << 20)       /* objects up to this are fetched whole by one GET */
#define RD_AHEAD_MIN ((int64_t)256 << 10) /* read-ahead of a fresh GET (after a seek) */
#define RD_AHEAD_MAX ((int64_t)2 << 20)   /* ...doubling up to this while reads go forward */
#define RD_KEEP_BACK ((int64_t)256 << 10) /* kept behind the read position for short seeks back */
#define RD_MAX_READ ((size_t)2 << 20)     /* one read returns at most this */
#define RD_CHUNK 65536L                   /* curl's receive buffer */
#define RD_POLL_MS 200
#define RD_BLOCK ((int64_t)64 << 10) /* cache granularity: complete blocks are marked cached */
/* What a GET costs beyond its bytes (a round trip, ~10-50 ms on a WAN, is worth about 1 MB of
 * transfer): the fallback rule weighs requests against bytes with it. */
#define RD_GET_COST ((int64_t)1 << 20)

typedef struct s3_reader {
    blob_reader base;
    s3_backend *s3;
    char *bucket, *key, *tmp_dir;
    char etag[128];     /* at open; "" if the server sent none */
    char if_match[160]; /* "If-Match: <etag>" */
    CURLM *multi;
    CURL *h;
    struct curl_slist *hdrs;
    char url[4096];
    char curl_err[CURL_ERROR_SIZE];
    /* The window holds bytes [win_off, win_off + win_len) of the object; a live GET delivers the
     * next one, win_off + win_len. */
    unsigned char *win;
    int64_t win_off;
    size_t win_len;
    int64_t pos;     /* offset of the read being served */
    int64_t fill_to; /* the GET pauses once the window reaches this offset */
    /* The current stream (one GET, plus the GETs resuming it after errors) */
    int live, paused;
    int64_t stream_start, used_hi, stream_fetched, stream_used;
    int fails; /* consecutive failed attempts */
    int64_t last_data_ms;
    /* The current HTTP response */
    int64_t req_start, cr_start; /* Range asked; Content-Range answered (-1 none) */
    long status;
    int checked, range_ignored, changed;
    char resp_etag[128];
    buf errbody;
    /* Cache of fetched bytes: a sparse temp file, a bitmap of its complete blocks */
    int cache_fd, cache_off; /* cache_off: disabled (small object, or the disk failed) */
    char *cache_path;
    unsigned char *cached;
    int64_t cov_start, cov_mark; /* the stream's contiguous data starts at; next block to mark */
    /* Temp-file fallback */
    int fd;
    char *tmp_path;
} s3_reader;

static int64_t win_end(const s3_reader *r) {
    return r->win_off + (int64_t)r->win_len;
}

/* Drops window bytes well behind the read position; only when that frees a quarter of the window
 * (bounds the copying to a few bytes per byte received). */
static void compact(s3_reader *r) {
    int64_t keep = r->pos - RD_KEEP_BACK;
    if (keep > win_end(r))
        keep = win_end(r);
    if (keep <= r->win_off || keep - r->win_off < (int64_t)(RD_WINDOW / 4))
        return;
    size_t drop = (size_t)(keep - r->win_off);
    memmove(r->win, r->win + drop, r->win_len - drop);
    r->win_len -= drop;
    r->win_off = keep;
}

static int block_cached(const s3_reader *r, int64_t b) {
    return r->cached[b >> 3] & (1u << (b & 7));
}

/* Writes fetched bytes [off, off + n) to the cache file and marks the blocks now complete. A disk
 * failure only turns the cache off. */
static void cache_put(s3_reader *r, int64_t off, const char *data, size_t n) {
    if (r->cache_off)
        return;
    if (r->cache_fd < 0 &&
        (r->cache_fd = blob_make_temp(r->tmp_dir, "s3", r->key, &r->cache_path)) < 0) {
        r->cache_off = 1;
        return;
    }
    for (size_t done = 0; done < n;) {
        ssize_t w = pwrite(r->cache_fd, data + done, n - done, (off_t)(off + (int64_t)done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            log_warn("s3: oss://%s/%s: read cache %s: %s; reading without it", r->bucket, r->key,
                     r->cache_path, w < 0 ? strerror(errno) : "short write");
            r->cache_off = 1;
            return;
        }
        done += (size_t)w;
    }
    int64_t end = off + (int64_t)n;
    int64_t b = (r->cov_start + RD_BLOCK - 1) / RD_BLOCK;
    if (b < r->cov_mark)
        b = r->cov_mark;
    for (;; b++) {
        int64_t bend = (b + 1) * RD_BLOCK < r->base.size ? (b + 1) * RD_BLOCK : r->base.size;
        if (b * RD_BLOCK >= r->base.size || bend > end)
            break;
        r->cached[b >> 3] |= (unsigned char)(1u << (b & 7));
    }
    r->cov_mark = b;
}

/* How many bytes from off (up to len) the cache holds. */
static size_t cached_run(const s3_reader *r, int64_t off, size_t len) {
    if (r->cache_off || r->cache_fd < 0)
        return 0;
    int64_t end = off;
    for (int64_t b = off / RD_BLOCK; end < off + (int64_t)len && end < r->base.size; b++) {
        if (!block_cached(r, b))
            break;
        end = (b + 1) * RD_BLOCK;
    }
    if (end > off + (int64_t)len)
        end = off + (int64_t)len;
    if (end > r->base.size)
        end = r->base.size;
    return end > off ? (size_t)(end - off) : 0;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *user) {
    s3_reader *r = user;
    size_t n = size * nmemb;
    if (!r->checked) {
        r->checked = 1;
        curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->status);
        if (r->status == 200 && r->req_start == 0)
            r->status = 206; /* the whole object from 0: what was asked for */
        else if (r->status == 200 || (r->status == 206 && r->cr_start != r->req_start)) {
            r->range_ignored = 1;
            return 0; /* abort: the caller falls back to a download */
        }
        if (r->status == 206 && r->etag[0] && r->resp_etag[0] && strcmp(r->etag, r->resp_etag)) {
            r->changed = 1;
            return 0;
        }
    }
    if (r->status != 206) { /* an error body: keep its start */
        size_t room = r->errbody.len < 65536 ? 65536 - r->errbody.len : 0;
        if (room && buf_append(&r->errbody, data, n < room ? n : room) != 0)
            return 0;
        return n;
    }
    if (r->win_len + n > RD_WINDOW)
        compact(r);
    if (r->win_len + n > RD_WINDOW || win_end(r) >= r->fill_to) {
        r->paused = 1;
        return CURL_WRITEFUNC_PAUSE; /* curl keeps this chunk and hands it over again */
    }
    memcpy(r->win + r->win_len, data, n);
    cache_put(r, win_end(r), data, n);
    r->win_len += n;
    r->stream_fetched += (int64_t)n;
    r->base.stats.bytes_fetched += (int64_t)n;
    r->last_data_ms = time_mono_ms();
    r->fails = 0;
    return n;
}

static size_t on_hdr(char *line, size_t size, size_t nitems, void *user) {
    s3_reader *r = user;
    size_t n = size * nitems;
    if (n > 14 && !strncasecmp(line, "Content-Range:", 14)) {
        const char *v = strstr(line, "bytes ");
        r->cr_start = v ? strtoll(v + 6, NULL, 10) : -1;
    } else {
        s3_header_etag(line, n, r->resp_etag, sizeof(r->resp_etag));
    }
    return n;
}

/* Takes the GET out of the multi handle (closing its connection if unfinished). */
static void stop_get(s3_reader *r) {
    if (r->live)
        curl_multi_remove_handle(r->multi, r->h);
    r->live = r->paused = 0;
}

/* Ends the current stream, counting what it read ahead and nobody used. */
static void end_stream(s3_reader *r) {
    stop_get(r);
    int64_t waste = r->stream_fetched - r->stream_used;
    if (waste > 0)
        r->base.stats.bytes_wasted += waste;
    r->stream_fetched = r->stream_used = 0;
    r->stream_start = r->used_hi = win_end(r);
}

/* Starts a GET of bytes [at, end of object) that appends to the window. */
static int start_get(s3_reader *r, int64_t at) {
    stop_get(r);
    char range[64];
    snprintf(range, sizeof(range), "Range: bytes=%lld-", (long long)at);
    curl_slist_free_all(r->hdrs);
    r->hdrs = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    struct curl_slist *t = r->hdrs ? curl_slist_append(r->hdrs, range) : NULL;
    if (t && r->etag[0])
        t = curl_slist_append(r->hdrs, r->if_match);
    if (!t)
        return blob_reader_fail(&r->base, RC_ENOMEM, "cannot read oss://%s/%s: out of memory",
                                r->bucket, r->key);
    s3_setup_common(r->s3, r->h, r->url, r->hdrs, r->curl_err);
    curl_easy_setopt(r->h, CURLOPT_BUFFERSIZE, RD_CHUNK);
    curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->h, CURLOPT_HEADERFUNCTION, on_hdr);
    curl_easy_setopt(r->h, CURLOPT_HEADERDATA, r);
    r->req_start = at;
    r->cr_start = -1;
    r->status = 0;
    r->checked = r->range_ignored = r->changed = 0;
    r->resp_etag[0] = r->curl_err[0] = '\0';
    buf_reset(&r->errbody);
    if (curl_multi_add_handle(r->multi, r->h) != CURLM_OK)
        return blob_reader_fail(&r->base, RC_EREAD, "cannot read oss://%s/%s: cannot start a GET",
                                r->bucket, r->key);
    r->live = 1;
    r->last_data_ms = time_mono_ms();
    r->base.stats.requests++;
    log_debug("s3: GET oss://%s/%s from %lld", r->bucket, r->key, (long long)at);
    return 0;
}

/* Downloads the whole object (If-Match the ETag seen at open) into a temp file that serves every
 * later read. */
static int fall_back(s3_reader *r, const char *why) {
    end_stream(r);
    log_info("s3: oss://%s/%s: %s, reading from a temp-file download instead", r->bucket, r->key,
             why);
    r->base.stats.fallback = 1;
    r->base.stats.fallback_reason = why;
    r->fd = blob_make_temp(r->tmp_dir, "s3", r->key, &r->tmp_path);
    if (r->fd < 0)
        return blob_reader_fail(&r->base, RC_EREAD, "cannot read oss://%s/%s: temp file: %s",
                                r->bucket, r->key, strerror(errno));
    s3_req q;
    s3_req_init(&q, "GET", r->bucket, r->key, NULL);
    q.out_fd = r->fd;
    q.extra_header = r->etag[0] ? r->if_match : NULL;
    int rc = s3_perform(r->s3, r->h, &q);
    r->base.stats.requests += q.attempts;
    rc_error e = {0};
    if (q.out_failed)
        rc = rc_fail(&e, RC_EREAD, NULL, "cannot read oss://%s/%s: writing a temp file: %s",
                     r->bucket, r->key, strerror(q.out_errno));
    else if (rc == 0 && q.cc == CURLE_OK && q.status == 412)
        rc = rc_fail(&e, RC_EREAD, NULL, "object oss://%s/%s changed while it was read", r->bucket,
                     r->key);
    else if (rc == 0)
        rc = s3_result(&q, RC_EREAD, "read", r->bucket, r->key, &e);
    else
        rc = rc_fail(&e, RC_EREAD, NULL, "cannot read oss://%s/%s: %s", r->bucket, r->key,
                     rc_strerror(rc));
    if (!rc && r->etag[0] && q.etag[0] && strcmp(q.etag, r->etag) != 0)
        rc = rc_fail(&e, RC_EREAD, NULL, "object oss://%s/%s changed while it was read", r->bucket,
                     r->key);
    struct stat sb;
    if (!rc && (fstat(r->fd, &sb) != 0 || sb.st_size != r->base.size))
        rc = rc_fail(&e, RC_EREAD, NULL, "object oss://%s/%s changed while it was read", r->bucket,
                     r->key);
    if (!rc)
        r->base.stats.bytes_fetched += r->base.size;
    s3_req_free(&q);
    free(r->win);
    r->win = NULL;
    r->win_len = 0;
    r->cache_off = 1; /* the download serves everything now */
    return rc ? blob_reader_fail(&r->base, e.rc, "%s", e.message) : 0;
}

/* A GET ended (result cc): done, resumed after a transient failure, or a failure. */
static int on_done(s3_reader *r, CURLcode cc) {
    stop_get(r);
    if (r->range_ignored)
        return fall_back(r, "the server ignored Range");
    if (r->changed || (cc == CURLE_OK && (r->status == 412 || r->status == 416)) ||
        (cc == CURLE_OK && r->status == 206 && win_end(r) != r->base.size))
        return blob_reader_fail(&r->base, RC_EREAD, "object oss://%s/%s changed while it was read",
                                r->bucket, r->key);
    if (cc == CURLE_OK && r->status == 206)
        return 0; /* read to the end of the object */
    int transient = cc == CURLE_OK ? s3_status_transient(r->status) : s3_cc_transient(cc);
    if (transient && ++r->fails < r->s3->max_attempts) {
        log_warn("s3: GET oss://%s/%s at %lld: %s, resuming (attempt %d of %d)", r->bucket, r->key,
                 (long long)win_end(r),
                 cc != CURLE_OK ? (r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc))
                                : "server error",
                 r->fails + 1, r->s3->max_attempts);
        s3_backoff(r->s3, r->fails);
        return start_get(r, win_end(r));
    }
    /* Reuse the request path's wording (missing object, access denied, HTTP status). */
    s3_req q;
    s3_req_init(&q, "GET", r->bucket, r->key, NULL);
    q.cc = cc;
    q.status = r->status;
    q.attempts = r->fails > 0 ? r->fails : 1;
    snprintf(q.curl_err, sizeof(q.curl_err), "%s", r->curl_err);
    if (r->errbody.len)
        buf_append(&q.body, r->errbody.data, r->errbody.len);
    rc_error e = {0};
    int rc = s3_result(&q, RC_EREAD, "read", r->bucket, r->key, &e);
    s3_req_free(&q);
    if (!rc)
        rc = rc_fail(&e, RC_EREAD, NULL, "cannot read oss://%s/%s: HTTP %ld", r->bucket, r->key,
                     r->status);
    return blob_reader_fail(&r->base, rc, "%s", e.message);
}

/* Runs the transfer until the window reaches `need` (or the transfer stops); with need <= the
 * window's end, only takes what already arrived, without waiting. */
static int pull(s3_reader *r, int64_t need) {
    int wait = win_end(r) < need;
    for (;;) {
        if (!r->live) {
            if (win_end(r) >= need)
                return 0;
            int rc = start_get(r, win_end(r));
            if (rc)
                return rc;
        }
        if (r->paused) {
            if (!wait)
                return 0;
            r->paused = 0;
            r->last_data_ms = time_mono_ms();
            curl_easy_pause(r->h, CURLPAUSE_CONT);
        }
        int running = 0;
        int64_t before = win_end(r);
        if (curl_multi_perform(r->multi, &running) != CURLM_OK)
            return blob_reader_fail(&r->base, RC_EREAD, "cannot read oss://%s/%s: curl failed",
                                    r->bucket, r->key);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(r->multi, &left)))
            if (msg->msg == CURLMSG_DONE && r->live) {
                int rc = on_done(r, msg->data.result);
                if (rc || r->fd >= 0)
                    return rc;
            }
        if (win_end(r) >= need && (!wait || r->paused || !r->live || win_end(r) == before))
            return 0;
        if (win_end(r) >= need)
            continue; /* take what already arrived, without waiting */
        if (r->live && !r->paused) {
            curl_multi_poll(r->multi, NULL, 0, RD_POLL_MS, NULL);
            if (time_mono_ms() - r->last_data_ms > (int64_t)r->s3->stall_timeout_s * 1000) {
                snprintf(r->curl_err, sizeof(r->curl_err), "no data for %d s",
                         r->s3->stall_timeout_s);
                int rc = on_done(r, CURLE_OPERATION_TIMEDOUT);
                if (rc || r->fd >= 0)
                    return rc;
            }
        }
    }
}

static int rd_read_at(blob_reader *base, int64_t off, void *dst, size_t len) {
    s3_reader *r = (s3_reader *)base;
    if (len > RD_MAX_READ)
        len = RD_MAX_READ;
    if (r->fd < 0) {
        if (!r->win && !(r->win = malloc(RD_WINDOW)))
            return blob_reader_fail(base, RC_ENOMEM, "cannot read oss://%s/%s: out of memory",
                                    r->bucket, r->key);
        int whole = base->size <= RD_WHOLE;
        int in_window = off >= r->win_off && off < win_end(r);
        size_t hit = in_window ? 0 : cached_run(r, off, len);
        if (hit) { /* fetched before: from the cache file */
            ssize_t got;
            do
                got = pread(r->cache_fd, dst, hit, (off_t)off);
            while (got < 0 && errno == EINTR);
            if (got > 0)
                return (int)got;
        }
        /* Skipping forward by less than a GET costs: keep streaming. */
        int reachable = r->live && off >= win_end(r) && off - win_end(r) <= RD_GET_COST;
        if (!in_window && !reachable && !(whole && r->live)) {
            /* A seek: a new stream from here (small objects: the whole object, once). */
            end_stream(r);
            if (base->stats.bytes_wasted + RD_GET_COST * base->stats.requests > base->size) {
                int rc = fall_back(r, "seeks cost more than a download (read-ahead thrown away "
                                      "+ 1 MB per GET > the object's size)");
                return rc ? rc : rd_read_at(base, off, dst, len);
            }
            int64_t at = whole ? 0 : off;
            r->win_off = r->stream_start = r->used_hi = r->cov_start = at;
            r->cov_mark = 0;
            r->win_len = 0;
            int rc = start_get(r, at);
            if (rc)
                return rc;
        }
        r->pos = off;
        int64_t need = off + (int64_t)len;
        if (need > base->size)
            need = base->size;
        /* Read-ahead: as much again as this stream has used so far, within bounds. */
        int64_t ahead = r->used_hi - r->stream_start;
        ahead = ahead < RD_AHEAD_MIN ? RD_AHEAD_MIN : ahead > RD_AHEAD_MAX ? RD_AHEAD_MAX : ahead;
        r->fill_to = whole ? base->size : need + ahead;
        int rc = pull(r, in_window ? off + 1 : need);
        if (rc)
            return rc;
        if (r->fd < 0) {
            if (off < r->win_off || off >= win_end(r))
                return blob_reader_fail(base, RC_EREAD, "cannot read oss://%s/%s at %lld",
                                        r->bucket, r->key, (long long)off);
            size_t n = (size_t)(win_end(r) - off);
            if (n > len)
                n = len;
            memcpy(dst, r->win + (off - r->win_off), n);
            int64_t fresh = off > r->used_hi ? off : r->used_hi; /* count each byte used once */
            if (off + (int64_t)n > fresh)
                r->stream_used += off + (int64_t)n - fresh;
            if (off + (int64_t)n > r->used_hi)
                r->used_hi = off + (int64_t)n;
            return (int)n;
        }
    }
    ssize_t got;
    do
        got = pread(r->fd, dst, len, (off_t)off);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return blob_reader_fail(base, RC_EREAD, "cannot read oss://%s/%s: its temp file: %s",
                                r->bucket, r->key, strerror(errno));
    return (int)got;
}

static void rd_close(blob_reader *base) {
    s3_reader *r = (s3_reader *)base;
    if (r->h)
        end_stream(r);
    if (r->h)
        curl_easy_cleanup(r->h);
    if (r->multi)
        curl_multi_cleanup(r->multi);
    curl_slist_free_all(r->hdrs);
    if (r->fd >= 0)
        close(r->fd);
    if (r->tmp_path)
        unlink(r->tmp_path);
    if (r->cache_fd >= 0)
        close(r->cache_fd);
    if (r->cache_path)
        unlink(r->cache_path);
    free(r->cache_path);
    free(r->cached);
    if (base->stats.requests)
        log_debug("s3: oss://%s/%s: read %lld of %lld bytes in %d GETs (%lld read ahead unused)%s",
                  r->bucket, r->key, (long long)base->stats.bytes_fetched, (long long)base->size,
                  base->stats.requests, (long long)base->stats.bytes_wasted,
                  base->stats.fallback ? ", then a temp-file download" : "");
    free(r->tmp_path);
    free(r->win);
    free(r->bucket);
    free(r->key);
    free(r->tmp_dir);
    buf_free(&r->errbody);
    free(r);
}

static const blob_reader_ops s3_reader_ops = {rd_read_at, rd_close};

int s3_open_reader(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                   blob_reader **out, rc_error *err) {
    s3_backend *s3 = (s3_backend *)be;
    *out = NULL;
    if (!blob_bucket_name_valid(bucket))
        return rc_fail(err, RC_ENOENT, NULL, "bucket \"%s\" does not exist (oss://%s/%s)", bucket,
                       bucket, key);
    s3_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return RC_ENOMEM;
    r->base.ops = &s3_reader_ops;
    r->s3 = s3;
    r->fd = r->cache_fd = -1;
    buf_init(&r->errbody, 65536);
    r->bucket = strdup(bucket);
    r->key = strdup(key);
    r->tmp_dir = strdup(tmp_dir ? tmp_dir : "/tmp");
    r->h = curl_easy_init();
    r->multi = curl_multi_init();
    int rc = 0;
    if (!r->bucket || !r->key || !r->tmp_dir || !r->h || !r->multi) {
        rc = RC_ENOMEM;
        goto out;
    }
    s3_req q;
    s3_req_init(&q, "HEAD", bucket, key, NULL);
    rc = s3_build_url(s3, &q, r->url, sizeof(r->url));
    if (rc)
        rc = rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: key too long", bucket, key);
    if (!rc) {
        s3_perform(s3, r->h, &q);
        rc = s3_result(&q, RC_EREAD, "read", bucket, key, err);
    }
    if (!rc && q.content_length < 0)
        rc =
            rc_fail(err, RC_EREAD, NULL, "cannot read oss://%s/%s: no Content-Length", bucket, key);
    if (!rc) {
        r->base.size = q.content_length;
        r->cache_off = r->base.size <= RD_WHOLE; /* small objects stay in memory */
        if (!r->cache_off && !(r->cached = calloc((size_t)(r->base.size / RD_BLOCK / 8 + 1), 1)))
            rc = RC_ENOMEM;
        snprintf(r->etag, sizeof(r->etag), "%s", q.etag);
        snprintf(r->if_match, sizeof(r->if_match), "If-Match: %s", q.etag);
    }
    s3_req_free(&q);
out:
    if (rc) {
        rd_close(&r->base);
        return rc;
    }
    *out = &r->base;
    return 0;
}
