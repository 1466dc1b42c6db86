/* web_media: GET /media/<bucket>/<key>?Expires&AccessKeyId&Signature - objects of local buckets
 * for browsers (<video> seeks with Range requests). The signature is checked before anything on
 * disk is looked at, so an unsigned caller learns nothing, not even whether an object exists; the
 * object is opened below the bucket folder by the no-link walk of blob_fs (blob_fs_walk.h) and
 * streamed from its fd (sendfile), never read whole. Every refusal has one fixed message. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/actions.h"
#include "api/media_url.h"
#include "api/web.h"
#include "blob/blob_fs_walk.h"
#include "blob/blob_router.h"
#include "store/store.h"
#include "util/log.h"

static const char DENIED[] = "The media URL is not valid: its signature does not match, it has "
                             "expired, or it names no object a URL can name.";
static const char MISSING[] = "The object of this media URL does not exist.";

static const struct {
    const char *ext;
    const char *type;
} TYPES[] = {
    {"mp4", "video/mp4"},   {"m4v", "video/mp4"},         {"mov", "video/quicktime"},
    {"webm", "video/webm"}, {"mkv", "video/x-matroska"},  {"ts", "video/mp2t"},
    {"m4a", "audio/mp4"},   {"mp3", "audio/mpeg"},        {"wav", "audio/wav"},
    {"jpg", "image/jpeg"},  {"jpeg", "image/jpeg"},       {"webp", "image/webp"},
    {"png", "image/png"},   {"json", "application/json"}, {"txt", "text/plain; charset=utf-8"},
    {"vtt", "text/vtt"},
};

/* The Content-Type of a key, from its extension (case-insensitive). */
static const char *content_type_of(const char *key) {
    const char *slash = strrchr(key, '/');
    const char *dot = strrchr(slash ? slash + 1 : key, '.');
    if (dot)
        for (size_t i = 0; i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
            if (strcasecmp(dot + 1, TYPES[i].ext) == 0)
                return TYPES[i].type;
    return "application/octet-stream";
}

static int parse_u64(const char **p, uint64_t *out) {
    const char *s = *p;
    uint64_t v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    *out = v;
    return 0;
}

/* One "bytes=" range of a Range header against an object of size bytes. Returns 1 with
 * [*first, *last] set, 0 when the header is to be ignored (absent, another unit, several ranges,
 * malformed: the whole object is sent), -1 when it cannot be satisfied (416). */
int api_web_media_range(const char *h, uint64_t size, uint64_t *first, uint64_t *last) {
    if (!h || strncasecmp(h, "bytes=", 6) != 0)
        return 0;
    const char *p = h + 6;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strchr(p, ','))
        return 0;
    uint64_t a = 0, b = 0;
    if (*p == '-') { /* the last b bytes */
        p++;
        if (parse_u64(&p, &b) || (*p && *p != ' ' && *p != '\t'))
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return 1;
    }
    if (parse_u64(&p, &a) || *p++ != '-')
        return 0;
    int open_end = *p == '\0' || *p == ' ' || *p == '\t';
    if (!open_end && (parse_u64(&p, &b) || (*p && *p != ' ' && *p != '\t') || b < a))
        return 0;
    if (a >= size)
        return -1;
    *first = a;
    *last = open_end || b >= size ? size - 1 : b;
    return 1;
}

/* Opens bucket/key of the local buckets below DATA_DIR/buckets for reading, following no link.
 * Returns the fd of a regular file, or -1. */
