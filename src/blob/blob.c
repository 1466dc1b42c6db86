#include "blob/blob.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int blob_get_local(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                   char **local_path, int *is_temp, rc_error *err) {
    return be->ops->get_local(be, bucket, key, tmp_dir, local_path, is_temp, err);
}

int blob_put_file(blob_backend *be, const char *bucket, const char *key, const char *local_path,
                  rc_error *err) {
    return be->ops->put_file(be, bucket, key, local_path, err);
}

int blob_put_file_tagged(blob_backend *be, const char *bucket, const char *key,
                         const char *local_path, const char *tag, rc_error *err) {
    if (!be->ops->put_file_tagged)
        return be->ops->put_file(be, bucket, key, local_path, err);
    return be->ops->put_file_tagged(be, bucket, key, local_path, tag, err);
}

int blob_stat_tag(blob_backend *be, const char *bucket, const char *key, int64_t *size, char *tag,
                  size_t tag_size, rc_error *err) {
    if (!be->ops->stat_tag)
        return RC_ENOTSUP;
    return be->ops->stat_tag(be, bucket, key, size, tag, tag_size, err);
}

int blob_abort_uploads(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    return be->ops->abort_uploads ? be->ops->abort_uploads(be, bucket, key, err) : 0;
}

int blob_delete_object(blob_backend *be, const char *bucket, const char *key, rc_error *err) {
    return be->ops->delete_object(be, bucket, key, err);
}

int blob_bucket_exists(blob_backend *be, const char *bucket, rc_error *err) {
    return be->ops->bucket_exists(be, bucket, err);
}

void blob_destroy(blob_backend *be) {
    if (be)
        be->ops->destroy(be);
}

int blob_make_temp(const char *tmp_dir, const char *prefix, const char *key, char **path) {
    char ext[16] = "";
    const char *dot = strrchr(key, '.');
    if (dot && !strchr(dot, '/') && strlen(dot) < sizeof(ext)) {
        int ok = 1;
        for (const char *p = dot + 1; *p; p++)
            ok &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (ok && dot[1])
            snprintf(ext, sizeof(ext), "%s", dot);
    }
    size_t n = strlen(tmp_dir) + strlen(prefix) + strlen(ext) + 16;
    *path = malloc(n);
    if (!*path) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(*path, n, "%s/%s-XXXXXX%s", tmp_dir, prefix, ext);
    int fd = mkstemps(*path, (int)strlen(ext));
    if (fd < 0) {
        int e = errno;
        free(*path);
        *path = NULL;
        errno = e;
    }
    return fd;
}

int blob_bucket_name_valid(const char *bucket) {
    size_t n = strlen(bucket);
    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)bucket[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '-'))
            return 0;
    }
    return isalnum((unsigned char)bucket[0]) && isalnum((unsigned char)bucket[n - 1]);
}

int blob_open_reader(blob_backend *be, const char *bucket, const char *key, const char *tmp_dir,
                     blob_reader **out, rc_error *err) {
    *out = NULL;
    if (!be->ops->open_reader)
        return rc_fail(err, RC_ENOTSUP, NULL, "the %s backend has no ranged reader", be->ops->name);
    return be->ops->open_reader(be, bucket, key, tmp_dir, out, err);
}

int blob_reader_read_at(blob_reader *r, int64_t offset, void *buf, size_t len) {
    if (r->failed)
        return r->failed;
    if (offset < 0)
        return blob_reader_fail(r, RC_EINVAL, "negative read offset %lld", (long long)offset);
    if (offset >= r->size || len == 0)
        return 0;
    if ((int64_t)len > r->size - offset)
        len = (size_t)(r->size - offset);
    if (len > (size_t)1 << 30)
        len = (size_t)1 << 30;
    return r->ops->read_at(r, offset, buf, len);
}

int64_t blob_reader_size(const blob_reader *r) {
    return r->size;
}

const rc_error *blob_reader_error(const blob_reader *r) {
    return r && r->failed ? &r->err : NULL;
}

void blob_reader_get_stats(const blob_reader *r, blob_reader_stats *st) {
    *st = r->stats;
}

void blob_reader_close(blob_reader *r) {
    if (r)
        r->ops->close(r);
}

int blob_reader_fail(blob_reader *r, int rc, const char *fmt, ...) {
    if (r->failed)
        return r->failed;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err.message, sizeof(r->err.message), fmt, ap);
    va_end(ap);
    snprintf(r->err.code, sizeof(r->err.code), "%s", rc_ims_code(rc));
    r->err.rc = rc;
    r->failed = rc;
    return rc;
}