static int open_object(const config *cfg, const char *bucket, const char *key, struct stat *sb) {
    char root_path[CONFIG_PATH_MAX + 16];
    snprintf(root_path, sizeof(root_path), "%s/buckets", cfg->data_dir);
    int root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -1;
    int dir = blob_walk_open(root, bucket, O_PATH | O_DIRECTORY, 0, BLOB_WALK_OPENAT2);
    close(root);
    if (dir < 0)
        return -1;
    /* O_NONBLOCK: a FIFO planted in a bucket must not hang the thread (it is refused below). */
    int fd = blob_walk_open(dir, key, O_RDONLY | O_NONBLOCK, 0, BLOB_WALK_OPENAT2);
    close(dir);
    if (fd < 0)
        return -1;
    if (fstat(fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* /media/~jobs/<JobId>/<name>: an artefact of a job of the signing key's user, whole (they are
 * small: thumbnails, signal tracks), read from the job store. */
static void job_artefact(api_service *svc, const http_request *req, http_response *res,
                         const api_media_request *rq, const keys_entry *k) {
    char job_id[STORE_ID_LEN + 1];
    const char *slash = strchr(rq->key, '/');
    store_artefact a;
    memset(&a, 0, sizeof(a));
    int rc = RC_ENOENT;
    if (slash && slash - rq->key == STORE_ID_LEN) {
        memcpy(job_id, rq->key, STORE_ID_LEN);
        job_id[STORE_ID_LEN] = 0;
        rc_error err = {0};
        rc = store_artefact_get(svc->deps.st, job_id, k->user_id, slash + 1, &a, &err);
        if (rc && rc != RC_ENOENT)
            log_warn("media: artefact %s of job %s: %s", slash + 1, job_id, err.message);
    }
    if (rc) {
        free(a.data);
        if (rc == RC_ENOENT)
            api_web_error(svc, req, res, 404, "NoSuchKey", MISSING);
        else
            api_web_error(svc, req, res, 503, "ServiceUnavailable",
                          "The job store does not answer; try again in a moment.");
        return;
    }
    res->status = 200;
    res->content_type = content_type_of(rq->key); /* (names end in .jpg / .json) */
    res->body = a.data;
    res->body_len = a.size;
    http_response_add_header(res, "Cache-Control", "private, max-age=300");
    http_response_add_header(res, "Referrer-Policy", "no-referrer");
    http_response_add_header(res, "X-Content-Type-Options", "nosniff");
}

void api_web_media(api_service *svc, const http_request *req, http_response *res) {
    int head = strcmp(req->method, "HEAD") == 0;
    if (!head && strcmp(req->method, "GET") != 0) {
        api_web_error(svc, req, res, 404, "InvalidApi.NotFound",
                      "Specified api is not found, please check your url and method.");
        return;
    }
    api_media_request rq;
    const keys_entry *k = NULL;
    if (api_media_parse(req->path, req->raw_query, &rq) == 0)
        k = keys_find(svc->deps.keys, rq.access_key_id);
    if (!k || !k->enabled || api_media_check(&rq, k->secret, (int64_t)time(NULL)) != 0) {
        api_web_error(svc, req, res, 403, "AccessDenied", DENIED);
        return;
    }
    if (strcmp(rq.bucket, API_MEDIA_JOBS) == 0) {
        job_artefact(svc, req, res, &rq, k);
        return;
    }
    blob_backend *blob = svc->deps.blob;
    const char *backend =
        blob && blob_is_router(blob) ? blob_router_backend_of(blob, rq.bucket) : "fs";
    struct stat sb;
    int fd = backend && strcmp(backend, "fs") == 0
                 ? open_object(svc->deps.cfg, rq.bucket, rq.key, &sb)
                 : -1;
    if (fd < 0) {
        api_web_error(svc, req, res, 404, "NoSuchKey", MISSING);
        return;
    }
    uint64_t size = (uint64_t)sb.st_size, first = 0, last = size ? size - 1 : 0;
    int range = api_web_media_range(http_header_get(req, "range"), size, &first, &last);
    char value[96];
    if (range < 0) {
        close(fd);
        api_web_error(svc, req, res, 416, "InvalidRange",
                      "The requested range cannot be satisfied.");
        snprintf(value, sizeof(value), "bytes */%" PRIu64, size);
        http_response_add_header(res, "Content-Range", value);
        return;
    }
    res->status = range ? 206 : 200;
    res->content_type = content_type_of(rq.key);
    res->has_file = 1;
    res->file_fd = fd;
    res->file_offset = first;
    res->file_len = size ? last - first + 1 : 0;
    http_response_add_header(res, "Accept-Ranges", "bytes");
    if (range) {
        snprintf(value, sizeof(value), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first, last, size);
        http_response_add_header(res, "Content-Range", value);
    }
    /* The URL is the credential: keep it out of shared caches and of Referer headers. */
    http_response_add_header(res, "Cache-Control", "private, max-age=300");
    http_response_add_header(res, "Referrer-Policy", "no-referrer");
    http_response_add_header(res, "X-Content-Type-Options", "nosniff");
}
